"""The one rule set, on hand-built contexts (no database)."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling import rules
from scheduling.rules import (
    CLUB_SUPERVISOR,
    CORE,
    DIGITAL,
    FREEOSK,
    JUICER,
    JUICER_BARISTA,
    LEAD,
    OTHER,
    SPECIALIST,
    SUPERVISOR,
    Booking,
    EmployeeInfo,
    EventInfo,
    RuleContext,
    validate_assignment,
)

MONDAY = date(2026, 11, 23)


def at(day=MONDAY, hh=9, mm=45):
    return datetime(day.year, day.month, day.day, hh, mm)


def event(event_type=CORE, *, id=1, start=MONDAY - timedelta(days=1), due=MONDAY + timedelta(days=3), minutes=None):
    return EventInfo(
        id=id,
        name=f"{event_type} {id}",
        event_type=event_type,
        start_at=datetime.combine(start, time()),
        due_at=datetime.combine(due, time()),
        estimated_minutes=minutes,
    )


def person(title=SPECIALIST, *, id=10, **kw):
    return EmployeeInfo(id=id, name=f"P{id}", job_title=title, **kw)


def codes(violations):
    return sorted(v.code for v in violations)


def hard_codes(violations):
    return sorted(v.code for v in rules.hard(violations))


def test_a_clean_assignment_has_no_violation():
    assert validate_assignment(event=event(), employee=person(), start_at=at(), ctx=RuleContext()) == []


@pytest.mark.parametrize(
    "day,ok",
    [
        (MONDAY - timedelta(days=2), False),  # before the start date
        (MONDAY - timedelta(days=1), True),  # the start date itself is inside
        (MONDAY + timedelta(days=2), True),  # the day before due
        (MONDAY + timedelta(days=3), False),  # the due date is excluded
    ],
)
def test_window_start_inclusive_due_exclusive(day, ok):
    v = validate_assignment(event=event(), employee=person(), start_at=at(day), ctx=RuleContext())
    assert ("window" not in codes(v)) is ok


@pytest.mark.parametrize(
    "event_type,title,allowed",
    [
        (CORE, LEAD, True),
        (CORE, SPECIALIST, True),
        (CORE, JUICER_BARISTA, True),
        (CORE, CLUB_SUPERVISOR, False),
        (JUICER, JUICER_BARISTA, True),
        (JUICER, LEAD, False),
        (JUICER, SPECIALIST, False),
        (JUICER, CLUB_SUPERVISOR, False),
        (SUPERVISOR, CLUB_SUPERVISOR, True),
        (SUPERVISOR, LEAD, True),
        (SUPERVISOR, SPECIALIST, False),
        (SUPERVISOR, JUICER_BARISTA, False),
        (FREEOSK, LEAD, True),
        (FREEOSK, CLUB_SUPERVISOR, True),
        (FREEOSK, SPECIALIST, False),
        (DIGITAL, LEAD, True),
        (DIGITAL, CLUB_SUPERVISOR, True),
        (DIGITAL, JUICER_BARISTA, False),
        (OTHER, CLUB_SUPERVISOR, True),
        (OTHER, LEAD, True),
        (OTHER, SPECIALIST, False),
    ],
)
def test_role_matrix(event_type, title, allowed):
    start = at(hh=12, mm=0) if event_type == SUPERVISOR else at()
    v = validate_assignment(event=event(event_type), employee=person(title), start_at=start, ctx=RuleContext())
    assert ("role" not in hard_codes(v)) is allowed


def test_inactive_and_terminated():
    ctx = RuleContext()
    assert "inactive" in hard_codes(
        validate_assignment(event=event(), employee=person(is_active=False), start_at=at(), ctx=ctx)
    )
    assert "terminated" in hard_codes(
        validate_assignment(event=event(), employee=person(termination_date=MONDAY), start_at=at(), ctx=ctx)
    )
    assert (
        validate_assignment(
            event=event(), employee=person(termination_date=MONDAY + timedelta(days=1)), start_at=at(), ctx=ctx
        )
        == []
    )


def test_time_off_is_inclusive_on_both_ends():
    ctx = RuleContext()
    ctx.time_off[10].append((MONDAY - timedelta(days=1), MONDAY))
    assert "time_off" in hard_codes(validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx))
    ok = validate_assignment(event=event(), employee=person(), start_at=at(MONDAY + timedelta(days=1)), ctx=ctx)
    assert ok == []


def test_weekly_and_date_availability():
    not_mondays = (False, True, True, True, True, True, True)
    ctx = RuleContext()
    assert "weekly_unavailable" in hard_codes(
        validate_assignment(event=event(), employee=person(weekly=not_mondays), start_at=at(), ctx=ctx)
    )
    # An explicit "available" on the date wins over the weekly grid.
    ctx.date_availability[(10, MONDAY)] = True
    assert validate_assignment(event=event(), employee=person(weekly=not_mondays), start_at=at(), ctx=ctx) == []
    ctx.date_availability[(10, MONDAY)] = False
    assert hard_codes(validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx)) == [
        "date_unavailable"
    ]


def test_fixed_and_recurring_holidays():
    ctx = RuleContext(holidays={MONDAY})
    assert hard_codes(validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx)) == ["holiday"]
    ctx = RuleContext(recurring_holidays={(MONDAY.month, MONDAY.day)})
    assert hard_codes(validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx)) == ["holiday"]
    ctx = RuleContext(recurring_holidays={(MONDAY.month, MONDAY.day + 1)})
    assert validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx) == []


def test_one_core_per_employee_per_day_counts_only_cores():
    ctx = RuleContext()
    ctx.add_booking(
        Booking(event_id=2, employee_id=10, start_at=at(hh=19), end_at=at(hh=19, mm=15), event_type=FREEOSK)
    )
    assert validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx) == []
    ctx.add_booking(Booking(event_id=3, employee_id=10, start_at=at(hh=17), end_at=at(hh=17, mm=30), event_type=CORE))
    assert hard_codes(validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx)) == [
        "one_core_per_day"
    ]
    # …but the same booking does not block a Core of another person or another day.
    assert validate_assignment(event=event(), employee=person(id=11), start_at=at(), ctx=ctx) == []
    assert validate_assignment(event=event(), employee=person(), start_at=at(MONDAY + timedelta(days=1)), ctx=ctx) == []
    # Excluding the booking (a swap moves it away) lifts the rule.
    assert validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx, exclude_events=[3]) == []


@pytest.mark.parametrize(
    "other_start,other_minutes,overlaps",
    [
        ((16, 15), 15, False),  # starts exactly when the Core (09:45 + 390 min) ends
        ((16, 14), 15, True),
        ((9, 30), 15, False),  # ends exactly at 09:45
        ((9, 31), 15, True),
        ((12, 0), 5, True),
    ],
)
def test_overlap_by_duration(other_start, other_minutes, overlaps):
    ctx = RuleContext()
    start = at(hh=other_start[0], mm=other_start[1])
    ctx.add_booking(
        Booking(
            event_id=2,
            employee_id=10,
            start_at=start,
            end_at=start + timedelta(minutes=other_minutes),
            event_type=OTHER,
        )
    )
    v = validate_assignment(event=event(), employee=person(), start_at=at(), ctx=ctx)
    assert ("overlap" in hard_codes(v)) is overlaps


def test_estimated_minutes_override_the_type_default():
    ctx = RuleContext()
    ctx.add_booking(
        Booking(event_id=2, employee_id=10, start_at=at(hh=11, mm=0), end_at=at(hh=11, mm=15), event_type=OTHER)
    )
    assert validate_assignment(event=event(minutes=60), employee=person(), start_at=at(), ctx=ctx) == []
    assert "overlap" in hard_codes(
        validate_assignment(event=event(minutes=120), employee=person(), start_at=at(), ctx=ctx)
    )


def test_juicer_cannot_take_a_core_on_a_juicing_day_and_exceptions_win():
    ctx = RuleContext(rotations={(JUICER, MONDAY.weekday()): 10})
    barista = person(JUICER_BARISTA)
    assert "juicing_that_day" in hard_codes(
        validate_assignment(event=event(), employee=barista, start_at=at(), ctx=ctx)
    )
    ctx.rotation_exceptions[(JUICER, MONDAY)] = 99
    assert validate_assignment(event=event(), employee=barista, start_at=at(), ctx=ctx) == []
    # …and the barista is now not the rotation Juicer: a soft warning on a Juicer event.
    v = validate_assignment(event=event(JUICER), employee=barista, start_at=at(hh=9, mm=0), ctx=ctx)
    assert codes(v) == ["not_rotation_juicer"] and rules.hard(v) == []


def test_juicer_and_core_on_the_same_day_exclude_each_other():
    ctx = RuleContext()
    ctx.add_booking(
        Booking(event_id=2, employee_id=10, start_at=at(MONDAY, 9, 0), end_at=at(MONDAY, 9, 1), event_type=JUICER)
    )
    assert "juicer_and_core" in hard_codes(
        validate_assignment(event=event(), employee=person(JUICER_BARISTA), start_at=at(hh=17, mm=0), ctx=ctx)
    )


def test_soft_time_of_day_warnings():
    v = validate_assignment(event=event(), employee=person(), start_at=at(hh=10, mm=0), ctx=RuleContext())
    assert codes(v) == ["core_slot"] and not rules.hard(v)
    v = validate_assignment(
        event=event(SUPERVISOR), employee=person(CLUB_SUPERVISOR), start_at=at(hh=13), ctx=RuleContext()
    )
    assert codes(v) == ["supervisor_time"]


def test_supervisor_by_a_lead_who_is_not_the_primary_lead_is_a_warning():
    ctx = RuleContext(rotations={("primary_lead", MONDAY.weekday()): 42})
    v = validate_assignment(event=event(SUPERVISOR), employee=person(LEAD), start_at=at(hh=12, mm=0), ctx=ctx)
    assert codes(v) == ["not_primary_lead"]


def test_supervisor_rule_and_candidates():
    ctx = RuleContext(rotations={("primary_lead", MONDAY.weekday()): 3})
    staff = [person(LEAD, id=4), person(LEAD, id=3), person(CLUB_SUPERVISOR, id=7), person(SPECIALIST, id=1)]
    assert [e.id for e in rules.supervisor_candidates(MONDAY, staff, ctx)] == [7, 3]
    assert rules.supervisor_start(at(hh=10, mm=30), ctx) == at(hh=12, mm=0)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("606001-CORE-Super Pretzel", (CORE, "")),
        ("606001-Supervisor-Core Pretzel", (SUPERVISOR, "")),
        ("606001-V2-SUPER-Pretzel", (SUPERVISOR, "")),
        ("606001-JUICER-PRODUCTION-SPCLTY", (JUICER, "juicer_production")),
        ("JUICER-SURVEY 606001", (JUICER, "juicer_survey")),
        ("DIGITAL TEARDOWN - Screens", (DIGITAL, "digital_teardown")),
        ("Digital Refresh", (DIGITAL, "digital_refresh")),
        ("DIGITAL Screens", (DIGITAL, "digital_setup")),
        ("FREEOSK Refill", (FREEOSK, "")),
        ("Member survey table", (OTHER, "")),
    ],
)
def test_classify_event_name(name, expected):
    assert rules.classify_event_name(name) == expected


@pytest.mark.parametrize(
    "name,number", [("606001-CORE-X", "606001"), ("X 1234567 Y", ""), ("no digits", ""), ("A12345-606002", "606002")]
)
def test_event_number(name, number):
    assert rules.event_number_from_name(name) == number


@given(
    start_hours=st.lists(st.integers(min_value=6, max_value=20), min_size=1, max_size=6),
    candidate_hour=st.integers(min_value=6, max_value=20),
)
def test_property_overlap_matches_interval_arithmetic(start_hours, candidate_hour):
    ctx = RuleContext()
    for i, hour in enumerate(start_hours):
        ctx.add_booking(
            Booking(
                event_id=100 + i,
                employee_id=10,
                start_at=at(hh=hour, mm=0),
                end_at=at(hh=hour, mm=30),
                event_type=OTHER,
            )
        )
    candidate = event(FREEOSK)
    start = at(hh=candidate_hour, mm=0)
    v = validate_assignment(event=candidate, employee=person(LEAD), start_at=start, ctx=ctx)
    expected = any(
        hour * 60 < candidate_hour * 60 + 15 and candidate_hour * 60 < hour * 60 + 30 for hour in start_hours
    )
    assert ("overlap" in hard_codes(v)) is expected


def test_supervisor_events_are_exempt_from_the_overlap_rule():
    """Lead's decision: several Supervisor events may sit at 12:00 for one person, and a Supervisor
    event never conflicts with that person's other assignments (both directions)."""
    ctx = RuleContext()
    boss = person(CLUB_SUPERVISOR)
    ctx.add_booking(
        Booking(event_id=2, employee_id=10, start_at=at(hh=12, mm=0), end_at=at(hh=12, mm=5), event_type=SUPERVISOR)
    )
    ctx.add_booking(
        Booking(event_id=3, employee_id=10, start_at=at(hh=11, mm=0), end_at=at(hh=13, mm=0), event_type=OTHER)
    )
    # A second Supervisor event at the same noon, on top of an Other event: allowed.
    assert validate_assignment(event=event(SUPERVISOR, id=4), employee=boss, start_at=at(hh=12, mm=0), ctx=ctx) == []
    # A Freeosk at 12:00 ignores the Supervisor booking but still meets the Other event.
    assert hard_codes(
        validate_assignment(event=event(FREEOSK, id=5), employee=person(LEAD), start_at=at(hh=12, mm=0), ctx=ctx)
    ) == ["overlap"]
    ctx.remove_event(3)
    assert (
        validate_assignment(event=event(FREEOSK, id=5), employee=person(LEAD), start_at=at(hh=12, mm=0), ctx=ctx) == []
    )


