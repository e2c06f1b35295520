"""The auto-scheduler on hand-built inputs (no database), plus property tests."""

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import autoscheduler as auto
from scheduling import rules
from scheduling.rules import (
    CLUB_SUPERVISOR,
    CORE,
    DIGITAL,
    DIGITAL_REFRESH,
    DIGITAL_SETUP,
    DIGITAL_TEARDOWN,
    FREEOSK,
    JUICER,
    JUICER_BARISTA,
    JUICER_SURVEY,
    LEAD,
    OTHER,
    SPECIALIST,
    SUPERVISOR,
    EmployeeInfo,
    EventInfo,
    RuleContext,
)

MONDAY = date(2026, 11, 23)
AS_OF = datetime(2026, 11, 23, 8, 0)


def d(n: int) -> date:
    """The date n days after the run's date."""
    return MONDAY + timedelta(days=n)


def at(n: int, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d(n), time(hh, mm))


def ev(id, event_type=CORE, *, start=0, due=10, number="", sub_type="", minutes=None, name=None):
    return EventInfo(
        id=id,
        name=name or f"{number or id}-{event_type}",
        event_type=event_type,
        sub_type=sub_type,
        start_at=datetime.combine(d(start), time()),
        due_at=datetime.combine(d(due), time()),
        event_number=number,
        estimated_minutes=minutes,
    )


def emp(id, title=SPECIALIST, **kw):
    return EmployeeInfo(id=id, name=f"P{id}", job_title=title, **kw)


def run(candidates, employees, *, ctx=None, posted=(), **settings_kw):
    data = auto.PlanInput(
        as_of=AS_OF,
        candidates=list(candidates),
        employees=list(employees),
        ctx=ctx or RuleContext(),
        posted=list(posted),
        settings=auto.PlanSettings(**settings_kw),
    )
    return auto.plan(data)


def by_event(plan):
    return {p.event_id: p for p in plan.proposals}


def failures(plan):
    return {f.event_id: f.reason for f in plan.failures}


def posted(schedule_id, event, employee_id, start_at):
    return auto.PostedInfo(schedule_id=schedule_id, event=event, employee_id=employee_id, start_at=start_at)


# --------------------------------------------------------------------------- roles and order
def test_core_goes_to_leads_then_specialists_then_baristas_never_the_club_supervisor():
    staff = [emp(1, CLUB_SUPERVISOR), emp(2, JUICER_BARISTA), emp(3, SPECIALIST), emp(4, LEAD)]
    plan = run([ev(10, due=2)], staff)
    assert by_event(plan)[10].employee_id == 4
    plan = run([ev(10, due=2)], staff[:3])
    assert by_event(plan)[10].employee_id == 3
    plan = run([ev(10, due=2)], staff[:2])
    assert by_event(plan)[10].employee_id == 2
    plan = run([ev(10, due=2)], staff[:1])
    assert failures(plan)[10] == (
        "No person available (Leads, Specialists, Juicer Baristas not juicing; no "
        "later-due Core to bump) on Tue Nov 24: nobody with the needed role ×1."
    )


def test_a_juicing_barista_is_not_used_for_a_core_that_day():
    ctx = RuleContext(rotations={(JUICER, d(1).weekday()): 2})
    plan = run([ev(10, due=3)], [emp(2, JUICER_BARISTA)], ctx=ctx)
    assert by_event(plan)[10].start_at.date() == d(2)


def test_juicer_goes_to_the_rotation_juicer_and_an_exception_wins():
    ctx = RuleContext(rotations={(JUICER, d(3).weekday()): 2}, rotation_exceptions={(JUICER, d(4)): 3})
    staff = [emp(2, JUICER_BARISTA), emp(3, JUICER_BARISTA)]
    plan = run([ev(10, JUICER, start=3, due=6), ev(11, JUICER, start=4, due=6, sub_type=JUICER_SURVEY)], staff, ctx=ctx)
    assert (by_event(plan)[10].employee_id, by_event(plan)[10].start_at) == (2, at(3, 9))
    assert (by_event(plan)[11].employee_id, by_event(plan)[11].start_at) == (3, at(4, 17))


