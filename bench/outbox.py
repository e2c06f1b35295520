"""E-mail outbox and partner API benchmark: `.venv/bin/python bench/outbox.py` from the repo root.

(Not bench/email.py: bench/ is first on sys.path when a bench script runs, and a module named
`email` there would hide the standard library's `email` package from Django in every script.)

Prints one line per figure:
  email.queue_1000_msgs_per_s     email_send() for 1,000 distinct e-mails (render + insert)
  email.dispatch_1000_msgs_per_s  1,000 due e-mails through the dispatcher (locmem backend)
  email.task_1000_msgs_per_s      1,000 more, one email_deliver() each (the send task's path)
  email.sent_once                 messages in the backend vs rows, after a second dispatch pass
  partners.events_api_ms          GET /api/v1/public/districts/<slug>/events/ on 1,000 events,
                                  20 and 100 per page (p50/p95, queries per call)
  partners.burst_statuses         70 requests with one key: 200s, 429s, 5xx
Uses a throwaway SQLite file unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import timedelta

from _setup import django_setup

django_setup("outbox")

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from project.email import outbox
from project.email.models import EmailMessage
from volunteers.models import District, Event, EventStatus
from volunteers.partners.models import DistrictPartner
from volunteers.partners.services import api_key_create

N = 1000


def pct(samples, q):
    return sorted(samples)[min(len(samples) - 1, int(len(samples) * q))]


def _queue(batch: str) -> float:
    t = time.perf_counter()
    for i in range(N):
        outbox.email_send(
            purpose="admin_alert",
            to=f"user{i}@example.org",
            subject_of_record=f"bench:{batch}:{i}",
            context={"title": f"Alert {i}", "message": "Body line\n" * 20},
            enqueue=False,
        )
    return N / (time.perf_counter() - t)


def bench_outbox() -> None:
    mail.outbox = []
    print(f"email.queue_1000_msgs_per_s {_queue('a'):.0f}")
    t = time.perf_counter()
    counts = outbox.outbox_send_due(limit=N)
    elapsed = time.perf_counter() - t
    print(f"email.dispatch_1000_msgs_per_s {counts['sent'] / elapsed:.0f} (batch claim, one connection; {counts})")
    _queue("b")
    t = time.perf_counter()
    sent = sum(outbox.email_deliver(message_id=pk).status == "sent" for pk in outbox.outbox_due(limit=N))
    elapsed = time.perf_counter() - t
    print(f"email.task_1000_msgs_per_s {sent / elapsed:.0f} (one claim per message, as the send task)")
    again = outbox.outbox_send_due(limit=N)["sent"]
    rows = EmailMessage.objects.filter(status="sent").count()
    keys = Counter((m.to[0], m.subject, m.extra_headers["Message-ID"]) for m in mail.outbox)
    print(
        f"email.sent_once backend={len(mail.outbox)} rows_sent={rows} second_pass_sent={again} "
        f"max_per_message={max(keys.values())}"
    )


def bench_partner_api() -> None:
    district = District.objects.create(name="Bench district")
    partner = DistrictPartner.objects.create(district=district, slug="bench")
    start = timezone.now() + timedelta(days=1)
    events = Event.objects.bulk_create(
        Event(title=f"Event {i}", start=start + timedelta(hours=i), status=EventStatus.PUBLISHED, volunteers_needed=5)
        for i in range(N)
    )
    Event.districts.through.objects.bulk_create(
        Event.districts.through(event_id=e.pk, district_id=district.pk) for e in events
    )
    keys = [api_key_create(partner=partner, name=f"k{i}")[1] for i in range(5)]
    client = APIClient()
    url = "/api/v1/public/districts/bench/events/"
    for per_page in (20, 100):
        runs, queries = [], []
        for i in range(200):  # 40 requests per key and size: under the per-minute limit
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(
                    url, {"page": 1 + i % 10, "per_page": per_page}, HTTP_X_API_KEY=keys[i % 5], secure=True
                )
                runs.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.status_code
            queries.append(len(ctx.captured_queries))
        print(
            f"partners.events_api_ms per_page={per_page} p50={statistics.median(runs):.1f} "
            f"p95={pct(runs, 0.95):.1f} events={N} queries={max(queries)}"
        )
        keys = [api_key_create(partner=partner, name=f"k{per_page}-{i}")[1] for i in range(5)]
    burst_key = api_key_create(partner=partner, name="burst")[1]
    statuses = Counter(client.get(url, HTTP_X_API_KEY=burst_key, secure=True).status_code for _ in range(70))
    fives = sum(n for s, n in statuses.items() if s >= 500)
    print(f"partners.burst_statuses 200={statuses[200]} 429={statuses[429]} 5xx={fives}")


def main() -> None:
    call_command("migrate", verbosity=0)
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", CACHES=local):
        cache.clear()
        bench_outbox()
        bench_partner_api()


if __name__ == "__main__":
    main()
