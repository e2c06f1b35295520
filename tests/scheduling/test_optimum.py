"""The auto-scheduler against the exact optimum (CP-SAT, bench/_scheduling_optimum.py) on small
capacity-tight scenarios: it places as many events as the optimum, and the optimum obeys the rules."""

from collections import Counter
from datetime import datetime

import pytest

from bench import _scheduling_optimum as optimum
from scheduling import autoscheduler, rules


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_auto_scheduler_places_as_many_events_as_the_optimum(seed):
    result = optimum.compare(seed, 80, tightness=0.8)
    assert result.status == "OPTIMAL"
    assert result.optimum < result.events  # tight: the comparison is not "everything fits"
    assert result.auto == result.optimum


def test_the_measure_can_tell_a_worse_heuristic_apart():
    """Placing each event on the *latest* allowed day, in input order, loses events the optimum
    places: the comparison is not blind."""
    worse_total = best_total = 0
    for seed in (1, 2, 3):
        data = optimum.build(seed, 80, tightness=0.8)
        allowed = optimum.allowed_placements(data)
        used: Counter = Counter()
        placed = 0
        for event in data.candidates:
            options = sorted((k for k in allowed if k[0] == event.id), key=lambda k: (-k[2].toordinal(), k[1]))
            for _, person, day in options:
                if not used[(person, day)]:
                    used[(person, day)] += 1
                    placed += 1
                    break
        worse_total += placed
        best_total += optimum.solve_optimum(optimum.build(seed, 80, tightness=0.8))[0]
    assert worse_total < best_total


def test_the_plans_placements_are_allowed_placements_of_the_exact_model():
    data = optimum.build(4, 80)
    allowed = optimum.allowed_placements(data)
    plan = autoscheduler.plan(optimum.build(4, 80))
    for p in plan.proposals:
        assert (p.event_id, p.employee_id, p.start_at.date()) in allowed
    per_person_day = Counter((p.employee_id, p.start_at.date()) for p in plan.proposals)
    assert max(per_person_day.values()) == 1
    # Every Core and Juicer production of the scenario ends on the day it starts (the model's premise).
    ctx = rules.RuleContext()
    for event in data.candidates:
        for day in optimum._wave_days(event, data.settings)[:1]:
            latest = max(ctx.core_slots) if event.event_type == rules.CORE else data.settings.juicer_production_time
            start = datetime.combine(day, latest)
            assert (start + ctx.duration(event)).date() == day