def test_juicer_without_rotation_fails_with_a_reason():
    plan = run([ev(10, JUICER, due=6)], [emp(2, JUICER_BARISTA)])
    assert "no rotation person set" in failures(plan)[10]


def test_freeosk_digital_and_other_roles_and_times():
    ctx = RuleContext(rotations={("primary_lead", d(3).weekday()): 5})
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD), emp(5, LEAD), emp(6, SPECIALIST)]
    plan = run(
        [
            ev(10, FREEOSK, due=5),
            ev(11, DIGITAL, due=5, sub_type=DIGITAL_SETUP),
            ev(12, DIGITAL, due=5, sub_type=DIGITAL_REFRESH),
            ev(13, DIGITAL, due=5, sub_type=DIGITAL_TEARDOWN),
            ev(14, OTHER, due=5),
        ],
        staff,
        ctx=ctx,
    )
    got = {k: (p.employee_id, p.start_at) for k, p in by_event(plan).items()}
    assert got == {
        10: (5, at(3, 10)),  # Freeosk: the day's Primary Lead
        11: (5, at(3, 10, 15)),  # Digital setup: Primary Lead, rotating slots
        12: (5, at(3, 10, 30)),  # the next setup slot of the day
        13: (4, at(3, 18)),  # teardown: a secondary Lead (not the Primary)
        14: (1, at(3, 11)),  # Other: the Club Supervisor
    }


def test_non_core_work_starts_after_the_buffer_days():
    staff = [emp(4, LEAD)]
    assert by_event(run([ev(10, FREEOSK, due=9)], staff))[10].start_at.date() == d(3)
    assert by_event(run([ev(10, FREEOSK, due=9)], staff, buffer_days=5))[10].start_at.date() == d(5)
    plan = run([ev(10, FREEOSK, due=3)], staff)
    assert failures(plan)[10].startswith("Window closed")


# --------------------------------------------------------------------------- window and constraints
def test_core_window_edges():
    staff = [emp(4, LEAD)]
    # Placed from as_of + 1 day, even when the event started earlier.
    assert by_event(run([ev(10, start=-5, due=3)], staff))[10].start_at.date() == d(1)
    # A later start date wins.
    assert by_event(run([ev(10, start=4, due=8)], staff))[10].start_at.date() == d(4)
    # Due tomorrow: the only day left would be the due date itself, which is excluded.
    assert failures(run([ev(10, start=-5, due=1)], staff))[10].startswith("Window closed")
    # Due the day after tomorrow: exactly one day.
    assert by_event(run([ev(10, start=-5, due=2)], staff))[10].start_at.date() == d(1)


def test_one_core_per_person_per_day():
    plan = run([ev(10, due=3), ev(11, due=3), ev(12, due=3)], [emp(4, LEAD)])
    days = sorted(p.start_at.date() for p in plan.proposals)
    assert days == [d(1), d(2)]
    assert "already has a Core that day" in failures(plan)[12]


def test_overlap_with_posted_work_of_another_type():
    other = ev(50, OTHER, minutes=600)
    plan = run([ev(10, due=2)], [emp(4, LEAD), emp(5, SPECIALIST)], posted=[posted(1, other, 4, at(1, 8))])
    assert by_event(plan)[10].employee_id == 5


@pytest.mark.parametrize("block", ["time_off", "weekly", "date", "holiday", "inactive", "terminated"])
def test_blocked_days_are_skipped(block):
    ctx = RuleContext()
    person = emp(4, LEAD)
    if block == "time_off":
        ctx.time_off[4].append((d(1), d(2)))
    elif block == "weekly":
        weekly = [True] * 7
        weekly[d(1).weekday()] = weekly[d(2).weekday()] = False
        person = emp(4, LEAD, weekly=tuple(weekly))
    elif block == "date":
        ctx.date_availability[(4, d(1))] = ctx.date_availability[(4, d(2))] = False
    elif block == "holiday":
        ctx.holidays.update({d(1), d(2)})
    elif block == "inactive":
        person = emp(4, LEAD, is_active=False)
    else:
        person = emp(4, LEAD, termination_date=d(1))
    plan = run([ev(10, due=4)], [person], ctx=ctx)
    if block in ("inactive", "terminated"):
        assert 10 in failures(plan)
    else:
        assert by_event(plan)[10].start_at.date() == d(3)


