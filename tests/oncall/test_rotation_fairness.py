"""Fair at every horizon: (a)-(d) of the rotation for every team size, pattern and prefix.

(a) shift counts per member differ by at most 1 (mixed-length patterns: 2), (b) hours by at most
the longest shift, (c) each shift kind's counts by at most 1 (equal lengths and the standard
pattern), (d) nobody works two consecutive occurrences when N >= 3. (a)-(c) are checked after
every whole week of the horizon (every prefix weeks 1..k), (d) at every handoff, with an
implementation independent of the generator's. Within a week, one longest shift cannot always
be kept for mixed lengths (the counterexample below). Mixed lengths in balanced mode are proven
by their certificate (the schedule repeats up to renaming members); the tests check what the
certificate claims, independently.
"""

import os
import random
from collections import Counter
from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from oncall.rotation import (
    ShiftSpec,
    arc_spread,
    back_to_back,
    balanced_certificate,
    occurrences_between,
    rotation_plan,
    uses_cyclic,
    week_prefix_spreads,
)

EIGHT = 8 * 60
STANDARD = [
    ShiftSpec(0, EIGHT, 24, "mon"),
    ShiftSpec(1, EIGHT, 48, "tue-wed"),
    ShiftSpec(3, EIGHT, 24, "thu"),
    ShiftSpec(4, EIGHT, 24, "fri"),
    ShiftSpec(5, EIGHT, 24, "sat"),
    ShiftSpec(6, EIGHT, 24, "sun"),
]
# Any Monday: the guarantees do not depend on the date, so the tests never go stale.
MONDAY = date.today() - timedelta(days=date.today().weekday())


def members_of(n):
    return [f"m{i}" for i in range(n)]


def worst_by_prefix(assignments, shifts, members):
    """Max-min over members of (shifts, hours, worst shift kind, weekend days) after each week."""
    hours_of = {s.key: s.duration_hours for s in shifts}
    weekend_of = {s.key: s.weekend_days for s in shifts}
    counts, hours, weekend = Counter(), Counter(), Counter()
    kinds = {s.key: Counter() for s in shifts}
    worst = [0, 0, 0, 0]
    ordered = sorted(assignments)
    for position, occ in enumerate(ordered):
        member = assignments[occ]
        counts[member] += 1
        hours[member] += hours_of[occ.shift_key]
        weekend[member] += weekend_of[occ.shift_key]
        kinds[occ.shift_key][member] += 1
        last_of_week = position == len(ordered) - 1 or (
            ordered[position + 1].day - timedelta(days=ordered[position + 1].day.weekday())
            != occ.day - timedelta(days=occ.day.weekday())
        )
        if last_of_week:
            for i, values in enumerate((counts, hours, None, weekend)):
                if values is None:
                    spread = max(max(k[m] for m in members) - min(k[m] for m in members) for k in kinds.values())
                else:
                    spread = max(values[m] for m in members) - min(values[m] for m in members)
                worst[i] = max(worst[i], spread)
    return worst


def planned_in_chunks(members, shifts, chunks, *, midweek, cut_chunk):
    """The schedule generated at once over `sum(chunks)` weeks from MONDAY, and the same span planned
    chunk after chunk, each continuing the schedule so far (chunk `cut_chunk` ends `midweek` days
    into the next week); with each chunk's plan and whether it had a schedule before it."""
    last = MONDAY + timedelta(weeks=sum(chunks))
    whole = rotation_plan(members=members, shifts=shifts, start=MONDAY, end=last)
    schedule, start, plans = {}, MONDAY, []
    for i in range(len(chunks)):
        end = MONDAY + timedelta(weeks=sum(chunks[: i + 1]))
        if i == cut_chunk:
            end = min(end + timedelta(days=midweek), last)  # may end mid-week
        plan = rotation_plan(members=members, shifts=shifts, start=start, end=end, before=schedule)
        plans.append((plan, bool(schedule)))
        schedule.update(plan.assignments)
        start = end
    return whole.assignments, schedule, plans


