"""Two batches of one object written at once on PostgreSQL (`salesforce/writers.py`): commits in
batch order, a batch sharing a row with the one in flight waits for it, an error stops the rest,
and a whole sync written this way stores exactly what one batch after another stores."""

import gc
import threading
import time
import weakref

import pytest
from django.db import IntegrityError, connection, transaction

from integrations.salesforce.fake import FakeSalesforceClient
from volunteers.models import ContactEmail, DataQualityFlag, Event, SyncRun, Volunteer, VolunteerParticipation
from volunteers.salesforce import sync
from volunteers.salesforce.writers import LOCK_TIMEOUT, OrderedWriters

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("batches are written two at a time on PostgreSQL only (SQLite has one writer)")


def _steps(
    log: list,
    name: str,
    *,
    write_seconds: float = 0.0,
    fail: bool = False,
    wait_for: threading.Event | None = None,
    written: threading.Event | None = None,
):
    def prepare():
        log.append((name, "prepare"))

    def write():
        log.append((name, "write"))
        with connection.cursor() as cursor:  # the batch's own connection, inside its transaction
            cursor.execute("SELECT pg_backend_pid(), current_setting('lock_timeout')")
            pid, lock_timeout = cursor.fetchone()
            log.append((name, "pid", pid, connection.in_atomic_block, lock_timeout))
        if write_seconds:
            time.sleep(write_seconds)
        if wait_for is not None:
            log.append((name, "waited", wait_for.wait(10)))
        if fail:
            raise RuntimeError(f"{name} broke")
        log.append((name, "written"))
        if written is not None:
            written.set()

    def commit():
        log.append((name, "commit"))

    def after():
        log.append((name, "after"))

    return prepare, write, commit, after


def test_not_used_inside_a_transaction():
    assert OrderedWriters.usable()
    with transaction.atomic():
        assert not OrderedWriters.usable()  # one connection holds the caller's transaction


def test_batches_overlap_but_commit_in_order_on_their_own_connections():
    log: list = []
    second_written = threading.Event()
    writers = OrderedWriters()
    try:
        writers.submit(*_steps(log, "first", wait_for=second_written), keys={"a"})
        writers.submit(*_steps(log, "second", written=second_written), keys={"b"})
        writers.submit(*_steps(log, "third"), keys={"c"})
    finally:
        writers.close()
    events = [entry[:2] for entry in log]
    # The second batch wrote while the first was still writing (no shared key)...
    assert ("first", "waited", True) in log
    assert events.index(("second", "written")) < events.index(("first", "written"))
    # ...and still committed after it; each batch's follow-up runs in order too.
    commits = [name for name, step in events if step == "commit"]
    afters = [name for name, step in events if step == "after"]
    assert commits == afters == ["first", "second", "third"]
    pids = {entry[0]: entry[2] for entry in log if entry[1] == "pid"}
    assert pids["first"] != pids["second"] and pids["first"] == pids["third"]  # two connections, taking turns
    assert all(entry[3] for entry in log if entry[1] == "pid")  # written inside a transaction
    assert {entry[4] for entry in log if entry[1] == "pid"} == {LOCK_TIMEOUT}  # row locks waited on briefly
    with connection.cursor() as cursor:  # and closed when done
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [sorted(set(pids.values()))])
        assert cursor.fetchone()[0] == 0


def test_a_batch_sharing_a_key_starts_after_the_one_before_has_committed():
    log: list = []
    writers = OrderedWriters()
    try:
        writers.submit(*_steps(log, "first", write_seconds=0.3), keys={"a", "shared"})
        writers.submit(*_steps(log, "second"), keys={"shared", "b"})
    finally:
        writers.close()
    events = [entry[:2] for entry in log]
    assert events.index(("first", "commit")) < events.index(("second", "prepare")) < events.index(("second", "write"))


def test_an_error_rolls_back_the_batches_after_it_and_is_raised_by_close():
    log: list = []
    writers = OrderedWriters()
    with pytest.raises(RuntimeError, match="first broke"):
        try:
            writers.submit(*_steps(log, "first", write_seconds=0.2, fail=True), keys={"a"})
            writers.submit(*_steps(log, "second"), keys={"b"})
            time.sleep(0.5)
            writers.submit(*_steps(log, "third"), keys={"c"})  # after the error: not started
        finally:
            writers.close()
    events = [entry[:2] for entry in log]
    assert ("second", "written") in events  # it had written, then waited for the first...
    assert not [step for name, step in events if step in ("commit", "after")]  # ...and rolled back
    assert not [entry for entry in events if entry[0] == "third"]


def test_a_batch_has_its_deferred_constraints_checked_before_waiting_for_the_one_before():
    """The foreign keys of a batch's rows (deferred to the commit by default) are checked as soon
    as it has written, beside the batch before it, not only once that one has committed: here the
    second batch's bad reference fails it while the first is still writing."""
    release = threading.Event()
    log: list = []

    def first_write():
        release.wait(10)  # still writing until the test says

    def second_write():
        ContactEmail.objects.create(contact_id=2_000_000_000, email="nobody@example.org", kind="personal")
        log.append("second wrote")  # a deferred key: the insert itself is accepted

    writers = OrderedWriters()
    with pytest.raises(IntegrityError):
        try:
            writers.submit(None, first_write, None, None, keys={"a"})
            writers.submit(None, second_write, None, None, keys={"b"})
            deadline = time.monotonic() + 5
            while not writers._failed() and time.monotonic() < deadline:
                time.sleep(0.02)
            failed_while_first_was_writing = writers._failed()
            release.set()
        finally:
            release.set()
            writers.close()
    assert log == ["second wrote"]
    assert failed_while_first_was_writing
    assert not ContactEmail.objects.filter(email="nobody@example.org").exists()


