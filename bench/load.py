"""HTTP load benchmark: gunicorn (2 workers) on PostgreSQL + Redis, wrk in a second process.

Run from the repo root: `.venv/bin/python bench/load.py` (`make bench` runs it). It prepares the
database (migrations + `load_demo_data --scale LOAD_SCALE`), signs in the demo users "staff" and
"admin" (a session cookie and an API token each), starts gunicorn with production settings
(DEBUG=false) on a free port and sends a weighted mix of six requests — directory search, event
list, on-call now, expense list, expense analytics, health — at each concurrency in turn.
Prints one row per concurrency (req/s, p50/p95/p99, errors = non-2xx + socket errors) and the
p95 of each endpoint. The target: no errors and p95 < 200 ms at 32 clients.

Before the load, a page table: one client on one keep-alive connection requests every listed page
in turn, LOAD_PAGE_ROUNDS times (30), as the Administrator (who sees every app and owns expenses).
Each page's median is printed with its ratio to the framework's floor, `/health/live/`, measured
in the same rounds: the target is every page at most 15 times the floor. Next to it, the page's CPU
time (gunicorn + PostgreSQL, per request), which other load on a shared machine barely moves: read
in clock ticks around each request, so it needs the rounds (100 give about ±0.5 ms).
LOAD_PAGES_ONLY=1 stops after the table.

Environment: LOAD_PAGE_ROUNDS, LOAD_PAGES_ONLY, LOAD_SECONDS (60 per level), LOAD_CLIENTS (4,8,16,32), LOAD_SCALE (20: 6,000
volunteers, 1,600 events), LOAD_DATABASE_URL (postgres://postgres@127.0.0.1:5432/crewbase_bench_load),
LOAD_REDIS_URL (redis://127.0.0.1:6379/10). For profiling: LOAD_EACH=1 runs each endpoint alone at
the first LOAD_CLIENTS value, LOAD_ONLY keeps some endpoints (names, comma-separated), and
LOAD_GUNICORN_ARGS adds server options. "cpu ms/req" is the CPU time gunicorn and this database's
PostgreSQL backends spent per request: unlike latency, other load on the machine barely moves it.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import psycopg
from _setup import BENCH_KEYS  # bench/, the script's own directory, is on sys.path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
CLIENTS = [int(c) for c in os.environ.get("LOAD_CLIENTS", "4,8,16,32").split(",")]
SCALE = int(os.environ.get("LOAD_SCALE", "20"))
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crewbase_bench_load")
TARGET_CLIENTS, TARGET_P95_MS = 32, 200
PAGE_ROUNDS = int(os.environ.get("LOAD_PAGE_ROUNDS", "30"))
FLOOR_PATH, TARGET_PAGE_RATIO = "/health/live/", 15

# The server's environment: production settings, plain HTTP on localhost.
SERVER_ENV = {
    "DEBUG": "false",
    **BENCH_KEYS,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/10"),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "DJANGO_SETTINGS_MODULE": "project.settings",
}
os.environ.update(SERVER_ENV)
sys.path.insert(0, str(ROOT))


def database_ensure() -> None:
    base, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def static_collect_if_stale() -> None:
    """collectstatic (minutes: it compresses every file) only when a source file is newer than the manifest."""
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    collected = manifest.stat().st_mtime if manifest.exists() else 0
    newest = max(
        os.path.getmtime(storage.path(path)) for finder in finders.get_finders() for path, storage in finder.list([])
    )
    if newest > collected:
        print("collecting static files…", flush=True)
        call_command("collectstatic", "--noinput", verbosity=0)


def prepare() -> dict:
    """Migrate, load demo data at SCALE (reloading if another scale is there), sign the users in."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from oncall.models import Team
    from project.authentication import api_token_create
    from project.models import ApiToken
    from volunteers import demo
    from volunteers.models import Volunteer

    call_command("migrate", verbosity=0)
    if Volunteer.objects.count() != demo.BASE_VOLUNTEERS * SCALE:
        print(f"loading demo data at scale {SCALE} (once per database)…", flush=True)
        call_command("flush", "--noinput", verbosity=0)
        call_command("load_demo_data", "--force", f"--scale={SCALE}", verbosity=0, stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give a live database
    cache.clear()  # this benchmark's own Redis database: nothing cached from an earlier run
    static_collect_if_stale()
    # An earlier run's tokens (a run takes minutes: one started alongside keeps its own).
    ApiToken.objects.filter(name="bench-load", created_at__lt=timezone.now() - timedelta(hours=1)).delete()
    personas = []
    for username in ("staff", "admin"):  # the demo users with expenses: Staff and Administrator
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        _, token = api_token_create(user=user, name="bench-load")
        personas.append({"cookie": client.cookies["sessionid"].value, "token": token})
    terms = [*demo.FIRST[:10], *demo.LAST[:10], "engineer", "nurse", "heartland", "robotics", "ada lovelace"]
    team = Team.objects.order_by("pk").first().pk
    mix = [
        {
            "name": "directory_search",
            "weight": 25,
            "auth": "session",
            "paths": [f"/volunteers/directory/?q={t.replace(' ', '+')}" for t in terms]
            + ["/volunteers/directory/?q=ma&page=2", "/volunteers/directory/?active=yes&sort=last"],
        },
        {
            "name": "event_list",
            "weight": 20,
            "auth": "session",
            "paths": [
                "/volunteers/events/",
                "/volunteers/events/?page=2",
                "/volunteers/events/?status=completed",
                "/volunteers/events/?q=riverside",
            ],
        },
        {"name": "oncall_now", "weight": 20, "auth": "token", "paths": [f"/api/v1/oncall/now/?team={team}"]},
        {
            "name": "expense_list",
            "weight": 15,
            "auth": "session",
            "paths": ["/expenses/", "/expenses/?page=2", "/expenses/?q=pizza"],
        },
        {"name": "analytics", "weight": 10, "auth": "session", "paths": ["/expenses/analytics/"]},
        {"name": "health", "weight": 10, "auth": "none", "paths": ["/health/"]},
    ]
    pages = [
        ("floor", FLOOR_PATH, "none"),
        ("health", "/health/", "none"),
        ("home", "/", "session"),
        ("directory", "/volunteers/directory/", "session"),
        ("directory search (1 term)", "/volunteers/directory/?q=engineer", "session"),
        ("directory search (2 terms)", "/volunteers/directory/?q=heartland+ada", "session"),
        ("directory search (name)", f"/volunteers/directory/?q={demo.LAST[3]}&sort=times", "session"),
        ("event list", "/volunteers/events/", "session"),
        ("event list search", "/volunteers/events/?q=riverside", "session"),
        ("volunteers API search", "/api/v1/volunteers/volunteers/?q=engineer", "token"),
        ("data-quality flags", "/volunteers/quality/flags/", "session"),
        ("expense list", "/expenses/", "session"),
        ("expense analytics", "/expenses/analytics/", "session"),
        ("restaurant list", "/expenses/restaurants/", "session"),
        ("on-call now (API)", f"/api/v1/oncall/now/?team={team}", "token"),
        ("on-call page", "/oncall/", "session"),
        ("on-call schedule", "/oncall/schedule/", "session"),
        ("scheduling index", "/scheduling/", "session"),
        ("scheduling week", "/scheduling/week/", "session"),
        ("scheduling unscheduled", "/scheduling/unscheduled/", "session"),
        ("scheduling employees", "/scheduling/employees/", "session"),
        ("scheduling workload", "/scheduling/workload/", "session"),
    ]
    if os.environ.get("LOAD_ONLY"):
        mix = [entry for entry in mix if entry["name"] in os.environ["LOAD_ONLY"].split(",")]
    connections.close_all()
    return {"mix": mix, "personas": personas, "pages": pages}


def lua_literal(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {lua_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string of ASCII text is a valid Lua string
    return str(value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(port: int) -> list[str]:
    """The Procfile's web command (production settings, access log) with 2 workers."""
    return [
        str(ROOT / ".venv/bin/gunicorn"),
        "project.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--timeout",
        "60",
        "--access-logfile",
        "-",
        *os.environ.get("LOAD_GUNICORN_ARGS", "").split(),
    ]


def server_start(port: int, log: Path) -> subprocess.Popen:
    cmd = server_command(port)
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live/", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log}") from None
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer; see {log}")


def warm_up(port: int, setup: dict) -> None:
    """Every path a few times (both workers), failing loudly on a non-2xx answer."""
    persona = setup["personas"][0]
    headers = {
        "session": {"Cookie": f"sessionid={persona['cookie']}"},
        "token": {"Authorization": f"Bearer {persona['token']}"},
        "none": {},
    }
    for entry in setup["mix"]:
        for path in entry["paths"]:
            for _ in range(2):
                request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers[entry["auth"]])
                with urllib.request.urlopen(request, timeout=30) as reply:
                    if reply.status != 200 or reply.url != request.full_url:
                        raise SystemExit(f"warm-up: {path} answered {reply.status} at {reply.url}")


def page_table(port: int, server_pid: int, setup: dict) -> list[tuple[str, str, float, float]]:
    """Single client, one keep-alive connection: every page once per round, rounds alternating so
    that other load on the machine falls on every page alike; the median of each page, and the
    CPU time gunicorn and this database's PostgreSQL backends spent on it per request (clock
    ticks read around each request: coarse one by one, close over the rounds)."""
    persona = setup["personas"][1]  # the Administrator
    headers = {
        "session": {"Cookie": f"sessionid={persona['cookie']}"},
        "token": {"Authorization": f"Bearer {persona['token']}"},
        "none": {},
    }
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, float] = defaultdict(float)
    meter = CpuMeter(server_pid)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        with psycopg.connect(DATABASE_URL, autocommit=True) as db:
            for round_ in range(PAGE_ROUNDS + 2):  # two warm-up rounds
                for _name, path, auth in setup["pages"]:
                    before = meter.cpu_by_pid(db)
                    started = time.perf_counter()
                    conn.request("GET", path, headers=headers[auth])
                    reply = conn.getresponse()
                    reply.read()
                    elapsed = (time.perf_counter() - started) * 1000
                    if reply.status != 200:
                        raise SystemExit(f"page table: {path} answered {reply.status}")
                    if round_ >= 2:
                        times[path].append(elapsed)
                        # Per process: a database backend may have started (counted whole) or ended.
                        after = meter.cpu_by_pid(db)
                        cpu[path] += sum(used - before.get(pid, 0.0) for pid, used in after.items())
    finally:
        conn.close()
    return [
        (name, path, statistics.median(times[path]), cpu[path] * 1000 / PAGE_ROUNDS)
        for name, path, _auth in setup["pages"]
    ]


def page_report(rows: list[tuple[str, str, float, float]]) -> None:
    floor = next(ms for _name, path, ms, _cpu in rows if path == FLOOR_PATH)
    floor_cpu = next(cpu for _name, path, _ms, cpu in rows if path == FLOOR_PATH)
    print(
        f"single client, median of {PAGE_ROUNDS} rounds; floor {FLOOR_PATH} = {floor:.2f} ms; load {os.getloadavg()[0]:.2f}"
    )
    print(f"{'page':<28} {'ms':>8} {'× floor':>8} {'cpu ms/req':>10} {'× floor':>8}  path")
    worst = 0.0
    for name, path, ms, cpu_ms in rows:
        worst = max(worst, ms / floor)
        cpu_ratio = f"{cpu_ms / floor_cpu:>8.1f}" if floor_cpu else f"{'–':>8}"
        print(f"{name:<28} {ms:>8.2f} {ms / floor:>8.1f} {cpu_ms:>10.2f} {cpu_ratio}  {path}")
    verdict = "met" if worst <= TARGET_PAGE_RATIO else "NOT met"
    print(f"target (every page ≤ {TARGET_PAGE_RATIO}× the floor): {verdict} (worst {worst:.1f}×)", flush=True)


class CpuMeter:
    """CPU seconds used by gunicorn (master + workers) and this database's PostgreSQL backends,
    polled every second: a cost per request that other load on the machine barely changes."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int):
        self.server_pid, self.first, self.last = server_pid, {}, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    @classmethod
    def _cpu(cls, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / cls.TICK

    def _pids(self, conn) -> list[tuple[str, int]]:
        workers = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children").read_text().split()
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [("web", self.server_pid), *(("web", int(p)) for p in workers), *(("db", p) for (p,) in backends)]

    def cpu_by_pid(self, conn) -> dict[int, float]:
        return {pid: cpu for _kind, pid in self._pids(conn) if (cpu := self._cpu(pid)) is not None}

    def _poll(self) -> None:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            while True:
                for kind, pid in self._pids(conn):
                    cpu = self._cpu(pid)
                    if cpu is not None:
                        self.first.setdefault((kind, pid), cpu)
                        self.last[(kind, pid)] = cpu
                if self.stop.wait(1.0):
                    return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def seconds(self, kind: str) -> float:
        return sum(self.last[key] - self.first[key] for key in self.last if key[0] == kind)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def run_level(port: int, server_pid: int, clients: int, mix_file: Path) -> dict:
    """One wrk run of SECONDS at `clients` connections; latencies and errors from the samples."""
    samples = mix_file.with_suffix(f".{clients}.samples")
    env = {**os.environ, "LOAD_MIX": str(mix_file), "LOAD_SAMPLES": str(samples)}
    load_before = os.getloadavg()[0]
    with CpuMeter(server_pid) as cpu:
        subprocess.run(
            [
                "wrk",
                f"-t{clients}",
                f"-c{clients}",
                f"-d{SECONDS}s",
                "--timeout",
                "10s",
                "-s",
                str(ROOT / "bench/load.lua"),
                f"http://127.0.0.1:{port}",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    lines = samples.read_text().splitlines()
    requests, duration_us, *socket_errors = (int(x) for x in lines[0][2:].split())
    by_endpoint, failed = defaultdict(list), 0
    for line in lines[1:]:
        name, status, micros = line.split()
        by_endpoint[name].append(int(micros) / 1000)
        failed += not status.startswith("2")
    every = [ms for values in by_endpoint.values() for ms in values]
    return {
        "clients": clients,
        "rps": requests / (duration_us / 1e6),
        "p50": percentile(every, 50),
        "p95": percentile(every, 95),
        "p99": percentile(every, 99),
        "errors": failed + sum(socket_errors),
        "load": (load_before, os.getloadavg()[0]),
        "web_cpu_ms": cpu.seconds("web") * 1000 / requests,
        "db_cpu_ms": cpu.seconds("db") * 1000 / requests,
        "endpoints": {name: percentile(values, 95) for name, values in by_endpoint.items()},
    }


def report(results: list[dict], names: list[str], first_column: str = "clients") -> None:
    print(
        f"{first_column:>16} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'cpu ms/req web+db':>17} {'load 1m':>11}"
    )
    for r in results:
        print(
            f"{r['label']:>16} {r['rps']:>7.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f} "
            f"{r['errors']:>6} {r['web_cpu_ms']:>8.1f}+{r['db_cpu_ms']:<8.1f} {r['load'][0]:>5.2f}→{r['load'][1]:<5.2f}"
        )
    if any(len(r["endpoints"]) > 1 for r in results):
        print("p95 ms per endpoint:")
        print(f"{first_column:>16} " + " ".join(f"{n:>16}" for n in names))
        for r in results:
            print(f"{r['label']:>16} " + " ".join(f"{r['endpoints'].get(n, 0):>16.1f}" for n in names))
    final = next((r for r in results if r["clients"] == TARGET_CLIENTS and len(r["endpoints"]) > 1), None)
    if final is not None:
        ok = final["errors"] == 0 and final["p95"] < TARGET_P95_MS
        print(
            f"target at {TARGET_CLIENTS} clients (0 errors, p95 < {TARGET_P95_MS} ms): "
            f"{'met' if ok else 'NOT met'} (errors={final['errors']}, p95={final['p95']:.1f} ms)"
        )


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `bin/system-packages wrk` (make bench does it)")
    started = time.monotonic()
    database_ensure()
    setup = prepare()
    workdir = Path(tempfile.mkdtemp(prefix="crewbase-load-"))
    personas = f"personas = {lua_literal(setup['personas'])}\n"
    # LOAD_EACH=1: each endpoint alone at the first concurrency (its own cost), else the mix at each.
    if os.environ.get("LOAD_EACH"):
        runs = [(entry["name"], [entry], CLIENTS[0]) for entry in setup["mix"]]
    else:
        runs = [(str(clients), setup["mix"], clients) for clients in CLIENTS]
    port = free_port()
    server = server_start(port, workdir / "gunicorn.log")
    results = []
    try:
        warm_up(port, setup)
        print(
            f"{' '.join(server_command(port)[1:])}; {SECONDS} s per run, {os.cpu_count()} CPUs, "
            f"scale {SCALE}; prepared in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        page_report(page_table(port, server.pid, setup))
        if os.environ.get("LOAD_PAGES_ONLY"):
            runs = []
        for label, mix, clients in runs:
            mix_file = workdir / f"mix-{label}.lua"
            mix_file.write_text(f"mix = {lua_literal(mix)}\n{personas}")
            results.append({"label": label, **run_level(port, server.pid, clients, mix_file)})
            r = results[-1]
            print(f"  {label}: {r['rps']:.1f} req/s, p95 {r['p95']:.1f} ms, errors {r['errors']}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report(
        results,
        [entry["name"] for entry in setup["mix"]],
        f"endpoint ({CLIENTS[0]} cl.)" if os.environ.get("LOAD_EACH") else "clients",
    )
    print(f"total {time.monotonic() - started:.0f} s; gunicorn log and samples in {workdir}")


if __name__ == "__main__":
    main()
