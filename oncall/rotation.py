"""Fair on-call rotation: plain Python, no ORM, no Django request in sight.

The maths
---------
A weekly pattern has S shifts (columns), sorted by (weekday, start time). Number the calendar
weeks from a fixed Monday and the active members 0..N-1 in rotation order. The generator assigns

    member(week w, column i) = order[(w + sigma[i] + phase) mod N]

so every column walks through the whole team one step per week: (c) each shift kind's counts
differ by at most 1 over any run of weeks. Over weeks [a, a + k) a member works the columns whose
offset sigma[i] lies in an arc of k mod N residues, so fairness over *every* horizon — and every
prefix of it, wherever it starts — is a property of sigma alone (`arc_spread`):

- sigma takes the evenly spread residues floor(j*N/S) (`balanced_offsets`), so every arc holds
  floor or ceil of its share: (a) shift counts differ by at most 1;
- the columns are placed on those residues spreading each kind (48 h, weekend days) around the
  team, then improved by local search: (b) hours within the longest shift and weekend days
  within 1 for the standard pattern and any equal-length one, for N = 1..30;
- (d) no two consecutive occurrences share a member for N >= 3: sigma[i] != sigma[i+1] and, at
  the week seam, sigma[-1] != sigma[0] + 1. For N = 2 parity may force one back-to-back a
  week, on alternating people and never next to the longest shift when avoidable.
Mixed-length patterns use these offsets when they meet (a) within 2, (b) and (d) too: proven by
`arc_spread`, which is exact over every horizon. Some cannot (24 h, 12 h, 24 h with 21 people:
36 h at best over every sigma); those are planned a calendar week at a time (`balanced_week`):
occurrence by occurrence, each to a member who keeps hours within the longest shift and counts
within 2 at that point, by a fixed priority (fewest of the kind, fewest shifts, longest ago,
fewest hours), never the member of the occurrence before; if that week ends outside the bounds,
the first week in the same priority that ends inside them (depth first, bounded) replaces it.

Certificate (the proof for balanced mode). Every choice above compares differences between
members only: hours, shifts and per-kind counts relative to the team minimum, and who worked
longer ago (the final tie-break; distinct for everybody), never a name or index. So the week a
state leads to is determined, up to renaming members, by the canonical state: those relative
figures listed in order of last work (`_canonical_state`; the last entry is the previous worker,
whom (d) excludes). Simulate from an empty schedule one week at a time. If the canonical state
after week b equals the one after week a < b, then weeks b+1, b+2, ... repeat weeks a+1, a+2,
... with members renamed, forever; the spreads (a)-(b) ignore names, so they repeat too. Hence
if every week end 1..b met (a) within 2 and (b), every week end of every horizon does; (d)
holds at every handoff by construction for N >= 3. `_balanced_choice` takes the first priority
order whose simulation repeats within CERTIFY_WEEKS with all week ends inside the bounds
(`Certificate.proven`). Proven class: exactly the (pattern, N, first column) with a certificate
— all but about 1 in 300 random mixed patterns in balanced mode (bench/oncall.py sweeps them).
Outside it (best effort, stated): the order that keeps the bounds over two years from an empty
schedule, as before, with the rotation index as a tie-break. The certificate covers schedules
generated from an empty start and their extensions (the same trajectory); after a team change
or hand edits the same rule continues from the new state without a proof. Exact search on small
cases (N = 3..5, up to 6 shifts of 1-4 h: the greatest set of week-end states from which a valid
next week stays in the set) found the bounds attainable for every pattern tried, so no pattern
is known where they are impossible. (c) is not promised for these patterns.

Continuity: a balanced schedule continues from the totals of the whole history (the service
passes all of it), so extending equals generating at once; a member without history starts at
the lower edge of the team's band (at most one longest shift behind the busiest), never owed a
backlog. For the cyclic one, `phase` is chosen to reproduce the assignments already stored just before the window
(and, for regeneration, just after it), so extending 4 + 4 weeks yields exactly the 8-week
schedule and the balance runs over the whole schedule. After a team change the phase that keeps
most people where they were (and no back-to-back at either seam) wins, and from then on
everybody, newcomers included, gets the same share: nobody is owed a backlog.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
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
    bad = [i for i in range(s - 1) if sigma[i] % n == sigma[i + 1] % n]
    if sigma[-1] % n == (sigma[0] + 1) % n:
        bad.append(s - 1)
    return bad


def balanced_offsets(n: int, s: int) -> list[int]:
    """S residues mod n, sorted, such that every arc of r consecutive residues holds
    floor(r*S/n) or ceil(r*S/n) of them (the points floor(j*n/S); with repeats when S > n)."""
    return [(j * n) // s for j in range(s)]


def arc_spread(offsets: Sequence[int], weights: Sequence[int], n: int) -> int:
    """Worst max-min, over the members, of the weight they collect in any run of whole weeks.

    Member m works column i in week w when (w + offsets[i]) % n == m, so over weeks [a, a + k)
    m collects the weight of the columns whose offset lies in an arc of k mod n residues (whole
    laps of n weeks give everybody the same). The spread is the worst over arcs of every length;
    for each length the heaviest arc starts on a point and the lightest just after one."""
    per = [0] * n
    for offset, weight in zip(offsets, weights, strict=True):
        per[offset % n] += weight
    points = [v for v in range(n) if per[v]]
    if not points:
        return 0
    prefix = [0]
    for value in per + per + per:
        prefix.append(prefix[-1] + value)
    after = [p + 1 for p in points]
    worst = 0
    for r in range(1, n):
        heaviest = max(prefix[p + r] - prefix[p] for p in points)
        lightest = min(prefix[p + r] - prefix[p] for p in after)
        worst = max(worst, heaviest - lightest)
    return worst


def _objective(offsets: Sequence[int], ordered: Sequence[ShiftSpec], n: int) -> tuple:
    """Smaller is better: hard bounds first, then the finer balances, then the offsets themselves."""
    hours = [s.duration_hours for s in ordered]
    counts = arc_spread(offsets, [1] * len(ordered), n)
    hours_spread = arc_spread(offsets, hours, n)
    conflicts = _conflicts(offsets, n)
    hard = (counts > (1 if len(set(hours)) == 1 else 2)) + (hours_spread > max(hours))
    if n >= 3:
        hard += len(conflicts)
        soft_conflicts = (0, 0)
    else:  # two people: back-to-back is allowed, the fewest and shortest
        soft_conflicts = (len(conflicts), sum(hours[i] + hours[(i + 1) % len(hours)] for i in conflicts))
    return (
        hard,
        soft_conflicts,
        counts,
        arc_spread(offsets, [s.weekend_days for s in ordered], n),
        arc_spread(offsets, [s.is_long for s in ordered], n),
        hours_spread,
        tuple(offsets),
    )


def _spread_arrangement(ordered: Sequence[ShiftSpec], values: Sequence[int], shift: int, reverse: bool) -> list[int]:
    """Give the columns the residues `values`, spreading each kind of shift (same length and
    weekend days) evenly around the team: the rarest kinds are placed first."""
    s = len(ordered)
    slots = list(reversed(range(s))) if reverse else list(range(s))
    slots = slots[shift:] + slots[:shift]
    groups: dict[tuple, list[int]] = {}
    for i, spec in enumerate(ordered):
        groups.setdefault((spec.is_long, spec.weekend_days, spec.duration_hours), []).append(i)
    free = [True] * s
    result = [0] * s
    for _, columns in sorted(groups.items(), key=lambda kv: (len(kv[1]), -kv[0][2], kv[0])):
        c = len(columns)
        spots = None
        for base in range(s):
            tried = [(base + (j * s) // c) % s for j in range(c)]
            if all(free[p] for p in tried):
                spots = tried
                break
        if spots is None:
            spots = []
            for j in range(c):
                p = (j * s) // c
                while not free[p]:
                    p = (p + 1) % s
                free[p] = False
                spots.append(p)
        for column, p in zip(columns, spots, strict=True):
            free[p] = False
            result[column] = values[slots[p]]
    return result


def _improve(offsets: list[int], ordered: Sequence[ShiftSpec], n: int, budget: int = 150) -> list[int]:
    """Local search, deterministic: swap two columns' residues or move one column by a few
    weeks, first improvement, until nothing improves (or the budget is spent)."""
    best, best_score = list(offsets), _objective(offsets, ordered, n)
    s = len(best)
    moves = [("swap", i, j) for i, j in itertools.combinations(range(s), 2)]
    moves += [("move", i, d) for d in (1, -1, 2, -2, 3, -3) for i in range(s)]
    improved = True
    while improved and budget > 0:
        improved = False
        for kind, i, x in moves:
            candidate = list(best)
            if kind == "swap":
                if best[i] == best[x]:
                    continue
                candidate[i], candidate[x] = candidate[x], candidate[i]
            else:
                candidate[i] = (candidate[i] + x) % n
            score = _objective(candidate, ordered, n)
            budget -= 1
            if score < best_score:
                best, best_score, improved = candidate, score, True
                break
            if budget <= 0:
                break
    return best


EXHAUSTIVE_LIMIT = 400  # offsets tried one by one for a mixed pattern the search could not balance


@functools.lru_cache(maxsize=512)
def _sigma_cached(pattern: tuple[tuple[int, int, int], ...], n: int) -> tuple[int, ...]:
    ordered = [ShiftSpec(d, m, h, i) for i, (d, m, h) in enumerate(pattern)]
    s = len(ordered)
    if n <= 1:
        return (0,) * s
    if n == 2 and s <= 14:
        return tuple(
            min((list(c) for c in itertools.product((0, 1), repeat=s)), key=lambda c: _objective(c, ordered, 2))
        )
    candidates = []
    total = sum(spec.duration_hours for spec in ordered)
    multisets = [balanced_offsets(n, s)]
    for values in multisets:
        candidates.append(list(values))
        for shift in range(s):
            for reverse in (False, True):
                candidates.append(_spread_arrangement(ordered, values, shift, reverse))
    best = min(candidates, key=lambda c: _objective(c, ordered, n))
    score = _objective(best, ordered, n)
    if score[0] or score[2] > 1:
        # Mixed lengths whose hours equal counts cannot balance: trade count balance (up to 2)
        # for hours, starting from the columns placed in proportion to their hours too.
        cumulative, by_hours = 0, []
        for spec in ordered:
            by_hours.append((cumulative * n) // total)
            cumulative += spec.duration_hours
        best = min(
            (_improve(best, ordered, n), _improve(by_hours, ordered, n)), key=lambda c: _objective(c, ordered, n)
        )
        if _objective(best, ordered, n)[0] and n ** (s - 1) <= EXHAUSTIVE_LIMIT:
            # Small enough to try every offset (the first column's fixed: a rotation is a phase).
            best = min(
                ([0, *rest] for rest in itertools.product(range(n), repeat=s - 1)),
                key=lambda c: _objective(c, ordered, n),
            )
    return tuple(best)


def sigma_for(shifts: Sequence[ShiftSpec], n: int) -> list[int]:
    """Residue of each shift column (time order): member of week w, column i = order[(w + sigma[i] + phase) % n].

    Chosen so that in any run of whole weeks (a) shift counts differ by at most 1, (b) hours by
    at most the longest shift, (d) no member works two consecutive occurrences when n >= 3; and,
    as far as those allow, weekend days and 48 h shifts are spread as evenly. Each column walks
    through the whole team, so (c) every shift kind is within 1 by construction."""
    ordered = shifts_sorted(shifts)
    return list(_sigma_cached(tuple((s.weekday, s.start_minute, s.duration_hours) for s in ordered), n))


# --------------------------------------------------------------------------- balanced (mixed lengths)
# Some mixed-length patterns cannot stay within one longest shift when every column cycles
# through the team (24 h, 12 h, 24 h with 21 people: 36 h at best over all offsets). For those
# the schedule is built occurrence by occurrence instead: each goes to the member who keeps the
# hours within the longest shift and the shift counts within 2 of everybody else, preferring,
# among those, the fewest of this shift kind, then the fewest shifts, the fewest hours, the one
# who worked longest ago, and the rotation order. The state is the whole history, so extending
# continues exactly where generating at once would have gone.
# Priority orders tried in turn (the first that keeps the bounds from an empty schedule wins):
# fewest of this shift kind, fewest shifts, longest since the last one, fewest hours.
FIELDS = ("kind", "count", "last", "hours", "index")
# Certified orders break the last ties by who worked longer ago; the older orders by rotation
# index first, which no certificate covers (names matter), kept for the patterns no certified
# order proves.
CERTIFIED_VARIANTS = (
    ("kind", "count", "last", "hours"),
    ("count", "last", "kind", "hours"),
    ("count", "kind", "last", "hours"),
    ("kind", "count", "hours", "last"),
    ("count", "hours", "last", "kind"),
    ("count", "last", "hours", "kind"),
    ("hours", "count", "last", "kind"),
)
VARIANTS = (
    ("kind", "count", "last", "hours", "index"),
    ("count", "last", "kind", "hours", "index"),
    ("count", "kind", "last", "hours", "index"),
    ("kind", "count", "hours", "last", "index"),
    ("count", "hours", "last", "kind", "index"),
)
NEVER = -(10**9)  # the "last worked" position of a member who has not worked yet
SIMULATED_WEEKS = 104


@dataclass
class Levels:
    """Running totals of a balanced schedule: per member index hours, shifts, per column counts
    and the position of their last occurrence (smaller: longer ago)."""

    hours: list[int]
    counts: list[int]
    kinds: list[list[int]]  # [column][member]
    last: list[int]

    @classmethod
    def zero(cls, n: int, s: int) -> Levels:
        return cls([0] * n, [0] * n, [[0] * n for _ in range(s)], [NEVER + j for j in range(n)])


def _priority(variant: Sequence[str]) -> list[int]:
    """Field positions of a priority order. Without "index" the final tie-break is who worked
    longer ago (distinct for everybody), so the choice depends on differences between members
    only, never their names: the certificate relies on that."""
    order = [FIELDS.index(name) for name in variant]
    return order + [FIELDS.index("last")] * (5 - len(order))


def _two_lowest(values: Sequence[int]) -> tuple[int, int, int]:
    """(lowest, how many hold it, second lowest or lowest if tied)."""
    lowest = min(values)
    ties = values.count(lowest)
    second = lowest if ties > 1 else min((v for v in values if v != lowest), default=lowest)
    return lowest, ties, second


def _balanced_pick(
    levels: Levels, column: int, weight: int, longest: int, order: Sequence[int], excluded: set[int]
) -> int:
    hours, counts, kinds, last = levels.hours, levels.counts, levels.kinds[column], levels.last
    low_h, ties_h, second_h = _two_lowest(hours)
    low_c, ties_c, second_c = _two_lowest(counts)
    high_h, high_c = max(hours), max(counts)
    o1, o2, o3, o4, o5 = order
    best_key, best = None, 0
    for j, h in enumerate(hours):
        if j in excluded:
            continue
        c = counts[j]
        after_h, after_c = h + weight, c + 1
        new_low_h = (second_h if second_h < after_h else after_h) if (h == low_h and ties_h == 1) else low_h
        new_low_c = (second_c if second_c < after_c else after_c) if (c == low_c and ties_c == 1) else low_c
        hours_bad = (high_h if high_h > after_h else after_h) - new_low_h > longest
        counts_bad = (high_c if high_c > after_c else after_c) - new_low_c > 2
        values = (kinds[j], c, last[j], h, j)
        key = (
            hours_bad or counts_bad,
            hours_bad,
            counts_bad,
            values[o1],
            values[o2],
            values[o3],
            values[o4],
            values[o5],
        )
        if best_key is None or key < best_key:
            best_key, best = key, j
    return best


def balanced_run(
    weights: Sequence[int],
    columns: Sequence[int],
    levels: Levels,
    *,
    variant: Sequence[str],
    previous: int | None = None,
    following: int | None = None,
    position: int = 0,
) -> list[int]:
    """Member index of each occurrence (given by its column, in time order); updates `levels`.
    `previous`/`following` are the members just before and after the run (no back-to-back at
    either seam when n >= 3)."""
    n = len(levels.hours)
    longest = max(weights)
    order = _priority(variant)
    result = []
    for step, column in enumerate(columns):
        excluded = set()
        if n >= 3:
            if previous is not None:
                excluded.add(previous)
            if following is not None and step == len(columns) - 1:
                excluded.add(following)
        j = _balanced_pick(levels, column, weights[column], longest, order, excluded)
        levels.hours[j] += weights[column]
        levels.counts[j] += 1
        levels.kinds[column][j] += 1
        levels.last[j] = position + step
        result.append(j)
        previous = j
    return result


WEEK_SEARCH_NODES = 4000  # per week whose greedy end breaks the bounds (rare): a few ms at most


def _apply(levels: Levels, j: int, column: int, weight: int, position: int) -> int:
    old = levels.last[j]
    levels.hours[j] += weight
    levels.counts[j] += 1
    levels.kinds[column][j] += 1
    levels.last[j] = position
    return old


def _undo(levels: Levels, j: int, column: int, weight: int, old_last: int) -> None:
    levels.hours[j] -= weight
    levels.counts[j] -= 1
    levels.kinds[column][j] -= 1
    levels.last[j] = old_last


def _week_search(
    weights: Sequence[int],
    columns: Sequence[int],
    levels: Levels,
    order: Sequence[int],
    previous: int | None,
    following: int | None,
    forced: Sequence[int | None],
    position: int,
) -> list[int] | None:
    """The first week, depth first in the greedy's own priority at every step, whose end keeps
    hours within the longest shift and shift counts within 2 (None if the budget runs out).
    `levels` is left as it was."""
    n, longest = len(levels.hours), max(weights)
    remaining = [0] * (len(columns) + 1)
    for step in range(len(columns) - 1, -1, -1):
        remaining[step] = remaining[step + 1] + weights[columns[step]]
    picks: list[int] = []
    nodes = 0

    def search(step: int, before: int | None) -> bool:
        nonlocal nodes
        nodes += 1
        hours, counts = levels.hours, levels.counts
        spread_h, spread_c = max(hours) - min(hours), max(counts) - min(counts)
        if step == len(columns):
            return spread_h <= longest and spread_c <= 2
        if spread_h > longest + remaining[step] or spread_c > 2 + len(columns) - step or nodes > WEEK_SEARCH_NODES:
            return False
        column = columns[step]
        if forced[step] is not None:
            candidates = [forced[step]]
        else:
            excluded = {before, following if step == len(columns) - 1 else None} if n >= 3 else set()
            kinds, last = levels.kinds[column], levels.last
            candidates = sorted(
                (j for j in range(n) if j not in excluded),
                key=lambda j: tuple([(kinds[j], counts[j], last[j], hours[j], j)[o] for o in order]),
            )
        for j in candidates:
            old = _apply(levels, j, column, weights[column], position + step)
            picks.append(j)
            found = search(step + 1, j)
            _undo(levels, j, column, weights[column], old)
            if found:
                return True
            picks.pop()
            if nodes > WEEK_SEARCH_NODES:
                return False
        return False

    return picks if search(0, previous) else None


def balanced_week(
    weights: Sequence[int],
    columns: Sequence[int],
    levels: Levels,
    *,
    variant: Sequence[str],
    previous: int | None = None,
    following: int | None = None,
    forced: Sequence[int | None] = (),
    position: int = 0,
) -> list[int]:
    """Member index of each occurrence of one calendar week (`columns`, in time order, the whole
    week); updates `levels`. The greedy of `balanced_run` first; when its week end breaks the
    bounds, the first week in the same priority that keeps them (depth first, bounded). `forced`
    pins the members of a prefix (occurrences already stored): the plan of the week from its
    first day is kept when it agrees with them, so extending mid-week continues the week the
    schedule generated at once would have had. Every choice depends on differences between
    members only (never their names), as the certificate requires."""
    if forced:
        forced = list(forced) + [None] * (len(columns) - len(forced))
        free = balanced_week(
            weights, columns, _levels_copy(levels), variant=variant, previous=previous, following=following
        )
        if all(f is None or f == j for f, j in zip(forced, free, strict=True)):
            forced = []
    if not forced:
        lasts = list(levels.last)
        picks = balanced_run(
            weights, columns, levels, variant=variant, previous=previous, following=following, position=position
        )
        if max(levels.hours) - min(levels.hours) <= max(weights) and max(levels.counts) - min(levels.counts) <= 2:
            return picks
        for j, column in zip(picks, columns, strict=True):
            _undo(levels, j, column, weights[column], lasts[j])
        forced = [None] * len(columns)
    order = _priority(variant)
    found = _week_search(weights, columns, levels, order, previous, following, forced, position)
    if found is None:  # no week within the bounds found: the greedy, honouring what is stored
        found = []
        trial = _levels_copy(levels)
        for step, column in enumerate(columns):
            if forced[step] is not None:
                j = forced[step]
                _apply(trial, j, column, weights[column], position + step)
            else:
                (j,) = balanced_run(
                    weights,
                    [column],
                    trial,
                    variant=variant,
                    previous=found[-1] if found else previous,
                    following=following if step == len(columns) - 1 else None,
                    position=position + step,
                )
            found.append(j)
    for step, (j, column) in enumerate(zip(found, columns, strict=True)):
        _apply(levels, j, column, weights[column], position + step)
    return found


def _levels_copy(levels: Levels) -> Levels:
    return Levels(list(levels.hours), list(levels.counts), [list(k) for k in levels.kinds], list(levels.last))


def _canonical_state(levels: Levels, with_kinds: bool) -> tuple:
    """What decides the rest of a balanced schedule, up to renaming members: per member, in order
    of last work (the previous worker last), hours and shifts above the team minimum (and each
    kind's count above its minimum when the priority looks at kinds)."""
    hours, counts, last = levels.hours, levels.counts, levels.last
    in_order = operator.itemgetter(*sorted(range(len(hours)), key=last.__getitem__))
    columns = (hours, counts, *levels.kinds) if with_kinds else (hours, counts)
    # Column by column (each shifted by its minimum); the same information as per member rows.
    return tuple(tuple(map((-min(values)).__add__, in_order(values))) for values in columns)


@dataclass(frozen=True)
class Certificate:
    """The balanced schedule from an empty start, simulated until its state repeats.

    `proven`: the state after week `repeat` equals the one after week `since` and every week end
    up to `repeat` met the bounds, so every week end of every horizon does (module docstring).
    `hours`/`shifts` are the worst spreads seen (over `repeat` weeks, or the whole budget)."""

    proven: bool
    since: int
    repeat: int
    hours: int
    shifts: int


def _balanced_spreads(
    weights: Sequence[int], n: int, variant: Sequence[str], weeks: int, first_column: int = 0
) -> tuple[int, int]:
    """Worst hours and count spread at the end of each week, from an empty schedule."""
    levels = Levels.zero(n, len(weights))
    worst_h = worst_c = 0
    previous = None
    for week in range(weeks):
        columns = range(first_column if week == 0 else 0, len(weights))
        run = balanced_week(weights, columns, levels, variant=variant, previous=previous, position=week * len(weights))
        previous = run[-1]
        worst_h = max(worst_h, max(levels.hours) - min(levels.hours))
        worst_c = max(worst_c, max(levels.counts) - min(levels.counts))
    return worst_h, worst_c


CERTIFY_WEEKS = 1040  # twenty years: a state repeats long before in all but the rarest patterns


def _balanced_certificate(
    weights: Sequence[int], n: int, variant: Sequence[str], weeks: int, first_column: int = 0
) -> Certificate:
    """Simulate week by week from an empty schedule whose first occurrence is `first_column` (a
    schedule starting mid-week: its first week is partial) until the canonical state repeats."""
    levels = Levels.zero(n, len(weights))
    with_kinds = variant.index("kind") < variant.index("last")
    longest = max(weights)
    seen: dict[tuple, int] = {}
    worst_h = worst_c = 0
    within = True
    previous = None
    for week in range(1, weeks + 1):
        columns = range(first_column if week == 1 else 0, len(weights))
        run = balanced_week(weights, columns, levels, variant=variant, previous=previous, position=week * len(weights))
        previous = run[-1]
        spread_h = max(levels.hours) - min(levels.hours)
        spread_c = max(levels.counts) - min(levels.counts)
        worst_h, worst_c = max(worst_h, spread_h), max(worst_c, spread_c)
        within = within and spread_h <= longest and spread_c <= 2
        if not within:
            break
        state = _canonical_state(levels, with_kinds)
        if state in seen:
            return Certificate(True, seen[state], week, worst_h, worst_c)
        seen[state] = week
    return Certificate(False, 0, week, worst_h, worst_c)


@functools.lru_cache(maxsize=256)
def _balanced_choice(weights: tuple[int, ...], n: int, first_column: int = 0) -> tuple[tuple[str, ...], Certificate]:
    """The first priority order whose certificate proves the bounds (the closest if none does)."""
    longest = max(weights)
    scored = []
    if n >= 3:
        for variant in CERTIFIED_VARIANTS:
            certificate = _balanced_certificate(weights, n, variant, CERTIFY_WEEKS, first_column)
            if certificate.proven:
                return variant, certificate
    # Best effort: the first order that keeps the bounds over two years, else the closest.
    for variant in (*VARIANTS, *CERTIFIED_VARIANTS):
        hours, counts = _balanced_spreads(weights, n, variant, SIMULATED_WEEKS, first_column)
        excess = (max(0, hours - longest), max(0, counts - 2))
        certificate = Certificate(False, 0, SIMULATED_WEEKS, hours, counts)
        if excess == (0, 0):
            return variant, certificate
        scored.append((excess, variant, certificate))
    _, variant, certificate = min(scored, key=lambda row: row[0])
    return variant, certificate


def balanced_certificate(shifts: Sequence[ShiftSpec], n: int, first_column: int = 0) -> Certificate:
    """The certificate of the balanced schedule of `n` members on `shifts` (see `Certificate`)."""
    return _balanced_choice(tuple(s.duration_hours for s in shifts_sorted(shifts)), n, first_column)[1]


@functools.lru_cache(maxsize=512)
def _cyclic_fits(pattern: tuple[tuple[int, int, int], ...], n: int) -> bool:
    ordered = [ShiftSpec(d, m, h, i) for i, (d, m, h) in enumerate(pattern)]
    if len({h for _, _, h in pattern}) == 1 or n <= 2:
        return True
    return _objective(list(_sigma_cached(pattern, n)), ordered, n)[0] == 0


def uses_cyclic(shifts: Sequence[ShiftSpec], n: int) -> bool:
    """Whether the schedule of `n` members on `shifts` is the cyclic one (every equal-length
    pattern, and the mixed ones whose offsets meet the bounds) or the balanced one, whose state
    is the whole history (callers pass all stored assignments before the window as `before`)."""
    ordered = shifts_sorted(shifts)
    return _cyclic_fits(tuple((s.weekday, s.start_minute, s.duration_hours) for s in ordered), n)


# --------------------------------------------------------------------------- planning
@dataclass
class Plan:
    assignments: dict[Occurrence, MemberKey]
    phase: int
    sigma: list[int]
    continued: bool = False  # the phase reproduces every stored assignment it was shown
    mode: str = "cyclic"  # or "balanced" (mixed lengths the cyclic offsets cannot balance)


def _member_index(sigma_by_key: Mapping, occ: Occurrence, phase: int, n: int) -> int:
    return (week_index(occ.day) + sigma_by_key[occ.shift_key] + phase) % n


def _balanced_plan(
    *,
    members: Sequence[MemberKey],
    ordered: Sequence[ShiftSpec],
    window: Sequence[Occurrence],
    before: Mapping[Occurrence, MemberKey],
    after: Mapping[Occurrence, MemberKey],
) -> Plan:
    """The balanced schedule continuing the history in `before` (all of it: the balance runs
    over the whole schedule). A member without history, or behind by more than the bounds
    allow, starts at the lower edge of the team's band: level, never owed a backlog."""
    n, s = len(members), len(ordered)
    weights = [spec.duration_hours for spec in ordered]
    column_of = {spec.key: i for i, spec in enumerate(ordered)}
    index_of = {m: i for i, m in enumerate(members)}
    levels = Levels.zero(n, s)
    history = sorted(o for o in before if o.shift_key in column_of)
    # The priority order is a function of the pattern, N and the schedule's first column, so
    # every extension picks the one the schedule was started with.
    first = history[0] if history else (window[0] if window else None)
    first_column = column_of[first.shift_key] if first else 0
    variant = _balanced_choice(tuple(weights), n, first_column)[0]
    longest = max(weights)
    # Weeks are planned whole: replay the stored weeks, then plan each week the window touches
    # from its first day, pinning the occurrences already stored in it.
    window_monday = monday_of(window[0].day) if window else None
    position = 0
    previous = None
    for occ in history:
        if window_monday is not None and occ.day >= window_monday:
            break
        j = index_of.get(before[occ])
        previous = j
        if j is not None:
            _apply(levels, j, column_of[occ.shift_key], weights[column_of[occ.shift_key]], position)
        position += 1
    top_h, top_c = max(levels.hours), max(levels.counts)
    for j in range(n):  # no-ops for a schedule within the bounds
        levels.hours[j] = max(levels.hours[j], top_h - longest)
        levels.counts[j] = max(levels.counts[j], top_c - 2)
    stored = {o: index_of.get(m) for o, m in before.items() if window_monday is not None and o.day >= window_monday}
    following = index_of.get(after[min(after)]) if after else None
    assignments: dict[Occurrence, MemberKey] = {}
    if not window:
        return Plan(assignments=assignments, phase=0, sigma=[], continued=bool(history), mode="balanced")
    # Every occurrence of the weeks the window touches, from the schedule's very first one.
    span = occurrences_between(ordered, window_monday, monday_of(window[-1].day) + timedelta(days=7))
    skip = 0
    schedule_start = history[0] if history else window[0]
    while span[skip] < schedule_start:
        skip += 1
    span = span[skip:]
    first_in_window = span.index(window[0])
    window_end = first_in_window + len(window)  # the window is a run of the span
    week_ends = [
        i for i in range(1, len(span)) if span[i - 1].day.weekday() + (span[i].day - span[i - 1].day).days >= 7
    ] + [len(span)]
    begin = 0
    for end in week_ends:
        week = span[begin:end]
        forced = []
        for o in week:
            if o not in stored:
                break
            forced.append(stored[o])
        seam = window_end - 1 - begin if begin < window_end <= end else None
        picks = balanced_week(
            weights,
            [column_of[o.shift_key] for o in week],
            levels,
            variant=variant,
            previous=previous,
            following=following if seam == len(week) - 1 else None,
            forced=forced,
            position=position,
        )
        if seam is not None and seam < len(week) - 1 and following is not None and picks[seam] == following:
            # Regenerating up to mid-week: the kept schedule goes on from the next occurrence.
            picks[seam] = next(j for j in range(n) if j not in (following, picks[seam - 1] if seam else previous))
        for i in range(max(begin, first_in_window), min(end, window_end)):
            assignments[span[i]] = members[picks[i - begin]]
        position += len(week)
        previous = picks[-1]
        begin = end
    return Plan(assignments=assignments, phase=0, sigma=[], continued=bool(history), mode="balanced")


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

    `before` are stored assignments before `start` and `after` those kept after `end`. Cyclic
    schedules (see `uses_cyclic`) look only at the last (first) N weeks of them: the phase that
    reproduces most of them wins — all of them when the team and pattern are unchanged, so the
    schedule continues as if it had been generated at once and the balance runs over the whole
    schedule — subject to no back-to-back at either seam when N >= 3. Balanced schedules
    continue from the totals of all of `before`. Without history the first occurrence goes to
    the first member. Deterministic: the same input gives the same plan.
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
    window = occurrences_between(ordered, start, end)
    if not uses_cyclic(ordered, n):
        keys = {spec.key for spec in ordered}
        return _balanced_plan(
            members=members,
            ordered=ordered,
            window=window,
            before={o: m for o, m in (before or {}).items() if o.shift_key in keys and o.day < start},
            after={o: m for o, m in (after or {}).items() if o.shift_key in keys and o.day >= end},
        )
    sigma = sigma_for(ordered, n)
    sigma_by_key = {shift.key: sigma[i] for i, shift in enumerate(ordered)}
    index_of = {m: i for i, m in enumerate(members)}
    horizon = timedelta(weeks=n)
    before = {o: m for o, m in (before or {}).items() if o.shift_key in sigma_by_key and o.day >= start - horizon}
    after = {o: m for o, m in (after or {}).items() if o.shift_key in sigma_by_key and o.day < end + horizon}
    known = [(occ, index_of.get(member)) for occ, member in itertools.chain(before.items(), after.items())]

    last_before = max(before, default=None)
    first_after = min(after, default=None)
    fresh = (-week_index(window[0].day) - sigma_by_key[window[0].shift_key]) % n if window else 0

    def score(phase: int) -> tuple:
        seam_conflicts = 0
        if window and last_before is not None:
            seam_conflicts += members[_member_index(sigma_by_key, window[0], phase, n)] == before[last_before]
        if window and first_after is not None:
            seam_conflicts += members[_member_index(sigma_by_key, window[-1], phase, n)] == after[first_after]
        agreement = sum(1 for occ, index in known if _member_index(sigma_by_key, occ, phase, n) == index)
        return (seam_conflicts if n >= 3 else 0, -agreement, seam_conflicts, (phase - fresh) % n)

    phase = min(range(n), key=score)
    continued = bool(known) and -score(phase)[1] == len(known)
    assignments = {occ: members[_member_index(sigma_by_key, occ, phase, n)] for occ in window}
    return Plan(assignments=assignments, phase=phase, sigma=sigma, continued=continued)


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


def week_prefix_spreads(
    assignments: Mapping[Occurrence, MemberKey], shifts: Sequence[ShiftSpec], members: Sequence[MemberKey]
) -> dict[str, int]:
    """The worst max-min across `members`, over every prefix of whole calendar weeks, of shifts,
    hours, long shifts, weekend days and the per-kind counts (`kinds`: the worst shift kind)."""
    by_key = {s.key: s for s in shifts}
    names = ("shifts", "hours", "long_shifts", "weekend_days", "kinds")
    worst = dict.fromkeys(names, 0)
    totals = {m: [0, 0, 0, 0] for m in members}
    kinds = {key: dict.fromkeys(members, 0) for key in by_key}
    ordered = sorted(assignments)
    for position, occ in enumerate(ordered):
        shift, member = by_key[occ.shift_key], assignments[occ]
        row = totals.setdefault(member, [0, 0, 0, 0])
        row[0] += 1
        row[1] += shift.duration_hours
        row[2] += shift.is_long
        row[3] += shift.weekend_days
        kinds[occ.shift_key][member] = kinds[occ.shift_key].get(member, 0) + 1
        if position + 1 < len(ordered) and monday_of(ordered[position + 1].day) == monday_of(occ.day):
            continue
        for i, name in enumerate(names[:4]):
            values = [totals[m][i] for m in members]
            worst[name] = max(worst[name], max(values) - min(values))
        for counts in kinds.values():
            values = [counts[m] for m in members]
            worst["kinds"] = max(worst["kinds"], max(values) - min(values))
    return worst
