"""Two batches of one object written at once, committed in order (PostgreSQL only).

A batch's write alternates between Python (building rows, reading results) and waiting on the
database; one connection does one at a time, so a run waited on both in turn. `OrderedWriters`
runs batch k+1 on a second thread and connection while batch k is written: Python work of one
overlaps the database work of the other. The rules that keep this the same as one batch after
another:
- **Commits in order.** A batch writes its rows and has its deferred constraints checked (the
  foreign key of every row written: most of a commit's work, done beside the batch before rather
  than after it), then waits until the batch before it has committed, then writes the run's
  counts and the lock's lease and commits; what runs after the
  commit (`after`: adding to the run's totals, progress) runs in batch order too. The run's counts
  never run ahead of the rows, as before.
- **No shared rows in flight.** Each batch names its keys (the records' Salesforce ids and
  whatever else its rows are unique on); a batch that shares a key with the batch in flight starts
  only once that one has committed, so a record repeated across batches is still written in page
  order (the later version wins) and two transactions never wait on each other's rows. Rows many
  batches share (a skill's name) are written by the batch's `prepare` step first, committed at once.
- **A safety net for a rule missed:** the writers' connections wait at most LOCK_TIMEOUT for a
  row lock; a batch that hits it is written record by record like any failed batch.
- **An unexpected error** (not a refused record: those are handled inside the batch) stops the
  writers: the batches after it roll back or are not started (those before it still commit), and
  `drain()`/`close()` raises it in the caller's thread.
Each writer thread has its own connection, kept for every object of a run, and closes it when
the writers are closed. Inside a transaction (a test
case) or on SQLite there is one connection to write with: `OrderedWriters.usable()` says so, and
the caller writes batch after batch itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from queue import Queue

from django.db import connection, transaction

LOCK_TIMEOUT = "10s"
_STOP = object()


Step = Callable[[], None] | None  # None: nothing to do at that step


class _Batch:
    def __init__(self, seq: int, prepare: Step, write: Step, commit: Step, after: Step, keys):
        self.seq = seq  # its place in submission order
        self.prepare, self.write, self.commit, self.after = prepare, write, commit, after
        self.keys = frozenset(keys)
        self.done = threading.Event()
        self.before: _Batch | None = None

    def forget(self) -> None:
        """Done: let go of its steps (and through them its records), its keys and the batch before
        it. The batch after it keeps only this shell (`done` set: nothing to wait for, so no keys to
        compare), so memory holds no chain of finished batches."""
        self.prepare = self.write = self.commit = self.after = None
        self.before = None
        self.keys = frozenset()


class OrderedWriters:
    """`submit(prepare, write, commit, after, keys)` for each batch in order, `drain()` to wait for
    them (the batches of one object), then `close()` (always). `prepare` runs first, outside the
    batch's transaction (rows shared by every batch, committed at once so that no batch waits on
    another's), `write` and `commit` in the batch's transaction, `after` once it has committed; a
    step given as None is skipped. The writers start with the first batch and serve every object
    of a run until `close()`: their connections are opened (and warmed) once per run, not per object."""

    def __init__(self, count: int = 2):
        self._queues: list[Queue] = [Queue(maxsize=1) for _ in range(count)]
        self._threads: list[threading.Thread] = []
        self._slots = threading.Semaphore(count)  # batches in flight: one per writer, none queued
        self._next = 0
        self._submitted: list[_Batch] = []  # since the last drain, in order (finished ones are empty shells)
        self._seq = 0
        self._error: BaseException | None = None
        self._error_seq = 0  # the failed batch's place: the batches after it roll back
        self._lock = threading.Lock()

    @staticmethod
    def usable() -> bool:
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def submit(self, prepare: Step, write: Step, commit: Step, after: Step, keys: Iterable[Hashable]) -> None:
        if self._failed():
            return  # it would be rolled back: drain() or close() raises the error
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._run, args=(q,), name=f"salesforce-writer-{i}", daemon=True)
                for i, q in enumerate(self._queues)
            ]
            for thread in self._threads:
                thread.start()
        self._seq += 1
        batch = _Batch(self._seq, prepare, write, commit, after, keys)
        batch.before = self._submitted[-1] if self._submitted else None
        self._submitted.append(batch)
        queue = self._queues[self._next]
        self._next = (self._next + 1) % len(self._queues)
        # Waits while every writer has a batch: the caller gathers the pages that come meanwhile into
        # its next batch (fewer, larger batches when the database is the slower side), and memory
        # holds at most one batch per writer.
        self._slots.acquire()
        queue.put(batch)

    def drain(self) -> None:
        """Wait for every batch submitted so far; raise the first unexpected error among them. The
        writers stay for the batches submitted next (the next object's), which start afresh: no
        batch of theirs waits on one before, and an earlier error is not theirs."""
        submitted, self._submitted = self._submitted, []
        for batch in submitted:
            batch.done.wait()
        self._next = 0
        with self._lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    def done_with(self, *, keep: bool) -> None:
        """An object's batches are all submitted: `keep` (the run's writers, which serve its next
        object) drains them, else the writers are closed."""
        if keep:
            self.drain()
        else:
            self.close()

    def close(self) -> None:
        """Wait for every batch, raise the first unexpected error, and stop the writers."""
        try:
            self.drain()
        finally:
            for queue in self._queues if self._threads else ():
                queue.put(_STOP)
            for thread in self._threads:
                thread.join()

    def _failed(self, before: _Batch | None = None) -> bool:
        """An unexpected error happened (in a batch submitted before `before`, when given)."""
        with self._lock:
            return self._error is not None and (before is None or self._error_seq < before.seq)

    def _run(self, queue: Queue) -> None:
        try:
            while (batch := queue.get()) is not _STOP:
                try:
                    _connection_ready()
                    self._write(batch)
                except BaseException as exc:  # raised again in the caller's thread by drain()/close()
                    with self._lock:
                        if self._error is None or batch.seq < self._error_seq:
                            self._error, self._error_seq = exc, batch.seq
                finally:
                    batch.done.set()
                    batch.forget()
                    self._slots.release()
        finally:
            connection.close()

    def _write(self, batch: _Batch) -> None:
        before = batch.before
        if before is not None and batch.keys & before.keys:
            before.done.wait()  # a shared row: this batch starts once the one before has committed
        if self._failed(batch):
            return
        _run_step(batch.prepare)
        with transaction.atomic():
            _run_step(batch.write)
            with connection.cursor() as cursor:
                # The batch's deferred constraint checks (a foreign key per row written, the larger
                # part of its commit) run now, beside the commit of the batch before, not after it.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if before is not None:
                before.done.wait()
            if self._failed(batch):
                raise _RolledBack
            _run_step(batch.commit)
        _run_step(batch.after)


def _connection_ready() -> None:
    """This writer thread's own connection, for all its batches: opened on first use with the
    writers' lock timeout, and opened again if an error left it unusable (the next object's batches
    must not fail for an earlier one's broken connection)."""
    if connection.connection is not None and connection.errors_occurred and not connection.is_usable():
        connection.close()
    if connection.connection is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")


def _run_step(step: Step) -> None:
    if step is not None:
        step()


class _RolledBack(Exception):
    """An earlier batch failed: this one is rolled back (not an error of its own)."""
