"""Benchmark of the Salesforce sync: a full sync of contacts, sessions and participations through the
real client (simple-salesforce) against a local fake Salesforce (a threaded HTTPS server in this
script, self-signed certificate), then a delta sync with nothing changed.

Run from the repo root: `.venv/bin/python bench/salesforce.py`. A throwaway SQLite file by default,
or BENCH_DATABASE_URL=postgres://…/crewbase_salesforce_bench. Scale (default ≈ 1 minute):
BENCH_SF_CONTACTS (default 10000), BENCH_SF_PARTICIPATIONS (default 30000), BENCH_SF_SESSIONS (default
contacts / 10); BENCH_SF_PROFILE=path writes a cProfile of the full sync there. The issue's scale: BENCH_SF_CONTACTS=100000 BENCH_SF_PARTICIPATIONS=300000;
200,000 records (for peak memory against the default 41,000): BENCH_SF_CONTACTS=50000 BENCH_SF_PARTICIPATIONS=145000.
The floor and the full sync run in turn BENCH_SF_ROUNDS times (default 5), each from an empty
database; each round's figures are printed and the median ratio is the figure (a shared machine's
speed drifts by tens of percent within a minute). On PostgreSQL it also prints the CPU seconds of the sync and of the floor (this process and the
whole PostgreSQL server: the sync writes on two connections), the steadier ratio on a shared machine, and the load average before and after.
Prints one line per figure, e.g. `salesforce.full_sync records=… seconds=… records_per_s=…`.
"""

from __future__ import annotations

import cProfile
import json
import multiprocessing
import os
import re
import resource
import ssl
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from _setup import django_setup

django_setup("salesforce")

import urllib3
from django.core.management import call_command
from django.db import connection, transaction

from integrations.salesforce.fake import sf_datetime
from integrations.salesforce.http_fake import SalesforceHttpFake
from integrations.salesforce.interface import build_soql, parse_sf_datetime
from integrations.salesforce.live import LiveSalesforceClient
from volunteers.models import Event, Volunteer, VolunteerParticipation
from volunteers.salesforce.mapping import SPEC_BY_KEY
from volunteers.salesforce.sync import sync_all

