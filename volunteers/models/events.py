"""Events and who took part: volunteers, students and teachers; recruitment notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThanOrEqual

from project.models import AuditedModel

from .. import rules
from .base import Synced, bulk_written_created_at
from .people import District, School, Skill, Student, Teacher, Volunteer


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
    created_at = bulk_written_created_at()
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

    class Meta(Synced.Meta):
        ordering = ["-start", "id"]
        indexes = [
            models.Index(fields=["status", "start", "event_type"], name="event_status_start_type_idx"),
            models.Index(fields=["-start", "id"], name="event_start_id_idx"),
        ]  # the list's order
        constraints = [
            *Synced.Meta.constraints,
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
    created_at = bulk_written_created_at()
    # Not indexed alone: five values, always read with the person or the event (the indexes below).
    status = models.CharField(
        max_length=10, choices=ParticipationStatus.choices, default=ParticipationStatus.REGISTERED
    )
    status_source = models.CharField(
        max_length=100, blank=True, help_text="Raw status from the source system, kept for audit."
    )
    delivery_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        abstract = True


class VolunteerParticipation(Participation):
    # No single-column indexes: (event, volunteer) unique and (volunteer, status) lead with them.
    # Every index is paid on each sync insert (tens of thousands of rows a run).
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="volunteer_participations", db_index=False)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="participations", db_index=False)
    role = models.CharField(max_length=100, blank=True)

    class Meta(Synced.Meta):
        ordering = ["-event__start", "id"]
        constraints = [
            *Synced.Meta.constraints,
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

    class Meta(Synced.Meta):
        constraints = [
            *Synced.Meta.constraints,
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

    class Meta(Synced.Meta):
        constraints = [
            *Synced.Meta.constraints,
            models.UniqueConstraint(fields=["event", "teacher"], name="teacher_participation_unique"),
            models.CheckConstraint(
                condition=Q(delivery_hours__isnull=True) | Q(delivery_hours__gte=0),
                name="teacher_participation_hours_positive",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} · {self.event}"


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
