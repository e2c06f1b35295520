"""On-call writes: teams, members, shift patterns, schedule generation and overrides.
(SMS paging lives in `oncall.paging`.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Assignment, EscalationContact, Member, Override, ShiftPattern, Team, new_feed_token
from .rotation import (
    Occurrence,
    RotationError,
    ShiftSpec,
    member_totals,
    monday_of,
    rotation_plan,
    shifts_validate,
    uses_cyclic,
)
from .sms_template import TemplateError, template_validate
from .timeutils import occurrence_bounds
from .verification import verification_start

MAX_WEEKS = 104


# --------------------------------------------------------------------------- teams & settings
@transaction.atomic
def team_update_settings(*, team: Team, contacts: list[dict] | None = None, **fields) -> Team:
    """Update team settings (template, notification time, auto-renew, …) and, when given,
    replace the escalation contacts by `contacts` (list of {name, phone})."""
    if "sms_template" in fields:
        try:
            template_validate(fields["sms_template"])
        except TemplateError as exc:
            raise ValidationError({"sms_template": [str(exc)]}) from exc
    for name, value in fields.items():
        setattr(team, name, value)
    team.full_clean()
    team.save()
    if contacts is not None:
        rows = [
            EscalationContact(team=team, name=c["name"], phone=c["phone"], position=i) for i, c in enumerate(contacts)
        ]
        for i, row in enumerate(rows):
            try:
                row.full_clean(exclude=["team"])
            except ValidationError as exc:
                raise ValidationError({f"contacts[{i}].{k}": v for k, v in exc.message_dict.items()}) from exc
        team.escalation_contacts.all().delete()
        EscalationContact.objects.bulk_create(rows)
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    if team.members.exists() or team.assignments.exists():
        raise ValidationError({"team": ["The team has members or a schedule; remove those first."]})
    team.shifts.all().delete()
    team.delete()


@transaction.atomic
def team_reset_feed(*, team: Team) -> Team:
    team.feed_token = new_feed_token()
    team.save(update_fields=["feed_token", "updated_at"])
    return team


@transaction.atomic
def member_reset_feed(*, member: Member) -> Member:
    member.feed_token = new_feed_token()
    member.save(update_fields=["feed_token", "updated_at"])
    return member


# --------------------------------------------------------------------------- members
@transaction.atomic
def member_create(
    *,
    team: Team,
    name: str,
    phone: str,
    secondary_phone: str = "",
    active: bool = True,
    email: str = "",
    rotation_order: int | None = None,
) -> Member:
    if rotation_order is None:
        current = Member.objects.filter(team=team).aggregate(m=Max("rotation_order"))["m"]
        rotation_order = 0 if current is None else current + 1
    member = Member(
        team=team,
        name=name,
        phone=phone,
        secondary_phone=secondary_phone,
        active=active,
        email=email,
        rotation_order=rotation_order,
    )
    member.full_clean()
    member.save()
    for number in member.phones:
        verification_start(member=member, phone=number)
    return member


@transaction.atomic
def member_update(*, member: Member, **fields) -> Member:
    """Update a member; a new or changed number gets a verification code."""
    before = set(Member.objects.get(pk=member.pk).phones) if member.pk else set()
    for name, value in fields.items():
        setattr(member, name, value)
    member.full_clean()
    member.save()
    for number in member.phones:
        if number not in before:
            verification_start(member=member, phone=number)
    return member


@transaction.atomic
def member_remove(*, member: Member) -> Member:
    """Members keep their history: removal deactivates and soft-deletes, never deletes."""
    member.active = False
    member.save(update_fields=["active", "updated_at"])
    member.soft_delete()
    return member


@transaction.atomic
def members_reorder(*, team: Team, member_ids: list[int]) -> list[Member]:
    """Set the rotation order to the order of `member_ids` (every alive member of the team once)."""
    members = {m.pk: m for m in Member.objects.filter(team=team)}
    if sorted(member_ids) != sorted(members) or len(set(member_ids)) != len(member_ids):
        raise ValidationError({"member_ids": ["List every member of the team exactly once."]})
    ordered = [members[pk] for pk in member_ids]
    for position, member in enumerate(ordered):
        member.rotation_order = position
    bulk_update_with_history(ordered, Member, ["rotation_order"], batch_size=500)
    return ordered


# --------------------------------------------------------------------------- shift patterns
def _spec(shift: ShiftPattern) -> ShiftSpec:
    return ShiftSpec(
        shift.weekday, shift.start_time.hour * 60 + shift.start_time.minute, shift.duration_hours, shift.pk
    )


@transaction.atomic
def shift_save(*, shift: ShiftPattern) -> ShiftPattern:
    """Create or update a pattern, refusing one that overlaps the team's other active patterns."""
    shift.full_clean()
    if shift.start_time.second or shift.start_time.microsecond:
        raise ValidationError({"start_time": ["Shifts start on a whole minute."]})
    if shift.active:
        others = [_spec(s) for s in ShiftPattern.objects.filter(team=shift.team, active=True).exclude(pk=shift.pk)]
        try:
            shifts_validate(
                [
                    *others,
                    ShiftSpec(
                        shift.weekday, shift.start_time.hour * 60 + shift.start_time.minute, shift.duration_hours, "new"
                    ),
                ]
            )
        except RotationError as exc:
            raise ValidationError({"weekday": [str(exc)]}) from exc
    shift.save()
    return shift