def assert_fair_every_prefix(assignments, shifts, members, *, count_bound=1, kinds_bound=1, hours_factor=1):
    n = len(members)
    counts, hours, kinds, _ = worst_by_prefix(assignments, shifts, members)
    longest = max(s.duration_hours for s in shifts)
    assert counts <= count_bound, ("(a) shift counts", counts)
    assert hours <= hours_factor * longest, ("(b) hours", hours, longest)
    if kinds_bound is not None:
        assert kinds <= kinds_bound, ("(c) shift kinds", kinds)
    pairs = back_to_back(assignments)
    if n >= 3:
        assert pairs == [], "(d) back-to-back"
    elif (
        n == 2 and count_bound == 1
    ):  # two people, equal lengths: at most one back-to-back a week, never the same person twice running
        per_week = Counter(b.day - timedelta(days=b.day.weekday()) for _, b in pairs)
        assert max(per_week.values(), default=0) <= 1
        for (_, b1), (_, b2) in zip(pairs, pairs[1:], strict=False):
            if (b2.day - b1.day).days <= 7:
                assert assignments[b1] != assignments[b2]


@pytest.mark.parametrize("n", range(1, 31))
def test_standard_pattern_fair_at_every_prefix_for_every_team_size(n):
    members = members_of(n)
    weeks = 2 * n + 3  # every prefix length k mod N occurs, over more than two whole cycles
    plan = rotation_plan(members=members, shifts=STANDARD, start=MONDAY, end=MONDAY + timedelta(weeks=weeks))
    assert len(plan.assignments) == 6 * weeks
    assert_fair_every_prefix(plan.assignments, STANDARD, members)
    # The generator's own figures agree with the independent count.
    assert week_prefix_spreads(plan.assignments, STANDARD, members)["shifts"] <= 1


@st.composite
def patterns(draw, *, equal_length):
    """Random non-overlapping weekly patterns of 1-7 shifts starting on distinct days."""
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    length = draw(st.sampled_from([8, 12, 24]))
    shifts = []
    for pos, day in enumerate(days):
        hour = draw(st.integers(0, 23))
        gap_days = ((days[(pos + 1) % len(days)] - day) % 7) or 7
        room = gap_days * 24 - hour  # hours until the next day's midnight (its shift starts then at the earliest)
        if equal_length:
            duration = length
            if duration > room:
                hour = 0
        else:
            duration = draw(st.integers(1, max(1, min(72, room))))
        shifts.append(ShiftSpec(day, hour * 60, duration, f"s{day}"))
    if equal_length:
        shifts = [ShiftSpec(s.weekday, 0, length, s.key) for s in shifts]
    return shifts


@settings(max_examples=200, deadline=None)
@given(
    shifts=patterns(equal_length=True),
    n=st.integers(1, 30),
    weeks=st.integers(1, 70),
    week_offset=st.integers(-60, 60),
)
def test_equal_length_patterns_fair_at_every_prefix(shifts, n, weeks, week_offset):
    members = members_of(n)
    start = MONDAY + timedelta(weeks=week_offset)
    plan = rotation_plan(members=members, shifts=shifts, start=start, end=start + timedelta(weeks=weeks))
    assert set(plan.assignments) == set(occurrences_between(shifts, start, start + timedelta(weeks=weeks)))
    assert_fair_every_prefix(plan.assignments, shifts, members)


# Locally, hunt harder: HYPOTHESIS_MIXED_EXAMPLES=2000 (and --hypothesis-seed=N in a loop).
MIXED_EXAMPLES = int(os.environ.get("HYPOTHESIS_MIXED_EXAMPLES", "200"))


# Found by a local hunt: the count spread reaches 3 at a week end (hours stay within 18 h).
COUNT_THREE = [(0, 21, 3), (1, 14, 7), (2, 23, 1), (3, 1, 18), (4, 17, 3), (5, 20, 2), (6, 10, 8)]


@settings(max_examples=MIXED_EXAMPLES, deadline=None)
@given(shifts=patterns(equal_length=False), n=st.integers(1, 30), weeks=st.integers(1, 70))
@example(shifts=[ShiftSpec(d, h * 60, length, f"s{d}") for d, h, length in COUNT_THREE], n=27, weeks=53)
def test_mixed_length_patterns_fair_at_every_prefix(shifts, n, weeks):
    """Mixed lengths, random patterns: exactly the issue's bounds at every week end, (a) shift
    counts within 2 and (b) hours within the longest shift, and (d) no back-to-back anywhere.
    COUNT_THREE reached 3 shifts before weeks were planned whole."""
    members = members_of(n)
    plan = rotation_plan(members=members, shifts=shifts, start=MONDAY, end=MONDAY + timedelta(weeks=weeks))
    assert set(plan.assignments) == set(occurrences_between(shifts, MONDAY, MONDAY + timedelta(weeks=weeks)))
    assert_fair_every_prefix(plan.assignments, shifts, members, count_bound=2, kinds_bound=None)


