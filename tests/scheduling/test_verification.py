"""Each of the ten verification checks, on hand-built days (no database)."""

from datetime import date, datetime, time, timedelta

from scheduling import rules, verification
from scheduling.rules import (
    CLUB_SUPERVISOR,
    CORE,
    DIGITAL,
    FREEOSK,
    JUICER,
    JUICER_BARISTA,
    LEAD,
    SPECIALIST,
    SUPERVISOR,
    EmployeeInfo,
    EventInfo,
    RuleContext,
)
from scheduling.verification import DayAssignment, verify_day

DAY = date(2026, 11, 23)  # a Monday
_ids = iter(range(1, 10_000))


def ev(event_type=CORE, number=""):
    i = next(_ids)
    return EventInfo(
        id=i,
        name=f"{number or i}-{event_type}",
        event_type=event_type,
        event_number=number,
        start_at=datetime.combine(DAY, time()),
        due_at=datetime.combine(DAY + timedelta(days=3), time()),
    )


def emp(title=SPECIALIST, id=None, **kw):
    i = id or next(_ids)
    return EmployeeInfo(id=i, name=f"E{i}", job_title=title, **kw)


def at(hh, mm=0):
    return datetime.combine(DAY, time(hh, mm))


def checks(assignments, ctx=None, due=()):
    issues = verify_day(day=DAY, assignments=assignments, ctx=ctx or RuleContext(), due_tomorrow_unscheduled=list(due))
    return sorted((i.check, i.severity) for i in issues)


def test_a_clean_day_passes_every_check():
    lead, club = emp(LEAD), emp(CLUB_SUPERVISOR)
    day = [DayAssignment(ev(CORE, "606001"), lead, at(9, 45)), DayAssignment(ev(SUPERVISOR, "606001"), club, at(12))]
    assert checks(day) == []
    rows = verification.summary([])
    assert len(rows) == 11 and {r["status"] for r in rows} == {"ok"}


def test_one_core_per_employee():
    e = emp()
    assert checks([DayAssignment(ev(), e, at(9, 45)), DayAssignment(ev(), e, at(10, 30))]) == [("one_core", "critical")]


def test_availability_and_time_off():
    e = emp(weekly=(False,) * 7)
    assert checks([DayAssignment(ev(), e, at(9, 45))]) == [("availability", "critical")]
    e2 = emp()
    ctx = RuleContext()
    ctx.time_off[e2.id].append((DAY, DAY))
    assert checks([DayAssignment(ev(), e2, at(9, 45))], ctx) == [("time_off", "critical")]


def test_core_slots_standard_and_balanced():
    assert checks([DayAssignment(ev(), emp(), at(10, 0))]) == [("core_slots", "warning")]
    three = [DayAssignment(ev(), emp(), at(9, 45)) for _ in range(3)]
    assert checks(three) == [("core_slots", "warning")]


def test_pairing_both_ways():
    assert checks([DayAssignment(ev(CORE, "606001"), emp(), at(9, 45))]) == [("pairing", "warning")]
    assert checks([DayAssignment(ev(SUPERVISOR, "606002"), emp(CLUB_SUPERVISOR), at(12))]) == [("pairing", "critical")]


def test_freeosk_and_digital_roles():
    assert checks([DayAssignment(ev(FREEOSK), emp(SPECIALIST), at(10))]) == [("freeosk_role", "critical")]
    assert checks([DayAssignment(ev(DIGITAL), emp(JUICER_BARISTA), at(10, 15))]) == [("digital_role", "critical")]
    assert checks([DayAssignment(ev(DIGITAL), emp(LEAD), at(10, 15))]) == []


def test_due_tomorrow_unscheduled():
    assert checks([], due=[ev()]) == [("due_tomorrow", "critical")]


def test_juicer_rotation_and_juicer_not_on_core():
    juicer, other = emp(JUICER_BARISTA), emp(JUICER_BARISTA)
    ctx = RuleContext(rotations={(rules.JUICER, DAY.weekday()): juicer.id})
    assert checks([DayAssignment(ev(JUICER), other, at(9))], ctx) == [("juicer_rotation", "warning")]
    assert checks([DayAssignment(ev(JUICER), juicer, at(9)), DayAssignment(ev(CORE), juicer, at(9, 45))], ctx) == [
        ("juicer_no_core", "critical")
    ]


def test_other_days_are_ignored():
    e = emp()
    tomorrow = DayAssignment(ev(), e, datetime.combine(DAY + timedelta(days=1), time(9, 45)))
    assert checks([DayAssignment(ev(), e, at(9, 45)), tomorrow]) == []
