"""Volunteers domain: contacts (volunteers, teachers, students), organizations, geography,
events, participations, history and recruitment notes.

Every model Salesforce syncs has a nullable unique `salesforce_id` and `last_synced_at`, so the
sync can upsert by Salesforce id; local-only fields (notes, local status, exclusions) are
marked in `LOCAL_ONLY_FIELDS` and never written by the sync.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Lower, Trim
from django.db.models.lookups import GreaterThanOrEqual

from project.models import AuditedModel, SoftDeleteModel

from .. import rules


class Synced(models.Model):
    salesforce_id = models.CharField(
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text="Salesforce record id; empty for rows created in Crewbase.",
    )
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


# --------------------------------------------------------------------------- geography
class District(Synced, AuditedModel):
    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchoolLevel(models.TextChoices):
    ELEMENTARY = "elementary", "Elementary"
    MIDDLE = "middle", "Middle"
    HIGH = "high", "High"
    OTHER = "other", "Other"


class School(Synced, AuditedModel):
    name = models.CharField(max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    level = models.CharField(max_length=12, choices=SchoolLevel.choices, default=SchoolLevel.OTHER)
    code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="school_unique_name_per_district")]

    def __str__(self):
        return self.name


class SchoolAlias(AuditedModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "school aliases"

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------- organizations
class Organization(Synced, AuditedModel):
    class Kind(models.TextChoices):
        BUSINESS = "business", "Business"
        NONPROFIT = "nonprofit", "Non-profit"
        GOVERNMENT = "government", "Government"
        EDUCATION = "education", "Education"
        OTHER = "other", "Other"

    name = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    kind_source = models.CharField(max_length=100, blank=True, help_text="Type as received from the source system.")
    description = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    last_activity_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationAlias(AuditedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=255, unique=True)
    is_auto_generated = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "organization aliases"

    def __str__(self):
        return self.name


class Skill(AuditedModel):
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="skill_unique_name_ci")]

    def __str__(self):
        return self.name


class SchoolClass(Synced, AuditedModel):
    """A class cohort of a school (Salesforce `Class__c`), e.g. "Class of 2028"."""

    name = models.CharField(max_length=200)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="classes")
    class_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["school__name", "name"]
        verbose_name_plural = "school classes"

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------- contacts
class Contact(Synced, AuditedModel):
    """Base of the contact hierarchy (multi-table inheritance: Volunteer, Teacher, Student)."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", "Volunteer"
        TEACHER = "teacher", "Teacher"
        STUDENT = "student", "Student"

    class Salutation(models.TextChoices):
        NONE = "", "—"
        MR = "mr", "Mr."
        MS = "ms", "Ms."
        MRS = "mrs", "Mrs."
        DR = "dr", "Dr."
        PROF = "prof", "Prof."

    class Gender(models.TextChoices):
        UNKNOWN = "", "Not given"
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NON_BINARY = "non_binary", "Non-binary"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=10, choices=Kind.choices, editable=False, db_index=True)
    salutation = models.CharField(max_length=6, choices=Salutation.choices, blank=True)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, db_index=True)
    suffix = models.CharField(max_length=20, blank=True)
    birthdate = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    do_not_call = models.BooleanField(default=False)
    do_not_contact = models.BooleanField(default=False)
    email_opt_out = models.BooleanField(default=False)
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    exclude_from_reports = models.BooleanField(default=False, help_text="Local only: hidden from every report.")
    notes = models.TextField(blank=True, help_text="Local only: never overwritten by the sync.")

    LOCAL_ONLY_FIELDS = ("exclude_from_reports", "notes")

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="contact_name_idx")]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        # The discriminator follows the concrete class (Volunteer/Teacher/Student).
        self.kind = getattr(type(self), "CONTACT_KIND", self.kind) or self.kind
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name, self.suffix) if p)


class ContactDetail(AuditedModel):
    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        WORK = "work", "Work"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    is_primary = models.BooleanField(default=False)

    class Meta:
        abstract = True


class ContactEmail(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField()

    class Meta:
        ordering = ["-is_primary", "email"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="email_one_primary"),
            models.UniqueConstraint(fields=["contact", "email"], name="email_unique_per_contact"),
        ]

    def __str__(self):
        return self.email


