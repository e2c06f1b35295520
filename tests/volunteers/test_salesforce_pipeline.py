"""How a sync run moves records: pages are fetched and mapped by a reader thread up to a bounded
number of pages ahead of the writes (`sync.ReadAhead`), a write takes what is mapped by then,
each batch is one transaction, Python's cycle collector is paused while an object syncs
(`sync.collector_paused`), and a run reads its next object's pages while the current one finishes."""

import gc
import threading

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from integrations.base import TransientError
from integrations.salesforce.fake import FakeSalesforceClient
from volunteers.models import Event, SyncRun, Volunteer
from volunteers.salesforce import sync
from volunteers.salesforce.sync import ReadAhead, sync_object
from volunteers.salesforce.writers import OrderedWriters


def test_read_ahead_keeps_the_order_and_works_in_another_thread():
    threads = set()

    def work(page):
        threads.add(threading.current_thread().name)
        return page * 10

    assert list(ReadAhead(lambda: iter(range(7)), work, depth=2)) == [0, 10, 20, 30, 40, 50, 60]
    assert threads == {"salesforce-read-ahead"}


def test_read_ahead_reads_at_most_depth_pages_ahead_of_the_caller():
    produced = []
    pages = ReadAhead(lambda: iter(range(100)), lambda page: produced.append(page) or page, depth=3)
    assert next(pages) == 0
    for _ in range(50):  # give the reader every chance to run ahead
        threading.Event().wait(0.002)
    # one page handed over, three waiting in the queue, one mapped and waiting for room
    assert len(produced) <= 1 + 3 + 1
    pages.close()


def test_grouped_read_ahead_hands_over_every_page_ready_at_once():
    release = threading.Event()

    def pages():
        yield 1
        assert release.wait(5)
        yield from (2, 3, 4)

    reader = ReadAhead(pages, lambda page: page, depth=5, grouped=True)
    assert next(reader) == [1]  # what is ready, without waiting for more
    release.set()
    got = []
    for group in reader:
        assert group
        got += group
    assert got == [2, 3, 4]


def test_grouped_read_ahead_raises_after_the_pages_before_the_error():
    def pages():
        yield from (1, 2)
        raise TransientError("Salesforce went away", system="salesforce")

    got = []
    with pytest.raises(TransientError, match="went away"):
        for group in ReadAhead(pages, lambda page: page, depth=5, grouped=True):
            got += group
    assert got == [1, 2]


@pytest.mark.django_db
def test_a_run_writes_what_is_mapped_instead_of_waiting_for_a_full_batch(monkeypatch):
    """The next page only comes once the first one is stored: a run that waited for WRITE_BATCH
    records before its first write would stall (and fail the wait below)."""
    first_written = threading.Event()
    write_mapped = sync.write_mapped

    def writing(spec, batch, *, now):
        result = write_mapped(spec, batch, now=now)
        first_written.set()
        return result

    class Slow(FakeSalesforceClient):
        def query_pages(self, **kwargs):
            for index, page in enumerate(super().query_pages(**kwargs)):
                if index == 1:
                    assert first_written.wait(5), "the first page was not written before the second was read"
                yield page

    monkeypatch.setattr(sync, "write_mapped", writing)
    client = Slow(page_size=5)
    run = sync_object(key="volunteers", client=client, mode="full")
    assert run.status == "success" and run.created == Volunteer.objects.count() > 5


def test_an_error_reading_a_page_comes_after_the_pages_before_it():
    def pages():
        yield 1
        yield 2
        raise TransientError("Salesforce went away", system="salesforce")

    got = []
    with pytest.raises(TransientError, match="went away"):
        for page in ReadAhead(pages, lambda page: page, depth=5):
            got.append(page)
    assert got == [1, 2]


def test_a_caller_that_stops_early_stops_the_reader_and_closes_the_pages():
    closed = threading.Event()

    def pages():
        try:
            yield from range(10_000)
        finally:
            closed.set()

    reader = ReadAhead(pages, lambda page: page, depth=2)
    assert next(reader) == 0
    reader.close()
    assert closed.wait(5)
    assert not [t for t in threading.enumerate() if t.name == "salesforce-read-ahead"]


@pytest.mark.django_db
def test_the_cycle_collector_is_paused_while_an_object_syncs_and_restored_after(monkeypatch):
    seen = []

    class Watching(FakeSalesforceClient):
        def query_pages(self, **kwargs):
            seen.append(gc.isenabled())
            yield from super().query_pages(**kwargs)

    assert gc.isenabled()
    run = sync_object(key="volunteers", client=Watching(), mode="full")
    assert run.status == "success" and Volunteer.objects.count() == run.created > 0
    assert seen == [False] and gc.isenabled()

    def broken(*args, **kwargs):
        raise RuntimeError("lock table gone")

    monkeypatch.setattr(sync, "lock_acquire", broken)
    with pytest.raises(RuntimeError):
        sync_object(key="volunteers", client=Watching(), mode="full")
    assert gc.isenabled()  # restored on the way out of a failure too
    gc.disable()
    try:
        monkeypatch.undo()
        sync_object(key="volunteers", client=Watching(), mode="full")
        assert not gc.isenabled()  # paused by someone else before: left as it was
    finally:
        gc.enable()


