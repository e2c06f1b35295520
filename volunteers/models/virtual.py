"""The virtual-session teacher programme: Pathful imports and their unmatched queue, teacher
progress per district and academic year, audited attendance overrides, teachers' magic links and
the issues they flag, and attendance detail of in-person events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from project.models import AuditedModel

from .events import Event
from .people import Contact, District, School, Teacher


# --------------------------------------------------------------------------- Pathful import
class PathfulImport(AuditedModel):
    """One upload of a Pathful session report, run as a job; the import log."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    filename = models.CharField(max_length=255)
    upload = models.FileField(upload_to="pathful/%Y/%m/", blank=True, help_text="The file as uploaded.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey("project.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    rows_other_partner = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    drafts_skipped = models.PositiveIntegerField(default=0, help_text="Undated Draft sessions, skipped.")
    duplicate_rows = models.PositiveIntegerField(default=0)
    events_created = models.PositiveIntegerField(default=0)
    events_updated = models.PositiveIntegerField(default=0)
    people_matched = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Pathful import {self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class PathfulSession(AuditedModel):
    """The Pathful side of a virtual event: upsert key and the raw status as Pathful wrote it."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="pathful")
    session_id = models.CharField(max_length=64, unique=True)
    status_raw = models.CharField(max_length=100, blank=True)
    last_import = models.ForeignKey(
        PathfulImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions_touched"
    )

    def __str__(self):
        return f"Pathful {self.session_id}"


class UnmatchedKind(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    PRESENTER = "presenter", "Presenter"
    NO_DATE_SESSION = "no_date_session", "Session without a date"
    UNKNOWN_STATUS = "unknown_status", "Unknown status"


class UnmatchedStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Linked to a person"
    CREATED = "created", "Person created"
    IGNORED = "ignored", "Ignored"


class PathfulUnmatched(AuditedModel):
    """A row the import could not place: an unknown or ambiguous person, an undated session, an
    unknown status. One row per (kind, session, person), however many imports saw it."""

    kind = models.CharField(max_length=16, choices=UnmatchedKind.choices)
    status = models.CharField(max_length=8, choices=UnmatchedStatus.choices, default=UnmatchedStatus.PENDING)
    session_id = models.CharField(max_length=64)
    person_key = models.CharField(
        max_length=255, blank=True, help_text="Normalised name or e-mail; blank for sessions."
    )
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    raw = models.JSONField(default=dict, help_text="The row as read from the file.")
    first_import = models.ForeignKey(PathfulImport, on_delete=models.CASCADE, related_name="unmatched_rows")
    last_import = models.ForeignKey(PathfulImport, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "-created_at", "id"]
        verbose_name_plural = "Pathful unmatched rows"
        constraints = [
            models.UniqueConstraint(fields=["kind", "session_id", "person_key"], name="pathful_unmatched_once"),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="pathful_unmatched_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name or self.session_id}"


# --------------------------------------------------------------------------- teacher progress
class DeactivationSource(models.TextChoices):
    NONE = "", "—"
    ROSTER_DIFF = "roster_diff", "Missing from the roster"
    MANUAL = "manual", "Deactivated by hand"
    YEAR_END = "year_end", "Year end"


class TeacherProgress(AuditedModel):
    """A teacher's virtual-session target for one district and academic year (Aug 1–Jul 31)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="teacher_progress")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.SET_NULL, related_name="progress")
    email = models.EmailField(help_text="Lower-case; the key a magic link is bound to.")
    name = models.CharField(max_length=255)
    academic_year = models.PositiveSmallIntegerField(help_text="Start year: 2025 means Aug 1 2025 – Jul 31 2026.")
    target_sessions = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    deactivation_source = models.CharField(max_length=12, choices=DeactivationSource.choices, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivation_reason = models.TextField(blank=True)
    # Stored counts (volunteers/virtual/progress.py keeps them; see `progress_counts_refresh`).
    # Neither depends on the clock, so a stored row stays right as sessions pass:
    sessions_completed = models.PositiveIntegerField(
        default=0, editable=False, help_text="Virtual sessions of the year that count as completed."
    )
    in_progress_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Until this start, enough sessions are still planned to reach the target (the start of "
        "the planned session that would be the last one needed); empty: not enough planned.",
    )

    class Meta:
        ordering = ["district__name", "school__name", "name", "id"]
        verbose_name_plural = "teacher progress"
        constraints = [
            models.UniqueConstraint(fields=["district", "email", "academic_year"], name="teacher_progress_unique"),
            models.CheckConstraint(
                condition=~Q(deactivation_source="manual") | ~Q(deactivation_reason=""),
                name="teacher_progress_manual_needs_reason",
            ),
        ]
        indexes = [models.Index(fields=["district", "academic_year", "school"], name="tprogress_district_year_idx")]

    def __str__(self):
        return f"{self.name} ({self.academic_year})"


class AttendanceOverride(AuditedModel):
    class Action(models.TextChoices):
        ADD = "add", "Count as attended"
        REMOVE = "remove", "Do not count"

    progress = models.ForeignKey(TeacherProgress, on_delete=models.CASCADE, related_name="overrides")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance_overrides")
    action = models.CharField(max_length=6, choices=Action.choices)
    reason = models.TextField()
    original = models.JSONField(default=dict, help_text="The imported attendance at the time, kept for audit.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["progress", "event"], condition=Q(is_active=True), name="attendance_override_one_active"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="attendance_override_reason_required"),
            models.CheckConstraint(
                condition=Q(is_active=True) | ~Q(reversal_reason=""), name="attendance_override_reversal_reason"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.progress} · {self.event}"


# --------------------------------------------------------------------------- magic links
class MagicLink(models.Model):
    """A single-use sign-in link for a teacher (no account). Only the token's hash is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Link for {self.email} (until {self.expires_at:%Y-%m-%d %H:%M})"


class TeacherIssue(AuditedModel):
    """An issue a teacher flagged from their magic-link page; lands in the coordinators' queue."""

    class Kind(models.TextChoices):
        MISSING_SESSION = "missing_session", "A session is missing"
        NOT_THERE = "not_there", "I was not there"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    progress = models.ForeignKey(TeacherProgress, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.progress}"


# --------------------------------------------------------------------------- in-person detail
class EventAttendanceDetail(AuditedModel):
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="attendance_detail")
    classrooms = models.PositiveIntegerField(null=True, blank=True)
    rotations = models.PositiveIntegerField(null=True, blank=True)
    total_students = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self):
        return f"Attendance detail · {self.event}"

    @property
    def students_per_volunteer(self) -> int | None:
        """floor(total ÷ (classrooms × rotations)); no figure when an input is missing or zero."""
        if not self.classrooms or not self.rotations or not self.total_students:
            return None
        return self.total_students // (self.classrooms * self.rotations)
