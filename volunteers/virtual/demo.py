"""Demo data of the teacher programme: a district whose teachers are at every status, a Pathful
import in the log (through the real import), two unmatched rows and one override. Idempotent."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from .. import rules
from ..models import (
    ContactEmail,
    District,
    Event,
    EventFormat,
    PathfulImport,
    Teacher,
    TeacherProgress,
    Volunteer,
)
from . import progress, services
from .importing import partner_configured, pathful_import_run

DEMO_FILE = "demo-pathful-sessions.csv"
HEADER = ["Session ID", "Title", "Date", "Status", "Duration", "SignUp Role", "Name", "Email", "School", "Partner"]
TITLES = ["Careers in Health Care", "Engineering Day", "Life as a Pilot", "Coding for Kids", "Meet a Vet"]


def _when(day, hour=10) -> str:
    return datetime.combine(day, time(hour, 0)).strftime("%Y-%m-%d %H:%M")


def load(*, stdout, district_name: str, today=None) -> None:
    if PathfulImport.objects.filter(filename=DEMO_FILE).exists():
        stdout.write("  teacher programme demo already present")
        return
    district = District.objects.filter(name=district_name).first()
    if district is None:
        return
    today = today or timezone.localdate()
    year = rules.academic_year_of(today)
    first_day = rules.academic_year_bounds(year)[0]
    teachers = list(
        Teacher.objects.filter(school__district=district, status=Teacher.Status.ACTIVE).select_related("school")[:12]
    )
    presenters = list(Volunteer.objects.order_by("pk")[:5])
    if len(teachers) < 8 or not presenters:
        return
    for n, teacher in enumerate(teachers, start=1):
        ContactEmail.objects.get_or_create(
            contact=teacher, email=f"teacher{n}@riverside.example.org", defaults={"is_primary": True}
        )
    partner = partner_configured() or "PREP-KC"
    rows, sid = [], 7000

    def session(status, day, teacher_names, presenter):
        nonlocal sid
        sid += 1
        title = TITLES[sid % len(TITLES)]
        school = teachers[0].school.name
        for name, email in teacher_names:
            rows.append([f"PF-{sid}", title, _when(day), status, "45", "Educator", name, email, school, partner])
        name, email = presenter
        rows.append([f"PF-{sid}", title, _when(day), status, "45", "Professional", name, email, school, partner])

    def past(days):
        return max(first_day, today - timedelta(days=days))

    names = [(t.full_name, f"teacher{n}@riverside.example.org") for n, t in enumerate(teachers, start=1)]
    emails = dict(
        ContactEmail.objects.filter(contact__in=presenters, is_primary=True).values_list("contact_id", "email")
    )
    presenter_names = [(p.full_name, emails.get(p.pk, "")) for p in presenters]
    # achieved: teachers 0-3 completed a session; in progress: 4-5 have one planned; 6 was a no-show;
    # 7+ have nothing (not started), one of them gets an override below.
    session("Completed", past(20), names[0:2], presenter_names[0])
    session("Completed", past(12), names[2:4], presenter_names[1])
    session("Published", today + timedelta(days=14), names[4:6], presenter_names[2])
    session("Teacher No-Show", past(8), names[6:7], presenter_names[3])
    session("Teacher Cancelled", past(5), names[7:8], presenter_names[4])
    session("Completed", past(3), [("Jordan Unknownly", "")], ("Casey Nobody-Known", ""))  # the two unmatched rows
    rows.append(["PF-DRAFT", "Idea: Space Week", "", "Draft", "", "Educator", *names[0], "", partner])
    rows.append(
        [
            "PF-OTHER",
            "Another partner's session",
            _when(past(2)),
            "Completed",
            "45",
            "Educator",
            names[1],
            "",
            "",
            "OTHER",
        ]
    )

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    log = PathfulImport(filename=DEMO_FILE, imported_by=admin)
    log.upload.save("demo-pathful.csv", ContentFile(out.getvalue().encode()), save=False)
    log.save()
    log = pathful_import_run(import_id=log.pk)
    progress.teacher_progress_ensure(teacher_ids=[t.pk for t in teachers], academic_years=[year])

    # one override: a teacher with no session was at the cancelled one's replacement, per the school
    cancelled = Event.objects.filter(pathful__session_id="PF-7005").first()
    record = TeacherProgress.objects.filter(teacher=teachers[7], academic_year=year).first()
    if cancelled is not None and record is not None:
        services.override_add(
            progress=record,
            event=cancelled,
            action="add",
            reason="Held the next day in the library; the school confirmed attendance.",
            user=admin,
        )
    in_person = Event.objects.filter(format=EventFormat.IN_PERSON, districts=district).order_by("pk").first()
    if in_person is not None:
        services.attendance_detail_set(event=in_person, classrooms=6, rotations=3, total_students=150)
    stdout.write(
        f"  teacher programme demo: {TeacherProgress.objects.filter(academic_year=year).count()} teachers tracked, "
        f"import {log.filename}: {log.events_created} sessions, {log.unmatched} unmatched"
    )
