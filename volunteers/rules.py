"""The volunteers domain's hard logic, in plain Python (no ORM, no request).

Event status transitions, cancellation rules, participation status mapping, local status
from ZIP prefixes, academic years, directory search terms and the recruitment score all live
here so they can be tested exhaustively and benchmarked on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# --------------------------------------------------------------------------- event status
# Values mirror volunteers.models.EventStatus (kept as strings so this module has no Django).
COMPLETED, CONFIRMED, CANCELLED, REQUESTED, DRAFT, PUBLISHED, NO_SHOW, SIMULCAST = (
    "completed",
    "confirmed",
    "cancelled",
    "requested",
    "draft",
    "published",
    "no_show",
    "simulcast",
)
EVENT_STATUSES = (COMPLETED, CONFIRMED, CANCELLED, REQUESTED, DRAFT, PUBLISHED, NO_SHOW, SIMULCAST)

# A finished event cannot become a draft again, a cancelled event cannot be marked completed,
# and a draft must be confirmed/published before it can complete or be cancelled.
FORBIDDEN_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (COMPLETED, DRAFT),
        (CANCELLED, COMPLETED),
        (DRAFT, COMPLETED),
        (DRAFT, CANCELLED),
    }
)


def event_transition_allowed(old: str, new: str) -> bool:
    if old not in EVENT_STATUSES or new not in EVENT_STATUSES:
        return False
    return (old, new) not in FORBIDDEN_TRANSITIONS


# --------------------------------------------------------------------------- cancellation
REASON_OTHER = "other"
OTHER_NOTES_MIN_LENGTH = 10


def cancellation_errors(*, status: str, reason: str, notes: str) -> dict[str, str]:
    """Field -> message for an invalid cancellation reason/notes combination."""
    errors: dict[str, str] = {}
    if reason and status != CANCELLED:
        errors["cancellation_reason"] = "A cancellation reason can only be set on a cancelled event."
    if reason == REASON_OTHER and len((notes or "").strip()) < OTHER_NOTES_MIN_LENGTH:
        errors["cancellation_notes"] = (
            f"Explain an “Other” cancellation in at least {OTHER_NOTES_MIN_LENGTH} characters."
        )
    return errors


# --------------------------------------------------------------------------- participation status
P_REGISTERED, P_ATTENDED, P_NO_SHOW, P_CANCELLED, P_UNKNOWN = (
    "registered",
    "attended",
    "no_show",
    "cancelled",
    "unknown",
)

_SOURCE_STATUS = {
    "attended": P_ATTENDED,
    "completed": P_ATTENDED,
    "successfully completed": P_ATTENDED,
    "count": P_ATTENDED,
    "simulcast": P_ATTENDED,
    "no-show": P_NO_SHOW,
    "no show": P_NO_SHOW,
    "noshow": P_NO_SHOW,
    "cancelled": P_CANCELLED,
    "canceled": P_CANCELLED,
    "teacher no-show": P_NO_SHOW,
    "volunteer no-show": P_NO_SHOW,
    "registered": P_REGISTERED,
    "confirmed": P_REGISTERED,
    "scheduled": P_REGISTERED,
    "signed up": P_REGISTERED,
}


def participation_status_from_source(raw: str | None) -> str:
    """Exact (case/space-insensitive) mapping of a source status; anything else is `unknown`.

    Never substring matching: "Not Attended" must not count as attended.
    """
    key = " ".join((raw or "").strip().lower().split())
    return _SOURCE_STATUS.get(key, P_UNKNOWN)


# --------------------------------------------------------------------------- local status
LOCAL, PARTIAL, NON_LOCAL, UNKNOWN = "local", "partial", "non_local", "unknown"
LOCAL_ZIP_PREFIXES = ("640", "641", "660", "661", "664", "665", "666")
PARTIAL_ZIP_PREFIXES = ("644", "645", "646", "670", "671", "672", "673", "674")


def local_status_from_zip(postal_code: str | None) -> str:
    digits = re.sub(r"\D", "", postal_code or "")
    if len(digits) < 5:
        return UNKNOWN
    prefix = digits[:3]
    if prefix in LOCAL_ZIP_PREFIXES:
        return LOCAL
    if prefix in PARTIAL_ZIP_PREFIXES:
        return PARTIAL
    return NON_LOCAL


def local_status_compute(*, attended_in_person: bool, postal_codes: list[str]) -> str:
    """Reference order: an attended in-person event → local; then the first usable ZIP
    (primary address first) → local/partial/non_local; otherwise unknown."""
    if attended_in_person:
        return LOCAL
    for code in postal_codes:
        status = local_status_from_zip(code)
        if status != UNKNOWN:
            return status
    return UNKNOWN


# --------------------------------------------------------------------------- academic year
def academic_year_bounds(start_year: int) -> tuple[date, date]:
    """Academic year `start_year` runs Aug 1 start_year – Jul 31 start_year+1 (both inclusive)."""
    return date(start_year, 8, 1), date(start_year + 1, 7, 31)


def academic_year_of(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def academic_year_label(start_year: int) -> str:
    return f"{start_year}–{str(start_year + 1)[-2:]}"


# --------------------------------------------------------------------------- search terms
def search_terms(query: str | None, *, limit: int = 6) -> list[str]:
    """Whitespace-separated terms; quotes group words ("van der")."""
    if not query:
        return []
    terms = [a or b for a, b in re.findall(r'"([^"]+)"|(\S+)', query)]
    return [t.strip() for t in terms if t.strip()][:limit]


# --------------------------------------------------------------------------- recruitment
STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with our your their this that "
    "day event session program grade students student class classes".split()
)
WEIGHT_EVENT_TYPE = Decimal("1.0")
WEIGHT_SKILL = Decimal("0.8")
WEIGHT_TEXT = Decimal("0.6")
RECENCY = ((90, Decimal("0.35")), (180, Decimal("0.15")))
LOCALITY = {LOCAL: Decimal("0.2"), PARTIAL: Decimal("0.1")}
FREQUENCY = ((10, Decimal("0.3")), (5, Decimal("0.2")), (2, Decimal("0.1")))


def keywords_from_text(*texts: str) -> list[str]:
    """Lower-cased words of 3+ letters, minus stopwords, first occurrence order, no repeats."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in re.findall(r"[a-z][a-z0-9+#&-]{2,}", (text or "").lower()):
            if word not in STOPWORDS:
                seen.setdefault(word, None)
    return list(seen)


@dataclass(frozen=True)
class CandidateFacts:
    volunteer_id: int
    event_types_done: frozenset[str]
    skills: tuple[str, ...]
    title: str
    department: str
    industry: str
    days_since_last: int | None
    local_status: str
    times_volunteered: int


@dataclass
class CandidateScore:
    volunteer_id: int
    total: Decimal
    breakdown: dict[str, Decimal] = field(default_factory=dict)
    matched_keywords: list[str] = field(default_factory=list)


def _matches(keyword: str, text: str) -> bool:
    return bool(text) and keyword in text.lower()


def score_candidate(facts: CandidateFacts, *, event_type: str, keywords: list[str]) -> CandidateScore:
    """Sum of flat bonuses; `breakdown` names every bonus that applied (so users see why)."""
    breakdown: dict[str, Decimal] = {}
    matched: list[str] = []
    if event_type and event_type in facts.event_types_done:
        breakdown["event_type"] = WEIGHT_EVENT_TYPE
    skills = [s.lower() for s in facts.skills]
    skill_hits = [k for k in keywords if any(k in s or (len(s) >= 3 and s in k) for s in skills)]
    if skill_hits:
        breakdown["skill"] = WEIGHT_SKILL
        matched += skill_hits
    text_hits = [
        k for k in keywords if _matches(k, facts.title) or _matches(k, facts.department) or _matches(k, facts.industry)
    ]
    if text_hits:
        breakdown["title_department_industry"] = WEIGHT_TEXT
        matched += [k for k in text_hits if k not in matched]
    if facts.days_since_last is not None:
        for days, bonus in RECENCY:
            if facts.days_since_last <= days:
                breakdown["recency"] = bonus
                break
    if facts.local_status in LOCALITY:
        breakdown["locality"] = LOCALITY[facts.local_status]
    for minimum, bonus in FREQUENCY:
        if facts.times_volunteered >= minimum:
            breakdown["frequency"] = bonus
            break
    total = sum(breakdown.values(), Decimal("0"))
    return CandidateScore(volunteer_id=facts.volunteer_id, total=total, breakdown=breakdown, matched_keywords=matched)


def rank_candidates(facts: list[CandidateFacts], *, event_type: str, keywords: list[str]) -> list[CandidateScore]:
    scores = [score_candidate(f, event_type=event_type, keywords=keywords) for f in facts]
    # Ties: more experience first, then id for a stable order.
    by_id = {f.volunteer_id: f for f in facts}
    scores.sort(key=lambda s: (-s.total, -by_id[s.volunteer_id].times_volunteered, s.volunteer_id))
    return scores
