"""On-call reads: who is on call, schedules with overrides applied, logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects

from .models import Assignment, EscalationContact, Member, Override, PhoneVerification, SmsMessage, Team

SHOWN_OVERRIDES = (Override.Status.ACTIVE, Override.Status.COMPLETED)


def _shown_latest_first(overrides=None):
    """The overrides that show (active or completed), the latest first: the first is the one that
    counts for its assignment. `overrides`: a manager or queryset to narrow (all overrides by default)."""
    return (
        (Override.objects if overrides is None else overrides)
        .filter(status__in=SHOWN_OVERRIDES)
        .order_by("-created_at")
    )


def _shown_overrides() -> Prefetch:
    """A new Prefetch each time: prefetching marks its queryset (hints, sticky filter)."""
    return Prefetch(
        "overrides",
        queryset=_shown_latest_first().select_related("member", "original_member"),
        to_attr="shown_overrides",
    )


def with_overrides(qs: QuerySet) -> QuerySet:
    return qs.select_related("member", "shift").prefetch_related(_shown_overrides())


def assignment_list(
    *, team: Team | None = None, member: Member | None = None, start: date | None = None, end: date | None = None
) -> QuerySet:
    """Assignments with their shift, member and shown (active/completed) overrides."""
    qs = Assignment.objects.all()
    if team is not None:
        qs = qs.filter(team=team)
    if member is not None:
        qs = qs.filter(member=member) | qs.filter(overrides__member=member, overrides__status__in=SHOWN_OVERRIDES)
        qs = qs.distinct()
    if start is not None:
        qs = qs.filter(occurrence_date__gte=start)
    if end is not None:
        qs = qs.filter(occurrence_date__lte=end)
    return with_overrides(qs).order_by("starts_at", "id")


def assignment_override(assignment: Assignment) -> Override | None:
    shown = getattr(assignment, "shown_overrides", None)
    if shown is None:
        shown = list(_shown_latest_first(assignment.overrides).select_related("member"))
    return shown[0] if shown else None


def assignment_effective_member(assignment: Assignment) -> Member:
    override = assignment_override(assignment)
    return override.member if override else assignment.member


def on_call_at(*, at: datetime) -> list[dict]:
    """Every team's occurrence under way at `at`, by team name: `team_name`, `ends_at`, the
    rostered `member_name` and `covering_name`, the member of the latest shown override (as
    assignment_override), None without one. One query of plain values, whatever the teams."""
    covering = _shown_latest_first().filter(assignment=OuterRef("pk"))
    return list(
        Assignment.objects.filter(starts_at__lte=at, ends_at__gt=at)
        .annotate(covering_name=Subquery(covering.values("member__name")[:1]))
        .order_by("team__name", "starts_at")
        .values("ends_at", "covering_name", team_name=F("team__name"), member_name=F("member__name"))
    )


@dataclass
class OnCallNow:
    team: Team
    at: datetime
    current: Assignment | None
    primary: Member | None
    covering_for: Member | None
    override: Override | None
    backup: Member | None
    next: Assignment | None
    next_member: Member | None
    escalation: list[EscalationContact] = field(default_factory=list)


def oncall_now(*, team: Team, at: datetime) -> OnCallNow:
    """Primary (override applied), backup and escalation at instant `at`. Intervals are
    half-open: at a handoff instant the incoming shift is on call. Two queries (the next two
    occurrences, the escalation contacts), a third for the shown overrides (with both members)
    when one of the two has any, another when the backup comes from the rotation order."""
    # One query for both: the first two occurrences not yet over are the current one (if it
    # has started) and the next one — patterns never overlap, so nothing lies in between.
    shown = _shown_latest_first().filter(assignment=OuterRef("pk"))
    rows = list(
        Assignment.objects.filter(team=team, ends_at__gt=at)
        .select_related("member", "shift")
        .annotate(overridden=Exists(shown))
        .order_by("starts_at")[:2]
    )
    # The overrides are read only when one of the two has any (most of the time neither does).
    prefetch_related_objects([row for row in rows if row.overridden], _shown_overrides())
    for row in rows:
        if not row.overridden:
            row.shown_overrides = []
    current = rows[0] if rows and rows[0].starts_at <= at else None
    upcoming = (rows[1] if len(rows) > 1 else None) if current else (rows[0] if rows else None)
    primary = assignment_effective_member(current) if current else None
    override = assignment_override(current) if current else None
    next_member = assignment_effective_member(upcoming) if upcoming else None
    backup = next_member if next_member is not None and next_member != primary else None
    if backup is None and primary is not None:
        # Next active member in rotation order after the primary, wrapping around.
        rotation = list(Member.objects.filter(team=team, active=True).order_by("rotation_order", "id"))
        later = [m for m in rotation if (m.rotation_order, m.pk) > (primary.rotation_order, primary.pk)]
        backup = next((m for m in later + rotation if m.pk != primary.pk), None)
    # One team's contacts in their order (the model's ordering starts with the team, a join here).
    escalation = (
        list(EscalationContact.objects.filter(team=team).order_by("position", "id")) if team.escalation_enabled else []
    )
    return OnCallNow(
        team=team,
        at=at,
        current=current,
        primary=primary,
        covering_for=override.original_member if override else None,
        override=override,
        backup=backup,
        next=upcoming,
        next_member=next_member,
        escalation=escalation,
    )


def member_list(*, team: Team | None = None) -> QuerySet:
    qs = Member.objects.select_related("team")
    return qs.filter(team=team) if team is not None else qs


def override_list(*, team: Team | None = None, status: str | None = None) -> QuerySet:
    qs = Override.objects.select_related(
        "assignment__shift", "assignment__team", "member", "original_member", "created_by"
    )
    if team is not None:
        qs = qs.filter(assignment__team=team)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def message_list(*, team: Team | None = None, status: str | None = None) -> QuerySet:
    qs = SmsMessage.objects.select_related("team", "member", "assignment__shift")
    if team is not None:
        qs = qs.filter(team=team)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def verification_required() -> bool:
    return settings.ONCALL_REQUIRE_VERIFIED_PHONES


def verified_phones(member: Member) -> set[str]:
    return set(
        PhoneVerification.objects.filter(member=member, verified_at__isnull=False).values_list("phone", flat=True)
    )


def member_page_phones(member: Member) -> list[str]:
    """The member's numbers that may be paged: verified ones, unless verification is off."""
    if not verification_required():
        return member.phones
    verified = verified_phones(member)
    return [p for p in member.phones if p in verified]


