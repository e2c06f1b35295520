"""The outbox mechanics shared by e-mail (`project.email.outbox`) and SMS (`oncall.paging`).

An outbox row has `status` (pending → sending → sent/failed…), `attempts`, `next_attempt_at`,
`claimed_at`, `error_code` and `error_message`. What the two outboxes have in common lives here,
once: the conditional UPDATE that claims a row (only the caller whose UPDATE matched sends, so
nothing goes out twice), putting a row back for a retry, finding the due rows, failing rows a dead
worker left in `sending` (whether they went out is unknown, so they are never resent), and the
counts per status. What differs — the provider call, how errors are classified, escalation —
stays with each outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Model, QuerySet

STALE_CLAIM = timedelta(minutes=10)
STALE_ERROR = "Outcome unknown: the worker stopped while sending."
PENDING, SENDING, FAILED = "pending", "sending", "failed"


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in: float | None = None


def claim(model: type[Model], pk: int, *, now: datetime, **extra) -> DeliveryOutcome | None:
    """Claim one due row for sending. None when this caller won the claim; otherwise the row's
    current status ("missing" when there is no such row) as the outcome to report."""
    claimed = model.objects.filter(pk=pk, status=PENDING, next_attempt_at__lte=now).update(
        status=SENDING, claimed_at=now, attempts=F("attempts") + 1, **extra
    )
    if claimed:
        return None
    status = model.objects.filter(pk=pk).values_list("status", flat=True).first()
    return DeliveryOutcome(status=status or "missing")


def retry_later(model: type[Model], pk: int, *, at: datetime, code: str, error: str) -> None:
    """A transient failure: back to pending, tried again at `at`."""
    model.objects.filter(pk=pk).update(
        status=PENDING, next_attempt_at=at, error_code=code[:20], error_message=error[:2000]
    )


def due_ids(model: type[Model], *, now: datetime, limit: int) -> list[int]:
    """Ids of pending rows due now, oldest first (retries, and rows queued while the broker was down)."""
    return list(
        model.objects.filter(status=PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def stale_fail(model: type[Model], *, now: datetime) -> list[int]:
    """Fail the rows left in `sending` for longer than STALE_CLAIM; the ids this caller failed.
    Each row is failed by its own conditional UPDATE, so two callers never both report one."""
    stale = model.objects.filter(status=SENDING, claimed_at__lt=now - STALE_CLAIM).values_list("id", flat=True)
    return [
        pk
        for pk in list(stale)
        if model.objects.filter(pk=pk, status=SENDING).update(status=FAILED, error_message=STALE_ERROR)
    ]


def status_counts(queryset: QuerySet, statuses) -> dict[str, int]:
    """Rows per status, every status present (zero when none), in one GROUP BY."""
    counts = dict.fromkeys(statuses, 0)
    for status, count in queryset.order_by().values_list("status").annotate(n=Count("id")):
        counts[status] = count
    return counts
