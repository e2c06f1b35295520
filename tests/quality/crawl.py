"""Walk every URL pattern of the site: one seeded world, six personas, one outcome per request.

Shared by the permission matrix (docs/permissions.md, "Every URL, role by role") and the
security checks of the rendered pages (CSRF tokens, escaping of user-entered text)."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.html import escape

from project.roles import ADMINISTRATOR, COORDINATOR, STAFF, VIEWER
from tests.conftest import make_user

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
SECTION = "## Every URL, role by role"
PERSONAS = ["anonymous", "Viewer", "Staff", "Other Staff", "Coordinator", "Administrator"]
ROLE_OF = {
    "Viewer": VIEWER,
    "Staff": STAFF,
    "Other Staff": STAFF,
    "Coordinator": COORDINATOR,
    "Administrator": ADMINISTRATOR,
}


# --------------------------------------------------------------------------- user-entered text
LABELS: set[str] = set()  # every label seed() has typed somewhere


def payload(label: str) -> str:
    """Text a user could type: markup, quotes and an ampersand, tagged with where it was typed."""
    LABELS.add(label)
    return f'<script>alert("{label}")</script>&"\''


def escaped(label: str) -> str:
    """`payload(label)` as Django's autoescape writes it into HTML."""
    return f"&lt;script&gt;alert(&quot;{label}&quot;)&lt;/script&gt;&amp;&quot;&#x27;"


def escaped_in_json(label: str) -> str:
    """`payload(label)` inside a JSON document shown on an HTML page (e.g. a JSON field in the admin)."""
    return escape(json.dumps(payload(label))[1:-1])


RAW_MARKUP = "<script>alert("


# --------------------------------------------------------------------------- the seeded world
def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed(media_root: Path) -> SimpleNamespace:
    """One small world with an object of every admin model; text fields hold `payload()`s.

    Private objects (expenses, the job, the API token) belong to the persona "Staff"."""
    w = SimpleNamespace(users={"anonymous": None}, by_model={}, place_id="fake-place-burger-barn")
    for persona, role in ROLE_OF.items():
        slug = persona.lower().replace(" ", "-")
        w.users[persona] = make_user(
            f"crawl-{slug}", role, is_superuser=role == ADMINISTRATOR, first_name=payload(f"user-{slug}")
        )
    owner = w.users["Staff"]
    today = timezone.localdate()
    _seed_platform(w, owner)
    _seed_volunteers(w, today)
    _seed_scheduling(w, today)
    _seed_oncall(w, today)
    _seed_expenses(w, owner, media_root)
    return w


def _keep(w, *objects):
    for obj in objects:
        w.by_model.setdefault(type(obj), obj)
    return objects[0]


def _seed_platform(w, owner):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from project.authentication import api_token_create
    from project.models import IntegrationCredential, Job, PeriodicTaskStatus

    coordinator = w.users["Coordinator"]
    w.job = _keep(w, Job.objects.create(kind="crawl.job", created_by=owner, message=payload("job-message")))
    _keep(w, api_token_create(user=owner, name=payload("token-name"))[0])
    _keep(w, PeriodicTaskStatus.objects.create(name=payload("task-status"), last_error=payload("task-error")))
    _keep(w, IntegrationCredential.objects.create(system="twilio", key="auth_token", value="secret"))
    interval = IntervalSchedule.objects.create(every=7, period=IntervalSchedule.DAYS)
    _keep(
        w,
        interval,
        ClockedSchedule.objects.create(clocked_time=timezone.now()),
        CrontabSchedule.objects.create(minute="7"),
        SolarSchedule.objects.create(event="sunrise", latitude=Decimal("41.9"), longitude=Decimal("-87.6")),
    )
    _keep(
        w,
        PeriodicTask.objects.create(
            name=payload("periodic-task"), task="project.tasks.heartbeat", interval=interval, enabled=False
        ),
    )
    attempt = dict(user_agent="ua", ip_address="10.0.0.1", username="someone", http_accept="*/*", path_info="/")
    _keep(
        w,
        AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **attempt),
        AccessLog.objects.create(**attempt),
        AccessFailureLog.objects.create(**attempt),
    )
    _keep(
        w,
        TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True),
        StaticDevice.objects.create(user=coordinator, name="backup"),
    )
    _keep(w, Group.objects.get(name=VIEWER), owner)
    _seed_email_and_bug_reports(w, owner)


