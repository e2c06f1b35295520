"""Crossmark → Crewbase sync: an upsert by mPlan id that never deletes.

New events are created; changed ones are updated (only the fields Crossmark owns); events that
Crossmark no longer lists are marked `missing_since`; local edits (type, sub-type, estimate,
exclusion) and posted schedules are kept. Posted schedules found in Crossmark are imported when
the rep matches an employee by id; otherwise they are listed for a coordinator to resolve.
The whole fetch happens before any write, so a Crossmark failure half-way changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from integrations.crossmark import CrossmarkClient, CrossmarkEvent

from . import rules
from .matching import EmployeeIndex, KnownEmployee
from .models import Condition, Employee, Event, Schedule, SyncRun
from .selectors import scheduling_settings_get

logger = logging.getLogger(__name__)
SYNCED_FIELDS = ("name", "start_at", "due_at", "condition", "store_id", "store_name", "sales_tool_url")
PAGE_SIZE = 500
Progress = Callable[[float, str], None]


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _employee_index() -> EmployeeIndex:
    return EmployeeIndex(
        KnownEmployee(id=pk, name=name, rep_id=rep or "", crossmark_id=cm or "")
        for pk, name, rep, cm in Employee.objects.values_list("pk", "name", "crossmark_rep_id", "crossmark_employee_id")
    )


def fetch_all(
    client: CrossmarkClient, *, start: date, end: date, progress: Progress | None = None
) -> tuple[list[CrossmarkEvent], list[dict]]:
    events: list[CrossmarkEvent] = []
    problems: list[dict] = []
    page = 1
    while True:
        result = client.fetch_events(start=start, end=end, page=page, limit=PAGE_SIZE)
        events.extend(result.events)
        problems.extend(result.problems)
        seen = len(events) + len(problems)
        if progress:
            progress(min(60, 60 * seen / max(result.total, 1)), f"Fetched {seen} of {result.total} mPlans")
        if not result.events and not result.problems or seen >= result.total:
            break
        page += 1
    return events, problems


def events_sync(
    *, client: CrossmarkClient, run: SyncRun, today: date | None = None, progress: Progress | None = None
) -> SyncRun:
    settings_row = scheduling_settings_get()
    today = today or timezone.localdate()
    start, end = (
        today - timedelta(days=settings_row.sync_days_back),
        today + timedelta(days=settings_row.sync_days_ahead),
    )
    records, problems = fetch_all(client, start=start, end=end, progress=progress)

    by_id: dict[str, CrossmarkEvent] = {}
    for record in records:
        if record.mplan_id in by_id:
            problems.append({"mplan_id": record.mplan_id, "error": "listed twice by Crossmark; the first is used"})
            continue
        by_id[record.mplan_id] = record
    seen_ids = set(by_id) | {p["mplan_id"] for p in problems if p.get("mplan_id")}
    now = timezone.now()
    index = _employee_index()

    with transaction.atomic():
        existing = {e.mplan_id: e for e in Event.objects.filter(mplan_id__in=list(by_id))}
        posted_ids = dict(
            Schedule.objects.filter(event__mplan_id__in=list(existing)).values_list(
                "event__mplan_id", "crossmark_schedule_id"
            )
        )
        posted = set(posted_ids)
        # Local postings are never changed by a sync, but a difference with Crossmark is reported.
        for mplan_id, crossmark_id in posted_ids.items():
            record = by_id[mplan_id]
            if not record.schedule_event_id and record.condition == Condition.UNSTAFFED:
                problems.append(
                    {
                        "mplan_id": mplan_id,
                        "event": record.name,
                        "error": "posted here but Unstaffed in Crossmark; unschedule or post it again",
                    }
                )
            elif record.schedule_event_id and crossmark_id and record.schedule_event_id != crossmark_id:
                problems.append(
                    {
                        "mplan_id": mplan_id,
                        "event": record.name,
                        "error": f"Crossmark shows another posting ({record.schedule_event_id}); the local one is kept",
                    }
                )

        to_create, to_update = [], []
        for done, (mplan_id, record) in enumerate(by_id.items(), start=1):
            values = {
                "name": record.name,
                "start_at": _aware(record.start_date),
                "due_at": _aware(record.due_date),
                "condition": record.condition if record.condition in Condition.values else Condition.UNSTAFFED,
                "store_id": record.store_id,
                "store_name": record.store_name,
                "sales_tool_url": record.sales_tool_url,
            }
            event = existing.get(mplan_id)
            if event is None:
                event_type, sub_type = rules.classify_event_name(record.name)
                to_create.append(
                    Event(
                        mplan_id=mplan_id,
                        event_type=event_type,
                        sub_type=sub_type,
                        event_number=rules.event_number_from_name(record.name),
                        last_synced_at=now,
                        **values,
                    )
                )
                continue
            changed = [f for f, v in values.items() if getattr(event, f) != v]
            if event.missing_since is not None:
                event.missing_since = None
                changed.append("missing_since")
            if "name" in changed and not event.type_edited:
                event.event_type, event.sub_type = rules.classify_event_name(record.name)
                event.event_number = rules.event_number_from_name(record.name)
            if changed:
                for f in changed:
                    if f in values:
                        setattr(event, f, values[f])
                event.last_synced_at = now
                to_update.append(event)
            else:
                run.unchanged += 1
            if progress and done % 1000 == 0:
                progress(60 + 30 * done / len(by_id), f"Compared {done} of {len(by_id)} events")

        if to_create:
            bulk_create_with_history(to_create, Event, batch_size=500)
        if to_update:
            bulk_update_with_history(
                to_update,
                Event,
                fields=[*SYNCED_FIELDS, "event_type", "sub_type", "event_number", "missing_since", "last_synced_at"],
                batch_size=500,
            )
        run.created, run.updated = len(to_create), len(to_update)

        vanished = [
            e
            for e in Event.objects.filter(
                start_at__lte=_aware(end), due_at__gte=_aware(start), missing_since__isnull=True
            )
            if e.mplan_id not in seen_ids
        ]
        for event in vanished:
            event.missing_since = now
        if vanished:
            bulk_update_with_history(vanished, Event, fields=["missing_since"], batch_size=500)
        run.vanished = len(vanished)

        # Postings Crossmark knows and we do not (made in Crossmark directly): import by rep id.
        events_by_mplan = {
            e.mplan_id: e
            for e in Event.objects.filter(
                mplan_id__in=[m for m, r in by_id.items() if r.schedule_event_id and m not in posted]
            )
        }
        names = dict(Employee.objects.values_list("pk", "name"))
        new_schedules = []
        for mplan_id, record in by_id.items():
            if not record.schedule_event_id or record.scheduled_at is None or mplan_id in posted:
                continue
            event = events_by_mplan.get(mplan_id)
            if event is None:
                continue
            shown_name = record.staffed_reps[0] if record.staffed_reps else ""
            match = index.match(rep_id=record.schedule_rep_id, name=shown_name)
            if match.matched:
                new_schedules.append(
                    Schedule(
                        event=event,
                        employee_id=match.employee_id,
                        start_at=timezone.make_aware(record.scheduled_at),
                        crossmark_schedule_id=record.schedule_event_id,
                        from_sync=True,
                    )
                )
            else:
                problems.append(
                    {
                        "mplan_id": mplan_id,
                        "event": record.name,
                        "rep_id": record.schedule_rep_id,
                        "rep_name": shown_name,
                        "error": (
                            "rep matches several employees by name only; set the rep id on the right one"
                            if len(match.all_candidates) > 1
                            else "rep matches an employee by name only; confirm by setting the rep id"
                            if match.all_candidates
                            else "rep is not a known employee"
                        ),
                        "candidates": [{"id": pk, "name": names[pk]} for pk in match.all_candidates],
                    }
                )
        if new_schedules:
            bulk_create_with_history(new_schedules, Schedule, batch_size=500)
        run.schedules_imported = len(new_schedules)

        run.fetched = len(records)
        run.skipped = sum(1 for p in problems if "candidates" not in p and "event" not in p)
        run.problems = problems[:500]
        run.status = SyncRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
    if progress:
        progress(100, f"{run.created} new, {run.updated} updated, {run.vanished} vanished")
    return run


# --------------------------------------------------------------------------- reps
