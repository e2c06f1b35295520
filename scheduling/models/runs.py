"""Scheduling domain: employees, Crossmark events, posted schedules, availability, rotations,
holidays, attendance, settings and the sync run log.

Invariants live in `Meta.constraints`; rules that span rows (overlapping time off, one Core per
employee per day, overlaps by duration) live in `scheduling.rules` and are enforced by the
services, which lock the employee row first.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from project.fields import EncryptedTextField
from project.models import AuditedModel

from .. import rules

EVENT_NUMBER_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class JobTitle(models.TextChoices):
    CLUB_SUPERVISOR = "club_supervisor", "Club Supervisor"
    LEAD_EVENT_SPECIALIST = "lead_event_specialist", "Lead Event Specialist"
    EVENT_SPECIALIST = "event_specialist", "Event Specialist"
    JUICER_BARISTA = "juicer_barista", "Juicer Barista"


class EventType(models.TextChoices):
    CORE = "core", "Core"
    SUPERVISOR = "supervisor", "Supervisor"
    JUICER = "juicer", "Juicer"
    FREEOSK = "freeosk", "Freeosk"
    DIGITAL = "digital", "Digital"
    OTHER = "other", "Other"


class EventSubType(models.TextChoices):
    NONE = "", "—"
    DIGITAL_SETUP = "digital_setup", "Digital setup"
    DIGITAL_REFRESH = "digital_refresh", "Digital refresh"
    DIGITAL_TEARDOWN = "digital_teardown", "Digital teardown"
    JUICER_PRODUCTION = "juicer_production", "Juicer production"
    JUICER_SURVEY = "juicer_survey", "Juicer survey"


# Which sub-types belong to which type (anything else is rejected by Event.clean and a DB check).
SUB_TYPES_BY_TYPE = {
    EventType.DIGITAL: {
        EventSubType.NONE,
        EventSubType.DIGITAL_SETUP,
        EventSubType.DIGITAL_REFRESH,
        EventSubType.DIGITAL_TEARDOWN,
    },
    EventType.JUICER: {EventSubType.NONE, EventSubType.JUICER_PRODUCTION, EventSubType.JUICER_SURVEY},
}


class Condition(models.TextChoices):
    UNSTAFFED = "Unstaffed"
    SCHEDULED = "Scheduled"
    STAFFED = "Staffed"
    CANCELED = "Canceled"
    IN_PROGRESS = "In Progress"
    PAUSED = "Paused"
    REISSUED = "Reissued"
    EXPIRED = "Expired"
    SUBMITTED = "Submitted"


class RotationType(models.TextChoices):
    JUICER = "juicer", "Juicer"
    PRIMARY_LEAD = "primary_lead", "Primary Lead"


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


# --------------------------------------------------------------------------- people
class Employee(AuditedModel):
    name = models.CharField(max_length=200)
    job_title = models.CharField(
        max_length=32, choices=JobTitle.choices, default=JobTitle.EVENT_SPECIALIST, db_index=True
    )
    is_active = models.BooleanField(default=True, db_index=True)
    termination_date = models.DateField(null=True, blank=True, help_text="First day the employee no longer works.")
    crossmark_rep_id = models.CharField(
        "Crossmark rep id",
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        help_text="Needed to post schedules to Crossmark.",
    )
    crossmark_employee_id = models.CharField(
        "Crossmark employee id", max_length=32, null=True, blank=True, unique=True, help_text="The US###### number."
    )
    mv_employee_number = models.CharField("MV employee number", max_length=32, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(job_title__in=JobTitle.values), name="employee_job_title_valid"),
            models.CheckConstraint(condition=~Q(crossmark_rep_id=""), name="employee_rep_id_null_not_blank"),
            models.CheckConstraint(condition=~Q(crossmark_employee_id=""), name="employee_crossmark_id_null_not_blank"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # Blank ids are stored as NULL so that the unique constraints ignore them.
        self.crossmark_rep_id = self.crossmark_rep_id or None
        self.crossmark_employee_id = self.crossmark_employee_id or None


class WeeklyAvailability(AuditedModel):
    """Days of the week an employee can work. No row means available every day."""

    DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    employee = models.OneToOneField(Employee, on_delete=models.CASCADE, related_name="weekly_availability")
    monday = models.BooleanField(default=True)
    tuesday = models.BooleanField(default=True)
    wednesday = models.BooleanField(default=True)
    thursday = models.BooleanField(default=True)
    friday = models.BooleanField(default=True)
    saturday = models.BooleanField(default=True)
    sunday = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "weekly availability"

    def __str__(self):
        return f"{self.employee} weekly availability"

    def as_tuple(self) -> tuple[bool, ...]:
        return tuple(getattr(self, day) for day in self.DAYS)


class DateAvailability(AuditedModel):
    """An explicit answer for one date (unavailable for a dentist visit, available on a day off)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="date_availability")
    date = models.DateField()
    is_available = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "date availability"
        constraints = [models.UniqueConstraint(fields=["employee", "date"], name="date_availability_unique")]

    def __str__(self):
        return f"{self.employee} {self.date}: {'available' if self.is_available else 'unavailable'}"