def _seed_email_and_bug_reports(w, owner):
    from project.bugreports.services import bug_report_create
    from project.email.outbox import email_send

    message = email_send(
        purpose="admin_alert",
        to="ops@example.org",
        to_name=payload("email-to-name"),
        subject_of_record="crawl:1",
        context={"title": "crawl", "message": payload("email-message")},
        enqueue=False,
    )
    _keep(w, message, message.template)
    w.bug_report = _keep(
        w,
        bug_report_create(
            kind="bug",
            description=payload("bug-description"),
            page_url="/jobs/",
            page_title=payload("bug-page-title"),
            reporter=owner,
        ),
    )


def _seed_volunteers(w, today):
    from tests.volunteers import factories as f
    from volunteers import models as m
    from volunteers.rules import academic_year_of

    district = _keep(w, f.DistrictFactory(name=payload("district-name")))
    _keep(w, m.ViewerDistrict.objects.create(user=w.users["Viewer"], district=district))
    school = _keep(w, f.SchoolFactory(name=payload("school-name"), district=district))
    _keep(
        w,
        m.SchoolAlias.objects.create(school=school, name=payload("school-alias")),
        m.SchoolClass.objects.create(name=payload("class-name"), school=school),
    )
    org = _keep(w, f.OrganizationFactory(name=payload("organization-name")))
    _keep(w, m.OrganizationAlias.objects.create(organization=org, name=payload("organization-alias")))
    skill = _keep(w, f.SkillFactory(name=payload("skill-name")))
    volunteer = _keep(
        w,
        f.VolunteerFactory(
            first_name=payload("volunteer-first"),
            last_name=payload("volunteer-last"),
            notes=payload("volunteer-notes"),
            title=payload("volunteer-title"),
        ),
    )
    w.by_model[m.Contact] = volunteer.contact_ptr
    teacher = _keep(w, f.TeacherFactory(first_name=payload("teacher-first"), school=school))
    student = _keep(w, f.StudentFactory(first_name=payload("student-first"), school=school))
    _keep(
        w,
        m.ContactEmail.objects.create(contact=volunteer, email="vol@example.org", is_primary=True),
        m.ContactPhone.objects.create(contact=volunteer, number="+18165551234", is_primary=True),
        m.ContactAddress.objects.create(
            contact=volunteer, street=payload("street"), postal_code="64111", is_primary=True
        ),
        m.VolunteerSkill.objects.create(volunteer=volunteer, skill=skill),
        m.Affiliation.objects.create(
            volunteer=volunteer, organization=org, role=payload("affiliation-role"), is_primary=True
        ),
    )
    event = _keep(
        w,
        f.EventFactory(
            title=payload("event-title"),
            description=payload("event-description"),
            start=_at(today - timedelta(days=30)),
            school=school,
            location=payload("event-location"),
        ),
    )
    event.districts.add(district)
    w.academic_year = academic_year_of(timezone.localtime(event.start).date())
    attended = m.ParticipationStatus.ATTENDED
    _keep(
        w,
        m.VolunteerParticipation.objects.create(
            event=event, volunteer=volunteer, status=attended, delivery_hours=Decimal("1.5")
        ),
        m.StudentParticipation.objects.create(event=event, student=student, status=attended),
        m.TeacherParticipation.objects.create(
            event=event, teacher=teacher, status=attended, notes=payload("teacher-participation-notes")
        ),
        m.ContactHistory.objects.create(
            contact=volunteer,
            occurred_at=timezone.now(),
            subject=payload("history-subject"),
            body=payload("history-body"),
        ),
        m.RecruitmentNote.objects.create(volunteer=volunteer, event=event, note=payload("recruitment-note")),
        m.VolunteerMerge.objects.create(
            survivor=volunteer, merged_contact_id=999999, merged_name=payload("merged-name")
        ),
        m.SyncRun.objects.create(
            object_name="volunteers", mode="delta", started_at=timezone.now(), watermark=timezone.now()
        ),
        m.PendingParticipation.objects.create(salesforce_id="a0P000000000001", kind="volunteer", missing="event"),
        m.DataQualityFlag.objects.create(
            entity_type="volunteer",
            entity_key=str(volunteer.pk),
            entity_id=volunteer.pk,
            issue_type="crawl",
            message=payload("flag-message"),
        ),
        m.RosterImport.objects.create(source="csv", filename=payload("roster-file")),
    )
    _seed_partners(w, district, volunteer, today)
    run = _keep(w, m.QualityRun.objects.create(started_at=timezone.now(), status="success", overall_score=90))
    w.quality_check = m.QualityCheck.objects.create(
        run=run,
        entity="volunteer",
        dimension="rules",
        name="crawl",
        severity="warning",
        score=85,
        message=payload("check-message"),
        offending_ids=[volunteer.pk],
    )
    _seed_virtual(w, today, m, f, district=district, school=school, teacher=teacher, event=event)