@transaction.atomic
def shift_delete(*, shift: ShiftPattern) -> None:
    if shift.assignments.exists():
        raise ValidationError({"shift": ["This pattern has scheduled occurrences; deactivate it instead."]})
    shift.delete()


# --------------------------------------------------------------------------- schedule
@dataclass
class ScheduleResult:
    start: date
    end: date
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[dict] = field(default_factory=list)
    totals: list[dict] = field(default_factory=list)


def _rotation_inputs(team: Team):
    members = list(Member.objects.filter(team=team, active=True).order_by("rotation_order", "id"))
    shifts = list(ShiftPattern.objects.filter(team=team, active=True))
    if not members:
        raise ValidationError({"team": ["The team has no active members; add or activate members first."]})
    if not shifts:
        raise ValidationError({"team": ["The team has no active shift patterns; add shifts first."]})
    return members, shifts


def _occurrence_map(rows) -> dict[Occurrence, int]:
    return {
        Occurrence(a.occurrence_date, a.shift.start_time.hour * 60 + a.shift.start_time.minute, a.shift_id): a.member_id
        for a in rows
    }


def schedule_last_date(*, team: Team) -> date | None:
    return Assignment.objects.filter(team=team).aggregate(m=Max("occurrence_date"))["m"]


def _apply_plan(*, team: Team, start: date, end: date, replace: bool, preview: bool) -> ScheduleResult:
    if end <= start:
        raise ValidationError({"weeks": ["Generate at least one week."]})
    if (end - start).days > MAX_WEEKS * 7:
        raise ValidationError({"weeks": [f"Generate at most {MAX_WEEKS} weeks at a time."]})
    members, shifts = _rotation_inputs(team)
    n = len(members)
    lookback = start - timedelta(weeks=n + 1)
    nearby = Assignment.objects.filter(
        team=team, occurrence_date__gte=lookback, occurrence_date__lt=end + timedelta(days=7)
    ).select_related("shift")
    before = _occurrence_map(a for a in nearby if a.occurrence_date < start)
    specs = [_spec(s) for s in shifts]
    if not uses_cyclic(specs, n) and before:
        # A balanced schedule continues from the whole history's totals, not the last N weeks.
        starts = {s.pk: s.start_time.hour * 60 + s.start_time.minute for s in shifts}
        earlier = Assignment.objects.filter(team=team, occurrence_date__lt=lookback, shift__in=shifts)
        for day, shift_id, member_id in earlier.values_list("occurrence_date", "shift_id", "member_id"):
            before[Occurrence(day, starts[shift_id], shift_id)] = member_id
    after = _occurrence_map(a for a in nearby if a.occurrence_date >= end) if replace else {}
    in_window = {(a.shift_id, a.occurrence_date): a for a in nearby if start <= a.occurrence_date < end}
    if in_window and not replace:
        first = min(in_window.values(), key=lambda a: a.starts_at)
        raise ValidationError(
            {
                "start_date": [
                    f"Occurrences from {first.occurrence_date:%Y-%m-%d} on are already scheduled; "
                    "extend from the end of the schedule or regenerate from a date."
                ]
            }
        )
    try:
        plan = rotation_plan(
            members=[m.pk for m in members],
            shifts=specs,
            start=start,
            end=end,
            before=before,
            after=after,
        )
    except RotationError as exc:
        raise ValidationError({"team": [str(exc)]}) from exc

    zone, shift_by_id, member_by_id = team.zone, {s.pk: s for s in shifts}, {m.pk: m for m in members}
    result = ScheduleResult(start=start, end=end)
    to_create, to_update = [], []
    for occ, member_id in sorted(plan.assignments.items()):
        shift = shift_by_id[occ.shift_key]
        starts_at, ends_at = occurrence_bounds(zone, occ.day, shift.start_time, shift.duration_hours)
        existing = in_window.get((shift.pk, occ.day))
        if existing is None:
            to_create.append(
                Assignment(
                    team=team,
                    shift=shift,
                    occurrence_date=occ.day,
                    member_id=member_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
        elif (existing.member_id, existing.starts_at, existing.ends_at) != (member_id, starts_at, ends_at):
            existing.sequence += 1  # calendars that imported the event update it
            existing.member_id, existing.starts_at, existing.ends_at = member_id, starts_at, ends_at
            existing.updated_at = timezone.now()
            to_update.append(existing)
        else:
            result.unchanged += 1
        if preview and len(result.preview) < 28:
            result.preview.append(
                {
                    "date": occ.day.isoformat(),
                    "shift": shift.label,
                    "member_id": member_id,
                    "member": member_by_id[member_id].name,
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                }
            )
    totals = member_totals(plan.assignments, [_spec(s) for s in shifts], [m.pk for m in members])
    result.totals = [
        {
            "member_id": m.pk,
            "member": m.name,
            "hours": totals[m.pk].hours,
            "long_shifts": totals[m.pk].long_shifts,
            "weekend_days": totals[m.pk].weekend_days,
            "shifts": totals[m.pk].shifts,
        }
        for m in members
    ]
    result.created, result.updated = len(to_create), len(to_update)
    if not preview:
        if to_create:
            bulk_create_with_history(to_create, Assignment, batch_size=500)
        if to_update:
            bulk_update_with_history(
                to_update, Assignment, ["member", "starts_at", "ends_at", "sequence", "updated_at"], batch_size=500
            )
    return result


@transaction.atomic
def schedule_generate(*, team: Team, weeks: int, start: date | None = None, preview: bool = False) -> ScheduleResult:
    """Generate `weeks` of schedule from `start`, or extend from the day after the last
    assignment (next Monday for an empty schedule). Refuses to overwrite existing occurrences."""
    Team.objects.select_for_update().filter(pk=team.pk).first()  # one generation per team at a time
    if start is None:
        last = schedule_last_date(team=team)
        start = last + timedelta(days=1) if last else monday_of(timezone.localdate() + timedelta(days=7))
    return _apply_plan(team=team, start=start, end=start + timedelta(weeks=weeks), replace=False, preview=preview)


@transaction.atomic
def schedule_regenerate(*, team: Team, from_date: date, weeks: int, preview: bool = False) -> ScheduleResult:
    """Re-plan occurrences starting in [from_date, from_date + weeks): rows are updated in place
    (overrides stay attached); nothing before from_date or after the window changes."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    last = schedule_last_date(team=team)
    if last is None or from_date > last + timedelta(days=1):
        ends = f"ends on {last:%Y-%m-%d}" if last else "is empty"
        raise ValidationError(
            {
                "from_date": [
                    f"The schedule {ends}; regenerating from {from_date:%Y-%m-%d} would "
                    "leave a gap. Extend the schedule instead."
                ]
            }
        )
    return _apply_plan(
        team=team, start=from_date, end=from_date + timedelta(weeks=weeks), replace=True, preview=preview
    )


def schedule_auto_renew(*, team: Team, now: datetime | None = None) -> ScheduleResult | None:
    """Extend the schedule by `auto_renew_weeks` when less than the threshold remains."""
    now = now or timezone.now()
    if not team.auto_renew_enabled:
        return None
    last = schedule_last_date(team=team)
    today = now.astimezone(team.zone).date()
    if last is not None and (last - today).days >= team.auto_renew_threshold_weeks * 7:
        return None
    start = last + timedelta(days=1) if last else monday_of(today)
    return schedule_generate(team=team, weeks=team.auto_renew_weeks, start=max(start, today))


# --------------------------------------------------------------------------- overrides
@transaction.atomic
def override_create(*, assignment: Assignment, member: Member, reason: str, user=None) -> Override:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if member.team_id != assignment.team_id:
        raise ValidationError({"member": ["The cover must belong to the same team."]})
    if member.pk == assignment.member_id:
        raise ValidationError({"member": ["The cover is already the scheduled member."]})
    if assignment.ends_at <= timezone.now():
        raise ValidationError({"assignment": ["This occurrence is over; overrides are for current or future ones."]})
    if assignment.overrides.filter(status=Override.Status.ACTIVE).exists():
        raise ValidationError({"assignment": ["This occurrence already has an active override; cancel it first."]})
    override = Override(
        assignment=assignment,
        member=member,
        original_member_id=assignment.member_id,
        reason=reason,
        created_by=user if user and user.pk else None,
    )
    override.full_clean()
    override.save()
    _person_changed(assignment)
    return override


def _person_changed(assignment: Assignment) -> None:
    """The occurrence's person changed (override or its cancellation): a new calendar revision."""
    assignment.sequence += 1
    assignment.save(update_fields=["sequence", "updated_at"])


@transaction.atomic
def override_cancel(*, override: Override) -> Override:
    if override.status != Override.Status.ACTIVE:
        raise ValidationError({"status": [f"Only active overrides can be cancelled (this one is {override.status})."]})
    override.status, override.cancelled_at = Override.Status.CANCELLED, timezone.now()
    override.save(update_fields=["status", "cancelled_at", "updated_at"])
    _person_changed(Assignment.objects.select_for_update().get(pk=override.assignment_id))
    return override


@transaction.atomic
def overrides_complete_past(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    done = list(Override.objects.filter(status=Override.Status.ACTIVE, assignment__ends_at__lte=now))
    for override in done:
        override.status, override.completed_at = Override.Status.COMPLETED, now
    if done:
        bulk_update_with_history(done, Override, ["status", "completed_at"], batch_size=500)
    return len(done)
