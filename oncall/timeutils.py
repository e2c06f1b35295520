"""Local wall-clock ↔ instants. Handoffs happen at the shift's local start time; a shift's
length is wall-clock hours, so across a DST change it lasts 23 or 25 real hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def occurrence_bounds(zone: ZoneInfo, day: date, start: time, duration_hours: int) -> tuple[datetime, datetime]:
    local_start = datetime.combine(day, start, tzinfo=zone)
    # Aware + timedelta is wall-clock arithmetic in Python: 08:00 + 24 h is 08:00 the next day.
    local_end = local_start + timedelta(hours=duration_hours)
    return local_start.astimezone(UTC), local_end.astimezone(UTC)


def local_today(zone: ZoneInfo, at: datetime) -> date:
    return at.astimezone(zone).date()


def duration_label(hours: int) -> str:
    return f"{hours} h" if hours % 24 else (f"{hours // 24} day" + ("s" if hours // 24 > 1 else ""))