class ContactPhone(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, help_text="E.164, e.g. +18165551234")

    class Meta:
        ordering = ["-is_primary", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="phone_one_primary"),
            models.UniqueConstraint(fields=["contact", "number"], name="phone_unique_per_contact"),
        ]

    def __str__(self):
        return self.number


class ContactAddress(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    street = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name_plural = "contact addresses"
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="address_one_primary"),
        ]

    def __str__(self):
        return ", ".join(p for p in (self.street, self.city, self.state, self.postal_code) if p)


class LocalStatus(models.TextChoices):
    LOCAL = rules.LOCAL, "Local"
    PARTIAL = rules.PARTIAL, "Partial"
    NON_LOCAL = rules.NON_LOCAL, "Non-local"
    UNKNOWN = rules.UNKNOWN, "Unknown"


class Volunteer(Contact):
    CONTACT_KIND = Contact.Kind.VOLUNTEER

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        ON_HOLD = "on_hold", "On hold"

    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    education = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    local_status = models.CharField(
        max_length=10, choices=LocalStatus.choices, default=LocalStatus.UNKNOWN, db_index=True
    )
    local_status_updated_at = models.DateTimeField(null=True, blank=True)
    interests = models.TextField(blank=True)
    additional_volunteer_count = models.PositiveIntegerField(
        default=0, help_text="Local only: engagements recorded outside Crewbase."
    )
    skills = models.ManyToManyField(Skill, through="VolunteerSkill", related_name="volunteers", blank=True)
    organizations = models.ManyToManyField(Organization, through="Affiliation", related_name="volunteers", blank=True)
    # Denormalised from attended participations by services.volunteer_stats_refresh, so the
    # directory can sort 100k volunteers on an index instead of aggregating on every page.
    times_volunteered = models.PositiveIntegerField(default=0, db_index=True, editable=False)
    first_volunteered_on = models.DateField(null=True, blank=True, editable=False)
    last_volunteered_on = models.DateField(null=True, blank=True, db_index=True, editable=False)

    LOCAL_ONLY_FIELDS = Contact.LOCAL_ONLY_FIELDS + (
        "local_status",
        "local_status_updated_at",
        "additional_volunteer_count",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]


class VolunteerSkill(AuditedModel):
    class Source(models.TextChoices):
        JOB = "job", "Job"
        ORGANIZATION = "organization", "Organization"
        INTEREST = "interest", "Interest"
        MANUAL = "manual", "Entered by staff"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="volunteer_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="volunteer_skills")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    interest_level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volunteer", "skill"], name="volunteer_skill_unique")]

    def __str__(self):
        return f"{self.volunteer} · {self.skill}"


class Affiliation(Synced, AuditedModel):
    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        PAST = "past", "Past"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="affiliations")
    role = models.CharField(max_length=200, blank=True)
    is_primary = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CURRENT)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "organization"], name="affiliation_unique"),
            models.UniqueConstraint(fields=["volunteer"], condition=Q(is_primary=True), name="affiliation_one_primary"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="affiliation_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} @ {self.organization}"


class Teacher(Contact):
    CONTACT_KIND = Contact.Kind.TEACHER

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        ON_LEAVE = "on_leave", "On leave"
        RETIRED = "retired", "Retired"

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="teachers")
    department = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    deactivated_manually = models.BooleanField(
        default=False, help_text="Deactivated by an administrator: roster imports never reactivate it."
    )


class Student(Contact):
    CONTACT_KIND = Contact.Kind.STUDENT
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="students")
    local_student_id = models.CharField(max_length=40, blank=True, db_index=True)
    current_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    homeroom_teacher = models.ForeignKey(
        Teacher, null=True, blank=True, on_delete=models.SET_NULL, related_name="students"
    )
    school_class = models.ForeignKey(
        "SchoolClass", null=True, blank=True, on_delete=models.SET_NULL, related_name="students"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(current_grade__lte=12), name="student_grade_k12")]