def _seed_virtual(w, today, m, f, *, district, school, teacher, event):
    """The teacher programme: a virtual session from a Pathful import, progress, an override."""
    session = f.EventFactory(
        title=payload("virtual-title"), format="virtual", event_type="virtual_session", start=_at(today)
    )
    log = _keep(w, m.PathfulImport.objects.create(filename=payload("pathful-file")))
    _keep(w, m.PathfulSession.objects.create(event=session, session_id="CRAWL-1", last_import=log))
    _keep(
        w,
        m.PathfulUnmatched.objects.create(
            kind="teacher",
            session_id="CRAWL-1",
            person_key="crawl",
            name=payload("unmatched-name"),
            first_import=log,
            last_import=log,
        ),
    )
    progress = _keep(
        w,
        m.TeacherProgress.objects.create(
            district=district,
            school=school,
            teacher=teacher,
            email="teacher@example.org",
            name=payload("progress-name"),
            academic_year=w.academic_year,
        ),
    )
    _keep(
        w,
        m.AttendanceOverride.objects.create(
            progress=progress, event=session, action="add", reason=payload("override-reason")
        ),
        m.MagicLink.objects.create(
            token_hash="0" * 64, email="teacher@example.org", expires_at=timezone.now() + timedelta(hours=1)
        ),
        m.TeacherIssue.objects.create(progress=progress, kind="other", text=payload("issue-text")),
        m.EventAttendanceDetail.objects.create(event=event, classrooms=2, rotations=1, total_students=40),
    )


def _seed_partners(w, district, volunteer, today):
    from project.models import hash_token
    from tests.volunteers import factories as f
    from volunteers.models import EventStatus
    from volunteers.partners import models as p
    from volunteers.partners.services import api_key_create

    partner = _keep(
        w, p.DistrictPartner.objects.create(district=district, slug="crawl", allowed_origins="https://crawl.example")
    )
    _keep(w, api_key_create(partner=partner, name=payload("partner-key-name"))[0])
    w.public_event = f.EventFactory(
        title=payload("public-event-title"), start=_at(today + timedelta(days=20)), status=EventStatus.PUBLISHED
    )
    w.public_event.districts.add(district)
    w.signup_token = "crawl-signup-token"
    _keep(
        w,
        p.PublicSignup.objects.create(
            event=w.public_event,
            volunteer=volunteer,
            partner=partner,
            email="vol@example.org",
            token_hash=hash_token(w.signup_token),
        ),
    )


