"""The auto-scheduler. Plain Python: no ORM, no request. `scheduling.runs` loads everything once,
calls `plan()`, and writes the result once.

One rule set: every placement, in every wave, is accepted only when
`rules.validate_assignment` returns no violation at all (hard or soft) — the same function that
manual scheduling and the verification dashboard use.

Waves, in order: Juicer; Core, most urgent (earliest due) first, then the Supervisor events paired
with the placed Cores by their 6-digit number; Freeosk; Digital; Other. Within a wave events go by
(due, id), employees by (role preference, id), so the same input always gives the same plan.

Supervisor events are exempt from the overlap rule (see `rules`), so pairing them right after the
Core wave gives exactly the plan that pairing each one inline would give, while a bump that moves a
Core never has to chase its Supervisor around.

Bumping: an urgent Core that finds no free slot on a day may take the spot (employee and time) of
a Core on that day — posted or proposed — whose due date is strictly later, provided the urgent
Core passes the rules there and the displaced Core finds another spot in its own window (free, or
by bumping a still later-due Core, at most `max_bump_depth` deep). A displaced *posted* Core
becomes a "move" proposal; nothing posted changes before approval. If the displaced Core cannot
be re-placed the bump is not taken, so a bump never loses an event.

Every candidate ends as exactly one "new" proposal or one failure with a reason:
candidates = proposed + failed. Moves of posted schedules are counted apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from . import rules
from .rules import (
    CLUB_SUPERVISOR,
    CORE,
    DIGITAL,
    DIGITAL_TEARDOWN,
    FREEOSK,
    JUICER,
    JUICER_BARISTA,
    JUICER_SURVEY,
    LEAD,
    OTHER,
    SPECIALIST,
    SUPERVISOR,
    Booking,
    EmployeeInfo,
    EventInfo,
    RuleContext,
)

NEW, MOVE = "new", "move"
WAVES = (JUICER, CORE, SUPERVISOR, FREEOSK, DIGITAL, OTHER)

# Human wording of the violation codes, for failure reasons.
CODE_LABELS = {
    "inactive": "not active",
    "terminated": "terminated",
    "window": "outside the window",
    "role": "wrong role",
    "juicing_that_day": "juicing that day",
    "holiday": "company holiday",
    "time_off": "time off",
    "date_unavailable": "unavailable that date",
    "weekly_unavailable": "not working that weekday",
    "one_core_per_day": "already has a Core that day",
    "juicer_and_core": "Juicer and Core on one day",
    "overlap": "overlapping assignment",
    "core_slot": "not a Core slot",
    "supervisor_time": "not the Supervisor time",
    "not_rotation_juicer": "not the rotation Juicer",
    "not_primary_lead": "not the Primary Lead",
    "no_rotation": "no rotation person set",
    "no_candidate": "nobody with the needed role",
}


CORE_WHAT = "Leads, Specialists, Juicer Baristas not juicing"


@dataclass(frozen=True)
class _WaveSpec:
    first: date  # the earliest day the wave uses (the event's own window narrows it further)
    what: str  # who the wave asks, in words (for reasons)
    times: Callable[[date], list[time]]
    people: Callable[[date], list[EmployeeInfo]]


@dataclass(frozen=True)
class PostedInfo:
    """A posted schedule the run must respect (and may propose to move, for a Core)."""

    schedule_id: int
    event: EventInfo
    employee_id: int
    start_at: datetime


@dataclass(frozen=True)
class PlanSettings:
    buffer_days: int = 3  # non-Core work starts no earlier than as_of + buffer_days
    short_notice_free_slots: bool = True  # days 1..short_notice_days may use free Core slots
    short_notice_days: int = 3
    freeosk_time: time = rules.DEFAULT_FREEOSK_TIME
    other_time: time = rules.DEFAULT_OTHER_TIME
    digital_setup_slots: tuple[time, ...] = rules.DEFAULT_DIGITAL_SETUP_SLOTS
    digital_teardown_slots: tuple[time, ...] = rules.DEFAULT_DIGITAL_TEARDOWN_SLOTS
    juicer_production_time: time = rules.DEFAULT_JUICER_PRODUCTION_TIME
    juicer_survey_time: time = rules.DEFAULT_JUICER_SURVEY_TIME
    max_bump_depth: int = 3
    remember_refusals: bool = True  # a pure speed-up (see _Planner._ok); tests compare both ways


@dataclass
class PlanInput:
    as_of: datetime  # local time; candidates are due after it
    candidates: list[EventInfo]
    employees: list[EmployeeInfo]
    ctx: RuleContext  # time off, availability, holidays, rotations; the planner adds the bookings
    posted: list[PostedInfo] = field(default_factory=list)
    settings: PlanSettings = field(default_factory=PlanSettings)


@dataclass(frozen=True)
class Proposal:
    event_id: int
    employee_id: int
    start_at: datetime
    kind: str = NEW  # "new" for a candidate, "move" for a posted schedule
    schedule_id: int | None = None  # the posted schedule a move changes
    previous_employee_id: int | None = None
    previous_start_at: datetime | None = None
    bumped_by: int | None = None  # the event that took this event's spot
    note: str = ""


@dataclass(frozen=True)
class Failure:
    event_id: int
    reason: str


@dataclass
class Plan:
    proposals: list[Proposal]
    failures: list[Failure]
    candidates: int
    ctx: RuleContext  # holds the plan's bookings (posted + proposed), for checks

    @property
    def proposed(self) -> int:
        return sum(1 for p in self.proposals if p.kind == NEW)

    @property
    def moves(self) -> int:
        return sum(1 for p in self.proposals if p.kind == MOVE)

    @property
    def failed(self) -> int:
        return len(self.failures)


def _span(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _fmt(day: date) -> str:
    return f"{day:%a %b} {day.day}"


class _Planner:
    def __init__(self, data: PlanInput, progress: Callable[[float, str], None] | None):
        self.data = data
        self.s = data.settings
        self.ctx = data.ctx
        self.progress = progress or (lambda pct, msg: None)
        self.tz: tzinfo | None = data.as_of.tzinfo
        self.as_of_day = data.as_of.date()
        self.employees = sorted(data.employees, key=lambda e: e.id)
        self.by_id = {e.id: e for e in self.employees}
        active = [e for e in self.employees if e.is_active]
        self.titled = {
            title: [e for e in active if e.job_title == title]
            for title in (CLUB_SUPERVISOR, LEAD, SPECIALIST, JUICER_BARISTA)
        }
        self.core_pool = self.titled[LEAD] + self.titled[SPECIALIST] + self.titled[JUICER_BARISTA]
        self.events: dict[int, EventInfo] = {e.id: e for e in data.candidates}
        self.posted: dict[int, PostedInfo] = {}
        self.placed: dict[int, tuple[int, datetime]] = {}
        self.bumped_by: dict[int, int] = {}
        self.slot_use: Counter[tuple[date, time]] = Counter()
        self.cores_on: dict[date, set[int]] = defaultdict(set)
        self.rotating: Counter[tuple[str, date]] = Counter()
        self.log: list[tuple] = []  # undo log of the Core wave
        self.failures: dict[int, str] = {}
        self.refused: dict[date, dict[tuple, dict[int, str]]] = {}  # see _ok
        self.posted_supervisors: dict[str, list[PostedInfo]] = defaultdict(list)
        for item in sorted(data.posted, key=lambda p: p.schedule_id):
            self.posted[item.event.id] = item
            self.events.setdefault(item.event.id, item.event)
            self.ctx.remove_event(item.event.id)
            self._book(item.event, item.employee_id, item.start_at, logged=False)
            if item.event.event_type == SUPERVISOR and item.event.event_number:
                self.posted_supervisors[item.event.event_number].append(item)

    # ------------------------------------------------------------------ bookkeeping
    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz)

    def _book(self, event: EventInfo, employee_id: int, start_at: datetime, *, logged: bool = True) -> None:
        self.ctx.add_booking(
            Booking(
                event_id=event.id,
                employee_id=employee_id,
                start_at=start_at,
                end_at=start_at + self.ctx.duration(event),
                event_type=event.event_type,
                event_name=event.name,
            )
        )
        self.placed[event.id] = (employee_id, start_at)
        self._forget_refusals_of(employee_id, start_at.date())
        if event.event_type == CORE:
            self.slot_use[(start_at.date(), start_at.time())] += 1
            self.cores_on[start_at.date()].add(event.id)
        if logged:
            self.log.append(("book", event.id, employee_id, start_at))

    def _days_reached(self, day: date) -> Iterator[date]:
        """The days whose refusals a booking on `day` can change."""
        reach = self.ctx.longest_booking.days + 1  # a booking can reach this many days further
        for offset in range(-reach, reach + 1):
            yield day + timedelta(days=offset)

    def _forget_refusals_of(self, employee_id: int, day: date) -> None:
        """A new booking can make another rule answer first for its person (a Core that day comes
        before an overlap), so that person's remembered refusals of the days it reaches go."""
        for reached in self._days_reached(day):
            for people in self.refused.get(reached, {}).values():
                people.pop(employee_id, None)

    def _forget_refusals(self, day: date) -> None:
        for reached in self._days_reached(day):
            self.refused.pop(reached, None)

    def _unbook(self, event: EventInfo) -> None:
        employee_id, start_at = self.placed.pop(event.id)
        self.ctx.remove_event(event.id)
        self._forget_refusals(start_at.date())
        if event.event_type == CORE:
            self.slot_use[(start_at.date(), start_at.time())] -= 1
            self.cores_on[start_at.date()].discard(event.id)
        self.log.append(("unbook", event.id, employee_id, start_at))

    def _set_bumped(self, event_id: int, by: int) -> None:
        self.log.append(("bumped", event_id, self.bumped_by.get(event_id)))
        self.bumped_by[event_id] = by

    def _rollback(self, mark: int) -> None:
        while len(self.log) > mark:
            op = self.log.pop()
            if op[0] == "book":
                self._unbook(self.events[op[1]])
                self.log.pop()  # _unbook logged itself
            elif op[0] == "unbook":
                self._book(self.events[op[1]], op[2], op[3], logged=False)
            else:
                _, event_id, previous = op
                if previous is None:
                    self.bumped_by.pop(event_id, None)
                else:
                    self.bumped_by[event_id] = previous

    def _ok(
        self,
        event: EventInfo,
        employee: EmployeeInfo,
        start_at: datetime,
        tried: Counter,
        exclude: tuple[int, ...] = (),
        day_blocked: set[int] | None = None,
    ) -> bool:
        """The one rule set decides. `day_blocked` collects people refused for a reason that holds
        all day, so that the other times of that day skip them (the answer would be the same).

        Refusals are remembered per (day, type[, time, duration]) and person: the rules' answer
        for them depends only on those and on the bookings, and bookings only grow except when a
        bump removes one — which forgets the refusals of the days around it (`_unbook`). A new
        booking keeps every refusal a refusal but can change which rule answers first for its
        person (a Core that day is named before an overlap): it forgets that person's refusals of
        the days around it (`_book`). A remembered refusal is therefore exactly what
        `validate_assignment` would answer again, reason included.
        """
        day = start_at.date()
        memo = self.refused.setdefault(day, {}) if not exclude and self.s.remember_refusals else None
        day_key = (event.event_type,)
        time_key = (event.event_type, start_at.time(), self.ctx.duration(event))
        if memo is not None:
            code = memo.get(day_key, {}).get(employee.id) or memo.get(time_key, {}).get(employee.id)
            if code is not None and code not in rules.BEFORE_WINDOW_CODES and rules.window_violation(event, start_at):
                code = "window"  # the rules would name this event's own window first
            if code is not None:
                self._refused(code, employee, tried, day_blocked)
                return False
        violations = rules.validate_assignment(
            event=event, employee=employee, start_at=start_at, ctx=self.ctx, exclude_events=exclude, first_only=True
        )
        if not violations:
            return True
        code = violations[0].code
        if memo is not None and code != "window":  # the window is the event's own, never remembered
            memo.setdefault(day_key if code in rules.DAY_LEVEL_CODES else time_key, {})[employee.id] = code
        self._refused(code, employee, tried, day_blocked)
        return False

    @staticmethod
    def _refused(code: str, employee: EmployeeInfo, tried: Counter, day_blocked: set[int] | None) -> None:
        tried[code] += 1
        if day_blocked is not None and code in rules.DAY_LEVEL_CODES:
            day_blocked.add(employee.id)

    def _fail(self, event: EventInfo, reason: str) -> None:
        self.failures[event.id] = reason

    def _no_one(self, event: EventInfo, first: date, last: date, tried: Counter, what: str) -> str:
        span = _fmt(first) if first == last else f"any day from {_fmt(first)} to {_fmt(last)}"
        top = ", ".join(
            f"{CODE_LABELS.get(code, code)} ×{n}"
            for code, n in sorted(tried.items(), key=lambda item: (-item[1], item[0]))[:4]
        )
        return f"No person available ({what}) on {span}" + (f": {top}." if top else ".")

    def _window(self, event: EventInfo, first: date) -> tuple[date, date] | None:
        last = event.due_at.date() - timedelta(days=1)
        first = max(first, event.start_at.date())
        if first > last:
            self._fail(
                event,
                f"Window closed: the earliest allowed date is {_fmt(first)} but the event is due "
                f"{_fmt(event.due_at.date())} (due date excluded).",
            )
            return None
        return first, last

    # ------------------------------------------------------------------ simple waves
    def _place_simple(
        self,
        event: EventInfo,
        first: date,
        what: str,
        times: Callable[[date], list[time]],
        people: Callable[[date], list[EmployeeInfo]],
    ) -> bool:
        window = self._window(event, first)
        if window is None:
            return False
        tried: Counter = Counter()
        for day in _span(*window):
            candidates = people(day)
            if not candidates:
                tried["no_rotation" if event.event_type == JUICER else "no_candidate"] += 1
                continue
            blocked: set[int] = set()
            for at in times(day):
                start_at = self._at(day, at)
                for employee in candidates:
                    if employee.id not in blocked and self._ok(event, employee, start_at, tried, day_blocked=blocked):
                        self._book(event, employee.id, start_at, logged=False)
                        return True
        self._fail(event, self._no_one(event, *window, tried, what))
        return False

    def _non_core_first(self) -> date:
        # Nothing is proposed on the run's own day: a buffer of 0 still means "from tomorrow".
        return self.as_of_day + timedelta(days=max(1, self.s.buffer_days))

    def _primary_lead(self, day: date) -> EmployeeInfo | None:
        employee = self.by_id.get(self.ctx.rotation_employee("primary_lead", day))
        return employee if employee is not None and employee.job_title == LEAD else None

    def _leads_primary_first(self, day: date) -> list[EmployeeInfo]:
        primary = self._primary_lead(day)
        return ([primary] if primary else []) + [e for e in self.titled[LEAD] if e is not primary]

    def _rotating(self, kind: str, slots: tuple[time, ...]) -> Callable[[date], list[time]]:
        def times(day: date) -> list[time]:
            start = self.rotating[(kind, day)] % len(slots)
            return list(slots[start:] + slots[:start])

        return times

    def _spec(self, event: EventInfo) -> _WaveSpec:
        """The wave's rule for one event: from which day, at which times (in order of preference),
        by whom (in order of preference). The planner and `suggest` both read it."""
        first = self._non_core_first()
        if event.event_type == JUICER:
            at = self.s.juicer_survey_time if event.sub_type == JUICER_SURVEY else self.s.juicer_production_time

            def rotation_juicer(day: date) -> list[EmployeeInfo]:
                employee = self.by_id.get(self.ctx.rotation_employee(JUICER, day))
                return [employee] if employee is not None else []

            return _WaveSpec(first, "the day's rotation Juicer", lambda day: [at], rotation_juicer)
        if event.event_type == CORE:
            return _WaveSpec(
                self.as_of_day + timedelta(days=1), CORE_WHAT, self._core_times, lambda day: self.core_pool
            )
        if event.event_type == FREEOSK:
            return _WaveSpec(
                first,
                "Primary Lead, Leads, Club Supervisor",
                lambda day: [self.s.freeosk_time],
                lambda day: self._leads_primary_first(day) + self.titled[CLUB_SUPERVISOR],
            )
        if event.event_type == DIGITAL:
            if event.sub_type == DIGITAL_TEARDOWN:

                def secondary(day: date) -> list[EmployeeInfo]:
                    primary = self._primary_lead(day)
                    return [e for e in self.titled[LEAD] if e is not primary] + self.titled[CLUB_SUPERVISOR]

                return _WaveSpec(
                    first,
                    "a secondary Lead, Club Supervisor",
                    self._rotating("teardown", self.s.digital_teardown_slots),
                    secondary,
                )
            return _WaveSpec(
                first,
                "Primary Lead, Leads, Club Supervisor",
                self._rotating("setup", self.s.digital_setup_slots),
                lambda day: self._leads_primary_first(day) + self.titled[CLUB_SUPERVISOR],
            )
        return _WaveSpec(
            first,
            "Club Supervisor, Leads",
            lambda day: [self.s.other_time],
            lambda day: self.titled[CLUB_SUPERVISOR] + self._leads_primary_first(day),
        )

    def _simple(self, event: EventInfo) -> None:
        """Juicer, Freeosk, Digital, Other: the first person (in order) free at the first time (in
        order) of the earliest day."""
        spec = self._spec(event)
        if self._place_simple(event, spec.first, spec.what, spec.times, spec.people) and event.event_type == DIGITAL:
            kind = "teardown" if event.sub_type == DIGITAL_TEARDOWN else "setup"
            self.rotating[(kind, self.placed[event.id][1].date())] += 1

    # ------------------------------------------------------------------ Core wave
    def _core_days(self, event: EventInfo) -> tuple[date, date] | None:
        last = event.due_at.date() - timedelta(days=1)
        first = max(event.start_at.date(), self.as_of_day + timedelta(days=1))
        return (first, last) if first <= last else None

    def _free_slots_allowed(self, day: date) -> bool:
        return self.s.short_notice_free_slots or (day - self.as_of_day).days > self.s.short_notice_days

    def _supervisor_fits(self, core: EventInfo, day: date) -> bool:
        """A posted Core whose Supervisor is posted too may move only to a date where that
        Supervisor can follow it (the one Supervisor rule)."""
        if core.id not in self.posted or not core.event_number:
            return True
        for supervisor in self.posted_supervisors.get(core.event_number, ()):
            if (
                supervisor.start_at.date() != day
                and self._supervisor_person(supervisor.event, day, supervisor.employee_id) is None
            ):
                return False
        return True

    def _supervisor_person(
        self, supervisor: EventInfo, day: date, keep: int | None = None, tried: Counter | None = None
    ) -> EmployeeInfo | None:
        start_at = rules.supervisor_start(self._at(day, time(0)), self.ctx)
        tried = tried if tried is not None else Counter()
        candidates = rules.supervisor_candidates(day, self.employees, self.ctx)
        if keep is not None and keep in self.by_id:
            candidates = [self.by_id[keep]] + [c for c in candidates if c.id != keep]
        for employee in candidates:
            if self._ok(supervisor, employee, start_at, tried):
                return employee
        return None

    def _core_times(self, day: date) -> list[time]:
        """The day's Core slots, least used first (posted and proposed Cores), ties to the earliest."""
        slots = self.ctx.core_slots
        return [slots[i] for i in sorted(range(len(slots)), key=lambda i: (self.slot_use[(day, slots[i])], i))]

    def _core_free(self, event: EventInfo, day: date, tried: Counter) -> bool:
        if not self.core_pool:
            tried["no_candidate"] += 1
            return False
        blocked: set[int] = set()
        for at in self._core_times(day):
            start_at = self._at(day, at)
            for employee in self.core_pool:
                if employee.id not in blocked and self._ok(event, employee, start_at, tried, day_blocked=blocked):
                    self._book(event, employee.id, start_at)
                    return True
        return False

    def _core_bump(self, event: EventInfo, day: date, depth: int, stack: frozenset[int], tried: Counter) -> bool:
        targets = sorted(
            (
                self.events[i]
                for i in self.cores_on.get(day, ())
                if i not in stack and self.events[i].due_at > event.due_at
            ),
            key=lambda e: (-e.due_at.timestamp(), e.id),
        )
        for target in targets:
            employee_id, start_at = self.placed[target.id]
            employee = self.by_id.get(employee_id)
            if employee is None or not self._ok(event, employee, start_at, tried, exclude=(target.id,)):
                continue
            mark = len(self.log)
            self._unbook(target)
            self._book(event, employee_id, start_at)
            self._set_bumped(target.id, event.id)
            if self._place_core(target, depth + 1, stack | {event.id, target.id}, Counter()):
                return True
            self._rollback(mark)
        return False

    def _place_core(self, event: EventInfo, depth: int, stack: frozenset[int], tried: Counter) -> bool:
        days = self._core_days(event)
        if days is None:
            return False
        for day in _span(*days):
            if not self._supervisor_fits(event, day):
                tried["supervisor_cannot_follow"] += 1
                continue
            if self._free_slots_allowed(day) and self._core_free(event, day, tried):
                return True
            if depth < self.s.max_bump_depth and self._core_bump(event, day, depth, stack, tried):
                return True
        return False

    def _core(self, event: EventInfo) -> None:
        days = self._core_days(event)
        if days is None:
            self._window(event, self.as_of_day + timedelta(days=1))
            return
        tried: Counter = Counter()
        self.log.clear()
        if not self._place_core(event, 0, frozenset({event.id}), tried):
            what = CORE_WHAT + "; no later-due Core to bump"
            if not self.s.short_notice_free_slots:
                what += f"; days 1–{self.s.short_notice_days} take bumps only"
            self._fail(event, self._no_one(event, *days, tried, what))
        self.log.clear()

    # ------------------------------------------------------------------ Supervisor pairing
    def _supervisors(self, supervisors: list[EventInfo], cores: list[EventInfo]) -> list[Proposal]:
        moves: list[Proposal] = []
        waiting: dict[str, list[EventInfo]] = defaultdict(list)
        for supervisor in supervisors:
            waiting[supervisor.event_number].append(supervisor)
        placed_cores = [c for c in cores if c.id in self.placed]
        posted_cores = sorted(
            (
                p.event
                for p in self.posted.values()
                if p.event.event_type == CORE
                and p.event.event_number
                and not self.posted_supervisors.get(p.event.event_number)
            ),
            key=lambda e: (e.due_at, e.id),
        )
        for core in placed_cores + posted_cores:
            if not core.event_number or not waiting.get(core.event_number):
                continue
            supervisor = waiting[core.event_number].pop(0)
            day = self.placed[core.id][1].date()
            if day <= self.as_of_day:
                self._fail(supervisor, f"Its Core {core.name} is on {_fmt(day)}, not after the run's date.")
                continue
            tried: Counter = Counter()
            employee = self._supervisor_person(supervisor, day, tried=tried)
            if employee is None:
                top = ", ".join(f"{CODE_LABELS.get(c, c)} ×{n}" for c, n in sorted(tried.items()))
                self._fail(
                    supervisor,
                    f"Neither the Club Supervisor nor the day's Primary Lead can take it on "
                    f"{_fmt(day)} (its Core's date)" + (f": {top}." if top else "."),
                )
                continue
            self._book(supervisor, employee.id, rules.supervisor_start(self.placed[core.id][1], self.ctx), logged=False)
        for number, left in waiting.items():
            for supervisor in left:
                if not number:
                    reason = "Unpaired Supervisor: its name has no 6-digit event number."
                else:
                    unplaced = next((c for c in cores if c.event_number == number and c.id not in self.placed), None)
                    if unplaced is not None:
                        reason = f"Unpaired Supervisor: its Core {unplaced.name} could not be placed."
                    elif any(c.event_number == number for c in cores):
                        reason = f"Unpaired Supervisor: another Supervisor event already pairs with Core {number}."
                    elif self.posted_supervisors.get(number):
                        reason = f"Unpaired Supervisor: the Core {number} already has a posted Supervisor event."
                    else:
                        reason = f"Unpaired Supervisor: no Core with event number {number} is posted or proposed."
                self._fail(supervisor, reason)
        # A posted Core that moves to another date takes its posted Supervisor along.
        for core_id, posted in self.posted.items():
            core = posted.event
            if core.event_type != CORE or self.placed.get(core_id) == (posted.employee_id, posted.start_at):
                continue
            day = self.placed[core_id][1].date()
            for sup in self.posted_supervisors.get(core.event_number, ()):
                if sup.start_at.date() == day:
                    continue
                employee = self._supervisor_person(sup.event, day, keep=sup.employee_id)
                if employee is not None:  # guaranteed by _supervisor_fits
                    self.ctx.remove_event(sup.event.id)
                    self._forget_refusals(sup.start_at.date())
                    self.placed.pop(sup.event.id, None)
                    start_at = rules.supervisor_start(self.placed[core_id][1], self.ctx)
                    self._book(sup.event, employee.id, start_at, logged=False)
                    moves.append(
                        Proposal(
                            event_id=sup.event.id,
                            employee_id=employee.id,
                            start_at=start_at,
                            kind=MOVE,
                            schedule_id=sup.schedule_id,
                            previous_employee_id=sup.employee_id,
                            previous_start_at=sup.start_at,
                            bumped_by=self.bumped_by.get(core_id),
                            note=f"Follows its Core {core.name} to {_fmt(day)}.",
                        )
                    )
        return moves

    # ------------------------------------------------------------------ the run
    def run(self) -> Plan:
        by_type: dict[str, list[EventInfo]] = defaultdict(list)
        for event in self.data.candidates:
            by_type[event.event_type if event.event_type in WAVES else OTHER].append(event)
        for items in by_type.values():
            items.sort(key=lambda e: (e.due_at, e.id))
        total = max(1, len(self.data.candidates))
        done = 0

        def step(items, handler, label):
            nonlocal done
            for event in items:
                handler(event)
            done += len(items)
            self.progress(10 + 80 * done / total, f"{label}: {len(items)} events")

        step(by_type[JUICER], self._simple, "Juicer")
        step(by_type[CORE], self._core, "Core")
        supervisor_moves = self._supervisors(by_type[SUPERVISOR], by_type[CORE])
        done += len(by_type[SUPERVISOR])
        step(by_type[FREEOSK], self._simple, "Freeosk")
        step(by_type[DIGITAL], self._simple, "Digital")
        step(by_type[OTHER], self._simple, "Other")

        proposals: list[Proposal] = []
        order = {event_type: i for i, event_type in enumerate(WAVES)}
        for event in sorted(self.data.candidates, key=lambda e: (order.get(e.event_type, 99), e.due_at, e.id)):
            if event.id in self.placed:
                employee_id, start_at = self.placed[event.id]
                bumped_by = self.bumped_by.get(event.id)
                proposals.append(
                    Proposal(
                        event_id=event.id,
                        employee_id=employee_id,
                        start_at=start_at,
                        bumped_by=bumped_by,
                        note=f"Re-placed after {self.events[bumped_by].name} took its spot." if bumped_by else "",
                    )
                )
        for event_id, posted in sorted(self.posted.items()):
            if posted.event.event_type == CORE and self.placed.get(event_id) != (posted.employee_id, posted.start_at):
                employee_id, start_at = self.placed[event_id]
                bumped_by = self.bumped_by.get(event_id)
                proposals.append(
                    Proposal(
                        event_id=event_id,
                        employee_id=employee_id,
                        start_at=start_at,
                        kind=MOVE,
                        schedule_id=posted.schedule_id,
                        previous_employee_id=posted.employee_id,
                        previous_start_at=posted.start_at,
                        bumped_by=bumped_by,
                        note=f"Moves so that the more urgent {self.events[bumped_by].name} can take its spot."
                        if bumped_by
                        else "",
                    )
                )
        proposals.extend(supervisor_moves)
        failures = [Failure(event_id=event_id, reason=reason) for event_id, reason in sorted(self.failures.items())]
        plan = Plan(proposals=proposals, failures=failures, candidates=len(self.data.candidates), ctx=self.ctx)
        if plan.proposed + plan.failed != plan.candidates:
            raise AssertionError("every candidate must be proposed or failed")
        return plan


