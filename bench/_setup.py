"""Start-up shared by the benchmark scripts bench/<app>.py (not bench/load.py, which runs a server).

`django_setup(name)` at the top of a script, before any Django import:
- database: BENCH_DATABASE_URL (a PostgreSQL database is created when it does not exist yet), else a
  throwaway SQLite file in a temporary directory removed at exit. Never DATABASE_URL or .env's
  database: the scripts write and delete rows;
- production settings: DEBUG=false (no query logging, cached templates), REQUIRE_2FA=false,
  LOG_LEVEL=WARNING (INFO records dropped), bench-only SECRET_KEY / FIELD_ENCRYPTION_KEY unless set;
- then django.setup(). Without collected static files (`manage.py collectstatic`, which
  bench/load.py runs first under `make bench`) templates get plain static URLs instead of failing.
Migrations stay in each script, where they are part of its timeline.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Bench-only keys (also bench/load.py's server): fixed, so a kept benchmark database stays readable.
BENCH_KEYS = {
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(hashlib.sha256(b"crewbase-bench-load").digest()).decode(),
}
_tmpdir: tempfile.TemporaryDirectory | None = None  # kept for the whole process, removed at exit


def postgres_database_ensure(database_url: str) -> None:
    """Create the database a postgres://…/<name> URL names, when it does not exist yet."""
    import psycopg  # lazy: only PostgreSQL runs need the driver here

    base, database = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is None:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(database)))


def django_setup(name: str) -> None:
    global _tmpdir
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    database_url = os.environ.get("BENCH_DATABASE_URL")
    if database_url and database_url.startswith(("postgres://", "postgresql://")):
        postgres_database_ensure(database_url)
    if not database_url:
        _tmpdir = tempfile.TemporaryDirectory(prefix=f"crewbase-bench-{name}-")
        database_url = f"sqlite:///{_tmpdir.name}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ["DEBUG"] = "false"
    os.environ["REQUIRE_2FA"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    for key, value in BENCH_KEYS.items():
        if not os.environ.get(key):
            os.environ[key] = value

    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.INFO)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        from django.test.utils import override_settings

        print(f"# bench/{name}: no collected static files, plain static URLs", file=sys.stderr)
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
