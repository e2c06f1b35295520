"""Pages of the teacher programme: progress (district, school, teacher), exports, Pathful imports,
the unmatched queue, teachers' issues, in-person attendance detail; and the teachers' public
magic-link pages (no account)."""

from __future__ import annotations

import io
from datetime import datetime

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from project.csv import csv_response, xlsx_append
from project.jobs import JobNotQueued
from project.permissions import permission_require, permission_required_page

from .. import rules
from ..models import (
    AttendanceOverride,
    DeactivationSource,
    Event,
    EventFormat,
    PathfulUnmatched,
    School,
    TeacherIssue,
    TeacherProgress,
    UnmatchedKind,
    UnmatchedStatus,
)
from . import importing, progress, selectors, services
from . import tasks as _tasks  # noqa: F401 - registers the import job's task
from .forms import (
    AttendanceDetailForm,
    MagicLinkRequestForm,
    OverrideForm,
    PathfulUploadForm,
    ProgressFilterForm,
    ReasonForm,
    TargetForm,
    TeacherIssueForm,
    UnmatchedResolveForm,
)

PAGE_ROWS = 200
TEACHER_SESSION_KEY = "virtual_teacher"
LINK_REQUESTS_PER_HOUR = 5


def _errors(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


def _current_year() -> int:
    return rules.academic_year_of(timezone.localdate())


def _filters(request):
    districts = selectors.districts_for(request.user)
    initial = {"year": _current_year()}
    first = districts.first()
    if first:
        initial["district"] = first.pk
    data = request.GET if "district" in request.GET else initial
    form = ProgressFilterForm(data, districts=districts)
    return form


# --------------------------------------------------------------------------- progress
@permission_required_page("volunteers.view_teacherprogress")
@require_GET
def dashboard(request):
    form = _filters(request)
    context = {"form": form, "schools": [], "totals": None}
    if form.is_valid():
        district, year = form.cleaned_data["district"], form.cleaned_data["year"]
        schools = progress.school_counts(district_id=district.pk, academic_year=year)
        totals = {status: sum(getattr(s, status) for s in schools) for status in progress.STATUS_LABELS}
        context.update(
            district=district,
            year=year,
            year_label=rules.academic_year_label(year),
            schools=schools,
            totals=totals,
            teachers=sum(s.teachers for s in schools),
            chart={
                "labels": [s.name for s in schools],
                "series": {label: [getattr(s, key) for s in schools] for key, label in progress.STATUS_LABELS.items()},
            },
        )
    elif request.GET:
        return render(request, "volunteers/virtual/dashboard.html", context, status=400)
    return render(request, "volunteers/virtual/dashboard.html", context)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return _current_year()
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": ["Give an academic year between 2000 and 2100."]})
    return year


@permission_required_page("volunteers.view_teacherprogress")
@require_http_methods(["GET", "POST"])
def school_detail(request, pk: int):
    school = get_object_or_404(School.objects.select_related("district"), pk=pk)
    ids = selectors.progress_district_ids(request.user)
    if ids is not None and school.district_id not in ids:
        raise Http404
    try:
        year = _year(request)
    except ValidationError as exc:
        return HttpResponse(_errors(exc), status=400, content_type="text/plain")
    target_form = TargetForm()
    if request.method == "POST":
        permission_require(request.user, "volunteers.change_teacherprogress")
        target_form = TargetForm(request.POST)
        if target_form.is_valid():
            changed = progress.progress_target_set_for_school(
                school=school, academic_year=year, target=target_form.cleaned_data["target"]
            )
            messages.success(request, f"Target set for {changed} teacher(s).")
            return redirect(f"{reverse('volunteers:virtual_school', args=[school.pk])}?year={year}")
    rows = progress.progress_rows(
        progress=progress.progress_queryset(district_ids=[school.district_id], academic_year=year).filter(
            school=school
        ),
        academic_year=year,
    )
    return render(
        request,
        "volunteers/virtual/school.html",
        {
            "school": school,
            "year": year,
            "year_label": rules.academic_year_label(year),
            "rows": rows,
            "target_form": target_form,
            "can_change": request.user.has_perm("volunteers.change_teacherprogress"),
        },
    )


@permission_required_page("volunteers.view_teacherprogress")
@require_http_methods(["GET", "POST"])
def teacher_detail(request, pk: int):
    record = get_object_or_404(selectors.progress_visible(request.user), pk=pk)
    override_form, reason_form, target_form = OverrideForm(), ReasonForm(), TargetForm()
    status = 200
    if request.method == "POST":
        if not any(
            request.user.has_perm(p)
            for p in ("volunteers.add_attendanceoverride", "volunteers.change_attendanceoverride")
            + ("volunteers.change_teacherprogress",)
        ):
            raise PermissionDenied
        op = request.POST.get("op", "")
        try:
            if op == "override":
                permission_require(request.user, "volunteers.add_attendanceoverride")
                override_form = OverrideForm(request.POST)
                if override_form.is_valid():
                    data = override_form.cleaned_data
                    event = Event.objects.filter(pk=data["event_id"], format=EventFormat.VIRTUAL).first()
                    if event is None:
                        raise ValidationError({"event_id": ["No virtual session with this id."]})
                    services.override_add(
                        progress=record, event=event, action=data["action"], reason=data["reason"], user=request.user
                    )
                    messages.success(request, "Override recorded.")
                    return redirect("volunteers:virtual_teacher", pk=record.pk)
            elif op == "reverse":
                permission_require(request.user, "volunteers.change_attendanceoverride")
                override = get_object_or_404(AttendanceOverride, pk=request.POST.get("override_id"), progress=record)
                reason_form = ReasonForm(request.POST)
                if reason_form.is_valid():
                    services.override_reverse(
                        override=override, reason=reason_form.cleaned_data["reason"], user=request.user
                    )
                    messages.success(request, "Override reversed.")
                    return redirect("volunteers:virtual_teacher", pk=record.pk)
            elif op == "target":
                permission_require(request.user, "volunteers.change_teacherprogress")
                target_form = TargetForm(request.POST)
                if target_form.is_valid():
                    progress.progress_target_set(progress=record, target=target_form.cleaned_data["target"])
                    messages.success(request, "Target saved.")
                    return redirect("volunteers:virtual_teacher", pk=record.pk)
            elif op == "deactivate":
                permission_require(request.user, "volunteers.change_teacherprogress")
                progress.progress_deactivate(
                    progress=record,
                    source=DeactivationSource.MANUAL,
                    user=request.user,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, "Teacher deactivated for this year.")
                return redirect("volunteers:virtual_teacher", pk=record.pk)
            else:
                messages.error(request, "Unknown action.")
            status = 400
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            status = 400
        except services.OverrideConflict as exc:
            messages.error(request, str(exc))
            status = 409
    (row,) = progress.progress_rows(progress=[record], academic_year=record.academic_year, with_sessions=True)
    overrides = record.overrides.select_related("event", "created_by", "reversed_by")
    return render(
        request,
        "volunteers/virtual/teacher.html",
        {
            "record": record,
            "row": row,
            "overrides": overrides,
            "override_form": override_form,
            "reason_form": reason_form,
            "target_form": target_form,
            "year_label": rules.academic_year_label(record.academic_year),
            "can_override": request.user.has_perm("volunteers.add_attendanceoverride"),
            "can_change": request.user.has_perm("volunteers.change_teacherprogress"),
        },
        status=status,
    )


EXPORT_HEADER = [
    "District",
    "School",
    "Teacher",
    "Email",
    "Academic year",
    "Target",
    "Completed",
    "Planned",
    "No-shows",
    "Cancelled",
    "Status",
    "Percent",
]


@permission_required_page("volunteers.view_teacherprogress")
@require_GET
def export(request):
    form = _filters(request)
    if not form.is_valid():
        return HttpResponse("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()), status=400)
    district, year = form.cleaned_data["district"], form.cleaned_data["year"]
    rows = progress.progress_rows(
        progress=progress.progress_queryset(district_ids=[district.pk], academic_year=year).filter(is_active=True),
        academic_year=year,
    )
    table = [
        [
            r.progress.district.name,
            r.progress.school.name if r.progress.school else "",
            r.progress.name,
            r.progress.email,
            rules.academic_year_label(year),
            r.progress.target_sessions,
            r.completed,
            r.planned,
            r.no_show,
            r.cancelled,
            r.status_label,
            r.percent,
        ]
        for r in rows
    ]
    name = f"teacher-progress-{district.name}-{year}"
    if request.GET.get("format") == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "Teacher progress"
        xlsx_append(sheet, EXPORT_HEADER)
        for line in table:
            xlsx_append(sheet, line)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        safe = "".join(c for c in name if c.isalnum() or c in "-_.")
        response["Content-Disposition"] = f'attachment; filename="{safe}.xlsx"'
        return response
    return csv_response(name, EXPORT_HEADER, table)


# --------------------------------------------------------------------------- imports and queue
@permission_required_page("volunteers.view_pathfulimport")
@require_http_methods(["GET", "POST"])
def imports(request):
    form = PathfulUploadForm()
    status = 200
    if request.method == "POST":
        permission_require(request.user, "volunteers.add_pathfulimport")
        form = PathfulUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importing.MAX_UPLOAD_BYTES:
                form.add_error("file", f"The file is larger than {importing.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
            else:
                try:
                    importing.pathful_import_create(content=upload.read(), filename=upload.name, user=request.user)
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                except JobNotQueued:
                    messages.error(
                        request, "The import could not be queued (the task broker is down); try again later."
                    )
                    status = 503
                else:
                    messages.success(request, "Import started; its progress shows below.")
                    return redirect("volunteers:virtual_imports")
        status = 400 if status == 200 else status
    logs = list(selectors.import_list()[:50])
    return render(
        request,
        "volunteers/virtual/imports.html",
        {
            "form": form,
            "logs": logs,
            "running": [log for log in logs if log.job and not log.job.is_finished],
            "can_import": request.user.has_perm("volunteers.add_pathfulimport"),
            "required": ", ".join(importing.pathful.REQUIRED_COLUMNS),
            "partner": importing.partner_configured(),
        },
        status=status,
    )


@permission_required_page("volunteers.view_pathfulimport")
@require_GET
def import_detail(request, pk: int):
    log = get_object_or_404(selectors.import_list(), pk=pk)
    return render(request, "volunteers/virtual/import_detail.html", {"log": log})


@permission_required_page("volunteers.view_pathfulunmatched")
@require_http_methods(["GET", "POST"])
def unmatched(request):
    status = 200
    if request.method == "POST":
        permission_require(request.user, "volunteers.change_pathfulunmatched")
        row = get_object_or_404(PathfulUnmatched, pk=request.POST.get("row_id"))
        form = UnmatchedResolveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "link":
                    services.unmatched_link(
                        row=row, contact_id=data["contact_id"], user=request.user, note=data["note"]
                    )
                elif data["action"] == "create":
                    services.unmatched_create(row=row, user=request.user, note=data["note"])
                else:
                    services.unmatched_ignore(row=row, user=request.user, note=data["note"])
            except ValidationError as exc:
                messages.error(request, _errors(exc))
                status = 400
            else:
                messages.success(request, f"{row.name or row.session_id}: {row.get_status_display().lower()}.")
                return redirect(request.get_full_path())
        else:
            messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
            status = 400
    state = request.GET.get("status", UnmatchedStatus.PENDING)
    state = state if state in UnmatchedStatus.values or state == "" else UnmatchedStatus.PENDING
    kind = request.GET.get("kind", "")
    kind = kind if kind in UnmatchedKind.values else ""
    rows = list(selectors.unmatched_list(status=state, kind=kind)[:PAGE_ROWS])
    return render(
        request,
        "volunteers/virtual/unmatched.html",
        {
            "rows": rows,
            "state": state,
            "kind": kind,
            "statuses": UnmatchedStatus.choices,
            "kinds": UnmatchedKind.choices,
            "form": UnmatchedResolveForm(),
            "can_resolve": request.user.has_perm("volunteers.change_pathfulunmatched"),
        },
        status=status,
    )


@permission_required_page("volunteers.view_teacherissue")
@require_http_methods(["GET", "POST"])
def issues(request):
    if request.method == "POST":
        permission_require(request.user, "volunteers.change_teacherissue")
        issue = get_object_or_404(selectors.issue_list(user=request.user), pk=request.POST.get("issue_id"))
        services.teacher_issue_resolve(issue=issue, user=request.user)
        messages.success(request, "Issue resolved.")
        return redirect("volunteers:virtual_issues")
    state = request.GET.get("status", TeacherIssue.Status.OPEN)
    state = state if state in TeacherIssue.Status.values else TeacherIssue.Status.OPEN
    return render(
        request,
        "volunteers/virtual/issues.html",
        {
            "issues": list(selectors.issue_list(user=request.user, status=state)[:PAGE_ROWS]),
            "state": state,
            "can_resolve": request.user.has_perm("volunteers.change_teacherissue"),
        },
    )


@permission_required_page("volunteers.view_eventattendancedetail")
@require_http_methods(["GET", "POST"])
def attendance_detail(request, pk: int):
    event = get_object_or_404(Event.objects.select_related("attendance_detail"), pk=pk, format=EventFormat.IN_PERSON)
    detail = getattr(event, "attendance_detail", None)
    initial = (
        {"classrooms": detail.classrooms, "rotations": detail.rotations, "total_students": detail.total_students}
        if detail
        else {}
    )
    form = AttendanceDetailForm(initial=initial)
    status = 200
    if request.method == "POST":
        permission_require(request.user, "volunteers.change_eventattendancedetail")
        form = AttendanceDetailForm(request.POST)
        if form.is_valid():
            services.attendance_detail_set(event=event, **form.cleaned_data)
            messages.success(request, "Attendance detail saved.")
            return redirect("volunteers:event_detail", pk=event.pk)
        status = 400
    return render(
        request,
        "volunteers/virtual/attendance_detail.html",
        {"event": event, "detail": detail, "form": form},
        status=status,
    )


# --------------------------------------------------------------------------- teachers (public)
def _rate_limited(key: str, limit: int) -> bool:
    """A counter per hour in the shared cache (Redis in production), so every process agrees."""
    bucket = f"virtual:magic:{key}:{timezone.now():%Y%m%d%H}"
    cache.add(bucket, 0, timeout=3600)
    try:
        count = cache.incr(bucket)
    except ValueError:
        count = 1
    return count > limit


@require_http_methods(["GET", "POST"])
def magic_request(request):
    form = MagicLinkRequestForm()
    sent = False
    status = 200
    if request.method == "POST":
        form = MagicLinkRequestForm(request.POST)
        valid = form.is_valid()
        ip = request.META.get("REMOTE_ADDR", "")
        if valid and _rate_limited(f"ip:{ip}", LINK_REQUESTS_PER_HOUR * 4):
            return render(request, "volunteers/virtual/magic_request.html", {"form": form, "limited": True}, status=429)
        if valid:
            email = form.cleaned_data["email"].lower()
            if not _rate_limited(f"email:{email}", LINK_REQUESTS_PER_HOUR):
                services.magic_link_request(
                    email=email,
                    link_for_token=lambda token: request.build_absolute_uri(
                        reverse("volunteers:virtual_magic_open", args=[token])
                    ),
                )
            sent = True  # the same answer whether or not the address is known
        else:
            status = 400
    return render(request, "volunteers/virtual/magic_request.html", {"form": form, "sent": sent}, status=status)


@require_http_methods(["GET", "POST"])
def magic_open(request, token: str):
    """GET shows a button (so mail scanners that follow links do not use up the link); POST uses it."""
    if request.method == "GET":
        return render(request, "volunteers/virtual/magic_open.html", {"token": token})
    try:
        email = services.magic_link_use(token=token)
    except services.MagicLinkInvalid as exc:
        return render(request, "volunteers/virtual/magic_invalid.html", {"message": str(exc)}, status=410)
    request.session.cycle_key()
    request.session[TEACHER_SESSION_KEY] = {
        "email": email,
        "until": (timezone.now() + services.MAGIC_LINK_TTL).isoformat(),
    }
    return redirect("volunteers:virtual_teacher_me")


def _teacher_email(request) -> str | None:
    data = request.session.get(TEACHER_SESSION_KEY) or {}
    until = data.get("until")
    if not until or datetime.fromisoformat(until) <= timezone.now():
        return None
    return data.get("email")


@require_http_methods(["GET", "POST"])
def teacher_me(request):
    email = _teacher_email(request)
    if not email:
        return render(
            request,
            "volunteers/virtual/magic_invalid.html",
            {"message": "Your link has expired. Ask for a new one."},
            status=403,
        )
    year = _current_year()
    records = list(
        TeacherProgress.objects.filter(email=email, academic_year=year, is_active=True).select_related(
            "district", "school"
        )
    )
    form = TeacherIssueForm()
    status = 200
    if request.method == "POST":
        form = TeacherIssueForm(request.POST)
        if form.is_valid() and records:
            data = form.cleaned_data
            event = Event.objects.filter(pk=data["event_id"]).first() if data.get("event_id") else None
            try:
                services.teacher_issue_flag(progress=records[0], kind=data["kind"], text=data["text"], event=event)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            else:
                messages.success(request, "Thank you — a coordinator will look at it.")
                return redirect("volunteers:virtual_teacher_me")
        else:
            status = 400
    rows = progress.progress_rows(progress=records, academic_year=year, with_sessions=True)
    return render(
        request,
        "volunteers/virtual/teacher_me.html",
        {"rows": rows, "year_label": rules.academic_year_label(year), "form": form},
        status=status,
    )
