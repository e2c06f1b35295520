"""Fair on-call rotation: plain Python, no ORM, no Django request in sight.

The maths
---------
A weekly pattern has S shifts, sorted by (weekday, start time). Number the weeks from a fixed
Monday and the active members 0..N-1 in rotation order. The generator assigns

    member(week w, shift i) = order[(w + sigma[i] + phase) mod N]

so every shift *column* walks through the whole team one step per week. Over any N
consecutive weeks each member therefore works every shift of the pattern exactly once: hours,
long (48 h) shifts and weekend days are not merely within the required bounds, they are equal —
for every N, every pattern, and every window, wherever it starts. (The old `members[k mod N]`
formula advances by S per week instead of 1, which is why it stalls when gcd(N, S) > 1.)

`sigma` decides who follows whom inside a week. It is chosen so that no two consecutive
occurrences share a member: inside the week sigma[i] != sigma[i+1], and across the week seam
(last shift of week w, first shift of week w+1) sigma[-1] != sigma[0] + 1 (mod N). For N >= 3
such a sigma always exists. For N = 2 the columns must alternate, and when S is even parity
forces one back-to-back per week; it falls on alternating members, so each person has at most
one every two weeks, and sigma puts it where the combined stretch is shortest.

Continuity: `phase` is chosen to reproduce the assignments already in the database just before
the window (and, for regeneration, those just after it), so extending 4 + 4 weeks yields
exactly the 8-week schedule, and a changed team continues as closely as it can — never with a
back-to-back at either seam when N >= 3.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

# Weeks are numbered from this Monday; any Monday works, it only has to be fixed.
EPOCH_MONDAY = date(2001, 1, 1)
WEEKEND = (5, 6)
LONG_SHIFT_HOURS = 48
MINUTES_PER_WEEK = 7 * 24 * 60
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MemberKey = Hashable
ShiftKey = Hashable


class RotationError(ValueError):
    """The inputs cannot produce a schedule (no members, no shifts, overlapping shifts…)."""


@dataclass(frozen=True, order=True)
class ShiftSpec:
    weekday: int  # 0 = Monday
    start_minute: int  # minutes after local midnight
    duration_hours: int
    key: ShiftKey = field(compare=False)

    @property
    def week_offset_minutes(self) -> int:
        return self.weekday * 24 * 60 + self.start_minute

    @property
    def days_touched(self) -> int:
        """Calendar days the shift starts on or runs into (a 24 h shift at 08:00 counts 1)."""
        return max(1, math.ceil(self.duration_hours / 24))

    @property
    def weekend_days(self) -> int:
        return sum(1 for d in range(self.days_touched) if (self.weekday + d) % 7 in WEEKEND)

    @property
    def is_long(self) -> bool:
        return self.duration_hours >= LONG_SHIFT_HOURS


@dataclass(frozen=True, order=True)
class Occurrence:
    """One concrete shift: the pattern `shift_key` starting on local date `day`."""

    day: date
    start_minute: int
    shift_key: ShiftKey = field(compare=False)


def week_index(day: date) -> int:
    return (day - EPOCH_MONDAY).days // 7


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def shifts_sorted(shifts: Sequence[ShiftSpec]) -> list[ShiftSpec]:
    return sorted(shifts, key=lambda s: (s.weekday, s.start_minute))


def shifts_validate(shifts: Sequence[ShiftSpec]) -> None:
    """Raise RotationError naming the problem: no shifts, bad duration, or overlapping shifts."""
    if not shifts:
        raise RotationError("No shift patterns are configured for this team.")
    ordered = shifts_sorted(shifts)
    for shift in ordered:
        if not 0 <= shift.weekday <= 6:
            raise RotationError(f"Weekday {shift.weekday} is not 0 (Monday) … 6 (Sunday).")
        if not 1 <= shift.duration_hours <= 168:
            raise RotationError("A shift lasts between 1 and 168 whole hours.")
    for position, current in enumerate(ordered):
        if len(ordered) == 1:
            break
        following = ordered[(position + 1) % len(ordered)]
        next_start = following.week_offset_minutes + (MINUTES_PER_WEEK if position == len(ordered) - 1 else 0)
        if current.week_offset_minutes + current.duration_hours * 60 > next_start:
            raise RotationError(
                f"The shift starting on {WEEKDAY_NAMES[current.weekday]} overlaps the one starting on "
                f"{WEEKDAY_NAMES[following.weekday]}."
            )
    total = sum(s.duration_hours * 60 for s in ordered)
    if total > MINUTES_PER_WEEK:
        raise RotationError("The shift patterns add up to more than a week, so they overlap.")


def occurrences_between(shifts: Sequence[ShiftSpec], start: date, end: date) -> list[Occurrence]:
    """Every occurrence whose local start date is in [start, end), in time order."""
    result = []
    monday = monday_of(start)
    ordered = shifts_sorted(shifts)
    while monday < end:
        for shift in ordered:
            day = monday + timedelta(days=shift.weekday)
            if start <= day < end:
                result.append(Occurrence(day, shift.start_minute, shift.key))
        monday += timedelta(days=7)
    return result


# --------------------------------------------------------------------------- sigma
def _conflicts(sigma: Sequence[int], n: int) -> list[int]:
    """Indices i where occurrence i and the one after it (wrapping into next week) share a member."""
    s = len(sigma)
    bad = [i for i in range(s - 1) if sigma[i] == sigma[i + 1]]
    if sigma[-1] % n == (sigma[0] + 1) % n:
        bad.append(s - 1)
    return bad


def sigma_for(shifts: Sequence[ShiftSpec], n: int) -> list[int]:
    """Within-week offsets: no back-to-back for n >= 3; the mildest one per week for n = 2."""
    ordered = shifts_sorted(shifts)
    s = len(ordered)
    if n <= 1:
        return [0] * s
    if n >= 3:
        sigma = [i % n for i in range(s)]
        if s >= 2 and sigma[-1] in (sigma[-2], (sigma[0] + 1) % n):
            sigma[-1] = next(v for v in range(n) if v not in (sigma[-2], (sigma[0] + 1) % n))
        return sigma
    # n == 2: each column alternates; pick the sigma with the fewest and shortest back-to-backs.
    if s > 14:
        return [i % 2 for i in range(s)]

    def cost(candidate):
        bad = _conflicts(candidate, 2)
        hours = sum(ordered[i].duration_hours + ordered[(i + 1) % s].duration_hours for i in bad)
        return (len(bad), hours)

    return list(min(itertools.product((0, 1), repeat=s), key=lambda c: (cost(c), c)))


# --------------------------------------------------------------------------- planning
@dataclass
class Plan:
    assignments: dict[Occurrence, MemberKey]
    phase: int
    sigma: list[int]


def _member_index(members: Sequence[MemberKey], sigma_by_key: Mapping, occ: Occurrence, phase: int) -> int:
    return (week_index(occ.day) + sigma_by_key[occ.shift_key] + phase) % len(members)


def rotation_plan(
    *,
    members: Sequence[MemberKey],
    shifts: Sequence[ShiftSpec],
    start: date,
    end: date,
    before: Mapping[Occurrence, MemberKey] | None = None,
    after: Mapping[Occurrence, MemberKey] | None = None,
) -> Plan:
    """Assign every occurrence starting in [start, end) to one of `members` (rotation order).

    `before` are existing assignments just before `start` (at least the last few weeks) and
    `after` those kept just after `end`; the phase that agrees most with them wins, subject to
    no back-to-back at either seam when that is possible.
    """
    if not members:
        raise RotationError("The team has no active members.")
    if len(set(members)) != len(members):
        raise RotationError("A member appears twice in the rotation.")
    shifts_validate(shifts)
    if end <= start:
        raise RotationError("The end date must be after the start date.")
    n = len(members)
    ordered = shifts_sorted(shifts)
    sigma = sigma_for(ordered, n)
    sigma_by_key = {shift.key: sigma[i] for i, shift in enumerate(ordered)}
    index_of = {m: i for i, m in enumerate(members)}
    window = occurrences_between(ordered, start, end)
    before = {o: m for o, m in (before or {}).items() if o.shift_key in sigma_by_key}
    after = {o: m for o, m in (after or {}).items() if o.shift_key in sigma_by_key}

    last_before = max(before, default=None)
    first_after = min(after, default=None)

    def score(phase: int) -> tuple:
        seam_conflicts = 0
        if window and last_before is not None:
            seam_conflicts += members[_member_index(members, sigma_by_key, window[0], phase)] == before[last_before]
        if window and first_after is not None:
            seam_conflicts += members[_member_index(members, sigma_by_key, window[-1], phase)] == after[first_after]
        agreement = sum(
            1
            for occ, member in itertools.chain(before.items(), after.items())
            if member in index_of and _member_index(members, sigma_by_key, occ, phase) == index_of[member]
        )
        return (seam_conflicts if n >= 3 else 0, -agreement, seam_conflicts, phase)

    phase = min(range(n), key=score)
    assignments = {occ: members[_member_index(members, sigma_by_key, occ, phase)] for occ in window}
    return Plan(assignments=assignments, phase=phase, sigma=sigma)


# --------------------------------------------------------------------------- fairness
@dataclass
class MemberTotals:
    hours: int = 0
    long_shifts: int = 0
    weekend_days: int = 0
    shifts: int = 0


def member_totals(
    assignments: Mapping[Occurrence, MemberKey], shifts: Sequence[ShiftSpec], members: Sequence[MemberKey] = ()
) -> dict[MemberKey, MemberTotals]:
    """Per member: scheduled (wall-clock) hours, long shifts and weekend days."""
    by_key = {s.key: s for s in shifts}
    totals = {m: MemberTotals() for m in members}
    for occ, member in assignments.items():
        shift = by_key[occ.shift_key]
        t = totals.setdefault(member, MemberTotals())
        t.hours += shift.duration_hours
        t.long_shifts += shift.is_long
        t.weekend_days += shift.weekend_days
        t.shifts += 1
    return totals


def back_to_back(assignments: Mapping[Occurrence, MemberKey]) -> list[tuple[Occurrence, Occurrence]]:
    """Pairs of consecutive occurrences worked by the same member."""
    ordered = sorted(assignments)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if assignments[a] == assignments[b]]


def fairness_spread(
    assignments: Mapping[Occurrence, MemberKey], shifts: Sequence[ShiftSpec], members: Sequence[MemberKey]
) -> tuple[int, int, int]:
    """(max-min hours, max-min long shifts, max-min weekend days) across `members`."""
    totals = member_totals(assignments, shifts, members)
    rows = [totals[m] for m in members]
    return (
        max(t.hours for t in rows) - min(t.hours for t in rows),
        max(t.long_shifts for t in rows) - min(t.long_shifts for t in rows),
        max(t.weekend_days for t in rows) - min(t.weekend_days for t in rows),
    )
