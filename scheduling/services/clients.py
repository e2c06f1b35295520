"""Scheduling services: the Crossmark client for a user or for the sync, per-user Crossmark
accounts, and applying a set of moves to Crossmark (undoing what was done when one call fails)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.base import IntegrationError, PermanentError, is_live
from integrations.crossmark import CrossmarkClient, FakeCrossmarkClient, crossmark_client

from .. import rules
from ..models import CrossmarkAccount, Employee, Event, Schedule, SchedulingSettings
from ..selectors import paired_supervisor_event, scheduling_settings_get

logger = logging.getLogger(__name__)


class CrossmarkFailed(Exception):
    """Crossmark did not accept a change; nothing was changed locally."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


# --------------------------------------------------------------------------- Crossmark clients
def crossmark_for_user(user) -> CrossmarkClient:
    """The Crossmark client acting as this site user (their own account and session)."""
    if not is_live("crossmark"):
        return FakeCrossmarkClient(events=[])
    account = CrossmarkAccount.objects.filter(user=user).first() if user is not None else None
    if account is None:
        raise ValidationError({"crossmark": "Set up your own Crossmark login (Scheduling → Settings) first."})

    def remember(session_id: str, started: float) -> None:
        CrossmarkAccount.objects.filter(pk=account.pk).update(
            session_id=session_id, session_started_at=datetime.fromtimestamp(started, tz=UTC)
        )

    started = account.session_started_at.timestamp() if account.session_started_at else None
    return crossmark_client(
        username=account.username,
        password=account.password,
        session_id=account.session_id,
        session_started_at=started,
        on_session=remember,
    )


def crossmark_for_sync(settings_row: SchedulingSettings | None = None) -> CrossmarkClient:
    """The store account used by the background sync (configured in the settings)."""
    s = settings_row or scheduling_settings_get()
    return crossmark_client(username=s.crossmark_username, password=s.crossmark_password)


def crossmark_account_set(*, user, username: str, password: str) -> CrossmarkAccount:
    account, _ = CrossmarkAccount.objects.update_or_create(
        user=user, defaults={"username": username, "password": password, "session_id": "", "session_started_at": None}
    )
    return account


# --------------------------------------------------------------------------- validation
@dataclass
class Move:
    """One change to a posted schedule: new employee/start, or removal (employee None)."""

    schedule: Schedule | None
    event: Event
    employee: Employee | None
    start_at: datetime | None
    new_crossmark_id: str = ""


@dataclass
class ScheduleOutcome:
    schedules: list[Schedule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accepted_warnings: list[dict] = field(default_factory=list)


# --------------------------------------------------------------------------- Crossmark application
def _end_for(event: Event, start_at: datetime) -> datetime:
    minutes = rules.duration_minutes(
        scheduling_settings_get().durations or {},
        event_type=event.event_type,
        sub_type=event.sub_type,
        estimated=event.estimated_minutes,
    )
    return start_at + timedelta(minutes=minutes)


def _crossmark_schedule(client: CrossmarkClient, *, event: Event, employee: Employee, start_at: datetime) -> str:
    return client.schedule_event(
        rep_id=employee.crossmark_rep_id or "",
        mplan_id=event.mplan_id,
        location_id=event.store_id,
        start=timezone.localtime(start_at),
        end=timezone.localtime(_end_for(event, start_at)),
    )


def _crossmark_apply(client: CrossmarkClient, moves: list[Move]) -> None:
    """Apply every move in Crossmark (unschedule the old posting, post the new one). On the first
    failure, undo the moves already made in reverse order and raise CrossmarkFailed."""
    done: list[tuple[Move, str]] = []  # (move, "removed" | "moved" | "added")
    try:
        for move in moves:
            removed = False
            if move.schedule is not None:
                client.unschedule_event(schedule_id=move.schedule.crossmark_schedule_id)
                done.append((move, "removed"))
                removed = True
            if move.employee is not None:
                move.new_crossmark_id = _crossmark_schedule(
                    client, event=move.event, employee=move.employee, start_at=move.start_at
                )
                if removed:
                    done[-1] = (move, "moved")
                else:
                    done.append((move, "added"))
    except IntegrationError as exc:
        id_updates, problems = _crossmark_undo(client, done)
        message = f"Crossmark did not accept the change ({exc}). Nothing was changed."
        if problems:
            message += (
                " Crossmark could not be fully restored: "
                + "; ".join(problems)
                + " The next sync will show Crossmark's state."
            )
        logger.warning("crossmark change refused: %s", exc)
        failure = CrossmarkFailed(message, transient=not isinstance(exc, PermanentError))
        failure.id_updates = id_updates
        raise failure from exc


def _crossmark_undo(client: CrossmarkClient, done: list[tuple[Move, str]]) -> tuple[dict[int, str], list[str]]:
    """Reverse what Crossmark already did. Re-posting gives a new Crossmark id, which the caller
    records after the rolled-back transaction (the posting itself is the same as before)."""
    id_updates: dict[int, str] = {}
    problems = []
    for move, what in reversed(done):
        try:
            if what in ("moved", "added"):
                client.unschedule_event(schedule_id=move.new_crossmark_id)
            if what in ("moved", "removed"):
                old = move.schedule
                id_updates[old.pk] = _crossmark_schedule(
                    client, event=old.event, employee=old.employee, start_at=old.start_at
                )
        except IntegrationError as exc:
            logger.error("could not undo crossmark change of event %s: %s", move.event.mplan_id, exc)
            problems.append(f"{move.event.name}: {exc}")
    return id_updates, problems


@contextmanager
def _crossmark_transaction():
    """A transaction that, when Crossmark refused, still records the new Crossmark ids of
    postings that had to be re-made while undoing."""
    try:
        with transaction.atomic():
            yield
    except CrossmarkFailed as exc:
        for pk, crossmark_id in getattr(exc, "id_updates", {}).items():
            Schedule.objects.filter(pk=pk).update(crossmark_schedule_id=crossmark_id)
        raise


def _lock(schedule: Schedule) -> Schedule:
    return Schedule.objects.select_for_update(of=("self",)).select_related("event", "employee").get(pk=schedule.pk)


def _paired_schedule(core_schedule: Schedule) -> Schedule | None:
    supervisor = paired_supervisor_event(core_schedule.event)
    if supervisor is None:
        return None
    return (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("event", "employee")
        .filter(event=supervisor)
        .first()
    )
