"""The rotation generator's guarantees, checked exhaustively and with hypothesis."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.rotation import (
    Occurrence,
    RotationError,
    ShiftSpec,
    back_to_back,
    fairness_spread,
    member_totals,
    occurrences_between,
    rotation_plan,
    shifts_validate,
    uses_cyclic,
    week_prefix_spreads,
)

EIGHT = 8 * 60
DEFAULT_PATTERN = [
    ShiftSpec(0, EIGHT, 24, "mon"),
    ShiftSpec(1, EIGHT, 48, "tue-wed"),
    ShiftSpec(3, EIGHT, 24, "thu"),
    ShiftSpec(4, EIGHT, 24, "fri"),
    ShiftSpec(5, EIGHT, 24, "sat"),
    ShiftSpec(6, EIGHT, 24, "sun"),
]
SEVEN_DAYS = [ShiftSpec(d, EIGHT, 24, f"d{d}") for d in range(7)]
PATTERNS = {"default": DEFAULT_PATTERN, "seven": SEVEN_DAYS}
START = date.today() - timedelta(days=date.today().weekday())  # a Monday, relative to today


def members_of(n):
    return [f"m{i}" for i in range(n)]


def windows(assignments, n_weeks, start, total_weeks):
    """Sub-schedules of every run of `n_weeks` consecutive weeks inside the horizon."""
    for first in range(total_weeks - n_weeks + 1):
        lo, hi = start + timedelta(weeks=first), start + timedelta(weeks=first + n_weeks)
        yield {o: m for o, m in assignments.items() if lo <= o.day < hi}


def assert_fair(assignments, shifts, members, n, start, total_weeks):
    for window in windows(assignments, n, start, total_weeks):
        hours, long_shifts, weekend = fairness_spread(window, shifts, members)
        assert hours <= 24 and long_shifts <= 1 and weekend <= 1, (hours, long_shifts, weekend)


def assert_back_to_back_rule(assignments, n):
    pairs = back_to_back(assignments)
    if n >= 3:
        assert pairs == []
    else:
        # N = 2: per member, at most one back-to-back in any two consecutive weeks.
        for member in set(assignments.values()):
            days = sorted(b.day for a, b in pairs if assignments[a] == member)
            assert all((later - earlier).days >= 14 for earlier, later in zip(days, days[1:], strict=False)), days


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("n", range(2, 21))
def test_fair_over_every_window_of_n_weeks(pattern, n):
    shifts, members = PATTERNS[pattern], members_of(n)
    total_weeks = 3 * n + 2
    plan = rotation_plan(members=members, shifts=shifts, start=START, end=START + timedelta(weeks=total_weeks))
    assert len(plan.assignments) == total_weeks * len(shifts)
    assert_fair(plan.assignments, shifts, members, n, START, total_weeks)
    assert_back_to_back_rule(plan.assignments, n)
    # Over N weeks everyone works exactly the same: 168 h, one 48 h shift (default), 2 weekend days.
    first = next(windows(plan.assignments, n, START, total_weeks))
    totals = member_totals(first, shifts, members)
    assert {t.hours for t in totals.values()} == {168}
    assert {t.weekend_days for t in totals.values()} == {2}
    assert {t.long_shifts for t in totals.values()} == ({1} if pattern == "default" else {0})


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("n", range(2, 21))
def test_extending_equals_generating_at_once(pattern, n):
    shifts, members = PATTERNS[pattern], members_of(n)
    mid, end = START + timedelta(weeks=4), START + timedelta(weeks=8)
    whole = rotation_plan(members=members, shifts=shifts, start=START, end=end).assignments
    first = rotation_plan(members=members, shifts=shifts, start=START, end=mid).assignments
    second = rotation_plan(members=members, shifts=shifts, start=mid, end=end, before=first).assignments
    assert {**first, **second} == whole
    assert_back_to_back_rule({**first, **second}, n)


@pytest.mark.parametrize("n", range(2, 21))
def test_extension_continues_even_when_history_started_elsewhere(n):
    """History generated with another phase (e.g. an older anchor) is continued, not restarted."""
    members = members_of(n)
    rotated = members[3 % n :] + members[: 3 % n]
    history = rotation_plan(
        members=rotated, shifts=DEFAULT_PATTERN, start=START, end=START + timedelta(weeks=n)
    ).assignments
    # Re-key history as if the team order was `members` all along: same people, other phase.
    ext = rotation_plan(
        members=members,
        shifts=DEFAULT_PATTERN,
        start=START + timedelta(weeks=n),
        end=START + timedelta(weeks=3 * n),
        before=history,
    ).assignments
    combined = {**history, **ext}
    assert_back_to_back_rule(combined, n)
    assert_fair(combined, DEFAULT_PATTERN, members, n, START, 3 * n)


def test_old_k_mod_n_would_fail_where_we_pass():
    """Six people on six shifts: k mod N gives one person the 48 h shift forever."""
    members = members_of(6)
    occs = occurrences_between(DEFAULT_PATTERN, START, START + timedelta(weeks=6))
    naive = {o: members[k % 6] for k, o in enumerate(occs)}
    assert fairness_spread(naive, DEFAULT_PATTERN, members)[1] == 6
    plan = rotation_plan(members=members, shifts=DEFAULT_PATTERN, start=START, end=START + timedelta(weeks=6))
    assert fairness_spread(plan.assignments, DEFAULT_PATTERN, members) == (0, 0, 0)


def test_regenerate_from_midweek_with_new_member_has_no_seam_back_to_back():
    members = members_of(5)
    existing = rotation_plan(
        members=members, shifts=DEFAULT_PATTERN, start=START, end=START + timedelta(weeks=8)
    ).assignments
    cut = START + timedelta(weeks=2, days=2)  # a Wednesday
    before = {o: m for o, m in existing.items() if o.day < cut}
    new_team = members + ["m5"]
    plan = rotation_plan(
        members=new_team,
        shifts=DEFAULT_PATTERN,
        start=cut,
        end=cut + timedelta(weeks=4),
        before=before,
        after={o: m for o, m in existing.items() if o.day >= cut + timedelta(weeks=4)},
    )
    assert min(plan.assignments).day == START + timedelta(weeks=2, days=3)  # Thursday: Tue-Wed kept
    combined = {**existing, **plan.assignments}
    assert back_to_back(combined) == []
    assert "m5" in set(plan.assignments.values())


def test_two_member_back_to_back_is_the_shortest_possible():
    plan = rotation_plan(members=["a", "b"], shifts=DEFAULT_PATTERN, start=START, end=START + timedelta(weeks=4))
    pairs = back_to_back(plan.assignments)
    assert len(pairs) == 3  # parity forces one per week (at the three Sunday → Monday seams) …
    assert all(a.shift_key != "tue-wed" and b.shift_key != "tue-wed" for a, b in pairs)  # … never 72 h


def test_seven_shifts_two_members_never_back_to_back():
    plan = rotation_plan(members=["a", "b"], shifts=SEVEN_DAYS, start=START, end=START + timedelta(weeks=6))
    assert back_to_back(plan.assignments) == []


@pytest.mark.parametrize(
    ("shifts", "message"),
    [
        ([], "No shift patterns"),
        ([ShiftSpec(0, EIGHT, 48, "a"), ShiftSpec(1, EIGHT, 24, "b")], "overlaps"),
        ([ShiftSpec(6, EIGHT, 48, "a"), ShiftSpec(0, EIGHT, 24, "b")], "overlaps"),
        ([ShiftSpec(0, EIGHT, 0, "a")], "whole hours"),
    ],
)
def test_bad_patterns_are_rejected(shifts, message):
    with pytest.raises(RotationError, match=message):
        shifts_validate(shifts)


def test_no_members_is_rejected():
    with pytest.raises(RotationError, match="no active members"):
        rotation_plan(members=[], shifts=DEFAULT_PATTERN, start=START, end=START + timedelta(weeks=1))


# --------------------------------------------------------------------------- hypothesis
@st.composite
def patterns(draw):
    """Random non-overlapping weekly patterns of 1-7 shifts (24 h or 48 h, start 00:00-23:00)."""
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    hour = draw(st.integers(0, 23))
    shifts = []
    for pos, day in enumerate(days):
        gap_days = ((days[(pos + 1) % len(days)] - day) % 7) or 7
        duration = draw(st.sampled_from([h for h in (24, 48) if h <= gap_days * 24]))
        shifts.append(ShiftSpec(day, hour * 60, duration, f"s{day}"))
    return shifts


@settings(max_examples=150, deadline=None)
@given(
    shifts=patterns(),
    team_sizes=st.lists(st.integers(1, 12), min_size=1, max_size=4),
    weeks=st.lists(st.integers(1, 6), min_size=4, max_size=4),
    offset=st.integers(0, 6),
)
def test_random_patterns_and_team_changes(shifts, team_sizes, weeks, offset):
    """Whatever happens to the team: one member per occurrence, always an active one, no gaps."""
    schedule: dict[Occurrence, str] = {}
    start = START + timedelta(days=offset)
    roster = members_of(20)
    for step, size in enumerate(team_sizes):
        team = roster[step : step + size]
        end = start + timedelta(weeks=weeks[step])
        plan = rotation_plan(members=team, shifts=shifts, start=start, end=end, before=schedule)
        assert set(plan.assignments.values()) <= set(team)
        assert set(plan.assignments) == set(occurrences_between(shifts, start, end))
        assert not set(plan.assignments) & set(schedule)
        schedule.update(plan.assignments)
        if size >= 3:  # no back-to-back inside the new window nor at its seam
            assert [pair for pair in back_to_back(schedule) if pair[1].day >= start] == []
        start = end
    assert len({(o.shift_key, o.day) for o in schedule}) == len(schedule)


@settings(max_examples=80, deadline=None)
@given(shifts=patterns(), n=st.integers(2, 12))
def test_random_patterns_are_balanced_over_n_weeks(shifts, n):
    members = members_of(n)
    plan = rotation_plan(members=members, shifts=shifts, start=START, end=START + timedelta(weeks=2 * n))
    if uses_cyclic(shifts, n):
        assert_fair(plan.assignments, shifts, members, n, START, 2 * n)
    else:  # a balanced schedule (see test_rotation_fairness.py) is fair at every prefix
        spreads = week_prefix_spreads(plan.assignments, shifts, members)
        assert spreads["hours"] <= 48 and spreads["shifts"] <= 2
    if n >= 3 or len({s.duration_hours for s in shifts}) == 1:
        # Two people on mixed lengths: hours within the longest shift come first (a 48 h, 24 h,
        # 48 h week cannot alternate), back-to-back is allowed for N = 2.
        assert_back_to_back_rule(plan.assignments, n)
