"""Staff pages. Thin: forms validate, selectors read, services write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from project.dates import month_from_query, month_neighbours
from project.permissions import permission_require, permission_required_page
from project.tables import Column, Table, badges, choice_label, day, day_and_time, link
from project.templatetags.crewbase_ui import badge, pk_url

from . import exports, reports, rules, selectors, services
from .forms import (
    DateRangeForm,
    DirectoryForm,
    EventFilterForm,
    NoteForm,
    OrganizationReportForm,
    RecruitmentNoteForm,
    ReportEmailForm,
    ThankYouForm,
    YearEndForm,
)
from .models import District, Event, ParticipationStatus, Volunteer

PAGE_SIZE = 25


# Pages showing people: Administrators, Coordinators and Staff (Viewers see aggregates only).
contacts_required = permission_required_page(selectors.CONTACTS_PERMISSION)


# --------------------------------------------------------------------------- directory
@login_required
def index(request):
    if not selectors.user_sees_contacts(request.user):
        return redirect("volunteers:report_year_end")
    return directory(request)


class SearchPaginator(Paginator):
    """For a text search that scans every row (the event list): the total comes with the page's rows
    (COUNT(*) OVER ()) instead of from a second scan. Without rows (past the last page, or no
    match) it counts and clamps as Paginator does."""

    def get_page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        if number >= 1:
            bottom = (number - 1) * self.per_page
            rows = list(self.object_list.annotate(search_total=Window(Count("pk")))[bottom : bottom + self.per_page])
            if rows:
                self.count = rows[0].search_total
                return self._get_page(rows, number, self)
        return super().get_page(number)


def _directory_queryset(request, *, emails: bool = True, related: bool = True):
    form = DirectoryForm(request.GET or None)
    kwargs = form.selector_kwargs() if form.is_bound and form.is_valid() else {}
    return form, selectors.volunteer_directory(**kwargs, emails=emails, related=related)


DIRECTORY_COLUMNS = [
    Column("Name"),
    Column("Organization"),
    Column("Title"),
    Column("Skills"),
    Column("Local"),
    Column("Status"),
    Column("Times", numeric=True),
    Column("Last volunteered"),
]


# What a directory row shows: the page loads these columns only (not the search text, notes, sync
# and audit fields).
DIRECTORY_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "department",
    "exclude_from_reports",
    "local_status",
    "status",
    "times_volunteered",
    "last_volunteered_on",
)


def _directory_table(volunteers: list[Volunteer]) -> Table:
    details = selectors.volunteer_list_details(volunteer_ids=[v.pk for v in volunteers])
    rows = []
    for v in volunteers:
        name = link(pk_url("volunteers:volunteer_detail", v.pk), f"{v.last_name}, {v.first_name}")
        if v.exclude_from_reports:
            name = format_html('{} <span class="badge">excluded</span>', name)
        rows.append(
            [
                name,
                details.organizations.get(v.pk, ""),
                f"{v.title} · {v.department}" if v.department else v.title,
                badges(details.skills.get(v.pk, ())),
                choice_label(v, "local_status"),
                choice_label(v, "status"),
                v.times_volunteered,
                day(v.last_volunteered_on) or "—",
            ]
        )
    return Table(DIRECTORY_COLUMNS, rows, empty="No volunteer matches these filters.")


@contacts_required
def directory(request):
    form, volunteers = _directory_queryset(request, emails=False, related=False)  # no e-mail; names below
    # A text search reads the trigram-indexed search text: the count and the page (an index walk in
    # the sort's order that stops after the page) are each cheaper than one windowed query over
    # every match, which must join and sort them all.
    page = Paginator(volunteers.only(*DIRECTORY_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "volunteers/directory.html",
        {
            "form": form,
            "page": page,
            "table": _directory_table(list(page)),
            "query": query.urlencode(),
            "can_import": request.user.has_perm("volunteers.add_volunteer"),
        },
    )


@contacts_required
def directory_export(request):
    _, volunteers = _directory_queryset(request)
    rows = (
        [
            v.first_name,
            v.last_name,
            v.primary_emails[0].email if v.primary_emails else "",
            next((a.organization.name for a in v.affiliations.all() if a.is_primary), ""),
            v.title,
            v.department,
            "; ".join(s.skill.name for s in v.volunteer_skills.all()),
            choice_label(v, "local_status"),
            choice_label(v, "status"),
            v.times_volunteered,
            v.last_volunteered_on or "",
        ]
        for v in volunteers.iterator(chunk_size=1000)
    )
    return exports.csv_response(
        "volunteers",
        [
            "First name",
            "Last name",
            "Email",
            "Organization",
            "Title",
            "Department",
            "Skills",
            "Local status",
            "Status",
            "Times volunteered",
            "Last volunteered",
        ],
        rows,
    )


@contacts_required
@require_http_methods(["GET", "POST"])
def volunteer_detail(request, pk: int):
    try:
        volunteer = selectors.volunteer_profile(pk=pk)
    except Volunteer.DoesNotExist as exc:
        raise Http404 from exc
    note_form = NoteForm()
    if request.method == "POST":
        permission_require(request.user, "volunteers.add_contacthistory")
        note_form = NoteForm(request.POST)
        if note_form.is_valid():
            services.history_note_add(contact=volunteer, body=note_form.cleaned_data["body"], user=request.user)
            messages.success(request, "Note added.")
            return redirect("volunteers:volunteer_detail", pk=pk)
    participations = list(volunteer.participations.all())
    hours = sum((p.delivery_hours or 0 for p in participations if p.status == ParticipationStatus.ATTENDED), 0)
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "participations": participations,
            "hours": hours,
            "note_form": note_form,
            "can_note": request.user.has_perm("volunteers.add_contacthistory"),
        },
    )


# --------------------------------------------------------------------------- events
def _event_queryset(request, *, related: bool = True):
    form = EventFilterForm(request.GET or None)
    kwargs = form.selector_kwargs() if form.is_bound and form.is_valid() else {}
    return form, selectors.event_list(user=request.user, related=related, **kwargs)


EVENT_COLUMNS = [
    Column("Date"),
    Column("Title"),
    Column("Type"),
    Column("Format"),
    Column("Status"),
    Column("School"),
    Column("Districts"),
    Column("Registered", numeric=True),
    Column("Attended", numeric=True),
]


# What an event row shows: the page loads these columns only.
EVENT_LIST_FIELDS = (
    "start",
    "title",
    "event_type",
    "format",
    "status",
    "school__name",
    "registered_count",
    "attended_count",
)


def _event_table(events: list[Event]) -> Table:
    districts = selectors.event_district_names(event_ids=[e.pk for e in events])
    rows = [
        [
            day_and_time(e.start),
            link(pk_url("volunteers:event_detail", e.pk), e.title),
            choice_label(e, "event_type"),
            choice_label(e, "format"),
            badge(e.status, choice_label(e, "status")),
            (e.school.name if e.school else "") or "—",
            ", ".join(districts.get(e.pk, ())),
            e.registered_count,
            e.attended_count,
        ]
        for e in events
    ]
    return Table(EVENT_COLUMNS, rows, empty="No events match.")


@contacts_required
def event_list(request):
    form, events = _event_queryset(request, related=False)
    # A text search scans every event: its total comes with the page (not for DISTINCT rows,
    # whose window would count the duplicates).
    searching = form.is_bound and form.is_valid() and form.cleaned_data["q"] and not events.query.distinct
    events = events.only(*EVENT_LIST_FIELDS)
    page = (SearchPaginator if searching else Paginator)(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "volunteers/event_list.html",
        {"form": form, "page": page, "table": _event_table(list(page)), "query": query.urlencode()},
    )


@contacts_required
def event_export(request):
    _, events = _event_queryset(request)
    rows = (
        [
            e.start.date(),
            e.title,
            choice_label(e, "event_type"),
            choice_label(e, "format"),
            choice_label(e, "status"),
            e.school.name if e.school else "",
            "; ".join(d.name for d in e.districts.all()),
            e.registered_count,
            e.attended_count,
        ]
        for e in events
    )
    return exports.csv_response(
        "events", ["Date", "Title", "Type", "Format", "Status", "School", "Districts", "Registered", "Attended"], rows
    )


@contacts_required
def event_calendar(request):
    first = month_from_query(request.GET, today=timezone.localdate())
    form, events = _event_queryset(request)
    weeks = selectors.event_calendar(year=first.year, month=first.month, events=events)
    prev_month, next_month = month_neighbours(first)
    return render(
        request,
        "volunteers/event_calendar.html",
        {"form": form, "weeks": weeks, "month": first, "prev": prev_month, "next": next_month},
    )


@contacts_required
@require_http_methods(["GET", "POST"])
def event_detail(request, pk: int):
    try:
        event = selectors.event_detail(pk=pk)
    except Event.DoesNotExist as exc:
        raise Http404 from exc
    can_mark = request.user.has_perm("volunteers.change_volunteerparticipation")
    if request.method == "POST":
        if not can_mark:
            raise PermissionDenied
        marks = {}
        for key, value in request.POST.items():
            if key.startswith("status-"):
                try:
                    marks[int(key.removeprefix("status-"))] = value
                except ValueError:
                    continue
        try:
            changed = services.attendance_mark(event=event, marks=marks, user=request.user)
            messages.success(request, f"Attendance saved ({changed} change(s)).")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        return redirect("volunteers:event_detail", pk=pk)
    return render(
        request,
        "volunteers/event_detail.html",
        {
            "event": event,
            "participations": event.volunteer_participations.all(),
            "can_mark": can_mark,
            "statuses": [
                ParticipationStatus.REGISTERED,
                ParticipationStatus.ATTENDED,
                ParticipationStatus.NO_SHOW,
                ParticipationStatus.CANCELLED,
            ],
            "marking_open": event.status not in ("cancelled", "draft"),
        },
    )


@contacts_required
@require_http_methods(["GET", "POST"])
def event_candidates(request, pk: int):
    event = get_object_or_404(Event.objects.prefetch_related("skills"), pk=pk)
    extra = request.GET.get("keywords", "")[:200]
    if request.method == "POST":
        permission_require(request.user, "volunteers.add_recruitmentnote")
        volunteer = get_object_or_404(Volunteer, pk=request.POST.get("volunteer"))
        form = RecruitmentNoteForm(request.POST)
        if form.is_valid():
            services.recruitment_note_add(volunteer=volunteer, event=event, user=request.user, **form.cleaned_data)
            messages.success(request, f"Note saved for {volunteer.full_name}.")
        else:
            messages.error(request, "Write a note and choose an outcome.")
        return redirect(f"{reverse('volunteers:event_candidates', args=[pk])}?keywords={extra}")
    keywords, ranked = selectors.recruitment_rank(event=event, extra_keywords=extra, limit=100)
    if request.GET.get("format") == "csv":
        return exports.csv_response(
            f"candidates-{event.pk}",
            [
                "Rank",
                "Name",
                "Email",
                "Title",
                "Times volunteered",
                "Last volunteered",
                "Local status",
                "Score",
                "Breakdown",
            ],
            (
                [
                    i + 1,
                    v.full_name,
                    v.primary_email,
                    v.title,
                    v.times_volunteered,
                    v.last_volunteered_on or "",
                    choice_label(v, "local_status"),
                    s.total,
                    "; ".join(f"{k} +{b}" for k, b in s.breakdown.items()),
                ]
                for i, (v, s) in enumerate(ranked)
            ),
        )
    return render(
        request,
        "volunteers/event_candidates.html",
        {"event": event, "keywords": keywords, "ranked": ranked, "extra": extra, "note_form": RecruitmentNoteForm()},
    )


# --------------------------------------------------------------------------- reports
def _report_query(given, defaults: dict):
    """The query string with each report parameter it lacks filled from the page's defaults, so
    the export links (and a bare `?format=csv`) work on the first click. A parameter that is
    present, even blank, is kept as given: the form then names what is wrong."""
    query = given.copy()
    for name, value in defaults.items():
        if name not in query and value is not None:
            query[name] = str(value)
    return query


def _year_end_check(request, data: dict) -> None:
    district: District = data["district"]
    if not selectors.user_sees_contacts(request.user) and district.pk not in selectors.viewer_district_ids(
        request.user
    ):
        raise PermissionDenied


@dataclass(frozen=True)
class ReportPage:
    """One report page: its URL, whether it needs the contacts permission, its form with the
    page's defaults filled in, the report it builds, and any check on the chosen parameters.
    The page, its downloads and "E-mail me this report" all go through it."""

    url_name: str
    contacts: bool
    form: Callable[[HttpRequest, QueryDict], forms.Form]
    build: Callable[[dict], reports.Report]
    check: Callable[[HttpRequest, dict], None] = lambda request, data: None


def _year_end_form(request, given):
    districts = selectors.district_list_for_user(request.user)
    first = districts.first()
    if first is None and request.method == "GET":
        messages.info(request, "No district is open to you yet: an administrator assigns districts to viewers.")
    defaults = {"year": rules.academic_year_of(timezone.localdate()), "district": first.pk if first else None}
    return YearEndForm(_report_query(given, defaults), districts=districts)


REPORT_PAGES = {
    "thank-you": ReportPage(
        "volunteers:report_thank_you",
        True,
        lambda request, given: ThankYouForm(
            _report_query(given, {**ThankYouForm.default_initial(), "by": "hours", "limit": 25})
        ),
        lambda d: reports.thank_you_report(**d),
    ),
    "district-year-end": ReportPage(
        "volunteers:report_year_end",
        False,
        _year_end_form,
        lambda d: reports.district_year_end_report(**d),
        _year_end_check,
    ),
    "organizations": ReportPage(
        "volunteers:report_organizations",
        True,
        lambda request, given: OrganizationReportForm(
            _report_query(given, {"year": rules.academic_year_of(timezone.localdate())})
        ),
        lambda d: reports.organization_report(**d),
    ),
    "first-time": ReportPage(
        "volunteers:report_first_time",
        True,
        lambda request, given: DateRangeForm(_report_query(given, DateRangeForm.default_initial())),
        lambda d: reports.first_time_volunteers_report(**d),
    ),
}


def _report_response(request, slug: str):
    page = REPORT_PAGES[slug]
    form = page.form(request, request.GET)
    fmt = request.GET.get("format", "")
    report = None
    if form.is_valid():
        page.check(request, form.cleaned_data)
        report = page.build(form.cleaned_data)
    if report is not None:
        download = exports.report_download(report, fmt, request)
        if download is not None:
            return download
    elif fmt:
        messages.error(request, "The report could not be downloaded: correct the fields below.")
    query = form.data.copy()
    query.pop("format", None)
    context = {
        "form": form,
        "report": report,
        "query": query.urlencode(),
        "report_slug": slug,
        "email_formats": services.REPORT_FORMATS,
    }
    # Parameters the user gave that do not validate are a bad request; a page opened bare whose
    # defaults cannot be filled (no district to choose) is not.
    given = bool(fmt) or any(name in request.GET for name in form.fields)
    return render(request, "volunteers/reports/report.html", context, status=400 if report is None and given else 200)


@login_required
def report_index(request):
    return render(
        request, "volunteers/reports/index.html", {"sees_contacts": selectors.user_sees_contacts(request.user)}
    )


@contacts_required
def report_thank_you(request):
    return _report_response(request, "thank-you")


@login_required
def report_year_end(request):
    return _report_response(request, "district-year-end")


@contacts_required
def report_organizations(request):
    return _report_response(request, "organizations")


@contacts_required
def report_first_time(request):
    return _report_response(request, "first-time")


@login_required
@require_POST
def report_email(request):
    """E-mail the signed-in user a link to a report's download, with the parameters the page
    shows (once per report, format, parameters and day: see `services.report_email_send`)."""
    form = ReportEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a report and a format to e-mail.")
        return redirect("volunteers:reports")
    page = REPORT_PAGES[form.cleaned_data["report"]]
    if page.contacts and not selectors.user_sees_contacts(request.user):
        raise PermissionDenied
    given = QueryDict(form.cleaned_data["query"], mutable=True)
    given.pop("format", None)
    report_form = page.form(request, given)
    target = reverse(page.url_name)
    if not report_form.is_valid():
        messages.error(request, "The report could not be e-mailed: correct the fields below.")
        return redirect(f"{target}?{report_form.data.urlencode()}")
    page.check(request, report_form.cleaned_data)
    report = page.build(report_form.cleaned_data)
    query = report_form.data.urlencode()
    fmt = form.cleaned_data["format"]
    link = request.build_absolute_uri(f"{target}?{query}&format={fmt}")
    try:
        row, new = services.report_email_send(
            user=request.user, slug=report.slug, title=report.title, fmt=fmt, query=query, link=link
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if new:
            messages.success(request, f"A link to the {services.REPORT_FORMATS[fmt]} is on its way to {row.to_email}.")
        else:
            messages.info(request, f"This report was already e-mailed to {row.to_email} today; it is not sent twice.")
    return redirect(f"{target}?{query}")
