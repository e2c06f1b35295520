"""Data-quality scoring (plain Python): grading, dimension and entity scores.

Five dimensions per entity (volunteer, organization, event, teacher, student):
- **count**: Crewbase rows that came from Salesforce vs the Salesforce count of the same object
  and filter the sync uses (Contact by type, Account by type, Session__c — never the standard Event);
- **completeness**: required fields filled;
- **format**: emails, phones, dates, picklist values;
- **relationships**: orphans and dangling references;
- **rules**: business rules (the event rules, end after start, …).

Every check is graded info / warning / error / critical = 100 / 85 / 60 / 30. A dimension scores the
mean of its checks; the entity scores the weighted mean of its dimensions with the weights below
(re-normalised over the dimensions that ran, e.g. when Salesforce could not be counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

INFO, WARNING, ERROR, CRITICAL = "info", "warning", "error", "critical"
SEVERITY_SCORE = {INFO: 100, WARNING: 85, ERROR: 60, CRITICAL: 30}
DIMENSIONS = ("count", "completeness", "format", "relationships", "rules")
ENTITIES = ("volunteer", "organization", "event", "teacher", "student")

# Weights per entity (each row sums to 1). Events lean on their business rules, people on
# completeness and format (they are contacted), organizations on completeness.
WEIGHTS: dict[str, dict[str, Decimal]] = {
    "volunteer": {
        "count": Decimal("0.15"),
        "completeness": Decimal("0.25"),
        "format": Decimal("0.25"),
        "relationships": Decimal("0.15"),
        "rules": Decimal("0.20"),
    },
    "organization": {
        "count": Decimal("0.15"),
        "completeness": Decimal("0.30"),
        "format": Decimal("0.15"),
        "relationships": Decimal("0.20"),
        "rules": Decimal("0.20"),
    },
    "event": {
        "count": Decimal("0.15"),
        "completeness": Decimal("0.20"),
        "format": Decimal("0.15"),
        "relationships": Decimal("0.15"),
        "rules": Decimal("0.35"),
    },
    "teacher": {
        "count": Decimal("0.15"),
        "completeness": Decimal("0.25"),
        "format": Decimal("0.20"),
        "relationships": Decimal("0.20"),
        "rules": Decimal("0.20"),
    },
    "student": {
        "count": Decimal("0.15"),
        "completeness": Decimal("0.25"),
        "format": Decimal("0.20"),
        "relationships": Decimal("0.20"),
        "rules": Decimal("0.20"),
    },
}

# Share of offending records at which a check becomes error / critical (any offending record: warning).
RATIO_THRESHOLDS = (Decimal("0.05"), Decimal("0.15"))
# Count tolerance T: |local − Salesforce| / Salesforce ≤ T info, ≤ 2T warning, ≤ 5T error, else critical.
COUNT_TOLERANCE = Decimal("0.01")


@dataclass
class CheckResult:
    entity: str
    dimension: str
    name: str
    severity: str | None  # None: the check could not run (not scored)
    message: str
    measured: dict = field(default_factory=dict)
    offending_ids: list[int] = field(default_factory=list)

    @property
    def score(self) -> int | None:
        return SEVERITY_SCORE[self.severity] if self.severity else None


def grade_ratio(offending: int, total: int, thresholds=RATIO_THRESHOLDS) -> str:
    """Severity for `offending` of `total` records: none → info; some → warning; ≥ 5 % error; ≥ 15 % critical."""
    if total <= 0 or offending <= 0:
        return INFO
    ratio = Decimal(offending) / Decimal(total)
    error, critical = thresholds
    if ratio >= critical:
        return CRITICAL
    if ratio >= error:
        return ERROR
    return WARNING


def grade_count(local: int, remote: int, tolerance: Decimal = COUNT_TOLERANCE) -> str:
    if remote == 0:
        return INFO if local == 0 else CRITICAL
    diff = Decimal(abs(local - remote)) / Decimal(remote)
    if diff <= tolerance:
        return INFO
    if diff <= 2 * tolerance:
        return WARNING
    if diff <= 5 * tolerance:
        return ERROR
    return CRITICAL


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def dimension_scores(results: list[CheckResult]) -> dict[str, Decimal]:
    grouped: dict[str, list[int]] = {}
    for result in results:
        if result.score is not None:
            grouped.setdefault(result.dimension, []).append(result.score)
    return {dim: _round(Decimal(sum(scores)) / Decimal(len(scores))) for dim, scores in grouped.items()}


def entity_score(entity: str, dimensions: dict[str, Decimal]) -> Decimal | None:
    weights = WEIGHTS[entity]
    used = {dim: weights[dim] for dim in dimensions if dim in weights}
    total = sum(used.values())
    if not total:
        return None
    return _round(sum(dimensions[dim] * weight for dim, weight in used.items()) / total)


def score_run(results: list[CheckResult]) -> tuple[dict, Decimal | None]:
    """({entity: {"score", "dimensions"}}, overall mean of the entity scores)."""
    scores = {}
    for entity in ENTITIES:
        dims = dimension_scores([r for r in results if r.entity == entity])
        score = entity_score(entity, dims)
        if score is not None:
            scores[entity] = {"score": float(score), "dimensions": {d: float(v) for d, v in dims.items()}}
    values = [Decimal(str(v["score"])) for v in scores.values()]
    overall = _round(sum(values) / len(values)) if values else None
    return scores, overall