@settings(max_examples=60, deadline=None)
@given(shifts=patterns(equal_length=False), n=st.integers(3, 30))
@example(shifts=[ShiftSpec(d, h * 60, length, f"s{d}") for d, h, length in COUNT_THREE], n=27)
def test_a_certified_mixed_schedule_repeats_and_stays_within_the_bounds(shifts, n):
    """What the certificate claims, checked on the schedule itself: within the bounds at every
    week end up to the repeat and one more period after it, and from week `since` on the
    per-member totals relative to the minimum repeat every `repeat - since` weeks (as a
    multiset: the same standing, held by other people)."""
    if uses_cyclic(shifts, n):
        return
    certificate = balanced_certificate(shifts, n)
    if not certificate.proven:
        return
    period = certificate.repeat - certificate.since
    weeks = certificate.repeat + period
    members = members_of(n)
    plan = rotation_plan(members=members, shifts=shifts, start=MONDAY, end=MONDAY + timedelta(weeks=weeks))
    assert_fair_every_prefix(plan.assignments, shifts, members, count_bound=2, kinds_bound=None)

    def standing(week):
        cut = {o: m for o, m in plan.assignments.items() if o.day < MONDAY + timedelta(weeks=week)}
        hours, counts = Counter(), Counter()
        for occ, member in cut.items():
            hours[member] += next(s.duration_hours for s in shifts if s.key == occ.shift_key)
            counts[member] += 1
        low_h, low_c = min(hours[m] for m in members), min(counts[m] for m in members)
        return sorted((hours[m] - low_h, counts[m] - low_c) for m in members)

    assert standing(certificate.since) == standing(certificate.repeat) == standing(certificate.repeat + period)


def test_random_mixed_patterns_are_almost_all_certified():
    """The proven class, measured: of 300 fixed random mixed patterns in balanced mode with 3-30
    people, all but one carry a certificate (bench/oncall.py sweeps 5,000); the one without
    (12, 2, 20, 22, 17, 23 h with 28 people) still meets the bounds over two years."""
    rng = random.Random(17)
    balanced = proven = 0
    while balanced < 300:
        days = sorted(rng.sample(range(7), rng.randint(2, 7)))
        lengths = [rng.randint(1, 24) for _ in days]
        if len(set(lengths)) == 1:
            continue
        shifts = [ShiftSpec(day, 0, length, f"s{day}") for day, length in zip(days, lengths, strict=True)]
        n = rng.randint(3, 30)
        if uses_cyclic(shifts, n):
            continue
        balanced += 1
        proven += balanced_certificate(shifts, n).proven
    assert proven >= 299, proven


def handoff_spreads(assignment, hours):
    """Max-min of hours after each occurrence of one week from an empty schedule (3 members)."""
    totals, spreads = [0, 0, 0], []
    for member, length in zip(assignment, hours, strict=True):
        totals[member] += length
        spreads.append(max(totals) - min(totals))
    return spreads


def test_within_a_week_one_longest_shift_is_impossible_for_some_mixed_patterns():
    """Why (b) is promised at week ends and not after every handoff. Three people on
    2 h, 8 h, 8 h, 4 h, 8 h (Monday to Friday), nobody twice in a row. Staying within 8 h after
    every handoff forces each choice: Monday A; Tuesday B (or C, the same by symmetry); Wednesday
    not B, and A would be 10 h ahead of C, so C; Thursday not C, and B would be 10 h ahead of A,
    so A (A 6, B 8, C 8); Friday not A, so B or C reaches 16 h against A's 6: 10 h > 8 h.
    Checked over all 48 assignments: the best keeps 10 h (the longest shift plus the shortest).
    The schedule still meets 8 h at the end of every week."""
    hours = [2, 8, 8, 4, 8]
    assignments = [
        (a, *rest)
        for a in range(3)
        for rest in product(range(3), repeat=4)
        if all(x != y for x, y in zip((a, *rest), rest, strict=False))
    ]
    assert len(assignments) == 48
    assert min(max(handoff_spreads(a, hours)) for a in assignments) == 10
    shifts = [ShiftSpec(day, 0, length, f"s{day}") for day, length in enumerate(hours)]
    plan = rotation_plan(members=members_of(3), shifts=shifts, start=MONDAY, end=MONDAY + timedelta(weeks=30))
    counts, week_end_hours, _, _ = worst_by_prefix(plan.assignments, shifts, members_of(3))
    assert week_end_hours <= 8 and counts <= 2
    assert back_to_back(plan.assignments) == []