# --------------------------------------------------------------------------- events
class EventType(models.TextChoices):
    IN_PERSON = "in_person", "In-person session"
    VIRTUAL_SESSION = "virtual_session", "Virtual session"
    CONNECTOR_SESSION = "connector_session", "Connector session"
    CAREER_JUMPING = "career_jumping", "Career Jumping"
    CAREER_SPEAKER = "career_speaker", "Career speaker"
    CAREER_FAIR = "career_fair", "Career/college fair"
    DIA = "dia", "DIA"
    P2GD = "p2gd", "P2GD"
    SLA = "sla", "SLA"
    HEALTHSTART = "healthstart", "HealthStart"
    P2T = "p2t", "P2T"
    BFI = "bfi", "BFI"
    MATH_RELAYS = "math_relays", "Math Relays"
    CLASSROOM_ACTIVITY = "classroom_activity", "Classroom activity"
    WORKPLACE_VISIT = "workplace_visit", "Workplace visit"
    MENTORING = "mentoring", "Mentoring"
    OTHER = "other", "Other"


class EventFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"


class EventStatus(models.TextChoices):
    DRAFT = rules.DRAFT, "Draft"
    REQUESTED = rules.REQUESTED, "Requested"
    PUBLISHED = rules.PUBLISHED, "Published"
    CONFIRMED = rules.CONFIRMED, "Confirmed"
    COMPLETED = rules.COMPLETED, "Completed"
    SIMULCAST = rules.SIMULCAST, "Simulcast"
    NO_SHOW = rules.NO_SHOW, "No show"
    CANCELLED = rules.CANCELLED, "Cancelled"


class CancellationReason(models.TextChoices):
    NONE = "", "—"
    WEATHER = "weather", "Weather / snow day"
    PRESENTER = "presenter", "Presenter cancelled"
    TEACHER = "teacher", "Teacher cancelled"
    SCHOOL_CONFLICT = "school_conflict", "School conflict"
    TECHNICAL = "technical", "Technical issues"
    LOW_ENROLLMENT = "low_enrollment", "Low enrollment"
    SCHEDULING_ERROR = "scheduling_error", "Scheduling error"
    OTHER = rules.REASON_OTHER, "Other"


# Events that count in reports: they happened.
REPORTABLE_EVENT_STATUSES = (EventStatus.COMPLETED, EventStatus.SIMULCAST)


class Event(Synced, AuditedModel):
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    event_type = models.CharField(max_length=20, choices=EventType.choices, default=EventType.IN_PERSON)
    event_type_source = models.CharField(max_length=100, blank=True, help_text="Type as received from the source.")
    format = models.CharField(max_length=10, choices=EventFormat.choices, default=EventFormat.IN_PERSON)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    status_source = models.CharField(max_length=100, blank=True, help_text="Status as received from the source.")
    cancellation_reason = models.CharField(max_length=20, choices=CancellationReason.choices, blank=True)
    cancellation_notes = models.TextField(blank=True)
    cancellation_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancellation_set_at = models.DateTimeField(null=True, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    location = models.CharField(max_length=255, blank=True)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    districts = models.ManyToManyField(District, related_name="events", blank=True)
    skills = models.ManyToManyField(Skill, related_name="events", blank=True)
    volunteers_needed = models.PositiveIntegerField(default=0)
    registered_count = models.PositiveIntegerField(default=0)
    attended_count = models.PositiveIntegerField(default=0)
    registered_student_count = models.PositiveIntegerField(default=0)
    attended_student_count = models.PositiveIntegerField(default=0)
    attended_educator_count = models.PositiveIntegerField(default=0)
    session_host = models.CharField(max_length=200, blank=True)
    registration_link = models.URLField(blank=True)

    class Meta:
        ordering = ["-start", "id"]
        indexes = [
            models.Index(fields=["status", "start", "event_type"], name="event_status_start_type_idx"),
            models.Index(fields=["-start", "id"], name="event_start_id_idx"),
        ]  # the list's order
        constraints = [
            models.CheckConstraint(
                condition=Q(attended_count__lte=F("registered_count")), name="event_attended_le_registered"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="event_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(cancellation_reason="") | Q(status=EventStatus.CANCELLED),
                name="event_reason_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=~Q(cancellation_reason=CancellationReason.OTHER)
                | GreaterThanOrEqual(Length(Trim("cancellation_notes")), rules.OTHER_NOTES_MIN_LENGTH),
                name="event_other_reason_needs_notes",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.start:%Y-%m-%d})"


class ParticipationStatus(models.TextChoices):
    REGISTERED = rules.P_REGISTERED, "Registered"
    ATTENDED = rules.P_ATTENDED, "Attended"
    NO_SHOW = rules.P_NO_SHOW, "No-show"
    CANCELLED = rules.P_CANCELLED, "Cancelled"
    UNKNOWN = rules.P_UNKNOWN, "Unknown"


class Participation(Synced, AuditedModel):
    status = models.CharField(
        max_length=10, choices=ParticipationStatus.choices, default=ParticipationStatus.REGISTERED, db_index=True
    )
    status_source = models.CharField(
        max_length=100, blank=True, help_text="Raw status from the source system, kept for audit."
    )
    delivery_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        abstract = True


class VolunteerParticipation(Participation):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="volunteer_participations")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-event__start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "volunteer"], name="volunteer_participation_unique"),
            models.CheckConstraint(
                condition=Q(delivery_hours__isnull=True) | Q(delivery_hours__gte=0),
                name="volunteer_participation_hours_positive",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="vpart_volunteer_status_idx")]

    def __str__(self):
        return f"{self.volunteer} · {self.event}"