def test_core_slots_balance_least_used_first_ties_to_the_earliest():
    staff = [emp(i, SPECIALIST) for i in range(1, 7)]
    plan = run([ev(10 + i, start=1, due=2) for i in range(6)], staff)
    times = [by_event(plan)[10 + i].start_at.time() for i in range(6)]
    assert times == [time(9, 45), time(10, 30), time(11, 0), time(11, 30), time(9, 45), time(10, 30)]


def test_slot_balancing_counts_posted_cores():
    staff = [emp(i, SPECIALIST) for i in range(1, 4)]
    plan = run([ev(10, start=1, due=2)], staff, posted=[posted(1, ev(50, due=9), 1, at(1, 9, 45))])
    assert by_event(plan)[10].start_at == at(1, 10, 30)


# --------------------------------------------------------------------------- Supervisor
def test_supervisor_pairs_with_its_core_at_noon_with_the_club_supervisor():
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD)]
    plan = run([ev(10, due=3, number="606001"), ev(11, SUPERVISOR, due=3, number="606001")], staff)
    core, sup = by_event(plan)[10], by_event(plan)[11]
    assert (sup.employee_id, sup.start_at) == (1, datetime.combine(core.start_at.date(), time(12)))


def test_supervisor_falls_back_to_the_primary_lead_then_fails():
    ctx = RuleContext(rotations={("primary_lead", d(1).weekday()): 4})
    ctx.time_off[1].append((d(1), d(1)))
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD), emp(5, SPECIALIST)]
    plan = run([ev(10, due=2, number="606001"), ev(11, SUPERVISOR, due=2, number="606001")], staff, ctx=ctx)
    assert by_event(plan)[11].employee_id == 4 and by_event(plan)[11].start_at == at(1, 12)
    ctx = RuleContext()
    ctx.time_off[1].append((d(1), d(1)))
    plan = run([ev(10, due=2, number="606001"), ev(11, SUPERVISOR, due=2, number="606001")], staff, ctx=ctx)
    assert failures(plan)[11].startswith("Neither the Club Supervisor nor the day's Primary Lead")


def test_several_supervisor_events_at_noon_for_one_person():
    staff = [emp(1, CLUB_SUPERVISOR)] + [emp(i, SPECIALIST) for i in range(2, 5)]
    events = []
    for i in range(3):
        number = f"60600{i}"
        events += [ev(10 + i, start=1, due=2, number=number), ev(20 + i, SUPERVISOR, start=1, due=2, number=number)]
    plan = run(events, staff)
    sups = [by_event(plan)[20 + i] for i in range(3)]
    assert {(s.employee_id, s.start_at) for s in sups} == {(1, at(1, 12))}
    assert plan.failed == 0


def test_unpaired_supervisors_are_reported():
    staff = [emp(1, CLUB_SUPERVISOR)]
    plan = run(
        [
            ev(11, SUPERVISOR, due=4, number="606001"),
            ev(12, SUPERVISOR, due=4),
            ev(13, CORE, due=1, number="606002"),
            ev(14, SUPERVISOR, due=4, number="606002"),
        ],
        staff,
    )
    reasons = failures(plan)
    assert reasons[11] == "Unpaired Supervisor: no Core with event number 606001 is posted or proposed."
    assert reasons[12] == "Unpaired Supervisor: its name has no 6-digit event number."
    assert reasons[14].startswith("Unpaired Supervisor: its Core")
    assert plan.candidates == plan.proposed + plan.failed == 4


def test_supervisor_pairs_with_a_posted_core():
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD)]
    core = ev(50, due=5, number="606009")
    plan = run([ev(11, SUPERVISOR, due=5, number="606009")], staff, posted=[posted(1, core, 4, at(2, 9, 45))])
    assert by_event(plan)[11].start_at == at(2, 12)