class TimeOff(AuditedModel):
    """An absence, both dates inclusive. Overlaps are refused by `time_off_create`."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="time_off")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=F("end_date")), name="time_off_start_before_end"),
        ]
        indexes = [models.Index(fields=["employee", "start_date", "end_date"])]

    def __str__(self):
        return f"{self.employee} off {self.start_date}–{self.end_date}"

    def clean(self):
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})
        if self.employee_id and self.start_date and self.end_date:
            overlapping = TimeOff.objects.filter(
                employee_id=self.employee_id, start_date__lte=self.end_date, end_date__gte=self.start_date
            ).exclude(pk=self.pk)
            first = overlapping.first()
            if first is not None:
                raise ValidationError({"start_date": f"Overlaps time off {first.start_date}–{first.end_date}."})


class Attendance(AuditedModel):
    class Status(models.TextChoices):
        ON_TIME = "on_time", "On time"
        LATE = "late", "Late"
        CALLED_IN = "called_in", "Called in"
        NO_CALL_NO_SHOW = "no_call_no_show", "No call, no show"
        EXCUSED_ABSENCE = "excused_absence", "Excused absence"

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "employee__name"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(fields=["employee", "date"], name="attendance_unique_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=["on_time", "late", "called_in", "no_call_no_show", "excused_absence"]),
                name="attendance_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.employee} {self.date}: {self.get_status_display()}"


# --------------------------------------------------------------------------- rotations and holidays
class RotationAssignment(AuditedModel):
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    rotation_type = models.CharField(max_length=16, choices=RotationType.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="rotations")

    class Meta:
        ordering = ["rotation_type", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["weekday", "rotation_type"], name="rotation_unique_per_day"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="rotation_weekday_range"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.get_rotation_type_display()}: {self.employee}"


class RotationException(AuditedModel):
    date = models.DateField()
    rotation_type = models.CharField(max_length=16, choices=RotationType.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="rotation_exceptions")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "rotation_type"]
        constraints = [models.UniqueConstraint(fields=["date", "rotation_type"], name="rotation_exception_unique")]

    def __str__(self):
        return f"{self.date} {self.get_rotation_type_display()}: {self.employee}"


class CompanyHoliday(AuditedModel):
    name = models.CharField(max_length=100)
    date = models.DateField(help_text="For a recurring holiday only month and day count.")
    is_recurring = models.BooleanField(default=False, help_text="Every year on the same month and day.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["date", "name"], name="holiday_unique_name_date")]

    def __str__(self):
        return f"{self.name} ({self.date:%b %d}{', yearly' if self.is_recurring else ''})"


# --------------------------------------------------------------------------- events and schedules
class Event(AuditedModel):
    """A Crossmark mPlan. Synced fields follow Crossmark; type, sub-type, estimate and the
    auto-scheduling exclusion are local and survive every sync."""

    mplan_id = models.CharField("mPlan id", max_length=32, unique=True)
    name = models.CharField(max_length=300)
    event_type = models.CharField(max_length=16, choices=EventType.choices, default=EventType.OTHER, db_index=True)
    sub_type = models.CharField(max_length=20, choices=EventSubType.choices, default=EventSubType.NONE, blank=True)
    type_edited = models.BooleanField(default=False, help_text="Type/sub-type set by hand; sync keeps them.")
    event_number = models.CharField(
        max_length=6,
        blank=True,
        db_index=True,
        help_text="The 6-digit number that pairs a Core with its Supervisor event.",
    )
    start_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    condition = models.CharField(max_length=16, choices=Condition.choices, default=Condition.UNSTAFFED, db_index=True)
    store_id = models.CharField(
        "location id", max_length=32, blank=True, help_text="Crossmark LocationID / storeID, needed to post."
    )
    store_number = models.CharField(max_length=16, blank=True)
    store_name = models.CharField(max_length=200, blank=True)
    sales_tool_url = models.URLField(max_length=500, blank=True)
    auto_schedule_excluded = models.BooleanField(default=False)
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when a sync no longer finds the event in Crossmark."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start_at__lte=F("due_at")), name="event_start_before_due"),
            models.CheckConstraint(condition=Q(event_type__in=EventType.values), name="event_type_valid"),
            models.CheckConstraint(
                condition=Q(sub_type="")
                | Q(event_type=EventType.DIGITAL, sub_type__in=["digital_setup", "digital_refresh", "digital_teardown"])
                | Q(event_type=EventType.JUICER, sub_type__in=["juicer_production", "juicer_survey"]),
                name="event_sub_type_matches_type",
            ),
        ]
        indexes = [models.Index(fields=["event_type", "event_number"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.start_at and self.due_at and self.start_at > self.due_at:
            errors["due_at"] = "The due date must be after the start."
        if self.sub_type and self.sub_type not in SUB_TYPES_BY_TYPE.get(self.event_type, {EventSubType.NONE}):
            errors["sub_type"] = f"{self.get_sub_type_display()} is not a sub-type of {self.get_event_type_display()}."
        if self.event_number and not re.fullmatch(r"\d{6}", self.event_number):
            errors["event_number"] = "The event number has exactly 6 digits."
        if errors:
            raise ValidationError(errors)

    @property
    def is_missing(self) -> bool:
        return self.missing_since is not None


class Schedule(AuditedModel):
    """A posted assignment: Crossmark accepted it. At most one per event."""

    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="schedule")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="schedules")
    start_at = models.DateTimeField(db_index=True)
    crossmark_schedule_id = models.CharField(max_length=64, blank=True)
    from_sync = models.BooleanField(default=False, help_text="Found already posted in Crossmark by a sync.")
    overridden_warnings = models.JSONField(default=list, blank=True, help_text="Soft warnings a coordinator accepted.")
    override_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start_at", "id"]
        indexes = [models.Index(fields=["employee", "start_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(overridden_warnings=[]) | ~Q(override_reason=""), name="schedule_override_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.employee} at {timezone.localtime(self.start_at):%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- settings and sync log
# The defaults live in `scheduling.rules` (the pure rule module); the settings row starts from them.
def _hhmm(times) -> list[str]:
    return [t.strftime("%H:%M") for t in times]


def default_core_slots() -> list[str]:
    return _hhmm(rules.DEFAULT_CORE_SLOTS)


def default_digital_setup_slots() -> list[str]:
    return _hhmm(rules.DEFAULT_DIGITAL_SETUP_SLOTS)


def default_digital_teardown_slots() -> list[str]:
    return _hhmm(rules.DEFAULT_DIGITAL_TEARDOWN_SLOTS)


def default_durations() -> dict[str, int]:
    return dict(rules.DEFAULT_DURATIONS)


class SecretHoldingModel(models.Model):
    """AuditedModel's timestamps, with a history trail declared per model so that it can leave
    the secret columns out (the trail must never hold secrets, not even encrypted ones)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SchedulingSettings(SecretHoldingModel):
    """The single settings row (pk 1). Read it with `scheduling_settings_get()`."""

    history = HistoricalRecords(excluded_fields=["crossmark_password", "edr_password"])

    core_slots = models.JSONField(default=default_core_slots)
    supervisor_time = models.TimeField(default=rules.DEFAULT_SUPERVISOR_TIME)
    freeosk_time = models.TimeField(default=rules.DEFAULT_FREEOSK_TIME)
    other_time = models.TimeField(default=rules.DEFAULT_OTHER_TIME)
    digital_setup_slots = models.JSONField(default=default_digital_setup_slots)
    digital_teardown_slots = models.JSONField(default=default_digital_teardown_slots)
    juicer_production_time = models.TimeField(default=rules.DEFAULT_JUICER_PRODUCTION_TIME)
    juicer_survey_time = models.TimeField(default=rules.DEFAULT_JUICER_SURVEY_TIME)
    durations = models.JSONField(
        default=default_durations,
        help_text="Minutes per event type, and per sub-type where it differs (a sub-type wins over its type).",
    )
    non_core_buffer_days = models.PositiveSmallIntegerField(default=3)
    short_notice_uses_free_slots = models.BooleanField(default=True)
    nightly_auto_schedule = models.BooleanField(default=False)
    sync_days_back = models.PositiveSmallIntegerField(default=30)
    sync_days_ahead = models.PositiveSmallIntegerField(default=90)
    crossmark_username = models.CharField(
        max_length=200, blank=True, help_text="The store account used by the background sync."
    )
    crossmark_password = EncryptedTextField(blank=True)
    edr_username = models.CharField(max_length=200, blank=True)
    edr_password = EncryptedTextField(blank=True)
    edr_mfa_credential_id = models.CharField(max_length=100, blank=True)

    # What the page form, the admin and the API may change (all through `services.settings_update`).
    EDITABLE_FIELDS = (
        "core_slots",
        "supervisor_time",
        "freeosk_time",
        "other_time",
        "digital_setup_slots",
        "digital_teardown_slots",
        "juicer_production_time",
        "juicer_survey_time",
        "durations",
        "non_core_buffer_days",
        "short_notice_uses_free_slots",
        "nightly_auto_schedule",
        "sync_days_back",
        "sync_days_ahead",
        "crossmark_username",
        "crossmark_password",
        "edr_username",
        "edr_password",
        "edr_mfa_credential_id",
    )
    SECRET_FIELDS = ("crossmark_password", "edr_password")  # write-only; blank keeps the current one

    class Meta:
        verbose_name = verbose_name_plural = "scheduling settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="scheduling_settings_singleton")]

    def __str__(self):
        return "Scheduling settings"

    def clean(self):
        errors = {}
        for name in ("core_slots", "digital_setup_slots", "digital_teardown_slots"):
            value = getattr(self, name)
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v) for v in value)
            ):
                errors[name] = "A non-empty list of HH:MM times."
        if (
            not isinstance(self.durations, dict)
            or set(self.durations) - set(rules.DURATION_KEYS)
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 24 * 60 for v in self.durations.values()
            )
        ):
            errors["durations"] = "Minutes (1–1440) per event type or sub-type: " + ", ".join(rules.DURATION_KEYS) + "."
        if errors:
            raise ValidationError(errors)