def _seed_scheduling(w, today):
    from integrations.edr import EdrItem, EdrReport
    from scheduling import models as s
    from scheduling.selectors import scheduling_settings_get
    from tests.scheduling import factories as f

    lead = _keep(w, f.EmployeeFactory(name=payload("employee-name"), job_title=s.JobTitle.LEAD_EVENT_SPECIALIST))
    other = f.EmployeeFactory(name=payload("employee-two"))
    day = today + timedelta(days=5)
    posted = _keep(w, f.EventFactory(day=day, name=payload("sched-event-posted"), store_name=payload("store-name")))
    open_event = f.EventFactory(day=day, name=payload("sched-event-open"))
    w.open_event = open_event
    w.day = day
    _keep(
        w,
        f.ScheduleFactory(
            event=posted, employee=lead, start_at=_at(day, 9), override_reason=payload("override-reason")
        ),
        s.TimeOff.objects.create(employee=other, start_date=day, end_date=day, reason=payload("time-off-reason")),
        s.DateAvailability.objects.create(
            employee=other, date=day + timedelta(days=1), reason=payload("availability-reason")
        ),
        s.WeeklyAvailability.objects.create(employee=lead),
        s.RotationAssignment.objects.create(weekday=day.weekday(), rotation_type="primary_lead", employee=lead),
        s.RotationException.objects.create(
            date=day, rotation_type="primary_lead", employee=lead, reason=payload("rotation-reason")
        ),
        s.CompanyHoliday.objects.create(name=payload("holiday-name"), date=day + timedelta(days=20)),
        s.Attendance.objects.create(employee=lead, date=today, status="on_time", notes=payload("attendance-notes")),
        scheduling_settings_get(),
        s.CrossmarkAccount.objects.create(user=w.users["Coordinator"], username="coord", password="pw"),
        s.SyncRun.objects.create(),
        s.EdrReport.objects.create(
            event_number=posted.event_number,
            payload=EdrReport(
                event_number=posted.event_number,
                name=payload("edr-name"),
                date=day.isoformat(),
                status="Active",
                preparation=payload("edr-preparation"),
                portion="1 oz",
                items=[EdrItem("1001", "012345678905", payload("edr-item"))],
            ).as_dict(),
        ),
    )
    run = _keep(
        w,
        s.SchedulerRun.objects.create(
            as_of=timezone.now(), status="ready", candidates=2, proposed=1, failed=1, started_by=w.users["Coordinator"]
        ),
    )
    _keep(
        w,
        s.ScheduleProposal.objects.create(
            run=run, event=open_event, employee=other, start_at=_at(day, 10), note=payload("proposal-note")
        ),
    )
    s.ScheduleProposal.objects.create(
        run=run, event=posted, status="unplaced", failure_reason=payload("proposal-failure")
    )


def _seed_oncall(w, today):
    from oncall import models as o
    from oncall.services import override_create, schedule_generate
    from tests.oncall import factories as f

    team = _keep(w, f.TeamFactory(name=payload("team-name"), sms_template=payload("sms-template")))
    o.EscalationContact.objects.create(team=team, name=payload("escalation-name"), phone="+13125550100")
    first, second, _ = (
        f.MemberFactory(team=team, name=payload(f"member-{n}"), rotation_order=i)
        for i, n in enumerate(("one", "two", "three"))
    )
    _keep(w, first, f.ShiftFactory(team=team, name=payload("shift-name")))
    _keep(w, o.PhoneVerification.objects.get(member=first, phone=first.phone))
    schedule_generate(team=team, weeks=2, start=today - timedelta(days=today.weekday()))
    assignment = _keep(w, o.Assignment.objects.filter(team=team).order_by("starts_at").last())
    other = second if assignment.member_id != second.pk else first
    _keep(w, override_create(assignment=assignment, member=other, reason=payload("override-cover")))
    _keep(
        w,
        o.SmsMessage.objects.create(
            team=team,
            purpose="manual",
            idempotency_key="crawl:1",
            recipient_name=payload("sms-recipient"),
            recipient_phone=first.phone,
            body=payload("sms-body"),
            member=first,
        ),
    )


def _seed_expenses(w, owner, media_root):
    from expenses import models as e
    from expenses.services import import_draft_create
    from tests.expenses import factories as f

    restaurant = _keep(
        w,
        f.RestaurantFactory(
            user=owner, name=payload("restaurant-name"), notes=payload("restaurant-notes"), cuisine=payload("cuisine")
        ),
    )
    category = _keep(
        w, f.CategoryFactory(user=owner, name=payload("category-name"), description=payload("category-description"))
    )
    tag = _keep(w, f.TagFactory(user=owner))
    merchant = _keep(w, e.Merchant.objects.create(user=owner, name=payload("merchant-name"), short_name="Crawl"))
    _keep(w, e.LoyaltyAccount.objects.create(user=owner, program=payload("loyalty-program"), merchant=merchant))
    expense = _keep(
        w, f.ExpenseFactory(user=owner, restaurant=restaurant, category=category, notes=payload("expense-notes"))
    )
    e.ExpenseTag.objects.create(expense=expense, tag=tag)
    (media_root / "receipts").mkdir(parents=True, exist_ok=True)
    expense.receipt.save("receipt.pdf", ContentFile(b"%PDF-1.4 crawl"), save=True)
    w.trashed = f.ExpenseFactory(user=owner, restaurant=restaurant)
    w.trashed.soft_delete()
    csv = f"date,restaurant,amount,notes\n2025-03-05,{payload('import-restaurant')},9.99,x\n".encode()
    _keep(
        w,
        import_draft_create(user=owner, filename="crawl.csv", data=csv),
        e.ExpenseProfile.objects.create(user=owner, timezone="America/Chicago"),
    )


