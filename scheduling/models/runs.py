"""Scheduling models: auto-scheduler runs (states and transitions) and their proposals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from project.models import AuditedModel

from .events import Event, Schedule
from .people import Employee


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
