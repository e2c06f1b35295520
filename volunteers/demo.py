"""Demo data: districts, schools, organizations, volunteers, teachers, students and events across
two academic years with participations. Deterministic and idempotent (a second run changes
nothing). `scale` multiplies volunteers, events and participations for benchmarks; it comes from
`load_volunteers_demo --scale N` or the VOLUNTEERS_DEMO_SCALE setting for `load_demo_data`."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from . import rules
from .models import (
    Affiliation,
    CancellationReason,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    District,
    Event,
    EventFormat,
    EventStatus,
    EventType,
    Organization,
    OrganizationAlias,
    ParticipationStatus,
    RecruitmentNote,
    School,
    SchoolAlias,
    SchoolLevel,
    Skill,
    Student,
    StudentParticipation,
    Teacher,
    TeacherParticipation,
    ViewerDistrict,
    Volunteer,
    VolunteerParticipation,
    VolunteerSkill,
)
from .search import search_text_refresh
from .services import event_counts_refresh, volunteer_stats_refresh
from .virtual import demo as virtual_demo

MARKER_DISTRICT = "Riverside Unified"
BASE_VOLUNTEERS = 300
BASE_EVENTS = 80

DISTRICTS = {
    "Riverside Unified": [
        ("Riverside High", SchoolLevel.HIGH),
        ("Riverside Middle", SchoolLevel.MIDDLE),
        ("Oak Park Elementary", SchoolLevel.ELEMENTARY),
        ("Maple Elementary", SchoolLevel.ELEMENTARY),
    ],
    "Prairie Valley Schools": [
        ("Prairie Valley High", SchoolLevel.HIGH),
        ("Prairie Valley Middle", SchoolLevel.MIDDLE),
        ("Sunflower Elementary", SchoolLevel.ELEMENTARY),
    ],
    "Northgate District": [("Northgate High", SchoolLevel.HIGH), ("Northgate Academy", SchoolLevel.MIDDLE)],
}
ORGANIZATIONS = [
    ("Heartland Bank", Organization.Kind.BUSINESS, "Banking", ["Heartland Bank & Trust"]),
    ("Prairie Health System", Organization.Kind.NONPROFIT, "Healthcare", ["Prairie Health"]),
    ("Riverbend Engineering", Organization.Kind.BUSINESS, "Engineering", []),
    ("Midtown Software", Organization.Kind.BUSINESS, "Software", ["Midtown Soft"]),
    ("City of Riverside", Organization.Kind.GOVERNMENT, "Public administration", []),
    ("Gateway Logistics", Organization.Kind.BUSINESS, "Logistics", []),
    ("Union Station Museum", Organization.Kind.NONPROFIT, "Arts and culture", []),
    ("Westport Architects", Organization.Kind.BUSINESS, "Architecture", []),
    ("Blue River Energy", Organization.Kind.BUSINESS, "Energy", ["BRE"]),
    ("Northland Community College", Organization.Kind.EDUCATION, "Education", []),
    ("Summit Law Group", Organization.Kind.BUSINESS, "Legal", []),
    ("Fountain Media", Organization.Kind.BUSINESS, "Media", []),
]
SKILLS = [
    "Software development",
    "Robotics",
    "Nursing",
    "Accounting",
    "Public speaking",
    "Marketing",
    "Civil engineering",
    "Graphic design",
    "Law",
    "Data analysis",
    "Welding",
    "Entrepreneurship",
    "Architecture",
    "Finance",
    "Mentoring",
]
TITLES = [
    ("Software Engineer", "Engineering"),
    ("Registered Nurse", "Emergency"),
    ("Accountant", "Finance"),
    ("Project Manager", "Operations"),
    ("Marketing Director", "Marketing"),
    ("Civil Engineer", "Infrastructure"),
    ("Attorney", "Litigation"),
    ("Data Analyst", "Analytics"),
    ("Graphic Designer", "Creative"),
    ("Branch Manager", "Retail Banking"),
    ("Architect", "Design"),
    ("Electrician", "Facilities"),
    ("HR Business Partner", "People"),
    ("Financial Advisor", "Wealth Management"),
]
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Maria",
    "James",
    "Aisha",
    "Chen",
    "Luis",
    "Priya",
    "Noah",
    "Emma",
    "Olivia",
    "Liam",
    "Sofia",
    "Mateo",
    "Zoe",
    "Ethan",
    "Amara",
    "Kenji",
    "Hannah",
    "Omar",
    "Isla",
    "Diego",
    "Fatima",
    "Jonah",
    "Leah",
    "Samuel",
    "Nadia",
    "Theo",
    "Rosa",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Garcia",
    "Johnson",
    "Khan",
    "Wang",
    "Martinez",
    "Patel",
    "Smith",
    "Brown",
    "Nguyen",
    "Okafor",
    "Rossi",
    "Schmidt",
    "Kowalski",
    "Haddad",
    "Van der Berg",
    "O'Neil",
    "Ito",
    "Mensah",
    "Larsen",
    "Silva",
    "Cohen",
    "Dubois",
    "Fischer",
    "Moreno",
    "Ahmed",
    "Park",
    "Reyes",
]
ZIPS = ["64108", "64111", "64114", "66061", "66101", "64501", "67002", "66210", "10001", "64015"]
TYPE_WEIGHTS = [
    (EventType.CAREER_SPEAKER, 5),
    (EventType.VIRTUAL_SESSION, 5),
    (EventType.CAREER_FAIR, 2),
    (EventType.CAREER_JUMPING, 2),
    (EventType.DIA, 1),
    (EventType.MATH_RELAYS, 1),
    (EventType.WORKPLACE_VISIT, 1),
    (EventType.HEALTHSTART, 1),
    (EventType.BFI, 1),
    (EventType.MENTORING, 1),
]


def _scale_setting() -> int:
    return max(1, int(getattr(settings, "VOLUNTEERS_DEMO_SCALE", 1)))


def load(*, stdout, scale: int | None = None) -> None:
    scale = scale or _scale_setting()
    if District.objects.filter(name=MARKER_DISTRICT).exists():
        stdout.write("  volunteers demo data already present")
        virtual_demo.load(stdout=stdout, district_name=MARKER_DISTRICT)
        return
    generate(scale=scale, seed=2025)
    viewer = get_user_model().objects.filter(username="viewer").first()
    if viewer is not None:
        ViewerDistrict.objects.get_or_create(user=viewer, district=District.objects.get(name=MARKER_DISTRICT))
    stdout.write(
        f"  volunteers demo: {Volunteer.objects.count()} volunteers, {Event.objects.count()} events, "
        f"{VolunteerParticipation.objects.count()} participations"
    )
    virtual_demo.load(stdout=stdout, district_name=MARKER_DISTRICT)


# --------------------------------------------------------------------------- bulk helpers
def bulk_create_contacts(model, objs: list, *, batch_size: int = 1000) -> list:
    """bulk_create for a multi-table child of Contact (Django's bulk_create refuses MTI): insert
    the Contact rows, then the child rows pointing at them. No history rows (bulk load only)."""
    parent_fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
    child_fields = list(model._meta.local_concrete_fields)
    for obj in objs:
        obj.kind = model.CONTACT_KIND
        if obj.created_at is None:
            obj.created_at = timezone.now()
        obj.updated_at = timezone.now()
    for start in range(0, len(objs), batch_size):
        chunk = objs[start : start + batch_size]
        parents = Contact.objects.bulk_create(
            [Contact(**{f.attname: getattr(o, f.attname) for f in parent_fields}) for o in chunk]
        )
        for obj, parent in zip(chunk, parents, strict=True):
            obj.pk = obj.id = obj.contact_ptr_id = parent.pk
        model.objects._insert(chunk, fields=child_fields, using="default")
    return objs


def _day(d, hour) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(hour, 0)))


# --------------------------------------------------------------------------- generator
def generate(*, scale: int = 1, seed: int = 2025, today=None) -> None:
    rnd = random.Random(seed)  # noqa: S311 - seeded demo data, not security
    today = today or timezone.localdate()
    districts, schools = {}, []
    for name, school_list in DISTRICTS.items():
        district = District.objects.create(name=name, code=name[:3].upper())
        districts[name] = district
        for school_name, level in school_list:
            schools.append(School.objects.create(name=school_name, district=district, level=level))
    SchoolAlias.objects.create(school=schools[0], name="RHS")
    orgs = []
    for name, kind, _industry, aliases in ORGANIZATIONS:
        org = Organization.objects.create(name=name, kind=kind, city="Riverside", state="MO")
        orgs.append(org)
        for alias in aliases:
            OrganizationAlias.objects.create(organization=org, name=alias)
    industry_of = {o.pk: ORGANIZATIONS[i][2] for i, o in enumerate(orgs)}
    skills = [Skill.objects.create(name=s) for s in SKILLS]

    # Volunteers (+ email, address, affiliation, skills)
    n_vol = BASE_VOLUNTEERS * scale
    volunteers = []
    for i in range(n_vol):
        title, dept = rnd.choice(TITLES)
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        status = rnd.choices(
            [Volunteer.Status.ACTIVE, Volunteer.Status.INACTIVE, Volunteer.Status.ON_HOLD], [90, 7, 3]
        )[0]
        volunteers.append(
            Volunteer(
                first_name=first,
                last_name=last,
                title=title,
                department=dept,
                status=status,
                do_not_contact=rnd.random() < 0.03,
                email_opt_out=rnd.random() < 0.04,
                exclude_from_reports=rnd.random() < 0.01,
                gender=rnd.choice(["female", "male", "", "non_binary"]),
                salesforce_id=f"003DEMO{seed % 100:02d}{i:09d}"[:18] if rnd.random() < 0.8 else None,
            )
        )
    bulk_create_contacts(Volunteer, volunteers)
    emails, addresses, affiliations, vskills = [], [], [], []
    for i, v in enumerate(volunteers):
        slug = f"{v.first_name}.{v.last_name}".lower().replace(" ", "").replace("'", "")
        emails.append(
            ContactEmail(contact_id=v.pk, email=f"{slug}{i}@example.org", is_primary=True, kind=ContactEmail.Kind.WORK)
        )
        zip_code = rnd.choice(ZIPS)
        addresses.append(
            ContactAddress(contact_id=v.pk, city="Riverside", state="MO", postal_code=zip_code, is_primary=True)
        )
        v.local_status = rules.local_status_from_zip(zip_code)
        org = rnd.choice(orgs)
        v.industry = industry_of[org.pk]
        affiliations.append(
            Affiliation(
                volunteer_id=v.pk,
                organization=org,
                is_primary=True,
                role=v.title,
                start_date=today - timedelta(days=rnd.randint(100, 3000)),
            )
        )
        if rnd.random() < 0.15:
            other = rnd.choice([o for o in orgs if o != org])
            affiliations.append(Affiliation(volunteer_id=v.pk, organization=other, status=Affiliation.Status.PAST))
        for skill in rnd.sample(skills, rnd.randint(1, 3)):
            vskills.append(VolunteerSkill(volunteer_id=v.pk, skill=skill))
    ContactEmail.objects.bulk_create(emails, batch_size=2000)
    ContactAddress.objects.bulk_create(addresses, batch_size=2000)
    Affiliation.objects.bulk_create(affiliations, batch_size=2000)
    VolunteerSkill.objects.bulk_create(vskills, batch_size=2000)
    Volunteer.objects.bulk_update(volunteers, ["local_status", "industry"], batch_size=2000)
    search_text_refresh([v.pk for v in volunteers])

    # Teachers and students
    teachers = bulk_create_contacts(
        Teacher,
        [
            Teacher(first_name=rnd.choice(FIRST), last_name=rnd.choice(LAST), school=rnd.choice(schools))
            for _ in range(12 * len(schools))
        ],
    )
    students = bulk_create_contacts(
        Student,
        [
            Student(
                first_name=rnd.choice(FIRST),
                last_name=rnd.choice(LAST),
                school=rnd.choice(schools),
                current_grade=rnd.randint(3, 12),
                local_student_id=f"S{i:07d}",
            )
            for i in range(60 * len(schools) * min(scale, 20))
        ],
    )
    students_by_school: dict[int, list] = {}
    for s in students:
        students_by_school.setdefault(s.school_id, []).append(s)
    teachers_by_school: dict[int, list] = {}
    for t in teachers:
        teachers_by_school.setdefault(t.school_id, []).append(t)

    # Events over two academic years (previous and current) plus the next two months.
    first_day = rules.academic_year_bounds(rules.academic_year_of(today) - 1)[0]
    span = (today + timedelta(days=60) - first_day).days
    types, weights = zip(*TYPE_WEIGHTS, strict=True)
    events, event_schools = [], []
    n_events = BASE_EVENTS * scale
    for i in range(n_events):
        day = first_day + timedelta(days=rnd.randint(0, span))
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        event_type = rnd.choices(types, weights)[0]
        fmt = EventFormat.VIRTUAL if event_type == EventType.VIRTUAL_SESSION else EventFormat.IN_PERSON
        school = rnd.choice(schools)
        past = day < today
        if past:
            status = rnd.choices([EventStatus.COMPLETED, EventStatus.CANCELLED, EventStatus.NO_SHOW], [88, 9, 3])[0]
        else:
            status = rnd.choice(
                [EventStatus.CONFIRMED, EventStatus.PUBLISHED, EventStatus.REQUESTED, EventStatus.DRAFT]
            )
        reason, notes = "", ""
        if status == EventStatus.CANCELLED:
            reason = rnd.choice([c for c in CancellationReason.values if c])
            notes = "Rescheduled after the school changed its calendar." if reason == CancellationReason.OTHER else ""
        duration = rnd.choice([60, 90, 120, 180])
        start = _day(day, rnd.choice([8, 9, 10, 13]))
        label = dict(EventType.choices)[event_type]
        topic = rnd.choice(SKILLS)
        events.append(
            Event(
                title=f"{label}: {topic} at {school.name}" if fmt == EventFormat.IN_PERSON else f"Virtual: {topic}",
                event_type=event_type,
                format=fmt,
                status=status,
                cancellation_reason=reason,
                cancellation_notes=notes,
                start=start,
                end=start + timedelta(minutes=duration),
                duration_minutes=duration,
                school=school if fmt == EventFormat.IN_PERSON else None,
                volunteers_needed=rnd.randint(2, 10),
                location=school.name if fmt == EventFormat.IN_PERSON else "Online",
                salesforce_id=f"a0SDEMO{i:011d}"[:18],
                status_source=dict(EventStatus.choices)[status],
            )
        )
        event_schools.append((school, topic))
    Event.objects.bulk_create(events, batch_size=1000)
    district_links, skill_links = [], []
    skill_by_name = {s.name: s for s in skills}
    for event, (school, topic) in zip(events, event_schools, strict=True):
        district_links.append(Event.districts.through(event_id=event.pk, district_id=school.district_id))
        skill_links.append(Event.skills.through(event_id=event.pk, skill_id=skill_by_name[topic].pk))
    Event.districts.through.objects.bulk_create(district_links, batch_size=2000)
    Event.skills.through.objects.bulk_create(skill_links, batch_size=2000)

    # Participations: regulars volunteer often, most people a few times.
    weights_v = [rnd.paretovariate(2.5) for _ in volunteers]
    vparts, sparts, tparts = [], [], []
    for event, (school, _topic) in zip(events, event_schools, strict=True):
        if event.status == EventStatus.DRAFT:
            continue
        chosen = {v.pk: v for v in rnd.choices(volunteers, weights_v, k=rnd.randint(3, 10))}
        hours = Decimal(event.duration_minutes) / 60
        for v in chosen.values():
            if event.status == EventStatus.COMPLETED:
                status = rnd.choices([ParticipationStatus.ATTENDED, ParticipationStatus.NO_SHOW], [92, 8])[0]
            elif event.status == EventStatus.CANCELLED:
                status = ParticipationStatus.CANCELLED
            elif event.status == EventStatus.NO_SHOW:
                status = ParticipationStatus.NO_SHOW
            else:
                status = ParticipationStatus.REGISTERED
            source = {
                "attended": rnd.choice(["Attended", "Completed", "Successfully Completed"]),
                "no_show": "No-Show",
                "cancelled": "Cancelled",
                "registered": "Registered",
            }[status]
            vparts.append(
                VolunteerParticipation(
                    event=event,
                    volunteer_id=v.pk,
                    status=status,
                    status_source=source,
                    delivery_hours=hours.quantize(Decimal("0.01")) if status == ParticipationStatus.ATTENDED else None,
                )
            )
        if event.status != EventStatus.COMPLETED:
            continue
        if event.format == EventFormat.IN_PERSON:
            pool = students_by_school.get(school.pk, [])
            for s in rnd.sample(pool, min(len(pool), rnd.randint(10, 25))):
                sparts.append(
                    StudentParticipation(
                        event=event, student_id=s.pk, status_source="Attended", status=ParticipationStatus.ATTENDED
                    )
                )
        else:
            pool = teachers_by_school.get(school.pk, [])
            for t in rnd.sample(pool, min(len(pool), rnd.randint(1, 4))):
                tparts.append(
                    TeacherParticipation(
                        event=event, teacher_id=t.pk, status_source="Attended", status=ParticipationStatus.ATTENDED
                    )
                )
            event.districts.add(school.district_id)
    VolunteerParticipation.objects.bulk_create(vparts, batch_size=2000)
    StudentParticipation.objects.bulk_create(sparts, batch_size=2000)
    TeacherParticipation.objects.bulk_create(tparts, batch_size=2000)

    _refresh_counts(events)
    ids = [v.pk for v in volunteers]
    for start in range(0, len(ids), 5000):
        volunteer_stats_refresh(volunteer_ids=ids[start : start + 5000])

    # A little history and recruitment activity for the profile pages.
    now = timezone.now()
    author = get_user_model().objects.filter(username="coordinator").first()
    history, notes = [], []
    for v in rnd.sample(volunteers, min(60, len(volunteers))):
        history.append(
            ContactHistory(
                contact_id=v.pk,
                kind=ContactHistory.Kind.EMAIL,
                subject="Thank you for volunteering",
                body="Sent the thank-you letter and photos.",
                author=author,
                occurred_at=now - timedelta(days=rnd.randint(1, 300)),
            )
        )
        if rnd.random() < 0.4:
            notes.append(
                RecruitmentNote(
                    volunteer_id=v.pk,
                    outcome=rnd.choice(RecruitmentNote.Outcome.values),
                    note="Asked about spring career fairs.",
                    author=author,
                )
            )
    ContactHistory.objects.bulk_create(history)
    RecruitmentNote.objects.bulk_create(notes)


def _refresh_counts(events: list[Event]) -> None:
    event_counts_refresh(event_ids=[event.pk for event in events], students=True)
    # Educators attending: counted from the demo's teacher participations (typed figures elsewhere).
    educators = Event.objects.annotate(n=Count("teacher_participations")).values_list("pk", "n")
    Event.objects.bulk_update(
        [Event(pk=pk, attended_educator_count=n) for pk, n in educators], ["attended_educator_count"], batch_size=2000
    )