class StudentParticipation(Participation):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="student_participations")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="participations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "student"], name="student_participation_unique"),
            models.CheckConstraint(
                condition=Q(delivery_hours__isnull=True) | Q(delivery_hours__gte=0),
                name="student_participation_hours_positive",
            ),
        ]

    def __str__(self):
        return f"{self.student} · {self.event}"


class TeacherParticipation(Participation):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="teacher_participations")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="participations")
    is_simulcast = models.BooleanField(default=False)
    attendance_confirmed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="A note marks a manual correction that imports keep.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "teacher"], name="teacher_participation_unique"),
            models.CheckConstraint(
                condition=Q(delivery_hours__isnull=True) | Q(delivery_hours__gte=0),
                name="teacher_participation_hours_positive",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} · {self.event}"


# --------------------------------------------------------------------------- history and notes
class ContactHistory(Synced, SoftDeleteModel):
    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        ACTIVITY = "activity", "Activity"
        EMAIL = "email", "Email"
        STATUS_CHANGE = "status_change", "Status change"
        SYSTEM = "system", "System"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="history_entries")
    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.NOTE)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "contact history"
        base_manager_name = "all_objects"

    def __str__(self):
        return self.subject or self.get_kind_display()


class RecruitmentNote(AuditedModel):
    class Outcome(models.TextChoices):
        NO_OUTCOME = "no_outcome", "No outcome yet"
        INTERESTED = "interested", "Interested"
        FOLLOW_UP = "follow_up", "Follow up"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="recruitment_notes")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="recruitment_notes")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.NO_OUTCOME)
    note = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.volunteer}: {self.get_outcome_display()}"


