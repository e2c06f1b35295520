"""Hypothesis against the database: random team changes, extensions and regenerations."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall import services
from oncall.models import Assignment, Member
from oncall.rotation import ShiftSpec, occurrences_between

from .dates import MONDAY
from .factories import MemberFactory, TeamFactory, default_pattern

steps = st.lists(
    st.one_of(
        st.tuples(st.just("extend"), st.integers(1, 3)),
        st.tuples(st.just("regenerate"), st.integers(0, 20), st.integers(1, 3)),
        st.tuples(st.just("add"), st.integers(0, 0)),
        st.tuples(st.just("deactivate"), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=6,
)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial=st.integers(1, 7), actions=steps)
def test_schedule_invariants_under_team_changes(initial, actions):
    try:
        with transaction.atomic():
            team = TeamFactory()
            shifts = default_pattern(team)
            for i in range(initial):
                MemberFactory(team=team, rotation_order=i)
            services.schedule_generate(team=team, weeks=2, start=MONDAY)
            for action in actions:
                if action[0] == "extend":
                    result = services.schedule_generate(team=team, weeks=action[1])
                    active = set(Member.objects.filter(team=team, active=True).values_list("pk", flat=True))
                    new_rows = Assignment.objects.filter(team=team, occurrence_date__gte=result.start)
                    assert set(new_rows.values_list("member_id", flat=True)) <= active  # only active members
                elif action[0] == "regenerate":
                    start = MONDAY + timedelta(days=action[1])
                    try:
                        services.schedule_regenerate(team=team, from_date=start, weeks=action[2])
                    except ValidationError as exc:
                        assert "leave a gap" in str(exc)
                        continue
                    active = set(Member.objects.filter(team=team, active=True).values_list("pk", flat=True))
                    in_window = Assignment.objects.filter(
                        team=team, occurrence_date__gte=start, occurrence_date__lt=start + timedelta(weeks=action[2])
                    )
                    assert set(in_window.values_list("member_id", flat=True)) <= active  # only active members
                elif action[0] == "add":
                    MemberFactory(team=team, rotation_order=99)
                else:
                    alive = list(Member.objects.filter(team=team, active=True))
                    if len(alive) > 1:
                        services.member_update(member=alive[action[1] % len(alive)], active=False)
                rows = list(Assignment.objects.filter(team=team))
                keys = [(a.shift_id, a.occurrence_date) for a in rows]
                assert len(keys) == len(set(keys))  # never two assignments for one occurrence
                last = max(a.occurrence_date for a in rows)
                specs = [ShiftSpec(s.weekday, 480, s.duration_hours, s.pk) for s in shifts]
                expected = {(o.shift_key, o.day) for o in occurrences_between(specs, MONDAY, last + timedelta(days=1))}
                assert set(keys) == expected  # every occurrence covered, no gaps
            raise Rollback
    except Rollback:
        pass