def test_fewest_hours_alone_falls_behind_without_limit():
    """The rule the look-ahead replaces: 1 h and 9 h shifts alternating, three people, each
    occurrence to the member with the fewest hours who was not on the one before. That member
    takes the 1 h shift and is then excluded from the 9 h one: after a year one member is far
    behind. The schedule stays within 9 h at every week end."""
    totals, previous = [0, 0, 0], None
    for _ in range(52):
        for length in (1, 9):
            j = min((m for m in range(3) if m != previous), key=lambda m: (totals[m], m))
            totals[j] += length
            previous = j
    assert max(totals) - min(totals) > 100
    shifts = [ShiftSpec(0, 0, 1, "short"), ShiftSpec(3, 0, 9, "long")]
    plan = rotation_plan(members=members_of(3), shifts=shifts, start=MONDAY, end=MONDAY + timedelta(weeks=52))
    assert worst_by_prefix(plan.assignments, shifts, members_of(3))[1] <= 9


@pytest.mark.parametrize(
    ("pattern", "n"),
    [
        ([(0, 12), (1, 12), (2, 24), (4, 24)], 9),
        ([(0, 8), (1, 8), (2, 8), (3, 16), (5, 16)], 11),
        ([(0, 12), (1, 24), (2, 12), (3, 24), (4, 12), (5, 24)], 13),
        ([(0, 12), (1, 24), (2, 12), (3, 24), (4, 12), (5, 24)], 30),
        ([(0, 24), (1, 48), (3, 48), (5, 24)], 20),
        ([(0, 24), (2, 12), (4, 24)], 21),
        ([(0, 21), (2, 13), (3, 2), (5, 22)], 10),
        ([(0, 17), (1, 3), (2, 7), (3, 1), (4, 49)], 22),
        ([(0, 2), (1, 32), (3, 12), (4, 1), (5, 29)], 16),
    ],
)
def test_mixed_patterns_within_one_longest_shift(pattern, n):
    shifts = [ShiftSpec(day, 0, hours, f"s{day}") for day, hours in pattern]
    members = members_of(n)
    plan = rotation_plan(members=members, shifts=shifts, start=MONDAY, end=MONDAY + timedelta(weeks=104))
    assert_fair_every_prefix(plan.assignments, shifts, members, count_bound=2, kinds_bound=None)


def test_mixed_pattern_the_cyclic_offsets_cannot_balance_is_balanced_occurrence_by_occurrence():
    """24 h, 12 h, 24 h with 21 people: no choice of offsets keeps hours within 24 h at every
    horizon (checked over all 441 of them: 36 h at best), so the schedule is built occurrence by
    occurrence from the running totals, and stays within 24 h."""
    shifts = [ShiftSpec(0, 0, 24, "a"), ShiftSpec(2, 0, 12, "b"), ShiftSpec(4, 0, 24, "c")]
    best = min(arc_spread([0, b, c], [24, 12, 24], 21) for b in range(21) for c in range(21) if len({0, b, c}) == 3)
    assert best == 36
    assert not uses_cyclic(shifts, 21)
    plan = rotation_plan(members=members_of(21), shifts=shifts, start=MONDAY, end=MONDAY + timedelta(weeks=104))
    assert plan.mode == "balanced"
    counts, hours, _, _ = worst_by_prefix(plan.assignments, shifts, members_of(21))
    assert hours == 24 and counts <= 2
    assert back_to_back(plan.assignments) == []
    # Over 21 weeks everybody has worked 60 hours: two 24 h shifts and one 12 h shift.
    first = {o: m for o, m in plan.assignments.items() if o.day < MONDAY + timedelta(weeks=21)}
    assert sorted(Counter(m for o, m in first.items()).values()) == [3] * 21


def test_equal_lengths_and_the_standard_pattern_stay_cyclic():
    for n in range(1, 31):
        assert uses_cyclic(STANDARD, n)
        assert uses_cyclic([ShiftSpec(d, 0, 12, d) for d in (0, 2, 4)], n)


MIXED = [ShiftSpec(0, 0, 24, "a"), ShiftSpec(2, 0, 12, "b"), ShiftSpec(4, 0, 24, "c")]


