"""Data-quality scoring: grading rules (plain Python) and a stored run over synced data."""

from decimal import Decimal

import pytest

from integrations.salesforce.fake import FakeSalesforceClient
from volunteers.models import DataQualityFlag, QualityCheck, QualityRun
from volunteers.quality import checks as q
from volunteers.quality.services import flag_close, quality_run_execute
from volunteers.salesforce.sync import sync_all


@pytest.mark.parametrize(
    "bad, total, severity",
    [
        (0, 100, "info"),
        (0, 0, "info"),
        (1, 100, "warning"),
        (4, 100, "warning"),
        (5, 100, "error"),
        (14, 100, "error"),
        (15, 100, "critical"),
        (100, 100, "critical"),
    ],
)
def test_grade_ratio(bad, total, severity):
    assert q.grade_ratio(bad, total) == severity


@pytest.mark.parametrize(
    "local, remote, severity",
    [
        (100, 100, "info"),
        (99, 100, "info"),
        (98, 100, "warning"),
        (102, 100, "warning"),
        (95, 100, "error"),
        (94, 100, "critical"),
        (0, 0, "info"),
        (3, 0, "critical"),
    ],
)
def test_grade_count(local, remote, severity):
    assert q.grade_count(local, remote) == severity


def test_scores_are_means_and_weighted_means():
    results = [
        q.CheckResult("event", "rules", "a", "info", ""),
        q.CheckResult("event", "rules", "b", "critical", ""),
        q.CheckResult("event", "count", "c", "warning", ""),
        q.CheckResult("event", "format", "d", None, ""),
    ]
    dims = q.dimension_scores(results)
    assert dims == {"rules": Decimal("65.0"), "count": Decimal("85.0")}  # the unrun check is not scored
    # weights rules .35, count .15 re-normalised over the dimensions that ran: (65*.35 + 85*.15) / .5
    assert q.entity_score("event", dims) == Decimal("71.0")
    scores, overall = q.score_run(results)
    assert scores == {"event": {"score": 71.0, "dimensions": {"rules": 65.0, "count": 85.0}}} and overall == Decimal(
        "71.0"
    )
    assert q.SEVERITY_SCORE == {"info": 100, "warning": 85, "error": 60, "critical": 30}
    assert all(sum(w.values()) == 1 for w in q.WEIGHTS.values())


@pytest.mark.django_db
def test_quality_run_over_synced_data():
    client = FakeSalesforceClient()
    sync_all(client=client, mode="full")
    run = quality_run_execute(client=client)
    assert run.status == "success" and set(run.scores) == {"volunteer", "organization", "event", "teacher", "student"}
    count = QualityCheck.objects.get(run=run, entity="event", name="salesforce_count")
    assert count.measured == {"local": 24, "remote": 24, "difference": 0} and count.severity == "info"
    caps = QualityCheck.objects.get(run=run, entity="volunteer", name="all_caps_fixed")
    assert caps.measured["offending"] == 4 and caps.severity == "error"  # 4 of 60 = 6.7 %
    unknown_type = QualityCheck.objects.get(run=run, entity="event", name="type_known")
    assert unknown_type.measured["offending"] == 3 and unknown_type.severity == "error"  # 3 of 24 = 12.5 %
    assert len(unknown_type.offending_ids) == 3
    cancelled = QualityCheck.objects.get(run=run, entity="event", name="cancelled_has_reason")
    assert cancelled.severity == "info"
    # Counting against a Salesforce that lost records
    client.data["Session__c"] = client.data["Session__c"][:12]
    second = quality_run_execute(client=client)
    assert QualityCheck.objects.get(run=second, entity="event", name="salesforce_count").severity == "critical"
    assert second.scores["event"]["score"] < run.scores["event"]["score"]
    assert QualityRun.objects.count() == 2


@pytest.mark.django_db
def test_flag_close(coordinator):
    flag = DataQualityFlag.objects.create(
        entity_type="volunteer", entity_key="x", issue_type="all_caps_name", message="m"
    )
    flag_close(flag=flag, status="dismissed", user=coordinator, note="Name really is all caps")
    flag.refresh_from_db()
    assert flag.status == "dismissed" and flag.resolved_by == coordinator
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        flag_close(flag=flag, status="resolved", user=coordinator)
