"""Load test: a mixed read workload against gunicorn (2 workers) on PostgreSQL + Redis, driven
by wrk from a second process at increasing concurrency. Run from the repo root:

    .venv/bin/python bench/load.py            # 60 s per level, levels 4 8 16 32
    BENCH_DURATION=10 BENCH_LEVELS=4,32 .venv/bin/python bench/load.py

Prints, per level, one line: `load.c<N> rps=… p50_ms=… p95_ms=… p99_ms=… requests=… errors=… error_rate=…`.
The workload is every endpoint below that exists (found in the OpenAPI schema, so apps merged
later join automatically); missing ones are listed and skipped. Target: 0 errors and
p95 < 200 ms at 32 concurrent clients on a 2-core machine.

Env: BENCH_DURATION (seconds per level, default 60), BENCH_LEVELS, BENCH_PORT (8932),
BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/crewbase_bench), BENCH_REDIS_URL
(redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess  # nosec B404 - runs our own tools (manage.py, gunicorn, wrk) with fixed arguments
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8932"))
DURATION = int(os.environ.get("BENCH_DURATION", "60"))
LEVELS = [int(x) for x in os.environ.get("BENCH_LEVELS", "4,8,16,32").split(",")]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crewbase_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

# (label, regexes over the schema's GET paths tried in order, query string). The first matching
# path without path parameters is used.
WORKLOAD = [
    ("directory_search", [r"^/api/v1/volunteers/volunteers/$", r"^/api/v1/volunteers/[^{}]+/$"], "?search=a"),
    ("event_list", [r"^/api/v1/scheduling/events/$", r"^/api/v1/scheduling/[^{}]+/$"], ""),
    ("oncall_now", [r"^/api/v1/oncall/now/$"], "?team={team}"),
    ("expense_list", [r"^/api/v1/expenses/expenses/$", r"^/api/v1/expenses/[^{}]+/$"], ""),
    ("analytics", [r"^/api/v1/[^{}]*analytics[^{}]*/$"], ""),
    ("jobs_list", [r"^/api/v1/jobs/$"], "?page_size=20"),
]


def env() -> dict:
    from cryptography.fernet import Fernet

    values = dict(os.environ)
    values.update({
        "DEBUG": "false", "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY") or Fernet.generate_key().decode(),
        "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "REQUIRE_2FA": "false",
    })
    return values


def manage(*args: str, environ: dict) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=environ, check=True,  # nosec B603
                            capture_output=True, text=True)
    return result.stdout.strip()


def prepare(environ: dict) -> tuple[str, int | None]:
    db_name = DATABASE_URL.rsplit("/", 1)[1]
    host_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(["psql", host_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{db_name}'"],  # nosec B603 B607
                            capture_output=True, text=True, check=True).stdout.strip()
    if exists != "1":
        subprocess.run(["psql", host_url, "-qc", f'CREATE DATABASE "{db_name}"'], check=True)  # nosec B603 B607
    manage("migrate", "--noinput", "-v0", environ=environ)
    manage("load_demo_data", "--force", environ=environ)
    token = manage("create_api_token", "admin", "--name", "load", environ=environ).splitlines()[-1].strip()
    team = manage("shell", "-c", "from oncall.models import Team; t = Team.objects.order_by('pk').first(); "
                  "print(t.pk if t else '')", environ=environ).splitlines()[-1].strip()
    return token, int(team) if team.isdigit() else None


def fetch(path: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}",
                                     headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310 - our local server
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def workload(token: str, team: int | None) -> tuple[list[tuple[str, str]], list[str]]:
    status, body = fetch("/api/schema/?format=json", token)
    if status != 200:
        raise SystemExit(f"could not read the OpenAPI schema: {status}")
    gets = [p for p, ops in json.loads(body)["paths"].items() if "get" in ops and "{" not in p]
    chosen, missing = [("health", "/health/")], []
    for label, patterns, query in WORKLOAD:
        path = next((p for rx in patterns for p in gets if re.match(rx, p)), None)
        if path is None or ("{team}" in query and team is None):
            missing.append(label)
            continue
        url = path + query.format(team=team)
        status, _ = fetch(url, token)
        if status != 200:
            missing.append(f"{label} ({url} answered {status})")
            continue
        chosen.append((label, url))
    return chosen, missing


def wrk(connections: int, paths: list[str], token: str) -> dict:
    environ = {**os.environ, "LOAD_PATHS": "|".join(paths), "LOAD_TOKEN": token}
    threads = min(2, connections)
    out = subprocess.run(  # nosec B603 B607
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{DURATION}s", "--timeout", "10s", "--latency",
         "-s", str(ROOT / "bench" / "load.lua"), f"http://127.0.0.1:{PORT}"],
        env=environ, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    environ = env()
    token, team = prepare(environ)
    gunicorn = subprocess.Popen(  # nosec B603
        [str(Path(PYTHON).parent / "gunicorn"), "project.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2",
         "--log-level", "warning"], cwd=ROOT, env=environ)
    try:
        for _ in range(100):
            try:
                if fetch("/health/live/", token)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        chosen, missing = workload(token, team)
        print(f"load.workload {' '.join(label for label, _ in chosen)}")
        if missing:
            print(f"load.skipped {'; '.join(missing)}")
        for label, url in chosen:
            print(f"load.endpoint {label} {url}")
        for connections in LEVELS:
            r = wrk(connections, [url for _, url in chosen], token)
            rate = r["errors"] / r["requests"] if r["requests"] else 1.0
            print(f"load.c{connections} rps={r['rps']:.0f} p50_ms={r['p50_ms']:.1f} p95_ms={r['p95_ms']:.1f} "
                  f"p99_ms={r['p99_ms']:.1f} requests={int(r['requests'])} errors={int(r['errors'])} "
                  f"error_rate={rate:.2%}", flush=True)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