N_CONTACTS = int(os.environ.get("BENCH_SF_CONTACTS", "10000"))
N_PARTICIPATIONS = int(os.environ.get("BENCH_SF_PARTICIPATIONS", "30000"))
N_SESSIONS = int(os.environ.get("BENCH_SF_SESSIONS", str(max(10, N_CONTACTS // 10))))
ROUNDS = int(os.environ.get("BENCH_SF_ROUNDS", "5"))
T0 = datetime(2025, 6, 1, tzinfo=UTC)
FIRST = ["Ada", "Grace", "Alan", "Maria", "James", "Aisha", "Chen", "Luis", "Priya", "Noah"]
LAST = ["Lovelace", "Hopper", "Turing", "Garcia", "Johnson", "Khan", "Wang", "Martinez", "Patel", "Smith"]


def contacts():
    for i in range(N_CONTACTS):
        yield {
            "Id": f"003B{i:014d}",
            "Contact_Type__c": "Volunteer",
            "FirstName": FIRST[i % 10],
            "LastName": LAST[(i // 10) % 10] if i % 50 else LAST[(i // 10) % 10].upper(),
            "Email": f"v{i}@example.org" if i % 20 else "None",
            "Phone": f"(816) 555-{i % 10000:04d}",
            "Title": "Engineer",
            "Department": "R&D",
            "MailingPostalCode": "64108",
            "LastModifiedDate": sf_datetime(T0 + timedelta(seconds=i)),
        }


def sessions():
    for i in range(N_SESSIONS):
        start = T0 + timedelta(days=i % 300, hours=9)
        yield {
            "Id": f"a0SB{i:014d}",
            "Name": f"Career Speaker #{i}",
            "Session_Type__c": "Career Speaker",
            "Format__c": "In-Person",
            "Session_Status__c": "Completed",
            "Start_Date_and_Time__c": sf_datetime(start),
            "End_Date_and_Time__c": sf_datetime(start + timedelta(hours=1)),
            "LastModifiedDate": sf_datetime(T0 + timedelta(seconds=i)),
        }


def participations():
    """(contact, session) pairs are unique, as in Salesforce: participation i → contact i mod C and
    session (i div C + i mod C) mod S (unique while participations / contacts < sessions)."""
    for i in range(N_PARTICIPATIONS):
        contact, session = i % N_CONTACTS, (i // N_CONTACTS + i % N_CONTACTS) % N_SESSIONS
        yield {
            "Id": f"a0PB{i:014d}",
            "Participant_Type__c": "Volunteer",
            "Contact__c": f"003B{contact:014d}",
            "Session__c": f"a0SB{session:014d}",
            "Status__c": "Attended" if i % 4 else "Registered",
            "Delivery_Hours__c": 1.5,
            "LastModifiedDate": sf_datetime(T0 + timedelta(seconds=i)),
        }


class PrerenderedSalesforce:
    """The fake's answers to the sync's full queries rendered before the clock starts, as a server
    that keeps its data indexed would answer: the benchmark measures the sync, not the fake's JSON
    encoding. Anything else (the delta queries) is answered by the fake itself, except that a query
    for rows modified after the newest one is answered empty at once (an index on LastModifiedDate)."""

    def __init__(self, fake: SalesforceHttpFake, specs):
        self.fake, self.specs = fake, specs
        self.pages: dict[str, tuple[int, str]] = {}
        self.newest: dict[str, datetime] = {}

    @staticmethod
    def _key(path: str) -> str:
        parsed = urlparse(path)
        return parse_qs(parsed.query).get("q", [parsed.path])[0]

    def warm(self) -> None:
        for spec in self.specs:
            path = "/services/data/v59.0/query/?" + urlencode(
                {"q": build_soql(sobject=spec.sobject, fields=spec.fields, where=spec.where)}
            )
            while path:
                status, body = self.fake.handle(f"https://127.0.0.1{path}")
                self.pages[self._key(path)] = (status, body)
                path = json.loads(body).get("nextRecordsUrl")
            self.newest[spec.sobject] = max(
                parse_sf_datetime(row["LastModifiedDate"]) for row in self.fake.generators[spec.sobject]()
            )

    def handle(self, path: str) -> tuple[int, str]:
        key = self._key(path)
        if key in self.pages:
            return self.pages[key]
        since = re.search(r"LastModifiedDate\s*>\s*(\S+)", key)
        sobject = re.search(r"\bFROM\s+(\w+)", key)
        if since and sobject and sobject.group(1) in self.newest:
            if parse_sf_datetime(since.group(1)) >= self.newest[sobject.group(1)]:
                return 200, json.dumps({"totalSize": 0, "done": True, "records": []})
        return self.fake.handle(f"https://127.0.0.1{path}")


def start_server(fake: PrerenderedSalesforce) -> tuple[multiprocessing.Process, str]:
    """The fake Salesforce in a child process, as the real one is on another machine: its work
    must not compete with the sync for this process's interpreter lock, and its memory is not the
    sync's. It renders its pages before it answers (the call returns once it is ready).
    Returns (process, base URL)."""
    workdir = tempfile.mkdtemp()
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status, body = fake.handle(self.path)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    ready = FORK.Event()

    def serve():
        fake.warm()
        ready.set()
        server.serve_forever()

    process = FORK.Process(target=serve, daemon=True)
    process.start()
    server.socket.close()  # the child serves; this process only needs the port
    ready.wait()
    return process, f"https://127.0.0.1:{server.server_address[1]}"


FORK = multiprocessing.get_context("fork")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- the database floor
FLOOR_TABLES = {
    "contact": (
        "sf_id varchar(18) unique not null, first_name varchar(100), last_name varchar(100), "
        "email varchar(254), phone varchar(20), title varchar(200), department varchar(200), "
        "postal_code varchar(20)"
    ),
    "event": (
        "sf_id varchar(18) unique not null, title varchar(255), kind varchar(100), fmt varchar(20), "
        "status varchar(20), starts timestamptz, ends timestamptz"
    ),
    "part": (
        "sf_id varchar(18) unique not null, contact_id integer references bench_floor_contact(id), "
        "event_id integer references bench_floor_event(id), status varchar(20), hours numeric(6, 2)"
    ),
}


def _floor_rows():
    yield (
        "contact",
        ["sf_id", "first_name", "last_name", "email", "phone", "title", "department", "postal_code"],
        [
            (r["Id"], r["FirstName"], r["LastName"], r["Email"], r["Phone"], r["Title"], r["Department"], "64108")
            for r in contacts()
        ],
    )
    yield (
        "event",
        ["sf_id", "title", "kind", "fmt", "status", "starts", "ends"],
        [
            (
                r["Id"],
                r["Name"],
                r["Session_Type__c"],
                r["Format__c"],
                r["Session_Status__c"],
                r["Start_Date_and_Time__c"],
                r["End_Date_and_Time__c"],
            )
            for r in sessions()
        ],
    )
    yield (
        "part",
        ["sf_id", "contact_sf", "event_sf", "status", "hours"],
        [(r["Id"], r["Contact__c"], r["Session__c"], r["Status__c"], r["Delivery_Hours__c"]) for r in participations()],
    )


def _proc_cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds of a process from /proc (user + system; with `children`, also those of its
    children that ended)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float | None:
    """CPU time of this process (all its threads) plus the whole PostgreSQL server's: every backend
    (the sync writes on more than one connection) and the server's own processes (WAL writer,
    checkpointer), those still running and those that ended (counted on the postmaster). None when
    that is not readable (another machine or user). On a shared machine wall time follows the
    neighbours' load; CPU time is the work done, so the ratio of CPU seconds is the steadier one."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        with open(f"/proc/{backend}/stat") as stat:
            postmaster = int(stat.read().rsplit(")", 1)[1].split()[1])
        server = _proc_cpu(postmaster, children=True)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                    if parent == postmaster:
                        server += _proc_cpu(int(entry))
                except (OSError, ValueError):
                    continue  # a process that ended meanwhile: counted on the postmaster
    except OSError:
        return None
    return time.process_time() + server


def floor_upsert() -> tuple[int, float, float | None]:
    """The same records written the plainest fast way PostgreSQL allows: per object, COPY into a
    temporary staging table and one INSERT … SELECT … ON CONFLICT DO UPDATE (participations resolve
    their contact and session by a join on the Salesforce ids). Records generated before the clock
    starts; returns (records, seconds)."""
    batches = list(_floor_rows())
    with connection.cursor() as cursor:
        for name in ("part", "event", "contact"):
            cursor.execute(f"DROP TABLE IF EXISTS bench_floor_{name}")
        for name, columns in FLOOR_TABLES.items():
            cursor.execute(f"CREATE TABLE bench_floor_{name} (id serial primary key, {columns})")
    cpu_before = cpu_seconds()
    records, started = 0, time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for name, columns, rows in batches:
            records += len(rows)
            staged = ", ".join(f"{c} text" for c in columns)
            cursor.execute(f"CREATE TEMP TABLE stage_{name} ({staged}) ON COMMIT DROP")
            with raw.copy(f"COPY stage_{name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if name == "part":
                cursor.execute(
                    "INSERT INTO bench_floor_part (sf_id, contact_id, event_id, status, hours) "
                    "SELECT s.sf_id, c.id, e.id, s.status, s.hours::numeric FROM stage_part s "
                    "JOIN bench_floor_contact c ON c.sf_id = s.contact_sf "
                    "JOIN bench_floor_event e ON e.sf_id = s.event_sf "
                    "ON CONFLICT (sf_id) DO UPDATE SET contact_id = excluded.contact_id, "
                    "event_id = excluded.event_id, status = excluded.status, hours = excluded.hours"
                )
            else:
                casts = {"starts": "::timestamptz", "ends": "::timestamptz"}
                select = ", ".join(f"{c}{casts.get(c, '')}" for c in columns)
                updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "sf_id")
                cursor.execute(
                    f"INSERT INTO bench_floor_{name} ({', '.join(columns)}) SELECT {select} FROM stage_{name} "  # noqa: S608 - constant names
                    f"ON CONFLICT (sf_id) DO UPDATE SET {updates}"
                )
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before if cpu_before is not None else None
    with connection.cursor() as cursor:
        for name in ("part", "event", "contact"):
            cursor.execute(f"DROP TABLE bench_floor_{name}")
    return records, elapsed, cpu


def floor_in_child() -> tuple[int, float, float | None]:
    """floor_upsert() in a forked child: its records are generated before its clock starts and so
    held in memory, which must not count in this process's peak memory."""
    connection.close()
    parent_end, child_end = FORK.Pipe()

    def run():
        parent_end.close()
        child_end.send(floor_upsert())
        connection.close()

    child = FORK.Process(target=run)
    child.start()
    child_end.close()
    result = parent_end.recv()
    child.join()
    return result


def fresh_database() -> None:
    """Empty tables, and on PostgreSQL the system catalogs vacuumed: emptying ~100 tables leaves
    thousands of dead catalog rows, and on a server without autovacuum they pile up from run to
    run and slow every statement of the next (the floor's and the sync's alike)."""
    call_command("flush", verbosity=0, interactive=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_type, pg_catalog.pg_depend"
            )


def main() -> None:
    urllib3.disable_warnings()
    call_command("migrate", verbosity=0, interactive=False)
    print("salesforce.load_average={:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    fake = SalesforceHttpFake(
        page_size=2000, rows={"Contact": contacts, "Session__c": sessions, "Session_Participant__c": participations}
    )
    objects = ["volunteers", "events", "volunteer_participations"]
    server, url = start_server(PrerenderedSalesforce(fake, [SPEC_BY_KEY[key] for key in objects]))
    client = LiveSalesforceClient(instance_url=url, access_token="bench-token", verify=False)  # self-signed, local
    rss_before = peak_rss_mb()
    profiler = cProfile.Profile() if os.environ.get("BENCH_SF_PROFILE") else None
    # The floor and the full sync, in turn, ROUNDS times (each from an empty database): the median
    # ratio is the figure; each round's is printed too (a shared machine's speed drifts).
    ratios, cpu_ratios, rates = [], [], []
    for round_number in range(1, ROUNDS + 1):
        fresh_database()
        floor_rate = floor_cpu = None
        if connection.vendor == "postgresql":
            floor_records, floor_seconds, floor_cpu = floor_in_child()
            print(
                f"salesforce.floor_copy_upsert round={round_number} records={floor_records} "
                f"seconds={floor_seconds:.2f} records_per_s={floor_records / floor_seconds:.0f}",
                flush=True,
            )
            floor_rate = floor_records / floor_seconds
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        if profiler and round_number == ROUNDS:
            profiler.enable()
        summary = sync_all(client=client, mode="full", objects=objects)
        elapsed = time.perf_counter() - started
        sync_cpu = cpu_seconds() - cpu_before if cpu_before is not None else None
        if profiler and round_number == ROUNDS:
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_SF_PROFILE"])
        records = sum(
            r["created"] + r["updated"] + r["unchanged"] + r["failed"] + r["skipped"] + r["queued"] for r in summary
        )
        for row in summary:
            assert row["status"] == "success", row
        rates.append(records / elapsed)
        print(
            f"salesforce.full_sync round={round_number} records={records} seconds={elapsed:.2f} "
            f"records_per_s={records / elapsed:.0f} (contacts={N_CONTACTS} sessions={N_SESSIONS} "
            f"participations={VolunteerParticipation.objects.count()})",
            flush=True,
        )
        if floor_rate:
            ratios.append(floor_rate / (records / elapsed))
            print(f"salesforce.ratio_to_floor round={round_number} ratio={ratios[-1]:.2f}", flush=True)
        if sync_cpu is not None and floor_cpu:
            cpu_ratios.append(sync_cpu / floor_cpu)
            print(
                f"salesforce.cpu_seconds round={round_number} sync={sync_cpu:.2f} floor={floor_cpu:.2f} "
                f"ratio={cpu_ratios[-1]:.2f} (this process and the PostgreSQL server)",
                flush=True,
            )
    print(f"salesforce.full_sync records_per_s={statistics.median(rates):.0f} (median of {ROUNDS})", flush=True)
    if ratios:
        print(f"salesforce.ratio_to_floor={statistics.median(ratios):.2f} (median of {ROUNDS})", flush=True)
    if cpu_ratios:
        print(f"salesforce.cpu_ratio_to_floor={statistics.median(cpu_ratios):.2f} (median of {ROUNDS})", flush=True)
    print(
        f"salesforce.peak_rss_mb={peak_rss_mb():.0f} (before sync {rss_before:.0f}; records={records})",
        flush=True,
    )
    assert Volunteer.objects.count() == N_CONTACTS and Event.objects.count() == N_SESSIONS

    started = time.perf_counter()
    delta = sync_all(client=client, mode="delta", objects=objects)
    elapsed = time.perf_counter() - started
    changed = sum(r["created"] + r["updated"] for r in delta)
    print(f"salesforce.delta_nothing_changed seconds={elapsed:.2f} changed={changed}", flush=True)

    started = time.perf_counter()
    again = sync_all(client=client, mode="full", objects=["volunteers"])
    elapsed = time.perf_counter() - started
    print(
        f"salesforce.full_resync_unchanged.volunteers seconds={elapsed:.1f} "
        f"records_per_s={again[0]['unchanged'] / elapsed:.0f} created={again[0]['created']}",
        flush=True,
    )
    print("salesforce.load_average={:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    server.terminate()
    server.join()


if __name__ == "__main__":
    main()