# --------------------------------------------------------------------------- access and audit
class ViewerDistrict(AuditedModel):
    """Which districts a Viewer may see (aggregate reports only)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewer_districts")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="viewer_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "district"], name="viewer_district_unique")]

    def __str__(self):
        return f"{self.user} → {self.district}"


class VolunteerMerge(models.Model):
    """Audit record of a duplicate volunteer merged into a survivor (the duplicate is gone)."""

    survivor = models.ForeignKey(Volunteer, null=True, on_delete=models.SET_NULL, related_name="merges")
    merged_contact_id = models.PositiveIntegerField()
    merged_name = models.CharField(max_length=300)
    merged_salesforce_id = models.CharField(max_length=18, blank=True)
    snapshot = models.JSONField(default=dict, help_text="Fields of the merged volunteer at merge time.")
    moved = models.JSONField(default=dict, help_text="How many rows of each kind moved to the survivor.")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.merged_name} → {self.survivor}"


# --------------------------------------------------------------------------- Salesforce sync
class SyncRun(AuditedModel):
    """One sync of one Salesforce object (e.g. "volunteers"): window, counts, errors, watermark."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        PARTIAL = "partial", "Partial (some records failed)"
        FAILED = "failed", "Failed"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        DELTA = "delta", "Delta"

    object_name = models.CharField(max_length=40, db_index=True)
    mode = models.CharField(max_length=5, choices=Mode.choices)
    requested_mode = models.CharField(max_length=5, choices=Mode.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    modified_since = models.DateTimeField(
        null=True, blank=True, help_text="Lower bound sent to Salesforce (watermark minus buffer)."
    )
    watermark = models.DateTimeField(help_text="When this run started querying; the next delta starts from here.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0, help_text="Participations sent to the pending queue.")
    errors = models.JSONField(
        default=list, blank=True, help_text="Structured errors: code, message, Salesforce id (first 200)."
    )
    error_count = models.PositiveIntegerField(default=0)
    job = models.ForeignKey("project.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["object_name", "-started_at"], name="syncrun_object_started_idx")]

    def __str__(self):
        return f"{self.object_name} {self.mode} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped + self.failed + self.queued


class SyncLock(AuditedModel):
    """A database lock per synced object: a conditional UPDATE takes it (atomic on SQLite and
    PostgreSQL); it expires so a crashed worker cannot hold it forever."""

    name = models.CharField(max_length=40, primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class PendingParticipation(AuditedModel):
    """A Salesforce participation whose volunteer/student or event is not in Crewbase yet."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", "Volunteer"
        STUDENT = "student", "Student"

    salesforce_id = models.CharField(max_length=18, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    contact_salesforce_id = models.CharField(max_length=18, blank=True)
    event_salesforce_id = models.CharField(max_length=18, blank=True)
    missing = models.CharField(max_length=40, help_text="What was missing: contact, event or both.")
    payload = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(default=1)
    likely_orphan = models.BooleanField(default=False, help_text="Still unmatched after many runs.")

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return f"{self.kind} participation {self.salesforce_id} (missing {self.missing})"


class DataQualityFlag(AuditedModel):
    """A persistent data-quality problem on one record; unique per (entity, record, issue)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED = "resolved", "Resolved"
        AUTO_RESOLVED = "auto_resolved", "Resolved automatically"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"
        CRITICAL = "critical", "Critical"

    entity_type = models.CharField(max_length=30, db_index=True)
    entity_key = models.CharField(max_length=40, help_text="Salesforce id, else the Crewbase id.")
    entity_id = models.PositiveIntegerField(null=True, blank=True)
    issue_type = models.CharField(max_length=40, db_index=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    source = models.CharField(max_length=20, default="salesforce_sync")
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity_type", "entity_key", "issue_type"], name="dq_flag_unique_issue")
        ]

    def __str__(self):
        return f"{self.entity_type} {self.entity_key}: {self.issue_type}"


# --------------------------------------------------------------------------- data-quality scoring
class QualityRun(AuditedModel):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    scores = models.JSONField(default=dict, help_text="{entity: {score, dimensions: {dimension: score}}}")
    overall_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Quality run {self.started_at:%Y-%m-%d %H:%M} ({self.overall_score})"


class QualityCheck(AuditedModel):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="checks")
    entity = models.CharField(max_length=20, db_index=True)
    dimension = models.CharField(max_length=20)
    name = models.CharField(max_length=80)
    severity = models.CharField(max_length=8, choices=DataQualityFlag.Severity.choices)
    score = models.PositiveSmallIntegerField()
    message = models.CharField(max_length=500)
    measured = models.JSONField(default=dict, blank=True, help_text="total, offending, ratio, local/remote counts")
    offending_ids = models.JSONField(default=list, blank=True, help_text="Crewbase ids of offending records (≤ 200).")

    class Meta:
        ordering = ["entity", "dimension", "name"]

    def __str__(self):
        return f"{self.entity}/{self.dimension}/{self.name}: {self.severity}"


# --------------------------------------------------------------------------- roster import
class RosterImport(AuditedModel):
    class Source(models.TextChoices):
        SHEET = "sheet", "Google Sheet"
        CSV = "csv", "Uploaded CSV"

    source = models.CharField(max_length=5, choices=Source.choices)
    sheet_id = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Roster import {self.created_at:%Y-%m-%d %H:%M} (+{self.added} ~{self.updated} -{self.deactivated})"