class CrossmarkAccount(SecretHoldingModel):
    """A site user's own Crossmark login. Manual scheduling acts with the user's account, so
    Crossmark records who did what; sessions are kept per account, never shared."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crossmark_account")
    username = models.CharField(max_length=200)
    password = EncryptedTextField()
    session_id = EncryptedTextField(blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["password", "session_id"])

    def __str__(self):
        return f"Crossmark account of {self.user}"


class SyncRun(AuditedModel):
    class Kind(models.TextChoices):
        EVENTS = "events", "Events"
        REPS = "reps", "Reps"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EVENTS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    job_id = models.UUIDField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    vanished = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    schedules_imported = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="Skipped rows and unmatched or ambiguous reps to resolve."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_kind_display()} sync {timezone.localtime(self.started_at):%Y-%m-%d %H:%M} ({self.status})"


class EdrReport(AuditedModel):
    """Cached Walmart EDR report of one event number."""

    event_number = models.CharField(max_length=6, unique=True)
    payload = models.JSONField()
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"EDR {self.event_number}"


class EdrSession(SecretHoldingModel):
    """A user's Walmart Retail Link login in progress or done (kept server-side, per user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edr_session")
    state = EncryptedTextField(blank=True, help_text="Cookies/token of the EDR client, encrypted.")
    history = HistoricalRecords(excluded_fields=["state"])
    authenticated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"EDR session of {self.user}"