@pytest.mark.django_db(transaction=True)
def test_a_run_commits_once_per_batch_plus_a_fixed_few(monkeypatch):
    """Each commit waits for the disk: a batch, the run's counts and the lock's lease are one
    transaction, and the run's start and end a fixed few whatever the number of batches."""
    counts = {"writes": 0, "commits": 0, "autocommit": 0}
    write_mapped, commit = sync.write_mapped, BaseDatabaseWrapper._commit

    def writing(spec, batch, *, now):
        counts["writes"] += 1
        return write_mapped(spec, batch, now=now)

    def committing(self):
        counts["commits"] += 1
        return commit(self)

    def watch(execute, sql, params, many, context):
        if not context["connection"].in_atomic_block and not sql.startswith("BEGIN"):  # SQLite opens with BEGIN
            counts["autocommit"] += 1  # a statement of its own: a transaction too
        return execute(sql, params, many, context)

    monkeypatch.setattr(sync, "write_mapped", writing)
    monkeypatch.setattr(BaseDatabaseWrapper, "_commit", committing)
    overheads = []
    for page_size in (1000, 3):  # one batch, then many
        for name in counts:
            counts[name] = 0
        with connection.execute_wrapper(watch):
            run = sync_object(key="volunteers", client=FakeSalesforceClient(page_size=page_size), mode="full")
        assert run.status == "success" and run.created + run.unchanged == Volunteer.objects.count()
        overheads.append(counts["commits"] + counts["autocommit"] - counts["writes"])
    assert counts["writes"] > 1
    # taking the lock, reading the last run, creating the run, ending it, releasing the lock; with
    # two writers (PostgreSQL), the skills a batch names that are new are created first in a
    # transaction of their own (the first run's one batch; the second run finds them).
    assert overheads == ([6, 5] if OrderedWriters.usable() else [5, 5])


def _reading_spies(monkeypatch) -> list:
    calls: list = []
    start_reading, sync_object_ = sync.start_reading, sync.sync_object

    def reading(key, client, mode):
        calls.append(("read", key))
        return start_reading(key, client, mode)

    def syncing(**kwargs):
        calls.append(("begin", kwargs["key"]))
        try:
            return sync_object_(**kwargs)
        finally:
            calls.append(("end", kwargs["key"]))

    monkeypatch.setattr(sync, "start_reading", reading)
    monkeypatch.setattr(sync, "sync_object", syncing)
    return calls


@pytest.mark.django_db
def test_the_next_objects_pages_are_read_while_the_current_one_finishes(monkeypatch):
    """`sync_all` starts reading the next object once every page of the current one has been read,
    before its last batches are written; the next object runs on those pages, its watermark taken
    before they were asked for."""
    calls = _reading_spies(monkeypatch)
    client = FakeSalesforceClient(page_size=5)
    before = timezone.now()
    summary = sync.sync_all(client=client, mode="full", objects=["volunteers", "events"])
    assert [row["status"] for row in summary] == ["success", "success"]
    assert calls == [
        ("begin", "volunteers"),
        ("read", "volunteers"),
        ("read", "events"),  # while volunteers were still being written
        ("end", "volunteers"),
        ("begin", "events"),
        ("end", "events"),
    ]
    volunteers, events = (SyncRun.objects.get(object_name=key) for key in ("volunteers", "events"))
    assert before <= events.watermark <= volunteers.finished_at  # taken when its reading began
    assert events.created == Event.objects.count() > 0
    assert not [t for t in threading.enumerate() if t.name == "salesforce-read-ahead"]


@pytest.mark.django_db
def test_pages_read_ahead_for_a_busy_object_are_let_go(monkeypatch):
    calls = _reading_spies(monkeypatch)
    token = sync.lock_acquire("events")  # another sync of events is running
    try:
        summary = sync.sync_all(client=FakeSalesforceClient(page_size=5), mode="full", objects=["volunteers", "events"])
    finally:
        sync.lock_release("events", token)
    assert [row["status"] for row in summary] == ["success", "busy"]
    assert ("read", "events") in calls
    assert not SyncRun.objects.filter(object_name="events").exists()
    assert not [t for t in threading.enumerate() if t.name == "salesforce-read-ahead"]  # its reader stopped
