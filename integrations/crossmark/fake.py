"""A deterministic in-memory Crossmark: demo events for a store, schedule/unschedule with ids.

The same seed and `today` always give the same events. `fail_next` lets tests make the next
calls of an operation fail (e.g. {"schedule": 1}).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from integrations.base import PermanentError, TransientError

from .types import CrossmarkEvent, CrossmarkRep, FetchPage

STORE_ID, STORE_NAME = "8135", "Club 8135"
PRODUCTS = [
    "Super Pretzel",
    "Kirkland Salmon",
    "Member's Mark Coffee",
    "Sparkling Water",
    "Protein Bars",
    "Greek Yogurt",
    "Organic Apples",
    "Rotisserie Chicken",
    "Trail Mix",
    "Cold Brew",
    "Frozen Pizza",
    "Almond Milk",
    "Granola",
    "Hummus",
    "Salsa Verde",
]

DEMO_REPS = [
    ("5001", "US100001", "Maria Lopez", "club_supervisor"),
    ("5002", "US100002", "James Carter", "lead_event_specialist"),
    ("5003", "US100003", "Aisha Khan", "lead_event_specialist"),
    ("5004", "US100004", "Tom Becker", "lead_event_specialist"),
    ("5005", "US100005", "Lena Fischer", "event_specialist"),
    ("5006", "US100006", "Omar Haddad", "event_specialist"),
    ("5007", "US100007", "Grace Kim", "event_specialist"),
    ("5008", "US100008", "Diego Santos", "event_specialist"),
    ("5009", "US100009", "Priya Nair", "event_specialist"),
    ("5010", "US100010", "Noah Brooks", "event_specialist"),
    ("5011", "US100011", "Chloe Martin", "juicer_barista"),
    ("5012", "US100012", "Ben Walker", "juicer_barista"),
    ("5013", "US100013", "Ivy Chen", "event_specialist"),  # a new rep, not yet an employee
]


def demo_events(*, today: date, days: int = 21, seed: int = 8135) -> list[CrossmarkEvent]:
    """~3 weeks of mPlans of every type: Cores with paired Supervisors, Juicers, Freeosk,
    Digitals (setup/refresh/teardown) and Other."""
    rng = random.Random(seed)  # noqa: S311 - seeded fake data, not security
    events: list[CrossmarkEvent] = []
    number = 606000
    mplan = 900000
    for offset in range(-2, days):
        day = today + timedelta(days=offset)
        cores = 3 if day.weekday() < 5 else 4
        for _ in range(cores):
            number += 1
            product = rng.choice(PRODUCTS)
            start = day - timedelta(days=rng.randint(0, 3))
            due = day + timedelta(days=rng.randint(2, 6))
            mplan += 1
            events.append(
                CrossmarkEvent(
                    str(mplan),
                    f"{number}-CORE-{product}",
                    STORE_ID,
                    STORE_NAME,
                    start,
                    due,
                    "Unstaffed",
                    f"https://salestools.example.org/{number}.pdf",
                )
            )
            mplan += 1
            events.append(
                CrossmarkEvent(
                    str(mplan), f"{number}-Supervisor-{product}", STORE_ID, STORE_NAME, start, due, "Unstaffed"
                )
            )
        mplan += 1
        events.append(
            CrossmarkEvent(
                str(mplan),
                f"{number}-JUICER-PRODUCTION-SPCLTY",
                STORE_ID,
                STORE_NAME,
                day,
                day + timedelta(days=1),
                "Unstaffed",
            )
        )
        if day.weekday() == 4:
            mplan += 1
            events.append(
                CrossmarkEvent(
                    str(mplan),
                    f"{number}-JUICER-SURVEY",
                    STORE_ID,
                    STORE_NAME,
                    day,
                    day + timedelta(days=2),
                    "Unstaffed",
                )
            )
        if offset % 3 == 0:
            mplan += 1
            kind = ["SETUP", "REFRESH", "TEARDOWN"][(offset // 3) % 3]
            events.append(
                CrossmarkEvent(
                    str(mplan),
                    f"DIGITAL {kind} - Endcap Screens",
                    STORE_ID,
                    STORE_NAME,
                    day,
                    day + timedelta(days=4),
                    "Unstaffed",
                )
            )
        if offset % 4 == 1:
            mplan += 1
            events.append(
                CrossmarkEvent(
                    str(mplan), "FREEOSK Kiosk Refill", STORE_ID, STORE_NAME, day, day + timedelta(days=5), "Unstaffed"
                )
            )
        if offset % 5 == 2:
            mplan += 1
            events.append(
                CrossmarkEvent(
                    str(mplan),
                    "Club Member Survey Table",
                    STORE_ID,
                    STORE_NAME,
                    day,
                    day + timedelta(days=5),
                    "Unstaffed",
                )
            )
    return events


class FakeCrossmarkClient:
    """Behaves like the live client, in memory. Schedule ids are 'FAKE-<n>'."""

    def __init__(
        self,
        *,
        events: list[CrossmarkEvent] | None = None,
        today: date | None = None,
        reps: list[CrossmarkRep] | None = None,
    ):
        self.events = list(events) if events is not None else demo_events(today=today or date.today())
        self.reps = reps if reps is not None else [CrossmarkRep(r, e, n, role=t) for r, e, n, t in DEMO_REPS]
        self.scheduled: dict[str, dict] = {}  # schedule id -> call
        self.calls: list[tuple[str, dict]] = []
        self.fail_next: dict[str, int] = {}
        self._counter = 0

    def _maybe_fail(self, operation: str) -> None:
        if self.fail_next.get(operation, 0) > 0:
            self.fail_next[operation] -= 1
            raise TransientError(f"Crossmark is unavailable ({operation}).", system="crossmark")

    def fetch_events(self, *, start: date, end: date, page: int, limit: int) -> FetchPage:
        self._maybe_fail("fetch")
        chosen = [e for e in self.events if e.due_date >= start and e.start_date <= end]
        return FetchPage(events=chosen[(page - 1) * limit : page * limit], total=len(chosen))

    def fetch_reps(self, *, start: datetime, end: datetime) -> list[CrossmarkRep]:
        self._maybe_fail("reps")
        return list(self.reps)

    def schedule_event(self, *, rep_id: str, mplan_id: str, location_id: str, start: datetime, end: datetime) -> str:
        self.calls.append(("schedule", {"rep_id": rep_id, "mplan_id": mplan_id, "start": start}))
        self._maybe_fail("schedule")
        if not rep_id:
            raise PermanentError("RepID is required.", system="crossmark")
        self._counter += 1
        schedule_id = f"FAKE-{self._counter}"
        self.scheduled[schedule_id] = {"rep_id": rep_id, "mplan_id": mplan_id, "start": start, "end": end}
        return schedule_id

    def unschedule_event(self, *, schedule_id: str) -> None:
        self.calls.append(("unschedule", {"schedule_id": schedule_id}))
        self._maybe_fail("unschedule")
        self.scheduled.pop(schedule_id, None)