@pytest.mark.parametrize(
    "setup,code",
    [
        (lambda ctx: ctx.holidays.add(MONDAY), "holiday"),
        (lambda ctx: ctx.time_off[10].append((MONDAY, MONDAY)), "time_off"),
        (lambda ctx: ctx.date_availability.__setitem__((10, MONDAY), False), "date_unavailable"),
    ],
)
def test_supervisor_events_keep_every_other_hard_constraint(setup, code):
    ctx = RuleContext()
    setup(ctx)
    v = validate_assignment(
        event=event(SUPERVISOR), employee=person(CLUB_SUPERVISOR), start_at=at(hh=12, mm=0), ctx=ctx
    )
    assert hard_codes(v) == [code]
    assert "inactive" in hard_codes(
        validate_assignment(
            event=event(SUPERVISOR),
            employee=person(CLUB_SUPERVISOR, is_active=False),
            start_at=at(hh=12, mm=0),
            ctx=RuleContext(),
        )
    )
    assert "role" in hard_codes(
        validate_assignment(
            event=event(SUPERVISOR), employee=person(SPECIALIST), start_at=at(hh=12, mm=0), ctx=RuleContext()
        )
    )


def test_bookings_spanning_midnight_are_seen_the_next_day():
    ctx = RuleContext()
    late = at(MONDAY, 20, 0)
    ctx.add_booking(
        Booking(event_id=2, employee_id=10, start_at=late, end_at=late + timedelta(hours=9), event_type=JUICER)
    )
    v = validate_assignment(
        event=event(FREEOSK), employee=person(LEAD), start_at=at(MONDAY + timedelta(days=1), 4, 0), ctx=ctx
    )
    assert "overlap" in hard_codes(v)