# --------------------------------------------------------------------------- the auto-scheduler
class SchedulerRun(AuditedModel):
    """One auto-scheduler run. It writes only itself and its proposals; nothing else changes
    until a coordinator approves proposals (row by row, through Crossmark).

    The lifecycle (every status and every allowed move, here and nowhere else; `runs` enforces it):

        running → ready | failed
        ready → partly_approved | approved   (rows submitted to Crossmark: some / all)
        ready → rejected                     (only while no row is submitted)
        partly_approved → approved           (the remaining rows submitted, e.g. by "retry failed")
        partly_approved → closed             (the remaining rows dropped; the submitted ones stay)
        ready | partly_approved → superseded (a newer run had rows submitted: this plan is stale)

    approved, rejected, closed, superseded and failed are final: the run is read-only.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        READY = "ready", "Ready for review"
        PARTLY_APPROVED = "partly_approved", "Partly approved"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CLOSED = "closed", "Closed"
        SUPERSEDED = "superseded", "Superseded"
        FAILED = "failed", "Failed"

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.RUNNING: frozenset({Status.READY, Status.FAILED}),
        Status.READY: frozenset({Status.PARTLY_APPROVED, Status.APPROVED, Status.REJECTED, Status.SUPERSEDED}),
        Status.PARTLY_APPROVED: frozenset({Status.APPROVED, Status.CLOSED, Status.SUPERSEDED}),
        Status.APPROVED: frozenset(),
        Status.REJECTED: frozenset(),
        Status.CLOSED: frozenset(),
        Status.SUPERSEDED: frozenset(),
        Status.FAILED: frozenset(),
    }
    # Proposals may be edited and approved only in these.
    OPEN = frozenset({Status.READY, Status.PARTLY_APPROVED})

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        NIGHTLY = "nightly", "Nightly"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    as_of = models.DateTimeField(help_text="Candidates are due after this instant; Cores go from the next day.")
    job_id = models.UUIDField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    candidates = models.PositiveIntegerField(default=0)
    proposed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    moves = models.PositiveIntegerField(default=0, help_text="Posted schedules proposed to move (bumps).")
    compute_ms = models.PositiveIntegerField(default=0)
    settings_used = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The newer run whose approval made this one stale.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "running",
                        "ready",
                        "partly_approved",
                        "approved",
                        "rejected",
                        "closed",
                        "superseded",
                        "failed",
                    ]
                ),
                name="scheduler_run_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="superseded") | Q(superseded_by__isnull=False),
                name="scheduler_run_superseded_names_newer_run",
            ),
        ]

    def __str__(self):
        return f"Auto-schedule run {self.pk} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Proposals may still be edited and approved."""
        return self.status in self.OPEN

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())