def plan(data: PlanInput, *, progress: Callable[[float, str], None] | None = None) -> Plan:
    """Compute a plan. Works on `data.ctx` (it ends holding the plan's bookings)."""
    return _Planner(data, progress).run()


# --------------------------------------------------------------------------- one event: "Find someone"
@dataclass(frozen=True)
class Option:
    """Someone who can take the event on a day, at the time the wave would use."""

    employee_id: int
    employee_name: str
    start_at: datetime
    preferred: bool  # in the wave's own pool (the people a run asks, in its order)


@dataclass(frozen=True)
class Refusal:
    employee_id: int
    employee_name: str
    reason: str  # the wording of run failures ("time off", "already has a Core that day", …)
    detail: str  # the rule's own message


@dataclass(frozen=True)
class DayOptions:
    day: date
    options: list[Option]
    refusals: list[Refusal]


@dataclass(frozen=True)
class Suggestions:
    event_id: int
    days: list[DayOptions]
    summary: str  # empty when someone can take it; else the reason a run would give


def _suggest(planner: _Planner, event: EventInfo) -> Suggestions:
    if event.event_type == SUPERVISOR:
        core = next(
            (
                p
                for p in sorted(planner.posted.values(), key=lambda p: p.schedule_id)
                if p.event.event_type == CORE and event.event_number and p.event.event_number == event.event_number
            ),
            None,
        )
        if not event.event_number:
            return Suggestions(event.id, [], "Unpaired Supervisor: its name has no 6-digit event number.")
        if core is None:
            return Suggestions(
                event.id,
                [],
                f"Unpaired Supervisor: no Core with event number {event.event_number} is posted; "
                "schedule the Core first (its Supervisor follows it).",
            )
        day = core.start_at.date()
        if day <= planner.as_of_day:
            return Suggestions(event.id, [], f"Its Core {core.event.name} is on {_fmt(day)}, not after today.")
        window = (day, day)
        spec = _WaveSpec(
            day,
            "Club Supervisor, the day's Primary Lead",
            lambda d: [planner.ctx.supervisor_time],
            lambda d: rules.supervisor_candidates(d, planner.employees, planner.ctx),
        )
    else:
        spec = planner._spec(event)
        window = planner._window(event, spec.first)
        if window is None:
            return Suggestions(event.id, [], planner.failures.pop(event.id))
    active = sorted((e for e in planner.employees if e.is_active), key=lambda e: (e.name, e.id))
    tried: Counter = Counter()
    days: list[DayOptions] = []
    for day in _span(*window):
        preferred = spec.people(day)
        if not preferred:
            tried["no_rotation" if event.event_type == JUICER else "no_candidate"] += 1
        pool = {e.id for e in preferred}
        options: list[Option] = []
        refusals: list[Refusal] = []
        for employee in [*preferred, *(e for e in active if e.id not in pool)]:
            first_refusal = None
            for at in spec.times(day):
                start_at = planner._at(day, at)
                found = rules.validate_assignment(
                    event=event, employee=employee, start_at=start_at, ctx=planner.ctx, first_only=True
                )
                if not found:
                    options.append(Option(employee.id, employee.name, start_at, employee.id in pool))
                    break
                first_refusal = first_refusal or found[0]
            else:
                if first_refusal is not None:
                    tried[first_refusal.code] += employee.id in pool
                    refusals.append(
                        Refusal(
                            employee.id,
                            employee.name,
                            CODE_LABELS.get(first_refusal.code, first_refusal.code),
                            first_refusal.message,
                        )
                    )
        days.append(DayOptions(day, options, refusals))
    summary = ""
    if not any(d.options for d in days):
        if event.event_type == SUPERVISOR:
            top = ", ".join(f"{CODE_LABELS.get(c, c)} ×{n}" for c, n in sorted((+tried).items()))
            summary = (
                f"Neither the Club Supervisor nor the day's Primary Lead can take it on {_fmt(window[0])} "
                "(its Core's date)" + (f": {top}." if top else ".")
            )
        else:
            summary = planner._no_one(event, *window, +tried, spec.what)
    return Suggestions(event.id, days, summary)


def suggest(data: PlanInput, event: EventInfo) -> Suggestions:
    """The auto-scheduler's rules applied to one event: on each day of its window (the run's
    window for its type), who can take it and at which time (the wave's own people first, in the
    wave's order; then anyone else the rules allow), and for everyone else the reason they cannot,
    in the words of run failures. Bumping is not offered: it moves other postings.
    `data.posted` are the postings to respect; `data.candidates` is not used."""
    return _suggest(_Planner(data, None), event)