def _stored() -> dict:
    """What a sync stored, by Salesforce id (database keys differ from run to run)."""
    volunteers = {
        v.salesforce_id: (
            v.first_name,
            v.last_name,
            v.times_volunteered,
            v.first_volunteered_on,
            v.last_volunteered_on,
            v.search_text,
            sorted((e.email, e.is_primary) for e in v.emails.all()),
            sorted((p.number, p.is_primary) for p in v.phones.all()),
            sorted(s.name for s in v.skills.all()),
        )
        for v in Volunteer.objects.prefetch_related("emails", "phones", "skills")
    }
    events = sorted(
        Event.objects.values_list(
            "salesforce_id", "registered_count", "attended_count", "registered_student_count", "attended_student_count"
        )
    )
    participations = sorted(
        VolunteerParticipation.objects.values_list(
            "salesforce_id", "volunteer__salesforce_id", "event__salesforce_id", "status"
        )
    )
    flags = sorted(DataQualityFlag.objects.values_list("entity_type", "entity_key", "issue_type", "status"))
    runs = sorted(
        SyncRun.objects.values_list("object_name", "status", "created", "updated", "unchanged", "failed", "queued")
    )
    return {"volunteers": volunteers, "events": events, "participations": participations, "flags": flags, "runs": runs}


class _Rollback(Exception):
    pass


def test_a_sync_written_two_batches_at_a_time_stores_what_one_after_another_stores(monkeypatch):
    monkeypatch.setattr(sync, "WRITE_BATCH", 4)  # many batches per object
    monkeypatch.setattr(sync, "FIGURES_SPLIT", 2)  # and the volunteers' figures refreshed in two halves
    client = FakeSalesforceClient(page_size=3)
    # One batch after another: inside a transaction there is one connection (then rolled back).
    with pytest.raises(_Rollback), transaction.atomic():
        sync.sync_all(client=client, mode="full")
        expected = _stored()
        raise _Rollback
    assert not Volunteer.objects.exists()

    submitted = []
    submit = OrderedWriters.submit

    def counting(self, *args, **kwargs):
        submitted.append(threading.current_thread().name)
        return submit(self, *args, **kwargs)

    halves = []
    refresh = sync.participation_figures_refresh

    def refreshing(*, volunteer_ids, **kwargs):
        halves.append((threading.current_thread().name, len(volunteer_ids)))
        return refresh(volunteer_ids=volunteer_ids, **kwargs)

    monkeypatch.setattr(OrderedWriters, "submit", counting)
    monkeypatch.setattr(sync, "participation_figures_refresh", refreshing)
    summary = sync.sync_all(client=client, mode="full")
    assert len(submitted) > 6  # the volunteers, events and participations went through the writers
    split = [half for half in halves if half[1] > 0]
    assert {name.split("-")[0] for name, _ in split} == {"MainThread", "salesforce"}  # two connections
    assert {row["object"] for row in summary} >= {"volunteers", "events", "volunteer_participations"}
    stored = _stored()
    assert stored["volunteers"] and stored["participations"]
    assert stored == expected


def test_a_record_repeated_in_the_next_batch_keeps_its_later_version(monkeypatch):
    monkeypatch.setattr(sync, "WRITE_BATCH", 2)
    client = FakeSalesforceClient(page_size=2)
    contacts = [r for r in client.data["Contact"] if r.get("Contact_Type__c") == "Volunteer"]
    first = dict(contacts[0])
    later = dict(first, LastName="Later-Version", LastModifiedDate="2099-01-01T00:00:00.000+0000")
    client.data["Contact"] = [*contacts, later]
    run = sync.sync_object(key="volunteers", client=client, mode="full")
    assert run.status == "success"
    assert Volunteer.objects.get(salesforce_id=first["Id"]).last_name == "Later-Version"


def test_finished_batches_let_go_of_their_records():
    """Each batch's steps hold its records; a run of many batches must not keep them all."""

    class Records:
        pass

    writers, held = OrderedWriters(), []
    try:
        for name in ("first", "second", "third"):
            records = Records()
            held.append(weakref.ref(records))
            prepare, write, commit, after = _steps([], name)
            writers.submit(prepare, lambda records=records, write=write: write(), commit, after, keys={name})
            del records
        last = writers._submitted[-1]
        assert last.done.wait(10)
        gc.collect()
        assert [ref() for ref in held] == [None, None, None]  # the writers are alive, the records are not
        assert last.before is None and last.keys == frozenset()
    finally:
        writers.close()


def test_the_writers_serve_one_object_after_another_on_the_same_connections():
    """`drain()` waits for an object's batches and raises its error (a batch before the failed one
    still commits); the writers then serve the next object (its batches start afresh) on the
    connections they opened for the first."""
    log: list = []
    writers = OrderedWriters()
    try:
        writers.submit(*_steps(log, "a1", write_seconds=0.3), keys={"x"})
        writers.submit(*_steps(log, "a2", fail=True), keys={"y"})  # fails while a1 still writes
        with pytest.raises(RuntimeError, match="a2 broke"):
            writers.drain()
        writers.submit(*_steps(log, "b1"), keys={"x"})  # same key as a1: nothing in flight to wait for
        writers.submit(*_steps(log, "b2"), keys={"z"})
        writers.drain()
    finally:
        writers.close()
    events = [entry[:2] for entry in log]
    assert [name for name, step in events if step == "after"] == ["a1", "b1", "b2"]
    pids = {entry[0]: entry[2] for entry in log if entry[1] == "pid"}
    assert pids["a1"] == pids["b1"] and pids["a2"] == pids["b2"] and pids["a1"] != pids["a2"]