# --------------------------------------------------------------------------- bumping
def test_an_urgent_core_bumps_a_later_due_posted_core_which_becomes_a_move():
    staff = [emp(4, LEAD)]
    later = ev(50, start=0, due=6)
    plan = run([ev(10, due=2)], staff, posted=[posted(1, later, 4, at(1, 9, 45))])
    new, move = by_event(plan)[10], by_event(plan)[50]
    assert (new.kind, new.employee_id, new.start_at) == ("new", 4, at(1, 9, 45))
    assert (move.kind, move.schedule_id, move.start_at.date(), move.bumped_by) == ("move", 1, d(2), 10)
    assert (move.previous_employee_id, move.previous_start_at) == (4, at(1, 9, 45))
    assert (plan.proposed, plan.moves, plan.failed) == (1, 1, 0)


def test_bump_chain():
    staff = [emp(4, LEAD)]
    b = ev(50, start=1, due=3)  # posted on day 1, may go to day 2
    c = ev(51, start=2, due=4)  # posted on day 2, may go to day 3
    plan = run([ev(10, start=1, due=2)], staff, posted=[posted(1, b, 4, at(1, 9, 45)), posted(2, c, 4, at(2, 9, 45))])
    got = {k: (p.kind, p.start_at.date(), p.bumped_by) for k, p in by_event(plan).items()}
    assert got == {10: ("new", d(1), None), 50: ("move", d(2), 10), 51: ("move", d(3), 50)}


def test_no_bump_when_the_displaced_core_cannot_be_replaced():
    staff = [emp(4, LEAD)]
    stuck = ev(50, start=1, due=3)
    plan = run(
        [ev(10, start=1, due=2)],
        staff,
        posted=[posted(1, stuck, 4, at(1, 9, 45)), posted(2, ev(51, OTHER, minutes=600), 4, at(2, 8))],
    )
    assert plan.proposals == [] and 10 in failures(plan)


def test_never_bumps_an_equally_or_more_urgent_core():
    staff = [emp(4, LEAD)]
    plan = run([ev(10, start=1, due=2)], staff, posted=[posted(1, ev(50, start=1, due=2), 4, at(1, 9, 45))])
    assert plan.proposals == [] and 10 in failures(plan)


def test_a_moved_posted_core_takes_its_posted_supervisor_along():
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD)]
    b = ev(50, start=1, due=4, number="606050")
    b_sup = ev(51, SUPERVISOR, start=1, due=4, number="606050")
    plan = run([ev(10, start=1, due=2)], staff, posted=[posted(1, b, 4, at(1, 9, 45)), posted(2, b_sup, 1, at(1, 12))])
    moves = {p.event_id: p for p in plan.proposals if p.kind == "move"}
    assert moves[50].start_at.date() == d(2)
    assert (moves[51].schedule_id, moves[51].employee_id, moves[51].start_at) == (2, 1, at(2, 12))


def test_short_notice_policy():
    staff = [emp(4, LEAD)]
    # Default: days 1–3 may use free slots.
    assert by_event(run([ev(10, start=1, due=3)], staff))[10].start_at.date() == d(1)
    # "Bumps only" on days 1–3: an idle person is not used before day 4 …
    plan = run([ev(10, start=1, due=3)], staff, short_notice_free_slots=False)
    assert "days 1–3 take bumps only" in failures(plan)[10]
    assert by_event(run([ev(10, start=1, due=6)], staff, short_notice_free_slots=False))[10].start_at.date() == d(4)
    # … but a bump is still allowed there.
    plan = run(
        [ev(10, start=1, due=3)],
        staff,
        short_notice_free_slots=False,
        posted=[posted(1, ev(50, start=1, due=9), 4, at(1, 9, 45))],
    )
    assert by_event(plan)[10].start_at == at(1, 9, 45) and by_event(plan)[50].start_at.date() == d(4)


