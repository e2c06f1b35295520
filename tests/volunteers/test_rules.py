"""Exhaustive tests of the plain-Python rules."""

from datetime import date
from decimal import Decimal
from itertools import product

import pytest

from volunteers import rules
from volunteers.rules import CandidateFacts

FORBIDDEN = {("completed", "draft"), ("cancelled", "completed"), ("draft", "completed"), ("draft", "cancelled")}


@pytest.mark.parametrize("old,new", list(product(rules.EVENT_STATUSES, repeat=2)))
def test_every_status_pair(old, new):
    assert rules.event_transition_allowed(old, new) is ((old, new) not in FORBIDDEN)


def test_unknown_status_is_never_allowed():
    assert not rules.event_transition_allowed("draft", "count")
    assert not rules.event_transition_allowed("bogus", "draft")


@pytest.mark.parametrize(
    "status,reason,notes,fields",
    [
        ("cancelled", "weather", "", set()),
        ("cancelled", "", "", set()),
        ("completed", "weather", "", {"cancellation_reason"}),
        ("cancelled", "other", "too short", {"cancellation_notes"}),
        ("cancelled", "other", "   123456789   ", {"cancellation_notes"}),
        ("cancelled", "other", "1234567890", set()),
        ("confirmed", "other", "", {"cancellation_reason", "cancellation_notes"}),
    ],
)
def test_cancellation_errors(status, reason, notes, fields):
    assert set(rules.cancellation_errors(status=status, reason=reason, notes=notes)) == fields


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Attended", "attended"),
        ("Completed", "attended"),
        ("Successfully  Completed", "attended"),
        ("No-Show", "no_show"),
        ("no show", "no_show"),
        ("Canceled", "cancelled"),
        ("Registered", "registered"),
        ("Confirmed", "registered"),
        ("Not Attended", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_participation_status_from_source(raw, expected):
    assert rules.participation_status_from_source(raw) == expected


@pytest.mark.parametrize(
    "zip_code,expected",
    [
        ("64015", "local"),
        ("64110-1234", "local"),
        ("66012", "local"),
        ("66101", "local"),
        ("66401", "local"),
        ("66502", "local"),
        ("66601", "local"),
        ("64401", "partial"),
        ("64501", "partial"),
        ("64601", "partial"),
        ("67001", "partial"),
        ("67401", "partial"),
        ("64201", "non_local"),
        ("66201", "non_local"),
        ("66301", "non_local"),
        ("66701", "non_local"),
        ("67501", "non_local"),
        ("10001", "non_local"),
        ("", "unknown"),
        ("640", "unknown"),
        (None, "unknown"),
    ],
)
def test_local_status_from_zip(zip_code, expected):
    assert rules.local_status_from_zip(zip_code) == expected


def test_local_status_compute_order():
    assert rules.local_status_compute(attended_in_person=True, postal_codes=["10001"]) == "local"
    assert rules.local_status_compute(attended_in_person=False, postal_codes=["", "64501", "64110"]) == "partial"
    assert rules.local_status_compute(attended_in_person=False, postal_codes=[]) == "unknown"


def test_academic_year():
    assert rules.academic_year_bounds(2025) == (date(2025, 8, 1), date(2026, 7, 31))
    assert rules.academic_year_of(date(2025, 7, 31)) == 2024
    assert rules.academic_year_of(date(2025, 8, 1)) == 2025
    assert rules.academic_year_label(2025) == "2025–26"


def test_search_terms():
    assert rules.search_terms('  ada "van der" lovelace ') == ["ada", "van der", "lovelace"]
    assert rules.search_terms("") == []


def test_keywords_from_text():
    assert rules.keywords_from_text("Career Day: Robotics and Robotics", "the Engineering") == [
        "career",
        "robotics",
        "engineering",
    ]


def facts(**kw):
    base = dict(
        volunteer_id=1,
        event_types_done=frozenset(),
        skills=(),
        title="",
        department="",
        industry="",
        days_since_last=None,
        local_status="unknown",
        times_volunteered=0,
    )
    base.update(kw)
    return CandidateFacts(**base)


def test_score_all_bonuses():
    score = rules.score_candidate(
        facts(
            event_types_done=frozenset({"career_fair"}),
            skills=("Robotics",),
            title="Software Engineer",
            days_since_last=90,
            local_status="local",
            times_volunteered=10,
        ),
        event_type="career_fair",
        keywords=["robotics", "engineer"],
    )
    assert score.breakdown == {
        "event_type": Decimal("1.0"),
        "skill": Decimal("0.8"),
        "title_department_industry": Decimal("0.6"),
        "recency": Decimal("0.35"),
        "locality": Decimal("0.2"),
        "frequency": Decimal("0.3"),
    }
    assert score.total == Decimal("3.25")
    assert score.matched_keywords == ["robotics", "engineer"]


@pytest.mark.parametrize(
    "days,bonus", [(0, "0.35"), (90, "0.35"), (91, "0.15"), (180, "0.15"), (181, None), (None, None)]
)
def test_recency_bands(days, bonus):
    score = rules.score_candidate(facts(days_since_last=days), event_type="x", keywords=[])
    assert score.breakdown.get("recency") == (Decimal(bonus) if bonus else None)


@pytest.mark.parametrize(
    "times,bonus", [(0, None), (1, None), (2, "0.1"), (4, "0.1"), (5, "0.2"), (9, "0.2"), (10, "0.3"), (50, "0.3")]
)
def test_frequency_bands(times, bonus):
    score = rules.score_candidate(facts(times_volunteered=times), event_type="x", keywords=[])
    assert score.breakdown.get("frequency") == (Decimal(bonus) if bonus else None)


@pytest.mark.parametrize("status,bonus", [("local", "0.2"), ("partial", "0.1"), ("non_local", None), ("unknown", None)])
def test_locality(status, bonus):
    score = rules.score_candidate(facts(local_status=status), event_type="x", keywords=[])
    assert score.breakdown.get("locality") == (Decimal(bonus) if bonus else None)


def test_department_and_industry_match_text_bonus_once():
    score = rules.score_candidate(
        facts(department="Finance", industry="Banking"), event_type="x", keywords=["finance", "banking"]
    )
    assert score.breakdown == {"title_department_industry": Decimal("0.6")}


def test_rank_orders_by_total_then_experience_then_id():
    ranked = rules.rank_candidates(
        [
            facts(volunteer_id=3, times_volunteered=2),
            facts(volunteer_id=1, times_volunteered=3),
            facts(volunteer_id=2, local_status="local"),
        ],
        event_type="x",
        keywords=[],
    )
    assert [s.volunteer_id for s in ranked] == [2, 1, 3]
