"""On-call pages. Viewers see the dashboard and calendar; Staff read everything; Administrators
and Coordinators change things (every write goes through a service)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from project.dates import month_from_query, month_neighbours, month_weeks
from project.permissions import permission_require, permission_required_page
from project.tables import Column, Table, day_and_time_short, time_of_day

from . import paging, selectors, services
from .forms import MemberForm, OverrideForm, ScheduleForm, SettingsForm, ShiftForm
from .models import Assignment, Member, Override, PhoneVerification, ShiftPattern, SmsMessage, Team
from .sms_template import sms_size
from .verification import verification_check, verification_start

# Member colours: each at least 4.5:1 against white, as names are written in white on them
# (and in them on white).
PALETTE = [
    "#2563eb",
    "#dc2626",
    "#15803d",
    "#9333ea",
    "#9a3412",
    "#0e7490",
    "#a16207",
    "#db2777",
    "#4f46e5",
    "#047857",
    "#b91c1c",
    "#7c3aed",
    "#0f766e",
    "#c2410c",
    "#1d4ed8",
    "#4d7c0f",
]


# Page (URL name) -> (permission to see it, permission to change what it shows): the same model
# permissions the on-call API checks, so a role or a custom group gets one answer on both.
PAGE_PERMISSIONS = {
    "index": ("oncall.view_team", "oncall.change_team"),
    "calendar": ("oncall.view_assignment", "oncall.change_assignment"),
    "members": ("oncall.view_member", "oncall.change_member"),
    "shifts": ("oncall.view_shiftpattern", "oncall.change_shiftpattern"),
    "schedule": ("oncall.view_assignment", "oncall.add_assignment"),
    "overrides": ("oncall.view_override", "oncall.add_override"),
    "notifications": ("oncall.view_smsmessage", "oncall.view_smsmessage"),
    "settings": ("oncall.view_team", "oncall.change_team"),
}


def _page(name: str):
    return permission_required_page(PAGE_PERMISSIONS[name][0])


def _can_edit(request) -> bool:
    return request.user.has_perm(PAGE_PERMISSIONS[request.resolver_match.url_name][1])


def _require_edit(request):
    permission_require(request.user, PAGE_PERMISSIONS[request.resolver_match.url_name][1])


def _teams(request) -> list[Team]:
    """Every team in name order, read once per request (the page's team and its team switcher)."""
    if not hasattr(request, "_oncall_teams"):
        request._oncall_teams = list(Team.objects.all())
    return request._oncall_teams


def _team(request) -> Team | None:
    """The team asked for (`?team=` or the form's), else the first by name; None without teams."""
    team_id = request.GET.get("team") or request.POST.get("team")
    teams = _teams(request)
    chosen = [t for t in teams if str(t.pk) == str(team_id)] if team_id and str(team_id).isdigit() else []
    return (chosen or teams or [None])[0]


def _context(request, team, **extra):
    return {
        "team": team,
        "teams": _teams(request),
        "can_edit": _can_edit(request),
        "page_access": {name: request.user.has_perm(perms[0]) for name, perms in PAGE_PERMISSIONS.items()},
        **extra,
    }


def _colours(team) -> dict[int, str]:
    return {m.pk: PALETTE[i % len(PALETTE)] for i, m in enumerate(Member.all_objects.filter(team=team).order_by("id"))}


def _back(name: str, team: Team | None, **params):
    query = "&".join(f"{k}={v}" for k, v in {"team": team.pk if team else "", **params}.items())
    return redirect(f"{reverse(name)}?{query}")


# --------------------------------------------------------------------------- dashboard & calendar
def _upcoming_table(team: Team, rows: list, colours: dict[int, str], now) -> Table:
    """The next two weeks, written by the shared table component (drawn by the template engine, its
    filters per cell were most of the page's time)."""
    confirming = bool(team.confirm_within_minutes)
    columns = [Column("Starts"), Column("Ends"), Column("Shift"), Column("On call")]
    if confirming:
        columns.append(Column("Confirmed"))
    cells = []
    for a, member, override in rows:
        on_call = format_html(
            '<span class="badge swatch" data-colour="{}">{}</span>', colours.get(member.pk, ""), member.name
        )
        if override:
            on_call = format_html('{} <span class="muted">covering for {}</span>', on_call, a.member.name)
        row = [day_and_time_short(a.starts_at), day_and_time_short(a.ends_at), a.shift.label, on_call]
        if confirming:
            if a.confirmed_at:
                row.append(f"Confirmed {time_of_day(a.confirmed_at)}")
            elif a.starts_at <= now:
                row.append("Not confirmed yet")
            else:
                row.append(format_html('<span class="muted">—</span>'))
        cells.append(row)
    return Table(columns, cells, empty="Nothing scheduled.")


@_page("index")
def index(request):
    team = _team(request)
    if team is None:
        return render(request, "oncall/index.html", _context(request, None))
    now = timezone.now()
    state = selectors.oncall_now(team=team, at=now)
    upcoming = list(
        selectors.assignment_list(team=team, start=timezone.localdate(), end=timezone.localdate() + timedelta(days=14))
    )
    rows = [(a, selectors.assignment_effective_member(a), selectors.assignment_override(a)) for a in upcoming]
    colours = _colours(team)
    last = services.schedule_last_date(team=team)
    return render(
        request,
        "oncall/index.html",
        _context(
            request,
            team,
            state=state,
            upcoming=_upcoming_table(team, rows, colours, now),
            colours=colours,
            horizon=last,
            now=now,
            horizon_warning=selectors.horizon_warning(team=team, today=timezone.localdate(), last=last),
        ),
    )


@_page("calendar")
def calendar(request):
    team = _team(request)
    today = timezone.localdate()
    first = month_from_query(request.GET, today=today)
    weeks = month_weeks(first)
    by_day: dict[date, list] = {}
    colours = {}
    if team is not None:
        colours = _colours(team)
        for a in selectors.assignment_list(team=team, start=weeks[0][0] - timedelta(days=2), end=weeks[-1][-1]):
            member, override = selectors.assignment_effective_member(a), selectors.assignment_override(a)
            days = max(1, a.shift.duration_hours // 24)
            for offset in range(days):
                by_day.setdefault(a.occurrence_date + timedelta(days=offset), []).append(
                    {
                        "member": member,
                        "colour": colours.get(member.pk),
                        "override": override,
                        "continues": offset > 0,
                        "shift": a.shift,
                    }
                )
    grid = [
        [{"day": d, "in_month": d.month == first.month, "today": d == today, "items": by_day.get(d, [])} for d in week]
        for week in weeks
    ]
    prev_month, next_month = month_neighbours(first)
    legend = [(m, colours.get(m.pk)) for m in Member.objects.filter(team=team)] if team else []
    return render(
        request,
        "oncall/calendar.html",
        _context(request, team, grid=grid, month=first, prev_month=prev_month, next_month=next_month, legend=legend),
    )


# --------------------------------------------------------------------------- members
@_page("members")
@require_http_methods(["GET", "POST"])
def members(request):
    team = _team(request)
    form = MemberForm()
    if request.method == "POST" and team is not None:
        _require_edit(request)
        action = request.POST.get("action")
        if action == "reorder":
            ids = [int(x) for x in request.POST.get("order", "").split(",") if x.strip().isdigit()]
            try:
                services.members_reorder(team=team, member_ids=ids)
                messages.success(request, "Rotation order saved. Regenerate from a date to apply it to the schedule.")
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            return _back("oncall:members", team)
        if action in ("verify", "send-code"):
            member = get_object_or_404(Member, pk=request.POST.get("member"), team=team)
            phone = request.POST.get("phone", "")
            if phone not in member.phones:
                messages.error(request, f"{phone or 'That number'} is not one of {member.name}'s numbers.")
            elif action == "send-code":
                verification_start(member=member, phone=phone)
                messages.success(request, f"A new code is on its way to {phone}.")
            else:
                try:
                    verification_check(member=member, phone=phone, code=request.POST.get("code", ""))
                    messages.success(request, f"{phone} is verified: {member.name} can be paged on it.")
                except ValidationError as exc:
                    messages.error(request, f"Code for {phone}: " + "; ".join(exc.messages))
            return _back("oncall:members", team)
        if action in ("deactivate", "activate", "remove"):
            member = get_object_or_404(Member, pk=request.POST.get("member"), team=team)
            if action == "remove":
                services.member_remove(member=member)
            else:
                services.member_update(member=member, active=action == "activate")
            messages.success(
                request,
                f"{member.name}: {action}d. The schedule still uses the old team — "
                "regenerate from a date to include the change.",
            )
            return _back("oncall:schedule", team, mode="regenerate")
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                member = services.member_create(team=team, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"{member.name} added. Regenerate from a date to put them in the rotation.")
                return _back("oncall:schedule", team, mode="regenerate")
    rows = []
    if team is not None:
        horizon_start = timezone.localdate()
        counts = (
            Member.objects.filter(team=team)
            .order_by("rotation_order", "id")
            .annotate(upcoming=Count("assignments", filter=Q(assignments__occurrence_date__gte=horizon_start)))
        )
        rows = list(counts)
        verified = set(
            PhoneVerification.objects.filter(member__team=team, verified_at__isnull=False).values_list(
                "member_id", "phone"
            )
        )
        for m in rows:
            m.unverified = [p for p in m.phones if (m.pk, p) not in verified]
    return render(
        request,
        "oncall/members.html",
        _context(request, team, rows=rows, form=form, colours=_colours(team) if team else {}),
    )


# --------------------------------------------------------------------------- shifts
@_page("shifts")
@require_http_methods(["GET", "POST"])
def shifts(request):
    team = _team(request)
    form = ShiftForm()
    if request.method == "POST" and team is not None:
        _require_edit(request)
        if request.POST.get("action") == "toggle":
            shift = get_object_or_404(ShiftPattern, pk=request.POST.get("shift"), team=team)
            shift.active = not shift.active
            try:
                services.shift_save(shift=shift)
                messages.success(request, f"{shift.label} {'activated' if shift.active else 'deactivated'}.")
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            return _back("oncall:shifts", team)
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                services.shift_save(shift=ShiftPattern(team=team, **form.cleaned_data))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Shift pattern added.")
                return _back("oncall:shifts", team)
    rows = ShiftPattern.objects.filter(team=team).order_by("weekday", "start_time") if team else []
    return render(request, "oncall/shifts.html", _context(request, team, rows=rows, form=form))


# --------------------------------------------------------------------------- schedule
@_page("schedule")
@require_http_methods(["GET", "POST"])
def schedule(request):
    team = _team(request)
    form = ScheduleForm(initial={"mode": request.GET.get("mode", "extend"), "start_date": request.GET.get("from")})
    result = None
    if request.method == "POST" and team is not None:
        _require_edit(request)
        form = ScheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            preview = "preview" in request.POST
            try:
                if data["mode"] == "regenerate":
                    result = services.schedule_regenerate(
                        team=team, from_date=data["start_date"], weeks=data["weeks"], preview=preview
                    )
                else:
                    start = data["start_date"] if data["mode"] == "generate" else None
                    result = services.schedule_generate(team=team, weeks=data["weeks"], start=start, preview=preview)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if not preview:
                    messages.success(
                        request,
                        f"Schedule {result.start:%d %b %Y} – {result.end:%d %b %Y}: "
                        f"{result.created} created, {result.updated} changed.",
                    )
                    return _back("oncall:schedule", team)
    horizon = None
    totals = []
    warning = None
    if team is not None:
        today = timezone.localdate()
        horizon = services.schedule_last_date(team=team)
        totals = _horizon_totals(team, today, horizon)
        warning = selectors.horizon_warning(team=team, today=today, last=horizon)
    return render(
        request,
        "oncall/schedule.html",
        _context(request, team, form=form, result=result, horizon=horizon, totals=totals, horizon_warning=warning),
    )


def _horizon_totals(team: Team, start: date, end: date | None) -> list[dict]:
    if end is None:
        return []
    rows: dict[int, dict] = {}
    for a in selectors.assignment_list(team=team, start=start, end=end):
        member = selectors.assignment_effective_member(a)
        row = rows.setdefault(
            member.pk, {"member": member, "hours": 0, "long_shifts": 0, "weekend_days": 0, "shifts": 0}
        )
        hours = a.shift.duration_hours
        row["hours"] += hours
        row["long_shifts"] += hours >= 48
        row["weekend_days"] += sum(1 for d in range(max(1, hours // 24)) if (a.shift.weekday + d) % 7 in (5, 6))
        row["shifts"] += 1
    return sorted(rows.values(), key=lambda r: (r["member"].rotation_order, r["member"].pk))


# --------------------------------------------------------------------------- overrides
@_page("overrides")
@require_http_methods(["GET", "POST"])
def overrides(request):
    team = _team(request)
    if team is None:
        return render(request, "oncall/overrides.html", _context(request, None))
    upcoming = list(
        Assignment.objects.filter(team=team, ends_at__gt=timezone.now())
        .select_related("shift", "member")
        .order_by("starts_at")[:60]
    )
    form = OverrideForm(team=team, assignments=upcoming)
    if request.method == "POST":
        _require_edit(request)
        if request.POST.get("action") == "cancel":
            override = get_object_or_404(Override, pk=request.POST.get("override"), assignment__team=team)
            try:
                services.override_cancel(override=override)
                messages.success(request, "Override cancelled.")
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            return _back("oncall:overrides", team)
        form = OverrideForm(request.POST, team=team, assignments=upcoming)
        if form.is_valid():
            try:
                services.override_create(
                    assignment=get_object_or_404(Assignment, pk=form.cleaned_data["assignment"]),
                    member=form.cleaned_data["member"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Override saved.")
                return _back("oncall:overrides", team)
    rows = selectors.override_list(team=team)[:200]
    counts = dict(Override.objects.filter(assignment__team=team).values_list("status").annotate(n=Count("id")))
    return render(request, "oncall/overrides.html", _context(request, team, form=form, rows=rows, counts=counts))


# --------------------------------------------------------------------------- notifications
@_page("notifications")
def notifications(request):
    team = _team(request)
    status = request.GET.get("status", "")
    rows = selectors.message_list(team=team, status=status or None)[:200] if team else []
    stats = paging.outbox_stats(team=team) if team else {}
    delivery = selectors.delivery_stats(team=team, now=timezone.now()) if team else None
    return render(
        request,
        "oncall/notifications.html",
        _context(
            request,
            team,
            rows=rows,
            stats=stats,
            delivery=delivery,
            status=status,
            statuses=SmsMessage.Status.choices,
        ),
    )


# --------------------------------------------------------------------------- settings
@_page("settings")
@require_http_methods(["GET", "POST"])
def team_settings(request):
    team = _team(request)
    if request.method == "POST" and request.POST.get("action") == "create-team":
        _require_edit(request)
        name = request.POST.get("name", "").strip()
        if not name or Team.objects.filter(name=name).exists():
            messages.error(request, "Give the new team a unique name.")
            return redirect("oncall:settings")
        team = Team.objects.create(name=name)
        messages.success(request, f"Team {team.name} created.")
        return _back("oncall:settings", team)
    if team is None:
        return render(request, "oncall/settings.html", _context(request, None))
    contacts_text = "\n".join(f"{c.name}, {c.phone}" for c in team.escalation_contacts.all())
    form = SettingsForm(instance=team, initial={"contacts": contacts_text})
    if request.method == "POST":
        _require_edit(request)
        action = request.POST.get("action")
        if action == "reset-team-feed":
            services.team_reset_feed(team=team)
            messages.success(request, "The team calendar has a new secret URL; the old one no longer works.")
            return _back("oncall:settings", team)
        if action == "reset-member-feed":
            member = get_object_or_404(Member, pk=request.POST.get("member"), team=team)
            services.member_reset_feed(member=member)
            messages.success(request, f"{member.name}'s calendar has a new secret URL.")
            return _back("oncall:settings", team)
        form = SettingsForm(request.POST, instance=Team.objects.get(pk=team.pk))
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "contacts"}
            try:
                services.team_update_settings(
                    team=Team.objects.get(pk=team.pk), contacts=form.cleaned_data["contacts"], **fields
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Settings saved.")
                return _back("oncall:settings", team)
    size = sms_size(team.sms_template)
    upcoming = selectors.next_assignment(team=team, now=timezone.now())
    preview = (
        paging.page_body(team=team, assignment=upcoming, member=selectors.assignment_effective_member(upcoming))
        if upcoming
        else None
    )
    team_feed = request.build_absolute_uri(reverse("oncall:team-feed", args=[team.feed_token]))
    member_feeds = (
        [
            (m, request.build_absolute_uri(reverse("oncall:member-feed", args=[m.feed_token])))
            for m in Member.objects.filter(team=team)
        ]
        if _can_edit(request)
        else []
    )
    return render(
        request,
        "oncall/settings.html",
        _context(
            request,
            team,
            form=form,
            size=size,
            preview=preview,
            preview_size=sms_size(preview) if preview else None,
            preview_assignment=upcoming,
            team_feed=team_feed if _can_edit(request) else None,
            member_feeds=member_feeds,
        ),
    )