# --------------------------------------------------------------------------- counters and determinism
def test_counters_and_failure_reasons_are_exact():
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD)]
    events = [ev(10, due=3), ev(11, due=3), ev(12, due=3), ev(13, FREEOSK, due=2), ev(14, JUICER, due=9)]
    plan = run(events, staff)
    assert (plan.candidates, plan.proposed, plan.failed, plan.moves) == (5, 2, 3, 0)
    reasons = failures(plan)
    assert set(reasons) == {12, 13, 14}
    assert reasons[12] == (
        "No person available (Leads, Specialists, Juicer Baristas not juicing; no later-due Core "
        "to bump) on any day from Tue Nov 24 to Wed Nov 25: already has a Core that day ×2."
    )
    assert reasons[13] == (
        "Window closed: the earliest allowed date is Thu Nov 26 but the event is due Wed Nov 25 (due date excluded)."
    )
    assert "no rotation person set" in reasons[14]
    assert all(reason.endswith(".") for reason in failures(plan).values())


def test_same_input_same_plan():
    def build():
        staff = [emp(i, [LEAD, SPECIALIST, JUICER_BARISTA][i % 3]) for i in range(1, 7)] + [emp(9, CLUB_SUPERVISOR)]
        events = [
            ev(
                100 + i,
                [CORE, CORE, SUPERVISOR, FREEOSK, DIGITAL, OTHER][i % 6],
                start=i % 3,
                due=3 + i % 5,
                number=f"{600000 + i // 3}",
            )
            for i in range(40)
        ]
        return events, staff

    first = run(*build())
    second = run(*build())
    assert first.proposals == second.proposals and first.failures == second.failures


# --------------------------------------------------------------------------- properties
TITLES = [CLUB_SUPERVISOR, LEAD, SPECIALIST, JUICER_BARISTA]
TYPES = [CORE, CORE, CORE, SUPERVISOR, SUPERVISOR, JUICER, FREEOSK, DIGITAL, OTHER]
SUBS = {DIGITAL: ["", DIGITAL_SETUP, DIGITAL_REFRESH, DIGITAL_TEARDOWN], JUICER: ["", JUICER_SURVEY]}


@st.composite
def scenarios(draw):
    n_people = draw(st.integers(1, 8))
    employees = []
    ctx = RuleContext()
    for i in range(1, n_people + 1):
        weekly = draw(st.none() | st.tuples(*[st.booleans()] * 7))
        employees.append(
            EmployeeInfo(
                id=i,
                name=f"P{i}",
                job_title=draw(st.sampled_from(TITLES)),
                weekly=weekly,
                is_active=draw(st.booleans().map(lambda b: b or True) | st.just(False)),
                termination_date=draw(st.none() | st.integers(1, 12).map(d)),
            )
        )
        if draw(st.booleans()):
            first = draw(st.integers(0, 12))
            ctx.time_off[i].append((d(first), d(first + draw(st.integers(0, 3)))))
        for day in draw(st.lists(st.integers(0, 12), max_size=2)):
            ctx.date_availability[(i, d(day))] = draw(st.booleans())
    ids = [e.id for e in employees]
    for weekday in range(7):
        if draw(st.booleans()):
            ctx.rotations[(JUICER, weekday)] = draw(st.sampled_from(ids))
        if draw(st.booleans()):
            ctx.rotations[("primary_lead", weekday)] = draw(st.sampled_from(ids))
    if draw(st.booleans()):
        ctx.holidays.add(d(draw(st.integers(1, 12))))
    candidates = []
    for i in range(draw(st.integers(0, 18))):
        event_type = draw(st.sampled_from(TYPES))
        start = draw(st.integers(-3, 8))
        candidates.append(
            EventInfo(
                id=100 + i,
                name=f"E{i}",
                event_type=event_type,
                sub_type=draw(st.sampled_from(SUBS.get(event_type, [""]))),
                start_at=datetime.combine(d(start), time()),
                due_at=datetime.combine(d(start + draw(st.integers(1, 6))), time()),
                event_number=draw(st.sampled_from(["", "606001", "606002", "606003", "606004"])),
                estimated_minutes=draw(st.none() | st.integers(5, 600)),
            )
        )
    posted_items = []
    for i in range(draw(st.integers(0, 6))):
        event_type = draw(st.sampled_from([CORE, CORE, SUPERVISOR, OTHER]))
        start = draw(st.integers(0, 6))
        event = EventInfo(
            id=500 + i,
            name=f"Posted{i}",
            event_type=event_type,
            start_at=datetime.combine(d(start), time()),
            due_at=datetime.combine(d(start + draw(st.integers(1, 6))), time()),
            event_number=draw(st.sampled_from(["", "606001", "606005"])),
        )
        day = d(draw(st.integers(start, start)))
        slot = time(12) if event_type == SUPERVISOR else draw(st.sampled_from(ctx.core_slots))
        posted_items.append(
            auto.PostedInfo(
                schedule_id=900 + i,
                event=event,
                employee_id=draw(st.sampled_from(ids)),
                start_at=datetime.combine(day, slot),
            )
        )
    settings_row = auto.PlanSettings(buffer_days=draw(st.integers(0, 4)), short_notice_free_slots=draw(st.booleans()))
    return candidates, employees, ctx, posted_items, settings_row


