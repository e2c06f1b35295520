"""Health checks behind /health/: database, broker, cache, beat heartbeat, sync freshness.

Each check is "ok", "pending" (never ran since it was registered, not overdue yet: a fresh
install), "never" (overdue without ever succeeding), "stale" (last success too old) or "down".
The overall status is "ok" when every check is ok or pending, else "degraded"."""

from __future__ import annotations

import functools
import os

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from kombu import Connection

from .models import PeriodicTaskStatus
from .periodic import registry

HEARTBEAT_TASK_NAME = "Beat heartbeat"


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


@functools.lru_cache(maxsize=4)
def _redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per broker URL: a probe reuses its connection."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith("filesystem://"):
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
            if not os.access(folder, os.W_OK):
                return {"status": "down", "error": "broker folder is not writable", "transport": "filesystem"}
            return {"status": "ok", "transport": "filesystem"}
        if url.startswith(("redis://", "rediss://")):
            _redis_client(url).ping()
            return {"status": "ok", "transport": "redis"}
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return {"status": "ok", "transport": url.split("://", 1)[0]}
    except Exception as exc:  # any failure to reach the broker is a degraded state, not a crash
        return {"status": "down", "error": exc.__class__.__name__}


def check_cache() -> dict:
    try:
        cache.set("health:probe", "1", 10)
        ok = cache.get("health:probe") == "1"
    except Exception as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok" if ok else "down"}


# Check statuses that leave the overall status "ok": "pending" is a periodic task that has not run
# yet since it was registered (a fresh install) and is not overdue.
HEALTHY = frozenset({"ok", "pending"})


def _age_check(status: PeriodicTaskStatus | None, max_age_seconds: float) -> dict:
    last = status.last_success_at if status else None
    failed = status.last_failure_at if status else None
    if failed is not None and (last is None or failed > last):  # failing until a later run succeeds
        return {
            "status": "failing",
            "last_success": last.isoformat() if last else None,
            "last_failure": failed.isoformat(),
            "error": status.last_error[:500],
        }
    if last is None:
        if status is not None and (timezone.now() - status.registered_at).total_seconds() <= max_age_seconds:
            return {"status": "pending", "last_success": None, "registered": status.registered_at.isoformat()}
        return {"status": "never", "last_success": None}
    age = (timezone.now() - last).total_seconds()
    return {
        "status": "ok" if age <= max_age_seconds else "stale",
        "last_success": last.isoformat(),
        "age_seconds": int(age),
    }


# What `_age_check` reads of each periodic task's status.
STATUS_COLUMNS = ("name", "last_success_at", "last_failure_at", "last_error", "registered_at")


def health_report() -> tuple[str, dict, bool]:
    """Return (overall status, checks, database_ok)."""
    checks: dict = {"database": check_database()}
    database_ok = checks["database"]["status"] == "ok"
    checks["broker"] = check_broker()
    checks["cache"] = check_cache()
    if database_ok:
        statuses = {s.name: s for s in PeriodicTaskStatus.objects.only(*STATUS_COLUMNS)}
        checks["beat"] = _age_check(statuses.get(HEARTBEAT_TASK_NAME), settings.HEARTBEAT_MAX_AGE_SECONDS)
        checks["syncs"] = {
            spec.name: _age_check(statuses.get(spec.name), spec.freshness.total_seconds())
            for spec in registry()
            if spec.freshness is not None
        }
    else:
        checks["beat"] = {"status": "unknown"}
        checks["syncs"] = {}
    flat = [checks["database"], checks["broker"], checks["cache"], checks["beat"], *checks["syncs"].values()]
    overall = "ok" if all(c["status"] in HEALTHY for c in flat) else "degraded"
    return overall, checks, database_ok