def horizon_warning(*, team: Team, today: date, last: date | None) -> str | None:
    """A warning when the generated schedule ends within the team's renewal threshold."""
    threshold = team.auto_renew_threshold_weeks * 7
    if last is None:
        return "Nothing is scheduled: generate a schedule, or nobody will be paged."
    days_left = (last - today).days
    if days_left >= threshold:
        return None
    if days_left < 0:
        return f"The schedule ended on {last:%a %-d %b %Y}: nobody is on call after that. Extend it."
    renew = " Auto-renew is off." if not team.auto_renew_enabled else ""
    return (
        f"The schedule runs out on {last:%a %-d %b %Y}, in {days_left} day{'s' if days_left != 1 else ''} "
        f"(less than {team.auto_renew_threshold_weeks} weeks).{renew} Extend it."
    )


def next_assignment(*, team: Team, now: datetime) -> Assignment | None:
    """The next occurrence to start (for previews), with its shift, member and overrides."""
    return with_overrides(Assignment.objects.filter(team=team, starts_at__gte=now)).order_by("starts_at").first()


DELIVERY_WINDOW_DAYS = 30


def delivery_stats(*, team: Team, now: datetime) -> dict:
    """Messages of the last 30 days: accepted by the provider (sent), confirmed by the carrier
    (delivered), failed for good (failed, undelivered, expired) and the success rate in percent
    (sent or delivered out of all that finished; None when nothing finished)."""
    since = now - timedelta(days=DELIVERY_WINDOW_DAYS)
    S = SmsMessage.Status
    failed = (S.FAILED, S.UNDELIVERED, S.EXPIRED)
    row = SmsMessage.objects.filter(team=team, created_at__gte=since).aggregate(
        sent=Count("id", filter=Q(status=S.SENT)),
        delivered=Count("id", filter=Q(status=S.DELIVERED)),
        failed=Count("id", filter=Q(status__in=failed)),
    )
    finished = row["sent"] + row["delivered"] + row["failed"]
    rate = round(100 * (row["sent"] + row["delivered"]) / finished, 1) if finished else None
    return {**row, "rate": rate, "days": DELIVERY_WINDOW_DAYS}