def _plan(scenario):
    candidates, employees, ctx, posted_items, settings_row = scenario
    import copy

    return auto.plan(
        auto.PlanInput(
            as_of=AS_OF,
            candidates=candidates,
            employees=employees,
            ctx=copy.deepcopy(ctx),
            posted=posted_items,
            settings=settings_row,
        )
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_property_no_proposal_breaks_a_rule_and_counters_add_up(scenario):
    candidates, employees, ctx, posted_items, settings_row = scenario
    plan = _plan(scenario)
    people = {e.id: e for e in employees}
    events = {e.id: e for e in candidates} | {p.event.id: p.event for p in posted_items}
    # Every candidate ends as exactly one new proposal or one failure.
    new_ids = [p.event_id for p in plan.proposals if p.kind == "new"]
    fail_ids = [f.event_id for f in plan.failures]
    assert sorted(new_ids + fail_ids) == sorted(e.id for e in candidates)
    assert plan.candidates == plan.proposed + plan.failed
    assert all(f.reason for f in plan.failures)
    # Moves only concern posted schedules; nothing posted is dropped.
    posted_ids = {p.event.id for p in posted_items}
    assert {p.event_id for p in plan.proposals if p.kind == "move"} <= posted_ids
    for proposal in plan.proposals:
        event = events[proposal.event_id]
        violations = rules.validate_assignment(
            event=event, employee=people[proposal.employee_id], start_at=proposal.start_at, ctx=plan.ctx
        )
        assert violations == [], (event, proposal, violations)
        assert proposal.start_at.date() > AS_OF.date()
        if event.event_type not in (CORE, SUPERVISOR) and proposal.kind == "new":
            assert proposal.start_at.date() >= AS_OF.date() + timedelta(days=settings_row.buffer_days)
        if event.event_type == SUPERVISOR:
            # The one Supervisor rule: noon on its Core's date.
            cores = [
                plan.ctx.bookings_of_event(e.id)
                for e in events.values()
                if e.event_type == CORE and e.event_number == event.event_number
            ]
            assert any(b.start_at.date() == proposal.start_at.date() for group in cores for b in group)
    # Every posted schedule is still booked exactly once (at its old or its proposed place).
    for item in posted_items:
        assert len(plan.ctx.bookings_of_event(item.event.id)) == 1
    # Determinism.
    again = _plan(scenario)
    assert again.proposals == plan.proposals and again.failures == plan.failures


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_property_remembering_refusals_changes_nothing(scenario):
    import dataclasses

    candidates, employees, ctx, posted_items, settings_row = scenario
    plain = _plan(
        (candidates, employees, ctx, posted_items, dataclasses.replace(settings_row, remember_refusals=False))
    )
    fast = _plan(scenario)
    assert fast.proposals == plain.proposals and fast.failures == plain.failures


def test_supervisor_uses_the_rotation_exception_for_the_primary_lead():
    ctx = RuleContext(rotations={("primary_lead", d(1).weekday()): 4}, rotation_exceptions={("primary_lead", d(1)): 5})
    ctx.time_off[1].append((d(1), d(1)))
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD), emp(5, LEAD), emp(6, SPECIALIST)]
    plan = run([ev(10, due=2, number="606001"), ev(11, SUPERVISOR, due=2, number="606001")], staff, ctx=ctx)
    assert by_event(plan)[11].employee_id == 5