@settings(max_examples=40, deadline=None)
@given(chunks=st.lists(st.integers(1, 9), min_size=2, max_size=5), midweek=st.integers(0, 6))
def test_mixed_extending_in_chunks_is_the_schedule_generated_at_once(chunks, midweek):
    members = members_of(21)
    whole, schedule, plans = planned_in_chunks(members, MIXED, chunks, midweek=midweek, cut_chunk=1)
    assert all(plan.continued == had_schedule and plan.mode == "balanced" for plan, had_schedule in plans)
    assert schedule == whole
    assert_fair_every_prefix(schedule, MIXED, members, count_bound=2, kinds_bound=None)


@settings(max_examples=30, deadline=None)
@given(cut_days=st.integers(1, 120), weeks=st.integers(1, 8))
def test_mixed_regenerating_an_unchanged_team_changes_nothing(cut_days, weeks):
    members = members_of(21)
    whole = rotation_plan(members=members, shifts=MIXED, start=MONDAY, end=MONDAY + timedelta(weeks=40)).assignments
    cut = MONDAY + timedelta(days=cut_days)
    end = cut + timedelta(weeks=weeks)
    plan = rotation_plan(
        members=members,
        shifts=MIXED,
        start=cut,
        end=end,
        before={o: m for o, m in whole.items() if o.day < cut},
        after={o: m for o, m in whole.items() if o.day >= end},
    )
    assert plan.assignments == {o: m for o, m in whole.items() if cut <= o.day < end}


@settings(max_examples=30, deadline=None)
@given(history_weeks=st.integers(1, 40), weeks=st.integers(1, 40))
def test_mixed_member_added_later_starts_level(history_weeks, weeks):
    """The newcomer starts at the lower edge of the team's band (at most one longest shift
    behind the busiest member, never owed the backlog): the whole schedule stays within the
    bounds at every prefix once the newcomer is counted from that level, and the seam has no
    back-to-back."""
    members = members_of(21)
    change = MONDAY + timedelta(weeks=history_weeks)
    history = rotation_plan(members=members, shifts=MIXED, start=MONDAY, end=change).assignments
    team = [*members, "newcomer"]
    plan = rotation_plan(members=team, shifts=MIXED, start=change, end=change + timedelta(weeks=weeks), before=history)
    hours = Counter()
    for occ, member in history.items():
        hours[member] += {"a": 24, "b": 12, "c": 24}[occ.shift_key]
    hours["newcomer"] = max(hours.values()) - 24
    ordered = sorted(plan.assignments)
    for position, occ in enumerate(ordered):
        hours[plan.assignments[occ]] += {"a": 24, "b": 12, "c": 24}[occ.shift_key]
        if position + 1 == len(ordered) or ordered[position + 1].day.weekday() < occ.day.weekday():
            assert max(hours[m] for m in team) - min(hours[m] for m in team) <= 24
    newcomer_hours = sum(
        {"a": 24, "b": 12, "c": 24}[o.shift_key] for o, m in plan.assignments.items() if m == "newcomer"
    )
    assert newcomer_hours <= 24 + sum(24 for _ in range(weeks * 3)) // 22 + 24  # no backlog paid back
    assert [pair for pair in back_to_back({**history, **plan.assignments}) if pair[1].day >= change] == []


@settings(max_examples=40, deadline=None)
@given(
    shifts=patterns(equal_length=False),
    n=st.integers(3, 30),
    chunks=st.lists(st.integers(1, 9), min_size=2, max_size=4),
    midweek=st.integers(0, 6),
)
def test_random_mixed_extending_in_chunks_is_the_schedule_generated_at_once(shifts, n, chunks, midweek):
    """Continuing counts the history, for any mixed pattern: weeks are planned whole, so a cut
    mid-week continues the week the schedule generated at once has."""
    members = members_of(n)
    whole, schedule, _ = planned_in_chunks(members, shifts, chunks, midweek=midweek, cut_chunk=0)
    assert schedule == whole
    assert_fair_every_prefix(schedule, shifts, members, count_bound=2, kinds_bound=None)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 30), chunks=st.lists(st.integers(1, 9), min_size=2, max_size=6), midweek=st.integers(0, 6))