# --------------------------------------------------------------------------- URL patterns
FORMAT_SUFFIX = ("(?P<format>", "<drf_format_suffix:format>")
DEV_ONLY = ("media/",)  # static/media serving exists only with DEBUG


@dataclass
class Route:
    key: str  # the path as the doc shows it, e.g. /volunteers/people/<pk>/
    pattern: URLPattern
    kind: str  # page | api | admin | admin-model
    model: type | None = None  # api: the viewset's model; admin-model: the model


def _display(route: str) -> str:
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    names = iter(["object_id", "history_id"])
    route = re.sub(r"\([^)]*\)", lambda _: f"<{next(names)}>", route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\.", ".")


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


ADMIN_MODEL_PAGES = (
    "",
    "add/",
    "<object_id>/",
    "<object_id>/change/",
    "<object_id>/history/",
    "<object_id>/delete/",
    "<object_id>/history/<history_id>/",
)


def routes() -> list[Route]:
    """Every URL pattern, DRF format-suffix twins collapsed; a ModelAdmin's standard pages are one route."""
    admin_models = {f"/admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    out, grouped = [], set()
    for raw, pattern in _walk(get_resolver()):
        if any(s in raw for s in FORMAT_SUFFIX) or raw.lstrip("^").startswith(DEV_ONLY):
            continue
        key = _display(raw)
        base = next((b for b in admin_models if key.startswith(b) and key[len(b) :] in ADMIN_MODEL_PAGES), None)
        if base:
            if base not in grouped:
                grouped.add(base)
                out.append(Route(base, pattern, "admin-model", admin_models[base]))
            continue
        kind = "api" if key.startswith("/api/v1/") else "admin" if key.startswith("/admin/") else "page"
        out.append(Route(key, pattern, kind, _api_model(pattern) if kind == "api" else None))
    return out


def _api_model(pattern):
    cls = getattr(pattern.callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(cls, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    return getattr(meta, "model", None)


def api_methods(route: Route) -> list[str]:
    """The methods the matrix tries on an API route: GET, POST, and PATCH (else PUT) for edits."""
    callback = route.pattern.callback
    actions = getattr(callback, "actions", None)
    if actions is not None:
        supported = {m.upper() for m in actions}
    else:
        view = callback.view_class
        supported = {m.upper() for m in view.http_method_names if hasattr(view, m) and m != "options"}
    edit = "PATCH" if "PATCH" in supported else "PUT"
    return [m for m in ("GET", "POST", edit) if m in supported]


# --------------------------------------------------------------------------- filling path parameters
def _page_values(w) -> dict[str, dict[str, object]]:
    from expenses.models import Category, Expense, ImportDraft, Restaurant, Tag
    from oncall.models import Member, Team
    from scheduling.models import Employee, Schedule, ScheduleProposal, SchedulerRun
    from volunteers.models import Event, PathfulImport, School, TeacherProgress, Volunteer

    o = w.by_model
    day = w.day.isoformat()
    return {
        "/jobs/<pk>/": {"pk": w.job.pk},
        "/volunteers/people/<pk>/": {"pk": o[Volunteer].pk},
        "/volunteers/events/<pk>/": {"pk": o[Event].pk},
        "/volunteers/events/<pk>/candidates/": {"pk": o[Event].pk},
        "/volunteers/quality/checks/<pk>/": {"pk": w.quality_check.pk},
        "/volunteers/virtual/schools/<pk>/": {"pk": o[School].pk},
        "/volunteers/virtual/teachers/<pk>/": {"pk": o[TeacherProgress].pk},
        "/volunteers/virtual/imports/<pk>/": {"pk": o[PathfulImport].pk},
        "/volunteers/virtual/events/<pk>/attendance-detail/": {"pk": o[Event].pk},
        "/volunteers/virtual/my-progress/<token>/": {"token": "crawl-unknown-token"},
        "/scheduling/day/<day>/": {"day": day},
        "/scheduling/week/<day>/": {"day": day},
        "/scheduling/verify/<day>/": {"day": day},
        "/scheduling/events/<pk>/schedule/": {"pk": w.open_event.pk},
        "/scheduling/events/<pk>/type/": {"pk": w.open_event.pk},
        "/scheduling/events/<pk>/find/": {"pk": w.open_event.pk},
        "/scheduling/schedules/<pk>/reschedule/": {"pk": o[Schedule].pk},
        "/scheduling/schedules/<pk>/reassign/": {"pk": o[Schedule].pk},
        "/scheduling/schedules/<pk>/swap/": {"pk": o[Schedule].pk},
        "/scheduling/schedules/<pk>/unschedule/": {"pk": o[Schedule].pk},
        "/scheduling/employees/<pk>/": {"pk": o[Employee].pk},
        "/scheduling/employees/<pk>/edit/": {"pk": o[Employee].pk},
        "/scheduling/employees/<pk>/weekly/": {"pk": o[Employee].pk},
        "/scheduling/employees/<pk>/schedule.pdf": {"pk": o[Employee].pk},
        "/scheduling/auto/<pk>/": {"pk": o[SchedulerRun].pk},
        "/scheduling/auto/<pk>/<action>/": {"pk": o[SchedulerRun].pk, "action": "reject"},
        "/scheduling/auto/proposals/<pk>/edit/": {"pk": o[ScheduleProposal].pk},
        "/scheduling/paperwork/daily/<day>.pdf": {"day": day},
        "/scheduling/paperwork/weekly/<day>.pdf": {"day": day},
        "/oncall/feeds/team/<token>.ics": {"token": o[Team].feed_token},
        "/oncall/feeds/member/<token>.ics": {"token": o[Member].feed_token},
        "/expenses/<pk>/": {"pk": o[Expense].pk},
        "/expenses/<pk>/edit/": {"pk": o[Expense].pk},
        "/expenses/<pk>/delete/": {"pk": o[Expense].pk},
        "/expenses/<pk>/restore/": {"pk": w.trashed.pk},
        "/expenses/<pk>/receipt/": {"pk": o[Expense].pk},
        "/expenses/restaurants/<pk>/": {"pk": o[Restaurant].pk},
        "/expenses/restaurants/<pk>/edit/": {"pk": o[Restaurant].pk},
        "/expenses/restaurants/<pk>/delete/": {"pk": o[Restaurant].pk},
        "/expenses/categories/<pk>/delete/": {"pk": o[Category].pk},
        "/expenses/tags/<pk>/delete/": {"pk": o[Tag].pk},
        "/expenses/import/<pk>/": {"pk": o[ImportDraft].pk},
        "/bugs/<pk>/resolve/": {"pk": w.bug_report.pk},
        "/bugs/<pk>/delete/": {"pk": w.bug_report.pk},
        "/volunteers/public/<slug>/events/<pk>/signup/": {"slug": "crawl", "pk": w.public_event.pk},
        "/volunteers/public/signups/<token>/confirm/": {"token": w.signup_token},
        "/volunteers/public/signups/<token>/cancel/": {"token": w.signup_token},
        "/api/v1/public/districts/<slug>/events/": {"slug": "crawl"},
        "/api/v1/public/districts/<slug>/events/<pk>/": {"slug": "crawl", "pk": w.public_event.pk},
    }


def _admin_values(w) -> dict[str, dict[str, object]]:
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from volunteers.models import Volunteer
    from volunteers.partners.models import DistrictPartner

    volunteer = w.by_model[Volunteer]
    return {
        "/admin/auth/user/<id>/password/": {"id": w.by_model[get_user_model()].pk},
        "/admin/otp_totp/totpdevice/<pk>/config/": {"pk": w.by_model[TOTPDevice].pk},
        "/admin/otp_totp/totpdevice/<pk>/qrcode/": {"pk": w.by_model[TOTPDevice].pk},
        "/admin/r/<content_type_id>/<object_id>/": {
            "content_type_id": ContentType.objects.get_for_model(Volunteer).pk,
            "object_id": volunteer.pk,
        },
        "/admin/<url>": {"url": "no-such-page/"},
        "/admin/<app_label>/": {"app_label": "volunteers"},
        "/admin/partners/districtpartner/<pk>/new-key/": {"pk": w.by_model[DistrictPartner].pk},
    }


def fill(key: str, values: dict[str, object]) -> str:
    url = re.sub(r"<(\w+)>", lambda m: str(values[m.group(1)]), key)
    assert "<" not in url, key
    return url


def url_for(route: Route, w) -> str:
    """A concrete URL for a non-admin-model route, its parameters taken from the seeded world."""
    if "<" not in route.key:
        return route.key
    pages = _page_values(w)
    if route.kind == "api" and route.key not in pages:
        return fill(route.key, {"pk": w.by_model[route.model].pk})
    table = pages if route.kind in ("page", "api") else _admin_values(w)
    return fill(route.key, table[route.key])


# --------------------------------------------------------------------------- requests and outcomes
def queries(w) -> dict[str, str]:
    """Query strings that make a GET meaningful (valid report parameters and the like)."""
    from oncall.models import Team
    from volunteers.models import District

    team, district = w.by_model[Team].pk, w.by_model[District].pk
    year = "start=2000-01-01&end=2099-12-31"
    return {
        "/api/v1/volunteers/reports/thank-you/": year,
        "/api/v1/volunteers/reports/first-time/": year,
        "/api/v1/volunteers/reports/organizations/": f"year={w.academic_year}",
        "/api/v1/volunteers/reports/district-year-end/": f"district={district}&year={w.academic_year}",
        "/volunteers/reports/district-year-end/": f"district={district}&year={w.academic_year}",
        "/volunteers/virtual/": f"district={district}&year={w.academic_year}",
        "/volunteers/virtual/export/": f"district={district}&year={w.academic_year}",
        "/api/v1/scheduling/schedules/verification/": f"date={w.day.isoformat()}",
        "/api/v1/oncall/now/": f"team={team}",
        "/api/v1/oncall/settings/": f"team={team}",
        "/api/v1/expenses/places/search/": "q=taco",
        "/api/v1/expenses/places/details/": f"place_id={w.place_id}",
        "/admin/autocomplete/": "app_label=volunteers&model_name=affiliation&field_name=organization",
    }


_ID = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})(?=/|\.)")
_DAY = re.compile(r"/\d{4}-\d{2}-\d{2}(?=/|\.)")


def outcome(client, response) -> str:
    """200, 403, … or a redirect: "→ login", "→ home", else "→ <path>" with ids as <pk>, dates as <day>."""
    if response.status_code not in (301, 302, 303):
        return str(response.status_code)
    location = response["Location"]
    if location.startswith("/admin/login/"):  # the admin hands over to the site's login
        return outcome(client, client.get(location))
    if location.startswith("/accounts/login/"):
        return "→ login"
    path = location.split("?", 1)[0]
    return "→ home" if path == "/" else "→ " + _ID.sub("/<pk>", _DAY.sub("/<day>", path))


def bodies(w) -> dict[str, dict]:
    """Request bodies where an empty one would stop before the permission check is reached."""
    from volunteers.models import DataQualityFlag, Volunteer

    return {
        "/api/v1/jobs/": {"kind": "platform.purge_jobs"},
        "/volunteers/events/<pk>/candidates/": {"volunteer": w.by_model[Volunteer].pk},
        "/volunteers/quality/flags/": {"flag": w.by_model[DataQualityFlag].pk, "action": "dismiss"},
        "/volunteers/reports/email/": {
            "report": "thank-you",
            "format": "pdf",
            "query": "start=2000-01-01&end=2099-12-31",
        },
    }


def call(client, method: str, url: str, route: Route, w):
    if method == "GET":
        return client.get(url)
    body = bodies(w).get(route.key, {})
    if route.kind == "api":
        return client.generic(method, url, data=json.dumps(body), content_type="application/json")
    return client.post(url, body)


def admin_model_cell(client, route: Route, w) -> str:
    """A persona's rights on one model in the admin: "→ login", "403", "all" or some of view, add,
    change, delete. Read from the changelist, add and change pages (the change page shows Save
    and Delete only with those rights); anything irregular is spelled out page by page."""
    pk = w.by_model[route.model].pk
    got = {}
    for name, url in (("changelist", route.key), ("add", f"{route.key}add/"), ("change", f"{route.key}{pk}/change/")):
        response = client.get(url)
        got[name] = outcome(client, response)
        if name == "change" and got[name] == "200":
            got["save"] = b'name="_save"' in response.content
            got["delete"] = b'class="deletelink"' in response.content
    if set(got.values()) in ({"→ login"}, {"403"}):
        return got["changelist"]
    actions = [
        a
        for a, ok in (
            ("view", got["changelist"] == "200"),
            ("add", got["add"] == "200"),
            ("change", got.get("save")),
            ("delete", got.get("delete")),
        )
        if ok
    ]
    regular = {
        "changelist": "200",
        "add": "200" if "add" in actions else "403",
        "change": "200",
        "save": "change" in actions,
        "delete": "delete" in actions,
    }
    if got == regular:
        return "all" if len(actions) == 4 else ", ".join(actions)
    return "; ".join(f"{k} {v}" for k, v in got.items())


class _StubDocument:
    def write_pdf(self, *args, **kwargs) -> bytes:
        return b"%PDF-1.7 (layout skipped in the URL crawl)"


@contextmanager
def light_work():
    """Within the crawl, background jobs are queued but not run and PDFs skip WeasyPrint's layout
    (the templates still render): the crawl is about who may reach what, and stays fast."""
    with (
        patch("celery.app.task.Task.apply_async"),
        patch("weasyprint.HTML.render", return_value=_StubDocument()),
        patch("weasyprint.HTML.write_pdf", _StubDocument.write_pdf),
    ):
        yield


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded world for one test module, rolled back at its end (import it into the module)."""
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with light_work(), django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast):
        with transaction.atomic():
            world = seed(media)
            world.keys = sessions(world)
            yield world
            transaction.set_rollback(True)


# --------------------------------------------------------------------------- personas' clients
def sessions(w) -> dict[str, str]:
    """A session key per persona (made once), so that each test's clients log in without writes."""
    keys = {}
    for persona, user in w.users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            keys[persona] = client.session.session_key
    return keys


@cache
def _handler() -> ClientHandler:
    return ClientHandler(enforce_csrf_checks=False)


def client_for(persona: str, keys: dict[str, str]) -> Client:
    """A fresh client (own cookies) sharing one request handler: a new handler would load the
    middleware again, and WhiteNoise scans every static file when it starts."""
    client = Client()
    client.handler = _handler()
    if persona in keys:
        client.cookies[settings.SESSION_COOKIE_NAME] = keys[persona]
    return client


def observe(route: Route, methods: list[str], w, client) -> str:
    """One cell of the matrix: the outcome of each method, joined with " / "."""
    if route.kind == "admin-model":
        return admin_model_cell(client, route, w)
    url = url_for(route, w)
    query = queries(w).get(route.key)
    outs = []
    for method in methods:
        with transaction.atomic():  # each request starts from the seeded world
            response = call(client, method, f"{url}?{query}" if query and method == "GET" else url, route, w)
            outs.append(outcome(client, response))
            transaction.set_rollback(True)
    return " / ".join(outs)


# --------------------------------------------------------------------------- the doc's table
@dataclass
class Row:
    key: str
    methods: list[str]  # ["model pages"] for a model's admin row
    cells: dict[str, str]


def doc_rows() -> list[Row]:
    """The rows of docs/permissions.md, section "Every URL, role by role" (all its sub-tables)."""
    text = DOC.read_text()
    if SECTION not in text:
        return []
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(
                Row(
                    cells[0].strip("`"),
                    [m.strip() for m in cells[1].split(",")],
                    dict(zip(PERSONAS, cells[2:], strict=True)),
                )
            )
    return rows