class ScheduleProposal(AuditedModel):
    """One outcome of a run for one event: a placement to approve ("new" for an unscheduled event,
    "move" for a posted schedule displaced by a bump), or — status `unplaced` — a failure with
    its reason."""

    class Kind(models.TextChoices):
        NEW = "new", "New"
        MOVE = "move", "Move"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted"
        SUBMIT_FAILED = "submit_failed", "Submit failed"
        REJECTED = "rejected", "Rejected"
        UNPLACED = "unplaced", "Not placed"

    APPROVABLE = (Status.PROPOSED, Status.EDITED, Status.SUBMIT_FAILED)

    run = models.ForeignKey(SchedulerRun, on_delete=models.CASCADE, related_name="proposals")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NEW)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")
    start_at = models.DateTimeField(null=True, blank=True)
    schedule = models.ForeignKey(
        Schedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The posted schedule a move changes.",
    )
    previous_employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_start_at = models.DateTimeField(null=True, blank=True)
    bumped_by = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The more urgent event that took this event's spot.",
    )
    failure_reason = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)
    override_reason = models.CharField(max_length=300, blank=True, help_text="Why an edit accepted soft warnings.")
    overridden_warnings = models.JSONField(default=list, blank=True)
    crossmark_schedule_id = models.CharField(max_length=64, blank=True)
    submit_error = models.TextField(blank=True)
    submit_started_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set while the row is being submitted to Crossmark; left set if the worker stopped meanwhile.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "event"], name="proposal_one_per_event_per_run"),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "edited", "submitted", "submit_failed", "rejected", "unplaced"]),
                name="proposal_status_valid",
            ),
            models.CheckConstraint(condition=Q(kind__in=["new", "move"]), name="proposal_kind_valid"),
            # A failure has no placement; a placement has an employee and a time.
            models.CheckConstraint(
                condition=Q(status="unplaced", employee__isnull=True, start_at__isnull=True)
                | (~Q(status="unplaced") & Q(employee__isnull=False, start_at__isnull=False)),
                name="proposal_placement_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | ~Q(submitted_at=None), name="proposal_submitted_has_time"
            ),
        ]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.event} ({self.get_status_display()})"