def test_extending_in_chunks_is_the_schedule_generated_at_once(n, chunks, midweek):
    """Continuing counts the history: the balance runs over the whole schedule, not per chunk."""
    members = members_of(n)
    whole, schedule, plans = planned_in_chunks(members, STANDARD, chunks, midweek=midweek, cut_chunk=1)
    assert all(plan.continued == had_schedule for plan, had_schedule in plans)
    assert schedule == whole
    assert_fair_every_prefix(schedule, STANDARD, members)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 20), cut_days=st.integers(1, 60), weeks=st.integers(1, 8))
def test_regenerating_an_unchanged_team_changes_nothing(n, cut_days, weeks):
    members = members_of(n)
    whole = rotation_plan(members=members, shifts=STANDARD, start=MONDAY, end=MONDAY + timedelta(weeks=20)).assignments
    cut = MONDAY + timedelta(days=cut_days)
    end = cut + timedelta(weeks=weeks)
    plan = rotation_plan(
        members=members,
        shifts=STANDARD,
        start=cut,
        end=end,
        before={o: m for o, m in whole.items() if o.day < cut},
        after={o: m for o, m in whole.items() if o.day >= end},
    )
    assert plan.continued
    assert plan.assignments == {o: m for o, m in whole.items() if cut <= o.day < end}


@settings(max_examples=80, deadline=None)
@given(n=st.integers(2, 29), history_weeks=st.integers(1, 30), weeks=st.integers(1, 40))
def test_a_member_added_later_starts_level_going_forward(n, history_weeks, weeks):
    """The newcomer is not owed a backlog: from the change on, everybody (newcomer included) gets
    the same within the bounds, at every prefix, and the seam has no back-to-back."""
    members = members_of(n)
    change = MONDAY + timedelta(weeks=history_weeks)
    history = rotation_plan(members=members, shifts=STANDARD, start=MONDAY, end=change).assignments
    team = [*members, "newcomer"]
    plan = rotation_plan(
        members=team, shifts=STANDARD, start=change, end=change + timedelta(weeks=weeks), before=history
    )
    assert_fair_every_prefix(plan.assignments, STANDARD, team)
    assert "newcomer" in plan.assignments.values() or weeks * 6 < n + 1
    assert [pair for pair in back_to_back({**history, **plan.assignments}) if pair[1].day >= change] == []


def test_same_input_same_schedule():
    kwargs = {"members": members_of(7), "shifts": STANDARD, "start": MONDAY, "end": MONDAY + timedelta(weeks=30)}
    assert rotation_plan(**kwargs).assignments == rotation_plan(**kwargs).assignments
    # The fresh schedule starts with the first member on the first occurrence.
    first = min(rotation_plan(**kwargs).assignments.items())
    assert first[1] == "m0"


def test_the_issues_examples_are_fixed():
    """15 members over 8 weeks used to give [2,3,4,5,6,6,6,5,4,3,2,1,0,0,1]; 2 members in one
    week 4 shifts against 2."""
    members = members_of(15)
    plan = rotation_plan(members=members, shifts=STANDARD, start=MONDAY, end=MONDAY + timedelta(weeks=8))
    assert sorted(Counter(plan.assignments.values())[m] for m in members) == [3] * 12 + [4] * 3
    two = rotation_plan(members=["a", "b"], shifts=STANDARD, start=MONDAY, end=MONDAY + timedelta(weeks=1))
    assert Counter(two.assignments.values()) == {"a": 3, "b": 3}


def test_table_of_spreads_for_the_standard_pattern(capsys):
    """Prints N x W (max-min of shift counts at W weeks; worst over the prefixes in brackets)."""
    horizons = [1, 2, 3, 4, 5, 6, 8, 13, 26, 52]
    lines = ["N  | " + " ".join(f"W={w:<4}" for w in horizons)]
    for n in range(1, 31):
        members = members_of(n)
        plan = rotation_plan(members=members, shifts=STANDARD, start=MONDAY, end=MONDAY + timedelta(weeks=52))
        cells = []
        for w in horizons:
            window = {o: m for o, m in plan.assignments.items() if o.day < MONDAY + timedelta(weeks=w)}
            final = Counter(window.values())
            spread = max(final[m] for m in members) - min(final[m] for m in members)
            worst = worst_by_prefix(window, STANDARD, members)
            assert spread <= 1 and worst[0] <= 1 and worst[1] <= 48 and worst[2] <= 1
            cells.append(f"{spread}[{worst[0]}] ")
        lines.append(f"{n:<3}| " + " ".join(f"{c:<6}" for c in cells))
    with capsys.disabled():
        print("\nshift-count spread by team size N and horizon W (standard pattern)\n" + "\n".join(lines))