def test_teardown_falls_back_to_the_club_supervisor_and_slots_rotate():
    ctx = RuleContext(rotations={("primary_lead", d(3).weekday()): 4})
    staff = [emp(1, CLUB_SUPERVISOR), emp(4, LEAD)]  # the only Lead is the Primary Lead
    plan = run([ev(10 + i, DIGITAL, start=3, due=4, sub_type=DIGITAL_TEARDOWN) for i in range(3)], staff, ctx=ctx)
    got = [(by_event(plan)[10 + i].employee_id, by_event(plan)[10 + i].start_at) for i in range(3)]
    assert got == [(1, at(3, 18)), (1, at(3, 18, 15)), (1, at(3, 18, 30))]


def test_juicer_production_and_survey_of_one_day_do_not_overlap():
    ctx = RuleContext(rotations={(JUICER, wd): 2 for wd in range(7)})
    plan = run(
        [ev(10, JUICER, start=3, due=5), ev(11, JUICER, start=3, due=5, sub_type=JUICER_SURVEY)],
        [emp(2, JUICER_BARISTA)],
        ctx=ctx,
    )
    # Production 09:00–18:00 and the survey at 17:00 would overlap: the survey goes the next day.
    assert by_event(plan)[10].start_at == at(3, 9) and by_event(plan)[11].start_at == at(4, 17)


def test_a_posted_juicer_day_keeps_the_barista_off_cores():
    staff = [emp(2, JUICER_BARISTA)]
    plan = run([ev(10, due=3)], staff, posted=[posted(1, ev(50, JUICER, start=0, due=9), 2, at(1, 9))])
    assert by_event(plan)[10].start_at.date() == d(2)


def test_progress_is_reported_per_wave():
    seen = []
    data = auto.PlanInput(as_of=AS_OF, candidates=[ev(10, due=3)], employees=[emp(4, LEAD)], ctx=RuleContext())
    auto.plan(data, progress=lambda pct, msg: seen.append((int(pct), msg)))
    assert [m for _, m in seen] == [
        "Juicer: 0 events",
        "Core: 1 events",
        "Freeosk: 0 events",
        "Digital: 0 events",
        "Other: 0 events",
    ]
    assert seen[-1][0] == 90


def test_a_remembered_refusal_gives_the_reason_the_rules_give_after_a_new_booking():
    """Refused at 10:00 for an overlap, then booked a Core that day: asked again, the rules name the
    Core first (one Core a day), and so must the remembered answer."""
    person = emp(1, LEAD)
    data = auto.PlanInput(
        as_of=AS_OF, candidates=[], employees=[person], ctx=RuleContext(), posted=[], settings=auto.PlanSettings()
    )
    planner = auto._Planner(data, None)
    busy, core, other = (
        ev(50, OTHER, start=1, due=3, minutes=180),
        ev(51, CORE, start=1, due=3),
        ev(52, CORE, start=1, due=3),
    )
    for event in (busy, core, other):
        planner.events[event.id] = event
    planner._book(busy, person.id, at(2, 9))  # another event across 10:00
    first = Counter()
    assert not planner._ok(other, person, at(2, 10), first)
    assert first == Counter({"overlap": 1})  # remembered for (Core, 10:00) on that day
    planner._book(core, person.id, at(2, 15))  # now a Core that day too
    again = Counter()
    assert not planner._ok(other, person, at(2, 10), again)
    plain = rules.validate_assignment(
        event=other, employee=person, start_at=at(2, 10), ctx=planner.ctx, first_only=True
    )
    assert again == Counter({plain[0].code: 1}) and plain[0].code != "overlap"
