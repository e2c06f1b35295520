"""How close the auto-scheduler gets to the optimum (bench only: OR-Tools is a dev dependency).

The problem: Core and Juicer (production) events of a capacity-tight roster, nothing posted yet,
the default settings. Both sides use the same rules:

- a placement (event, person, day) is allowed when `rules.validate_assignment` finds no violation
  at all — hard or soft, exactly the auto-scheduler's test — on an empty plan, at the time the wave
  uses (a Core slot; the Juicer production time), on the days the wave uses (Cores from the day
  after the run, other types from the buffer day on; start ≤ day < due);
- the rules that involve two placements: one Core per person per day, never a Juicer and a Core on
  one day for one person, and no overlap. Every Core (at the latest slot, 11:30 + 6 h 30) and every
  Juicer production (09:00 + 9 h) starts and ends on one day, and two of them on one day always
  overlap or break one of the first two rules, so together these are exactly "at most one event
  per person per day".

CP-SAT maximises the number of events placed; `check_assignment` re-validates its answer with the
rule set, placement by placement, so the optimum is one the rules accept.
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model

from scheduling import autoscheduler, rules

AS_OF = datetime(2026, 3, 2, 8, 0)  # a fixed Monday: the scenarios are the same on every run


@dataclass
class Scenario:
    name: str
    data_factory: object  # () -> autoscheduler.PlanInput (the planner consumes its context)


def _employees(rng: random.Random, *, leads: int, specialists: int, juicers: int) -> list[rules.EmployeeInfo]:
    people = [rules.EmployeeInfo(1, "Club Supervisor", rules.CLUB_SUPERVISOR)]
    titles = [rules.LEAD] * leads + [rules.SPECIALIST] * specialists + [rules.JUICER_BARISTA] * juicers
    for i, title in enumerate(titles, start=2):
        weekly = None
        if rng.random() < 0.3:  # some people do not work one or two weekdays
            off = set(rng.sample(range(7), rng.choice((1, 2))))
            weekly = tuple(d not in off for d in range(7))
        people.append(rules.EmployeeInfo(i, f"Person {i}", title, weekly=weekly))
    return people


def build(seed: int, n_events: int, *, tightness: float = 1.05) -> autoscheduler.PlanInput:
    """`n_events` over a horizon of about n/12 days; the roster has about `tightness` × the Core
    work in person-days, before time off and days off (so some events cannot be placed at all)."""
    rng = random.Random(seed)
    horizon = max(10, n_events // 12)
    n_juicer = n_events * 15 // 100
    n_core = n_events - n_juicer
    per_day = max(2, round(n_core / horizon * tightness))
    leads = max(1, per_day // 3)
    employees = _employees(rng, leads=leads, specialists=per_day - leads, juicers=3)
    ctx = rules.RuleContext()
    for e in employees[1:]:
        if rng.random() < 0.25:
            start = AS_OF.date() + timedelta(days=rng.randint(1, horizon))
            ctx.time_off[e.id].append((start, start + timedelta(days=rng.randint(1, 4))))
    juicers = [e.id for e in employees if e.job_title == rules.JUICER_BARISTA]
    for weekday in range(7):
        ctx.rotations[(rules.JUICER, weekday)] = juicers[weekday % len(juicers)]
    events = []
    for i in range(n_events):
        juicer = i < n_juicer
        first = 1 if not juicer else 3
        start = AS_OF.date() + timedelta(days=rng.randint(first, horizon))
        due = start + timedelta(days=rng.randint(1, 4))
        events.append(
            rules.EventInfo(
                id=1000 + i,
                name=f"{300000 + i}-{'JUICER' if juicer else 'CORE'}-Bench {i}",
                event_type=rules.JUICER if juicer else rules.CORE,
                sub_type=rules.JUICER_PRODUCTION if juicer else "",
                start_at=datetime.combine(start, datetime.min.time()),
                due_at=datetime.combine(due, datetime.min.time()),
            )
        )
    return autoscheduler.PlanInput(as_of=AS_OF, candidates=events, employees=employees, ctx=ctx)


def _wave_days(event: rules.EventInfo, settings: autoscheduler.PlanSettings) -> list[date]:
    offset = 1 if event.event_type == rules.CORE else max(1, settings.buffer_days)
    first = max(event.start_at.date(), AS_OF.date() + timedelta(days=offset))
    last = event.due_at.date() - timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _wave_start(event: rules.EventInfo, day: date, settings: autoscheduler.PlanSettings, ctx) -> datetime:
    at = ctx.core_slots[0] if event.event_type == rules.CORE else settings.juicer_production_time
    return datetime.combine(day, at)


def allowed_placements(data: autoscheduler.PlanInput) -> dict[tuple[int, int, date], datetime]:
    """(event, person, day) → start, for every placement the rules accept on an empty plan."""
    out = {}
    for event in data.candidates:
        for day in _wave_days(event, data.settings):
            start_at = _wave_start(event, day, data.settings, data.ctx)
            for person in data.employees:
                if not rules.validate_assignment(event=event, employee=person, start_at=start_at, ctx=data.ctx):
                    out[(event.id, person.id, day)] = start_at
    return out


def solve_optimum(data: autoscheduler.PlanInput, *, seconds: float = 60.0) -> tuple[int, dict, str]:
    """The most events that can be placed: (count, {event: (person, start)}, solver status)."""
    allowed = allowed_placements(data)
    model = cp_model.CpModel()
    x = {key: model.new_bool_var(f"x{n}") for n, key in enumerate(allowed)}
    by_event: dict[int, list] = {}
    by_person_day: dict[tuple[int, date], list] = {}
    for (event_id, person_id, day), var in x.items():
        by_event.setdefault(event_id, []).append(var)
        by_person_day.setdefault((person_id, day), []).append(var)
    for variables in by_event.values():
        model.add_at_most_one(variables)
    for variables in by_person_day.values():
        model.add_at_most_one(variables)
    model.maximize(sum(x.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    chosen = {
        event_id: (person_id, allowed[(event_id, person_id, day)])
        for (event_id, person_id, day), var in x.items()
        if solver.value(var)
    }
    return len(chosen), chosen, solver.status_name(status)


def check_assignment(data: autoscheduler.PlanInput, chosen: dict) -> None:
    """Every placement of `chosen` passes the rule set against the others (raises otherwise)."""
    ctx = data.ctx
    events = {e.id: e for e in data.candidates}
    people = {e.id: e for e in data.employees}
    for event_id, (person_id, start_at) in sorted(chosen.items(), key=lambda kv: (kv[1][1], kv[0])):
        event = events[event_id]
        found = rules.validate_assignment(event=event, employee=people[person_id], start_at=start_at, ctx=ctx)
        if found:
            raise AssertionError(f"optimum breaks a rule: {event.name} → {person_id}: {found[0].message}")
        ctx.add_booking(
            rules.Booking(event_id, person_id, start_at, start_at + ctx.duration(event), event.event_type, event.name)
        )
    for event_id in chosen:
        ctx.remove_event(event_id)


@dataclass
class Comparison:
    events: int
    auto: int
    optimum: int
    status: str
    auto_ms: float
    solve_ms: float

    @property
    def ratio(self) -> float:
        return self.auto / self.optimum if self.optimum else 1.0


def compare(seed: int, n_events: int, *, tightness: float = 1.05) -> Comparison:
    started = clock.perf_counter()
    plan = autoscheduler.plan(build(seed, n_events, tightness=tightness))
    auto_ms = (clock.perf_counter() - started) * 1000
    data = build(seed, n_events, tightness=tightness)
    started = clock.perf_counter()
    optimum, chosen, status = solve_optimum(data)
    solve_ms = (clock.perf_counter() - started) * 1000
    check_assignment(data, chosen)
    return Comparison(n_events, plan.proposed, optimum, status, auto_ms, solve_ms)
