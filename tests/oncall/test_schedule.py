"""Schedule generation against the database: constraints, extension, regeneration, DST, now."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from oncall import services
from oncall.models import Assignment, EscalationContact, Override
from oncall.rotation import Occurrence, back_to_back, rotation_plan, week_prefix_spreads
from oncall.selectors import oncall_now
from oncall.services import override_create, schedule_generate, schedule_regenerate

from .dates import CHICAGO, MONDAY, chicago_at, dst_sundays
from .factories import MemberFactory, ShiftFactory, TeamFactory

SPRING, FALL = dst_sundays()


def as_plan(team):
    return {Occurrence(a.occurrence_date, 480, a.shift_id): a.member_id for a in Assignment.objects.filter(team=team)}


@pytest.mark.django_db
def test_generate_creates_every_occurrence_once(team, shifts, members):
    result = schedule_generate(team=team, weeks=4, start=MONDAY)
    assert result.created == 24 and Assignment.objects.count() == 24
    assert back_to_back(as_plan(team)) == []
    with pytest.raises(IntegrityError), transaction.atomic():
        a = Assignment.objects.first()
        Assignment.objects.create(
            team=team,
            shift=a.shift,
            occurrence_date=a.occurrence_date,
            member=a.member,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
        )


@pytest.mark.django_db
def test_generate_refuses_to_overwrite(team, shifts, members):
    schedule_generate(team=team, weeks=2, start=MONDAY)
    with pytest.raises(ValidationError, match="already scheduled"):
        schedule_generate(team=team, weeks=2, start=MONDAY + timedelta(days=3))


@pytest.mark.django_db
def test_extend_continues_from_last_assignment(team, shifts, members):
    schedule_generate(team=team, weeks=4, start=MONDAY)
    schedule_generate(team=team, weeks=4)  # no start: continues after the last occurrence
    extended = as_plan(team)
    Assignment.objects.all().delete()
    schedule_generate(team=team, weeks=8, start=MONDAY)
    assert as_plan(team) == extended
    assert len(extended) == 48 and back_to_back(extended) == []


@pytest.mark.django_db
def test_regenerate_from_midweek_replaces_only_the_window_and_keeps_overrides(team, shifts, members, admin_user):
    schedule_generate(team=team, weeks=6, start=MONDAY)
    before = {a.pk: (a.member_id, a.occurrence_date) for a in Assignment.objects.all()}
    wednesday = MONDAY + timedelta(weeks=2, days=2)
    target = Assignment.objects.filter(occurrence_date__gte=wednesday).order_by("starts_at")[2]
    cover = next(m for m in members if m.pk != target.member_id)
    override = Override.objects.create(
        assignment=target, member=cover, original_member=target.member, reason="vacation"
    )
    MemberFactory(team=team, name="Newcomer", rotation_order=99)
    result = schedule_regenerate(team=team, from_date=wednesday, weeks=2)
    rows = list(Assignment.objects.all())
    assert len(rows) == 36  # nothing duplicated, nothing lost
    assert result.created == 0 and result.updated + result.unchanged == 12  # Thu of week 3 .. Tue of week 5
    for row in rows:
        if row.occurrence_date < wednesday or row.occurrence_date >= wednesday + timedelta(weeks=2):
            assert before[row.pk] == (row.member_id, row.occurrence_date)
    override.refresh_from_db()
    assert override.assignment_id == target.pk and override.status == "active"
    assert "Newcomer" in {a.member.name for a in rows if a.occurrence_date >= wednesday}
    assert back_to_back(as_plan(team)) == []


@pytest.mark.django_db
def test_generate_errors_name_the_reason(team):
    with pytest.raises(ValidationError, match="no active members"):
        schedule_generate(team=team, weeks=1, start=MONDAY)
    MemberFactory(team=team)
    with pytest.raises(ValidationError, match="no active shift patterns"):
        schedule_generate(team=team, weeks=1, start=MONDAY)


@pytest.mark.django_db
def test_overlapping_shift_pattern_is_refused(team, shifts):
    with pytest.raises(ValidationError, match="overlaps"):
        services.shift_save(shift=ShiftFactory.build(team=team, weekday=2, duration_hours=24))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("monday", "dst_day", "real_hours"),
    [
        # spring forward (Sunday 02:00): the Saturday 08:00 → Sunday 08:00 shift lasts 23 real hours
        (SPRING - timedelta(days=6), SPRING - timedelta(days=1), 23),
        (FALL - timedelta(days=6), FALL - timedelta(days=1), 25),  # fall back: 25
    ],
)
def test_dst_weeks_keep_local_handoffs(team, shifts, members, monday, dst_day, real_hours):
    schedule_generate(team=team, weeks=1, start=monday)
    for a in Assignment.objects.select_related("shift"):
        local_start, local_end = a.starts_at.astimezone(CHICAGO), a.ends_at.astimezone(CHICAGO)
        assert (local_start.time(), local_end.time()) == (time(8), time(8))
        real = (a.ends_at - a.starts_at).total_seconds() / 3600
        expected = real_hours if a.occurrence_date == dst_day else a.shift.duration_hours
        assert real == expected


@pytest.mark.django_db
def test_now_at_handoff_boundaries(team, shifts, members):
    schedule_generate(team=team, weeks=2, start=MONDAY)
    mon = Assignment.objects.get(occurrence_date=MONDAY)
    tue = Assignment.objects.get(occurrence_date=MONDAY + timedelta(days=1))
    thu = Assignment.objects.get(occurrence_date=MONDAY + timedelta(days=3))
    at_759 = oncall_now(team=team, at=chicago_at(1, 7, 59))
    assert at_759.primary == mon.member and at_759.backup == tue.member
    at_800 = oncall_now(team=team, at=chicago_at(1, 8, 0))  # the start instant belongs to the new shift
    assert at_800.primary == tue.member and at_800.backup == thu.member
    inside_48 = oncall_now(team=team, at=chicago_at(2, 20, 0))  # Wednesday evening
    assert inside_48.current == tue and inside_48.primary == tue.member
    end_48 = oncall_now(team=team, at=chicago_at(3, 8, 0))
    assert end_48.primary == thu.member


@pytest.mark.django_db
def test_now_reads_two_queries_and_a_third_with_an_override(
    team, shifts, members, admin_user, django_assert_num_queries
):
    """The next two occurrences (and whether they have shown overrides), the escalation contacts
    in their order; with an override, its members too. Reading who covers for whom asks nothing more."""
    schedule_generate(team=team, weeks=2, start=MONDAY)
    with django_assert_num_queries(2):
        plain = oncall_now(team=team, at=chicago_at(2, 20, 0))
        assert plain.override is None and plain.covering_for is None and plain.escalation == []
    tue = Assignment.objects.select_related("member").get(occurrence_date=MONDAY + timedelta(days=1))
    thu = Assignment.objects.select_related("member").get(occurrence_date=MONDAY + timedelta(days=3))
    cover = next(m for m in members if m.pk not in (tue.member_id, thu.member_id))
    override_create(assignment=tue, member=cover, reason="sick", user=admin_user)
    EscalationContact.objects.create(team=team, name="Second", phone="+13125550102", position=2)
    EscalationContact.objects.create(team=team, name="First", phone="+13125550101", position=1)
    team.escalation_enabled = True
    team.save(update_fields=["escalation_enabled"])
    with django_assert_num_queries(3):
        now = oncall_now(team=team, at=chicago_at(2, 20, 0))
        assert (now.primary, now.covering_for, now.override.reason) == (cover, tue.member, "sick")
        assert now.backup == thu.member and now.next == thu
        assert [contact.name for contact in now.escalation] == ["First", "Second"]


@pytest.mark.django_db
def test_now_applies_override_with_covering_for(team, shifts, members, admin_user):
    start = datetime.now(UTC).astimezone(CHICAGO).date()
    start = start - timedelta(days=start.weekday() + 7)
    schedule_generate(team=team, weeks=2, start=start)
    current = oncall_now(team=team, at=datetime.now(UTC)).current
    cover = next(m for m in members if m.pk != current.member_id)
    override_create(assignment=current, member=cover, reason="sick", user=admin_user)
    now = oncall_now(team=team, at=datetime.now(UTC))
    assert now.primary == cover and now.covering_for == current.member
    with pytest.raises(ValidationError, match="already has an active override"):
        third = next(m for m in members if m not in (cover, current.member))
        override_create(assignment=current, member=third, reason="again")


@pytest.mark.django_db
def test_override_rules(team, shifts, members):
    schedule_generate(team=team, weeks=1, start=MONDAY)
    a = Assignment.objects.get(occurrence_date=MONDAY)
    with pytest.raises(ValidationError, match="already the scheduled member"):
        override_create(assignment=a, member=a.member, reason="x")
    other_team_member = MemberFactory(team=TeamFactory())
    with pytest.raises(ValidationError, match="same team"):
        override_create(assignment=a, member=other_team_member, reason="x")
    o = override_create(assignment=a, member=members[-1] if members[-1] != a.member else members[0], reason="trip")
    services.override_cancel(override=o)
    assert o.status == "cancelled" and o.cancelled_at
    with pytest.raises(ValidationError, match="Only active"):
        services.override_cancel(override=o)


@pytest.mark.django_db
def test_override_completion(team, shifts, members):
    schedule_generate(team=team, weeks=1, start=MONDAY)
    a = Assignment.objects.get(occurrence_date=MONDAY)
    o = Override.objects.create(
        assignment=a,
        member=members[-1] if members[-1] != a.member else members[0],
        original_member=a.member,
        reason="r",
    )
    assert services.overrides_complete_past(now=a.ends_at + timedelta(seconds=1)) == 1
    o.refresh_from_db()
    assert o.status == "completed"


@pytest.mark.django_db
def test_auto_renew_extends_when_below_threshold(team, shifts, members):
    schedule_generate(team=team, weeks=2, start=MONDAY)
    result = services.schedule_auto_renew(team=team, now=chicago_at(1, 12))
    assert result is not None and result.created == team.auto_renew_weeks * 6
    assert services.schedule_auto_renew(team=team, now=chicago_at(1, 12)) is None
    assert back_to_back(as_plan(team)) == []


@pytest.mark.django_db
def test_members_are_soft_deleted_and_protected(team, shifts, members):
    schedule_generate(team=team, weeks=1, start=MONDAY)
    member = Assignment.objects.first().member
    services.member_remove(member=member)
    member.refresh_from_db()
    assert member.is_deleted and not member.active
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        member.delete()


@pytest.mark.django_db
def test_phone_must_be_e164(team):
    with pytest.raises(ValidationError, match="E.164"):
        services.member_create(team=team, name="X", phone="312-555-0100")
    with pytest.raises(ValidationError, match="not a valid phone number"):
        services.member_create(team=team, name="X", phone="+19995550100")
    member = services.member_create(team=team, name="X", phone="+442071838750")
    assert member.rotation_order == 0


@pytest.mark.django_db
def test_schedule_extended_and_regenerated_stays_fair_over_the_whole_schedule(team, shifts):
    """Through the services: 3 weeks, extended by 5, regenerated from a mid-week date: the whole
    schedule is the one generated at once and fair at every prefix; a newcomer starts level."""
    people = [MemberFactory(team=team, rotation_order=i) for i in range(7)]
    schedule_generate(team=team, weeks=3, start=MONDAY)
    schedule_generate(team=team, weeks=5)
    schedule_regenerate(team=team, from_date=MONDAY + timedelta(weeks=2, days=3), weeks=3)
    specs = [services._spec(s) for s in shifts]
    stored = {Occurrence(a.occurrence_date, 480, a.shift_id): a.member_id for a in Assignment.objects.filter(team=team)}
    once = rotation_plan(
        members=[p.pk for p in people], shifts=specs, start=MONDAY, end=MONDAY + timedelta(weeks=8)
    ).assignments
    assert stored == once
    spreads = week_prefix_spreads(stored, specs, [p.pk for p in people])
    assert spreads["shifts"] <= 1 and spreads["hours"] <= 48 and spreads["kinds"] <= 1
    assert back_to_back(stored) == []
    newcomer = MemberFactory(team=team, rotation_order=99)
    result = schedule_generate(team=team, weeks=8)
    added = {
        Occurrence(a.occurrence_date, 480, a.shift_id): a.member_id
        for a in Assignment.objects.filter(team=team, occurrence_date__gte=result.start)
    }
    gained = week_prefix_spreads(added, specs, [p.pk for p in [*people, newcomer]])
    assert gained["shifts"] <= 1 and gained["kinds"] <= 1  # level going forward, no backlog


@pytest.mark.django_db
@pytest.mark.parametrize(("weeks", "most"), [(4, 8), (52, 16)])
def test_generation_writes_in_bulk_whatever_the_horizon(
    team, shifts, members, weeks, most, django_assert_max_num_queries
):
    """Generation is set-based: lock, members, shifts, nearby assignments, then batched inserts of
    the rows and their history (a handful of batches for a year's 312 rows), no query per row."""
    with django_assert_max_num_queries(most):
        result = schedule_generate(team=team, weeks=weeks, start=MONDAY)
    assert result.created == 6 * weeks == Assignment.objects.count()
