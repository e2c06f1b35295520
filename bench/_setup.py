"""Start-up shared by the benchmark scripts bench/<app>.py (not bench/load.py, which runs a server).

`django_setup(name)` at the top of a script, before any Django import:
- database: BENCH_DATABASE_URL, else a throwaway SQLite file in a temporary directory removed at
  exit. Never DATABASE_URL or .env's database: the scripts write and delete rows;
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


def django_setup(name: str) -> None:
    global _tmpdir
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    database_url = os.environ.get("BENCH_DATABASE_URL")
    if not database_url:
        _tmpdir = tempfile.TemporaryDirectory(prefix=f"crewbase-bench-{name}-")
        database_url = f"sqlite:///{_tmpdir.name}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ["DEBUG"] = "false"
    os.environ["REQUIRE_2FA"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    for name, value in BENCH_KEYS.items():
        if not os.environ.get(name):
            os.environ[name] = value

    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.INFO)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        from django.test.utils import override_settings

        print(f"# bench/{name}: no collected static files, plain static URLs", file=sys.stderr)
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
