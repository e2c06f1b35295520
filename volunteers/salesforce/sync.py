"""The database side of the Salesforce sync: set-based upserts by Salesforce id, the pending
queue, data-quality flags, run records and the per-object lock.

A run streams pages from the client (the next page is fetched while the current batch is written),
maps each record through its object's table (`salesforce/mapping.py`, plain Python, no model
instances), and writes what is mapped by then — up to WRITE_BATCH records — in one transaction with
a handful of statements:
references resolved by a join on Salesforce ids, one upsert per table (`salesforce/upsert.py`), then
contact details, skills and flags. If a batch's write fails, it is rolled back and replayed record
by record, each in a savepoint, so one bad record never stops the batch and nothing is half-written.
On PostgreSQL two batches of an object are written at once on two connections and committed in
order (`salesforce/writers.py`).
Salesforce wins for the fields the tables declare; local-only fields are never in those and so are
never overwritten.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, reduce
from operator import or_
from queue import Full, Queue

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from integrations.base import IntegrationError
from integrations.salesforce.interface import SalesforceClient, SalesforceRecord

from ..models import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    DataQualityFlag,
    District,
    Event,
    Organization,
    PendingParticipation,
    School,
    SchoolClass,
    Skill,
    Student,
    StudentParticipation,
    SyncLock,
    SyncRun,
    Teacher,
    Volunteer,
    VolunteerParticipation,
    VolunteerSkill,
)
from ..search import search_text_of, search_text_refresh
from ..services import participation_figures_refresh
from ..virtual.matching import ContactMatcher
from . import mapping as sfm
from .upsert import CREATED, UPDATED, existing_keys, insert, rows_for_keys, upsert
from .writers import OrderedWriters

logger = logging.getLogger(__name__)

MODELS = {
    "districts": District,
    "schools": School,
    "organizations": Organization,
    "classes": SchoolClass,
    "volunteers": Volunteer,
    "teachers": Teacher,
    "students": Student,
    "contacts": Contact,
    "affiliations": Affiliation,
    "events": Event,
    "volunteer_participations": VolunteerParticipation,
    "student_participations": StudentParticipation,
    "tasks": ContactHistory,
    "emails": ContactHistory,
}
CONTACT_MODELS = (Volunteer, Teacher, Student)
PARTICIPATION_KINDS = {
    "volunteer_participations": PendingParticipation.Kind.VOLUNTEER,
    "student_participations": PendingParticipation.Kind.STUDENT,
}
MAX_ERRORS_STORED = 200
LIKELY_ORPHAN_AFTER = 10
LOCK_TTL = timedelta(minutes=30)
# Records written per transaction: several Salesforce pages (2,000 records each) are written
# together, so the fixed cost of a write (a dozen statements) is paid less often; memory holds at
# most this many records whatever the size of the result.
WRITE_BATCH = 10_000
# Two batches written at once (`writers.py`): smaller ones, so that the run's last records are shared
# by both writers rather than left to one while the other waits (the fixed cost per batch is paid
# beside the other batch's work).
SHARED_WRITE_BATCH = 4_000
# Pages (2,000 records each) fetched and mapped ahead while a batch is written: a whole next batch.
READ_AHEAD_PAGES = 5
READER_JOIN_SECONDS = 30.0
FIGURES_SPLIT = 4_000  # volunteers whose figures a run refreshes on two connections from this many on
COLLECT_EVERY = 50_000  # records written between two collections of young objects (collector_paused)
IN_CHUNK = 900  # below SQLite's bound-parameter limits with room to spare
FLAG_TABLE = DataQualityFlag._meta.db_table
NAME_MATCHED = ("districts", "schools", "organizations")  # reference data also typed in by hand
# Objects whose batches may be written two at a time (`writers.py`): a record's rows are its own,
# keyed as `_batch_keys` says. Reference data matched by name, teachers matched by the teacher
# matcher, and contacts of every kind stay one batch after another.
CONCURRENT = frozenset({"volunteers", "events", *PARTICIPATION_KINDS})


class SyncBusy(Exception):
    """Another sync of the same object holds the lock."""


# --------------------------------------------------------------------------- lock
def lock_acquire(name: str, *, ttl: timedelta = LOCK_TTL) -> str | None:
    """Take the lock for `name`; returns an owner token, or None when someone else holds it.
    A conditional UPDATE is atomic on SQLite and PostgreSQL alike; an expired lock is free.
    One transaction (one commit to wait for) whether or not the lock row is new."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        SyncLock.objects.get_or_create(name=name)
        taken = SyncLock.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now), name=name).update(
            owner=token, locked_until=now + ttl
        )
    return token if taken == 1 else None


def lock_extend(name: str, token: str, *, ttl: timedelta = LOCK_TTL) -> None:
    SyncLock.objects.filter(name=name, owner=token).update(locked_until=timezone.now() + ttl)


def lock_release(name: str, token: str) -> None:
    SyncLock.objects.filter(name=name, owner=token).update(locked_until=None, owner="")


# --------------------------------------------------------------------------- results
@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    queued: int = 0
    errors: list[dict] = field(default_factory=list)
    errors_beyond: int = 0  # errors past MAX_ERRORS_STORED, counted only
    stored_ids: dict[str, int] = field(default_factory=dict)  # sf id → pk of rows written or confirmed
    # Participations written: their volunteers' stats and events' counts are refreshed once per run.
    touched_volunteers: set[int] = field(default_factory=set)
    touched_events: set[int] = field(default_factory=set)

    def add(self, other: ChunkResult) -> None:
        for name in ("created", "updated", "unchanged", "skipped", "failed", "queued"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        # The first errors are kept for the run record; the rest are counted (memory stays flat).
        self.errors_beyond += other.errors_beyond + max(0, len(self.errors) + len(other.errors) - MAX_ERRORS_STORED)
        self.errors.extend(other.errors[: max(0, MAX_ERRORS_STORED - len(self.errors))])
        self.stored_ids.update(other.stored_ids)
        self.touched_volunteers |= other.touched_volunteers
        self.touched_events |= other.touched_events


def _error(code: str, message: str, sf_id: str = "", field: str = "") -> dict:
    """One entry of a run's errors: which record (Salesforce id) and, when known, which field."""
    error = {"code": code, "message": message[:500], "salesforce_id": sf_id}
    if field:
        error["field"] = field
    return error


# --------------------------------------------------------------------------- reference resolution
def _pk_map(model, sf_ids: Iterable[str]) -> dict[str, int]:
    return existing_keys(model, "salesforce_id", [i for i in set(sf_ids) if i])


def _resolve_refs(items: list[sfm.Mapped]) -> defaultdict[str, dict[str, int]]:
    """{target: {Salesforce id: pk}} of every record the items refer to that is in Crewbase."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for ref in item.refs.values():
            wanted[ref.target].add(ref.salesforce_id)
        if "districts" in item.m2m:
            wanted["districts"].update(item.m2m["districts"])
    resolved: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for target, ids in wanted.items():
        resolved[target] = _pk_map(MODELS[target], ids)
    return resolved


# --------------------------------------------------------------------------- flags
def _flags_write(
    entity: str,
    raised: dict[str, list[sfm.Issue]],
    pks: dict[str, int],
    *,
    owned_types: Iterable[str] = sfm.SYNC_ISSUES,
    created: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Open (or reopen) the flags raised for these records; auto-resolve the sync-owned flags of
    these records that were not raised again. A dismissed flag stays dismissed. A record created
    just now has no flags yet: it is looked up only if it raises some."""
    raised = {key: issues for key, issues in raised.items() if issues or key not in created}
    keys = list(raised)
    if not keys:
        return
    owned = set(owned_types)
    existing: dict[tuple[str, str], DataQualityFlag] = {
        (key, code): DataQualityFlag(pk=pk, entity_key=key, issue_type=code, status=status)
        for key, pk, code, status in rows_for_keys(
            FLAG_TABLE,
            "entity_key",
            keys,
            columns="t.id, t.issue_type, t.status",
            where="t.entity_type = %s",
            params=[entity],
        )
    }
    now = timezone.now()
    new, reopen, resolve = [], [], []
    for key, issues in raised.items():
        seen = set()
        for issue in issues:
            if issue.code in seen:
                continue
            seen.add(issue.code)
            flag = existing.get((key, issue.code))
            if flag is None:
                new.append(
                    {
                        "entity_type": entity,
                        "entity_key": key,
                        "entity_id": pks.get(key),
                        "issue_type": issue.code,
                        "severity": issue.severity,
                        "message": issue.message[:500],
                        "details": issue.details,
                    }
                )
            elif flag.status in (DataQualityFlag.Status.RESOLVED, DataQualityFlag.Status.AUTO_RESOLVED):
                flag.status, flag.message, flag.resolved_at, flag.updated_at = (
                    DataQualityFlag.Status.OPEN,
                    issue.message[:500],
                    None,
                    now,
                )
                reopen.append(flag)
    for (key, code), flag in existing.items():
        if (
            code in owned
            and flag.status == DataQualityFlag.Status.OPEN
            and code not in {i.code for i in raised.get(key, ())}
        ):
            resolve.append(flag.pk)
    insert(DataQualityFlag, new, ignore_conflicts=True)  # a flag raised meanwhile elsewhere stays as it is
    if reopen:
        DataQualityFlag.objects.bulk_update(reopen, ["status", "message", "resolved_at", "updated_at"])
    if resolve:
        DataQualityFlag.objects.filter(pk__in=resolve).update(
            status=DataQualityFlag.Status.AUTO_RESOLVED, resolved_at=now, updated_at=now
        )


# --------------------------------------------------------------------------- contact details
def _details_write(items: list[sfm.Mapped], pks: dict[str, int], created: set[str]) -> None:
    """E-mails and phones Salesforce has are added (local extras stay); the one Salesforce prefers
    is primary — set on insert when the contact has none, else cleared first and then set, so "one
    primary per contact" holds at every statement. The first mailing address is added once."""
    contact_ids = [pks[i.salesforce_id] for i in items if i.salesforce_id in pks]
    if not contact_ids:
        return
    # A contact created just now has no details yet: only the others are read.
    existing_ids = [pks[i.salesforce_id] for i in items if i.salesforce_id in pks and i.salesforce_id not in created]
    for model, column, attr in ((ContactEmail, "email", "emails"), (ContactPhone, "number", "phones")):
        have: dict[int, dict[str, bool]] = defaultdict(dict)
        for contact_id, text, is_primary in rows_for_keys(
            model._meta.db_table, "contact_id", existing_ids, columns=f"t.{column}, t.is_primary"
        ):
            have[contact_id][text] = bool(is_primary)
        new, moving = [], []
        for item in items:
            contact_id = pks.get(item.salesforce_id)
            details = getattr(item, attr)
            if contact_id is None or not details:
                continue
            current, wanted = have[contact_id], details[0][0]
            has_primary = any(current.values())
            for text, kind in details:
                if text not in current:
                    current[text] = False
                    primary = text == wanted and not has_primary
                    new.append({"contact_id": contact_id, "kind": kind, "is_primary": primary, column: text})
            if has_primary and not current[wanted]:
                moving.append((contact_id, wanted))
        insert(model, new)
        if moving:
            model.objects.filter(contact_id__in=[c for c, _ in moving], is_primary=True).update(is_primary=False)
            model.objects.filter(reduce(or_, (Q(contact_id=c, **{column: text}) for c, text in moving))).update(
                is_primary=True
            )
    addresses = {row[0] for row in rows_for_keys(ContactAddress._meta.db_table, "contact_id", existing_ids)}
    new_addresses = []
    for item in items:
        contact_id = pks.get(item.salesforce_id)
        if contact_id is not None and item.postal and contact_id not in addresses:
            addresses.add(contact_id)
            new_addresses.append({"contact_id": contact_id, "is_primary": True, **item.postal})
    insert(ContactAddress, new_addresses)


def _skills_resolve(items: list[sfm.Mapped]) -> dict[str, tuple[int, str]]:
    """{lower-cased name: (skill pk, stored name)} of every skill the page names; the skills not in
    Crewbase yet are created (the first spelling seen)."""
    names = {name.lower(): name for i in items for name in i.m2m.get("skills", ())}
    if not names:
        return {}

    def stored(keys) -> dict[str, tuple[int, str]]:
        return {
            key: (pk, name)
            for key, pk, name in Skill.objects.annotate(key=Lower("name"))
            .filter(key__in=sorted(keys))
            .values_list("key", "pk", "name")
        }

    skills = stored(names)
    # In name order: two batches creating the same new skills lock them in the same order (no deadlock).
    missing = [Skill(name=names[key]) for key in sorted(names) if key not in skills]
    if missing:
        Skill.objects.bulk_create(missing, ignore_conflicts=True)
        skills.update(stored(s.name.lower() for s in missing))
    return skills


def _skill_names(item: sfm.Mapped, skills: dict[str, tuple[int, str]]) -> list[str]:
    """The stored names of the skills a record names, each skill once: what its links will hold."""
    return list(dict(skills[name.lower()] for name in item.m2m.get("skills", ())).values())


def _skills_write(
    items: list[sfm.Mapped], pks: dict[str, int], created: set[str], skills: dict[str, tuple[int, str]]
) -> set[int]:
    """Skills from Salesforce: links with source "salesforce" follow Salesforce (added and removed);
    skills staff entered by hand are never touched. Returns the volunteers created before this page
    whose links changed (a new volunteer's search text has its skills already)."""
    wanted = {
        pks[i.salesforce_id]: i.m2m["skills"]
        for i in items
        if "skills" in i.m2m and i.salesforce_id in pks and (i.m2m["skills"] or i.salesforce_id not in created)
    }
    if not wanted:
        return set()
    links = defaultdict(dict)
    for pk, volunteer_id, skill_id, source in VolunteerSkill.objects.filter(volunteer_id__in=list(wanted)).values_list(
        "pk", "volunteer_id", "skill_id", "source"
    ):
        links[volunteer_id][skill_id] = (pk, source)
    new, stale, changed = [], [], set()
    new_volunteers = {pks[sf_id] for sf_id in created}
    for volunteer_id, names_wanted in wanted.items():
        skill_ids = {skills[name.lower()][0] for name in names_wanted}
        added = skill_ids - set(links[volunteer_id])
        removed = [
            pk
            for skill_id, (pk, source) in links[volunteer_id].items()
            if source == VolunteerSkill.Source.SALESFORCE and skill_id not in skill_ids
        ]
        new += [
            VolunteerSkill(volunteer_id=volunteer_id, skill_id=skill_id, source=VolunteerSkill.Source.SALESFORCE)
            for skill_id in added
        ]
        stale += removed
        if (added or removed) and volunteer_id not in new_volunteers:
            changed.add(volunteer_id)
    VolunteerSkill.objects.bulk_create(new)
    if stale:
        VolunteerSkill.objects.filter(pk__in=stale).delete()
    return changed


# --------------------------------------------------------------------------- chunk upsert
def _name_key(name: str) -> str:
    return " ".join(str(name).split()).lower()


def _adopt_by_name(model, items: list[sfm.Mapped]) -> None:
    """Reference data typed into Crewbase before its first sync (the demo's districts, schools and
    organizations) is matched by exact normalised name — within the same district for schools —
    and takes the Salesforce id, instead of a duplicate or a unique-name IntegrityError. A name
    shared by two local rows matches neither."""
    if not items:
        return
    keys = {_name_key(i.values["name"]) for i in items}
    candidates = defaultdict(list)
    rows = (
        model._base_manager.filter(salesforce_id__isnull=True)
        .annotate(name_key=Lower("name"))
        .filter(name_key__in=sorted(keys))
        .values_list("pk", "name", "district_id" if model is School else "pk")
    )
    for pk, name, scope in rows:
        candidates[(_name_key(name), scope if model is School else None)].append(pk)
    for item in items:
        scope = item.values.get("district_id") if model is School else None
        found = candidates.get((_name_key(item.values["name"]), scope), [])
        if len(found) == 1:
            model._base_manager.filter(pk=found.pop()).update(salesforce_id=item.salesforce_id)


def _adopt_teachers(items: list[sfm.Mapped]) -> None:
    """A teacher already in Crewbase without a Salesforce id (typed in, or brought by a virtual-
    session import) is found by the one teacher matcher (`virtual/matching.py`: e-mail, then
    normalised name) and takes the Salesforce id instead of being duplicated. An ambiguous match,
    or a contact that already has a Salesforce id, gives a new teacher: the sync never guesses."""
    if not items:
        return
    matcher = ContactMatcher(kind=Contact.Kind.TEACHER)
    for item in items:
        name = f"{item.values.get('first_name', '')} {item.values.get('last_name', '')}"
        match = matcher.match(name=name, email=item.emails[0][0] if item.emails else "")
        if match.contact_id is not None and match.how in ("email", "name"):
            Contact.objects.filter(pk=match.contact_id, salesforce_id__isnull=True).update(
                salesforce_id=item.salesforce_id
            )


def _batch_keys(spec: sfm.ObjectSpec, items: list[sfm.Mapped]) -> set:
    """What a batch's rows are unique on besides their own (`writers.py`): the records' Salesforce
    ids, and a participation's pair of contact and session (one participation per pair)."""
    keys: set = {item.salesforce_id for item in items}
    if spec.key in PARTICIPATION_KINDS:
        contact, event = (link.target for link in spec.table if isinstance(link, sfm.Link))
        keys.update([(refs[contact].salesforce_id, refs[event].salesforce_id) for refs in (i.refs for i in items)])
    return keys


def _batch_prepare(spec: sfm.ObjectSpec, items: list[sfm.Mapped]) -> None:
    """When batches are written two at a time, before a batch's transaction and in one of its own:
    the rows it shares with other batches, so that two batches in flight never wait on each other's
    (`writers.py`): the skills its volunteers name that are not in Crewbase yet. Such a skill stays
    if the batch then fails (a name linked to nobody); one batch after another, the batch writes them."""
    if spec.key == "volunteers":
        _skills_resolve(items)


def _upsert_chunk(spec: sfm.ObjectSpec, items: list[sfm.Mapped], now) -> ChunkResult:
    """Write one page of mapped records. Raises on a database error (the caller isolates)."""
    result = ChunkResult()
    model = MODELS[spec.key]
    resolved = _resolve_refs(items)
    pending: list[tuple[sfm.Mapped, str]] = []
    ready: list[sfm.Mapped] = []
    for item in items:
        if not item.refs:
            ready.append(item)
            continue
        # The page may be written again record by record after a failure: the item itself stays as
        # mapped, the one written gets its own values (and issues, when a link adds one).
        values = item.values.copy()
        found = True
        for attname, ref in item.refs.items():
            values[attname] = pk = resolved[ref.target].get(ref.salesforce_id) if ref.salesforce_id else None
            if pk is None:
                found = False
        item = sfm.Mapped(
            item.salesforce_id,
            values,
            item.refs,
            item.issues if found else list(item.issues),
            item.emails,
            item.phones,
            item.postal,
            item.m2m,
            item.raw,
        )
        if found:  # every link is in Crewbase: the common case
            ready.append(item)
            continue
        missing_pending, missing_skip, missing_fail = [], [], []
        for attname, ref in item.refs.items():
            pk = values[attname]
            if pk is None and ref.salesforce_id and ref.on_missing == "null":
                item.issues.append(
                    sfm.Issue(
                        sfm.MISSING_REFERENCE,
                        f"{ref.target} {ref.salesforce_id} is not in Crewbase; link left empty.",
                        "warning",
                        {"field": attname, "salesforce_id": ref.salesforce_id},
                    )
                )
            if pk is None and ref.on_missing == "pending":
                missing_pending.append(attname.removesuffix("_id"))
            elif pk is None and ref.on_missing == "skip":
                missing_skip.append(f"{ref.target} {ref.salesforce_id or '(empty)'}")
            elif pk is None and ref.on_missing == "fail":
                missing_fail.append(f"{ref.target} {ref.salesforce_id or '(empty)'}")
        if missing_fail:
            result.failed += 1
            result.errors.append(
                _error("FK_NOT_FOUND", f"Not in Crewbase: {', '.join(missing_fail)}.", item.salesforce_id)
            )
        elif missing_pending:
            pending.append((item, "+".join(missing_pending)))
        elif missing_skip:
            result.skipped += 1
            result.errors.append(
                _error("NOT_SYNCED_TARGET", f"Not a synced record: {', '.join(missing_skip)}.", item.salesforce_id)
            )
        else:
            ready.append(item)

    if spec.key in NAME_MATCHED or model is Teacher:
        known = _pk_map(Contact if model is Teacher else model, [i.salesforce_id for i in ready])
        unknown = [i for i in ready if i.salesforce_id not in known]
        if model is Teacher:
            _adopt_teachers(unknown)
        else:
            _adopt_by_name(model, unknown)
    cleared = _affiliations_single_primary(ready) if spec.key == "affiliations" else set()
    moved = _affiliations_volunteers(ready) if spec.key == "affiliations" else {}
    # A participation moved to another volunteer or event changes the figures of the one it leaves.
    refs = [f.attname for f in model._meta.concrete_fields if f.attname in ("volunteer_id", "event_id")]
    left = _stored_refs(model, ready, refs) if spec.key in PARTICIPATION_KINDS else {}
    stored = {sf_id: row["id"] for sf_id, row in left.items()} if spec.key in PARTICIPATION_KINDS else None
    rows = [{"salesforce_id": i.salesforce_id, **i.values} for i in ready]
    skills: dict[str, tuple[int, str]] = {}
    if model is Volunteer:
        # A new volunteer's search text is stored with its row: it has no organizations yet and its
        # skills are the page's. An existing volunteer's text is refreshed below if it may have changed.
        skills = _skills_resolve(ready)
        for row, item in zip(rows, ready, strict=True):
            row["search_text"] = search_text_of(item.values, skills=_skill_names(item, skills))
    outcome = upsert(model, rows, now=now, insert_only=frozenset({"search_text"}), stored=stored)
    unchanged_sf_ids, created = set(), set()
    for item in ready:
        pk, state = outcome[item.salesforce_id]
        result.stored_ids[item.salesforce_id] = pk
        if state == CREATED:
            result.created += 1
            created.add(item.salesforce_id)
        elif state == UPDATED or item.salesforce_id in cleared:
            result.updated += 1
        else:
            result.unchanged += 1
            unchanged_sf_ids.add(item.salesforce_id)

    if model in CONTACT_MODELS:
        _details_write(ready, result.stored_ids, created)
    reskilled = _skills_write(ready, result.stored_ids, created, skills) if model is Volunteer else set()
    if spec.key == "events":
        _event_districts_write(ready, result.stored_ids, resolved)
    if spec.key in PARTICIPATION_KINDS:
        result.queued += _pending_write(spec, pending)
        _pending_clear([i.salesforce_id for i in ready])
        changed = [i for i in ready if i.salesforce_id in result.stored_ids and i.salesforce_id not in unchanged_sf_ids]
        for attname, target in (("volunteer_id", result.touched_volunteers), ("event_id", result.touched_events)):
            if attname in refs:
                target.update(i.values[attname] for i in changed if i.values.get(attname))
                target.update(ref for i in changed if (ref := left.get(i.salesforce_id, {}).get(attname)))
    # The search texts whatever this page changed feeds: volunteers rewritten (a new volunteer's is
    # current already) or whose skills changed, members of renamed organizations, both volunteers of
    # a changed affiliation.
    updated = [i for i in ready if i.salesforce_id not in unchanged_sf_ids and i.salesforce_id not in created]
    if model is Volunteer:
        search_text_refresh(reskilled | {result.stored_ids[i.salesforce_id] for i in updated})
    elif model is Organization:
        search_text_refresh(organization_ids=[result.stored_ids[i.salesforce_id] for i in updated])
    elif model is Affiliation:
        changed = [i for i in ready if i.salesforce_id not in unchanged_sf_ids]
        search_text_refresh(v for i in changed for v in (i.values["volunteer_id"], moved.get(i.salesforce_id)))
    _flags_write(spec.entity, {i.salesforce_id: i.issues for i in ready}, result.stored_ids, created=created)
    return result


def _affiliations_single_primary(items: list[sfm.Mapped]) -> set[str]:
    """Salesforce moves a volunteer's primary affiliation: clear the old primary first (one per volunteer)."""
    primaries = {}
    for item in items:
        if item.values.get("is_primary"):
            if item.values["volunteer_id"] in primaries:  # two in one page: the later one wins
                primaries[item.values["volunteer_id"]].values["is_primary"] = False
            primaries[item.values["volunteer_id"]] = item
    if not primaries:
        return set()
    old = Affiliation.objects.filter(volunteer_id__in=list(primaries), is_primary=True).exclude(
        salesforce_id__in=[i.salesforce_id for i in primaries.values()]
    )
    cleared = set(old.values_list("salesforce_id", flat=True))
    old.update(is_primary=False)
    return cleared  # written here: counted as updated even though the upsert then finds them unchanged


def _stored_refs(model, items: list[sfm.Mapped], attnames: list[str]) -> dict[str, dict[str, int | None]]:
    """{Salesforce id: {"id": pk, attname: stored value…}} of the page's rows already stored (none on
    a first sync)."""
    names = ["id", *attnames]
    found = rows_for_keys(
        model._meta.db_table,
        "salesforce_id",
        [i.salesforce_id for i in items],
        columns=", ".join(f"t.{a}" for a in names),
    )
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in found}


def _affiliations_volunteers(items: list[sfm.Mapped]) -> dict[str, int]:
    """{Salesforce id: volunteer} of the page's affiliations already stored: an affiliation moved to
    another volunteer changes the search text of the one it leaves too."""
    return dict(
        rows_for_keys(
            Affiliation._meta.db_table, "salesforce_id", [i.salesforce_id for i in items], columns="t.volunteer_id"
        )
    )


def _event_districts_write(items: list[sfm.Mapped], pks: dict[str, int], resolved) -> None:
    through = Event.districts.through
    wanted = set()
    event_ids = []
    school_district = dict(
        School.objects.filter(
            pk__in={i.values.get("school_id") for i in items if i.values.get("school_id")}
        ).values_list("pk", "district_id")
    )
    for item in items:
        event_id = pks.get(item.salesforce_id)
        if event_id is None:
            continue
        event_ids.append(event_id)
        for sf_id in item.m2m.get("districts", []):
            if (pk := resolved["districts"].get(sf_id)) is not None:
                wanted.add((event_id, pk))
        if (district_id := school_district.get(item.values.get("school_id"))) is not None:
            wanted.add((event_id, district_id))
    have = set(through.objects.filter(event_id__in=event_ids).values_list("event_id", "district_id"))
    through.objects.bulk_create([through(event_id=e, district_id=d) for e, d in wanted - have])


# --------------------------------------------------------------------------- pending queue
def _pending_write(spec: sfm.ObjectSpec, pending: list[tuple[sfm.Mapped, str]]) -> int:
    if not pending:
        return 0
    kind = PARTICIPATION_KINDS[spec.key]
    existing = {
        p.salesforce_id: p
        for p in PendingParticipation.objects.filter(salesforce_id__in=[item.salesforce_id for item, _ in pending])
    }
    new, update = [], []
    for item, missing in pending:
        contact_ref = next(r for a, r in item.refs.items() if a != "event_id")
        payload = item.raw or {}
        row = existing.get(item.salesforce_id)
        if row is None:
            new.append(
                PendingParticipation(
                    salesforce_id=item.salesforce_id,
                    kind=kind,
                    contact_salesforce_id=contact_ref.salesforce_id,
                    event_salesforce_id=item.refs["event_id"].salesforce_id,
                    missing=missing,
                    payload=payload,
                )
            )
        else:
            row.attempts += 1
            row.missing, row.payload = missing, payload or row.payload
            row.likely_orphan = row.attempts >= LIKELY_ORPHAN_AFTER
            row.updated_at = timezone.now()
            update.append(row)
    PendingParticipation.objects.bulk_create(new)
    if update:
        PendingParticipation.objects.bulk_update(
            update, ["attempts", "missing", "payload", "likely_orphan", "updated_at"]
        )
    attempts = {row.salesforce_id: row.attempts for row in update}
    raised = {}
    for item, missing in pending:
        orphan = attempts.get(item.salesforce_id, 1) >= LIKELY_ORPHAN_AFTER
        raised[item.salesforce_id] = [
            sfm.Issue(
                sfm.UNMATCHED_PARTICIPATION,
                f"Participation waits for its {missing.replace('+', ' and ')} to reach Crewbase"
                + (" (likely deleted in Salesforce)." if orphan else "."),
                "error" if orphan else "warning",
                {
                    "missing": missing,
                    "contact": item.refs[next(a for a in item.refs if a != "event_id")].salesforce_id,
                    "event": item.refs["event_id"].salesforce_id,
                },
            )
        ]
    _flags_write("participation", raised, {}, owned_types=())
    return len(pending)


def _pending_clear(sf_ids: list[str]) -> None:
    """These participations are stored: leave the queue, auto-resolve their flags."""
    if not sf_ids:
        return
    # The queue and its open flags are small next to a page: read them whole rather than send the page's ids.
    stored = set(sf_ids)
    queued = stored.intersection(PendingParticipation.objects.values_list("salesforce_id", flat=True))
    if queued:
        PendingParticipation.objects.filter(salesforce_id__in=sorted(queued)).delete()
    open_flags = DataQualityFlag.objects.filter(
        entity_type="participation", issue_type=sfm.UNMATCHED_PARTICIPATION, status=DataQualityFlag.Status.OPEN
    )
    resolved = stored.intersection(open_flags.values_list("entity_key", flat=True))
    if resolved:
        now = timezone.now()
        open_flags.filter(entity_key__in=sorted(resolved)).update(
            status=DataQualityFlag.Status.AUTO_RESOLVED, resolved_at=now, updated_at=now
        )


# --------------------------------------------------------------------------- page processing
def _map(spec: sfm.ObjectSpec, record: SalesforceRecord | dict, result: ChunkResult) -> sfm.Mapped | None:
    if isinstance(record, dict):
        raw = record
    else:
        raw = record.fields if "Id" in record.fields else {"Id": record.id, **record.fields}
    try:
        mapped = spec.map(raw)
    except sfm.RecordError as exc:
        result.failed += 1
        result.errors.append(_error(exc.code, exc.message, str(raw.get("Id") or ""), exc.field))
        return None
    except Exception as exc:  # a mapper bug must not stop the batch either
        logger.exception("mapping %s %s failed", spec.key, raw.get("Id"))
        result.failed += 1
        result.errors.append(_error("MAPPING_ERROR", f"{exc.__class__.__name__}: {exc}", str(raw.get("Id") or "")))
        return None
    undeclared = _undeclared(spec.key, frozenset(mapped.values), frozenset(mapped.refs))
    if undeclared:  # Salesforce wins only for the declared fields: never write a local one
        logger.error("mapping %s writes undeclared fields %s", spec.key, sorted(undeclared))
        result.failed += 1
        result.errors.append(
            _error(
                "MAPPING_ERROR",
                f"Fields not declared as synced: {', '.join(sorted(undeclared))}.",
                mapped.salesforce_id,
            )
        )
        return None
    return mapped


@lru_cache(maxsize=256)
def _undeclared(key: str, values: frozenset[str], refs: frozenset[str]) -> frozenset[str]:
    """Checked once per object and shape of mapped record, not per record."""
    return frozenset(values | {attname.removesuffix("_id") for attname in refs}) - sfm.SYNCED_FIELDS[key]


def map_records(spec: sfm.ObjectSpec, records: list) -> tuple[dict[str, sfm.Mapped], ChunkResult]:
    """Map one page (plain Python, no database): the records that mapped, by Salesforce id (a
    repeated id: the later version wins), and a result holding the ones that failed alone."""
    result = ChunkResult()
    items: dict[str, sfm.Mapped] = {}
    for record in records:
        mapped = _map(spec, record, result)
        if mapped is not None:
            items[mapped.salesforce_id] = mapped
    return items, result


def write_mapped(spec: sfm.ObjectSpec, batch: list[sfm.Mapped], *, now) -> ChunkResult:
    """Write mapped records in one transaction; a failing bulk write is rolled back and retried
    record by record (each in a savepoint) so only the bad record fails."""
    result = ChunkResult()
    if not batch:
        return result
    try:
        with transaction.atomic():
            result.add(_upsert_chunk(spec, batch, now))
        return result
    except (IntegrityError, DatabaseError, ValidationError, ValueError, TypeError) as exc:
        logger.warning("bulk write of %s failed (%s); isolating record by record", spec.key, exc)
    for item in batch:
        try:
            with transaction.atomic():
                result.add(_upsert_chunk(spec, [item], now))
        except (IntegrityError, DatabaseError, ValidationError, ValueError, TypeError) as exc:
            logger.info("%s %s rejected: %s", spec.key, item.salesforce_id, exc)
            result.failed += 1
            result.errors.append(_error("DB_REJECTED", db_error_message(exc), item.salesforce_id))
    return result


def process_records(spec: sfm.ObjectSpec, records: list, *, now=None) -> ChunkResult:
    """Map and write one batch of records (see map_records and write_mapped)."""
    items, result = map_records(spec, records)
    result.add(write_mapped(spec, list(items.values()), now=now or timezone.now()))
    return result


_END = object()


class ReadAhead:
    """`work(page)` for each page of `pages()`, in order, computed by a reader thread up to `depth`
    pages ahead of the caller: fetching and mapping the next pages (network, JSON, Python) goes on
    while the caller waits on the database with the current ones. Reading starts at once, before
    the first page is asked for (a run starts its next object's reading while it finishes the
    current one). Memory holds at most `depth` pages besides the caller's. An error reading a page
    is raised where the caller reaches that page, after the pages before it; `close()` (also when
    the caller stops early, or never started) stops the reader. The reader never touches the
    database. `grouped`: yields lists instead, each of every page ready at that moment (at least
    one), so the caller can act on what there is rather than wait for more."""

    def __init__(self, pages: Callable[[], Iterable], work: Callable, *, depth: int, grouped: bool = False):
        self._ready: Queue = Queue(maxsize=depth)
        self._stop = threading.Event()
        self._grouped = grouped
        self._after = None  # set once the end or an error has been taken from the queue
        self._reader = threading.Thread(
            target=self._read, args=(pages, work), name="salesforce-read-ahead", daemon=True
        )
        self._reader.start()

    def _hand_over(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def _read(self, pages: Callable[[], Iterable], work: Callable) -> None:
        source = None
        try:
            source = iter(pages())
            for page in source:
                if not self._hand_over((work(page), None)):
                    return
        except BaseException as exc:  # whatever it is, it is raised again in the caller's thread
            self._hand_over((None, exc))
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        self._hand_over(_END)

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        if self._after is not None:  # the end, or an error, after the pages before it
            after, self._after = self._after, _END
            if after is _END:
                raise StopIteration
            raise after[1]
        items = [self._ready.get()]
        while self._grouped and items[-1] is not _END and items[-1][1] is None and not self._ready.empty():
            items.append(self._ready.get())
        if items[-1] is _END or items[-1][1] is not None:
            self._after = items.pop()
            self.close()
        if not items:
            return next(self)
        return [value for value, _ in items] if self._grouped else items[0][0]

    def close(self) -> None:
        self._stop.set()
        self._reader.join(timeout=READER_JOIN_SECONDS)


_CONSTRAINT = re.compile(r'constraint "(?P<name>[^"]+)"|constraint failed: (?P<columns>[\w., ]+)', re.IGNORECASE)


def db_error_message(exc: Exception) -> str:
    """A sentence for the sync page instead of the database's own text (which quotes SQL)."""
    text = str(exc)
    match = _CONSTRAINT.search(text)
    what = ""
    if match:
        what = match.group("name") or ", ".join(
            column.split(".")[-1] for column in (match.group("columns") or "").split(",")
        )
    if isinstance(exc, IntegrityError):
        lowered = text.lower()
        if "unique" in lowered or "duplicate" in lowered:
            return f"Another Crewbase record already has the same {what or 'key'}; this record was not saved."
        if "foreign key" in lowered:
            return "The record refers to a row that is not in Crewbase; it was not saved."
        if "not null" in lowered or "null value" in lowered:
            return f"A required value is missing ({what or 'a field'}); the record was not saved."
        return f"The record breaks the rule {what or 'of the database'}; it was not saved."
    if isinstance(exc, ValidationError):
        return "The record is not valid: " + "; ".join(exc.messages)[:300]
    if isinstance(exc, DatabaseError):
        return "The database refused the record (a value may be too long or of the wrong type)."
    return f"The record could not be stored ({exc.__class__.__name__})."


# --------------------------------------------------------------------------- runs
ProgressFn = Callable[[float, str], None]


def last_run(object_name: str) -> SyncRun | None:
    return (
        SyncRun.objects.filter(object_name=object_name)
        .exclude(status=SyncRun.Status.RUNNING)
        .order_by("-started_at", "-id")
        .first()
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector is paused while an object syncs, and resumes as it was. A run
    allocates hundreds of thousands of short-lived, acyclic objects (raw and mapped records, rows,
    tuples) that reference counting frees as each batch goes; meanwhile the collector would walk the
    whole heap again and again (a third of the sync's CPU time, measured). Every COLLECT_EVERY
    records written, the young generation only is collected (what was made since and is still
    alive or cyclic), so cyclic garbage lives a few batches at most and memory stays flat (the bench
    shows peak memory at 41k and 200k records). Not after every batch: each collection walks the
    live batch's objects, and objects made and freed between two collections are never walked."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Reading:
    """An object's run as far as it goes before its lock: which records to ask for (the mode and
    window, from the object's last run), the run's watermark (taken before the first query), and
    the pages, already being fetched and mapped (`ReadAhead`)."""

    mode: str
    since: datetime | None
    started: datetime
    pages: ReadAhead


def start_reading(key: str, client: SalesforceClient, mode: str) -> Reading:
    """Start fetching and mapping an object's pages. `sync_all` does this for the next object while
    the current one's last batches are written: the next object's first pages (a round trip to
    Salesforce each) are ready when its turn comes. Its window is read from its last run now; a run
    of it that ends meanwhile elsewhere only makes this window larger (records read twice are
    written once). The caller closes the pages if the object does not run (busy)."""
    spec = sfm.SPEC_BY_KEY[key]
    previous = last_run(key)
    effective, since = sfm.delta_since(
        last_watermark=previous.watermark if previous else None,
        last_status=previous.status if previous else None,
        last_since=previous.modified_since if previous else None,
        last_mode=previous.mode if previous else None,
        requested=mode,
    )
    started = timezone.now()  # before the first query: what changes from here on is read next time

    def fetch():
        return client.query_pages(sobject=spec.sobject, fields=spec.fields, where=spec.where, modified_after=since)

    def map_page(page) -> tuple:
        return (len(page.records), page.total_size, *map_records(spec, page.records))

    return Reading(effective, since, started, ReadAhead(fetch, map_page, depth=READ_AHEAD_PAGES, grouped=True))


@collector_paused()
def sync_object(
    *,
    key: str,
    client: SalesforceClient,
    mode: str = "delta",
    job=None,
    progress: ProgressFn | None = None,
    writers: OrderedWriters | None = None,
    reading: Reading | None = None,
    read_done: Callable[[], None] | None = None,
) -> SyncRun:
    """Sync one object. Raises SyncBusy when another sync of it is running. `writers`: the run's
    writers (`sync_all` shares them between its objects), else the object opens its own. `reading`:
    its pages, already being read (`start_reading`); `read_done` is called once every page has been
    read, while the last batches are still being written."""
    spec = sfm.SPEC_BY_KEY[key]
    token = lock_acquire(key)
    if token is None:
        if reading is not None:
            reading.pages.close()
        raise SyncBusy(f"A sync of {spec.label.lower()} is already running.")
    try:
        if reading is None:
            reading = start_reading(key, client, mode)
        effective, since, started = reading.mode, reading.since, reading.started
        with transaction.atomic():  # the row and its history row: one commit
            run = SyncRun.objects.create(
                object_name=key,
                mode=effective,
                requested_mode=mode,
                started_at=started,
                watermark=started,
                modified_since=since,
                job=job,
            )
        totals, fatal = ChunkResult(), None
        parallel = OrderedWriters.usable()  # more than one connection may write (see writers.py)
        seen = 0
        try:
            batch: dict[str, sfm.Mapped] = {}
            mapped = ChunkResult()  # the batch's records that failed to map
            total = 0

            uncollected = 0  # records written since the last collection of young objects
            shared = writers if parallel else None
            writers = (shared or OrderedWriters()) if key in CONCURRENT and parallel else None
            limit = WRITE_BATCH if writers is None else min(WRITE_BATCH, SHARED_WRITE_BATCH)

            def write() -> None:
                nonlocal mapped
                items, result, done, of = list(batch.values()), mapped, seen, total
                batch.clear()
                mapped = ChunkResult()

                def write_rows() -> None:
                    result.add(write_mapped(spec, items, now=started))
                    result.stored_ids.clear()

                # The batch, the run's counts that include it and the lock's lease commit together:
                # one commit to wait for per batch, and the counts never run ahead of the rows.
                def commit() -> None:
                    _run_save_counts(run, totals, result)
                    lock_extend(key, token)

                def after() -> None:
                    nonlocal uncollected
                    totals.add(result)
                    uncollected += len(items)
                    if uncollected >= COLLECT_EVERY:  # see collector_paused
                        gc.collect(0)
                        uncollected = 0
                    if progress:
                        progress(min(100.0, 100.0 * done / of) if of else 100.0, f"{spec.label}: {done} of {of}")

                if writers is not None:
                    writers.submit(
                        lambda: _batch_prepare(spec, items), write_rows, commit, after, keys=_batch_keys(spec, items)
                    )
                    return
                with transaction.atomic():
                    write_rows()
                    commit()
                after()

            try:
                for ready in reading.pages:
                    for count, total_size, items, failed in ready:
                        batch.update(items)  # a repeated id in one batch: the later version wins
                        mapped.add(failed)
                        seen += count
                        total = total_size or seen
                        if len(batch) + mapped.failed >= limit:
                            write()
                    # Nothing more is mapped yet: the database starts on what there is instead of
                    # waiting for a full batch (the first page of a run, or a reader behind).
                    if batch or mapped.failed:
                        write()
                if read_done is not None:
                    read_done()
            finally:
                try:
                    if batch or mapped.failed:  # what was fetched is stored, also when a later page fails
                        write()
                finally:
                    if writers is not None:
                        writers.done_with(keep=writers is shared)
            if key in PARTICIPATION_KINDS:
                totals.add(_pending_sweep(spec, now=started))
        except IntegrationError as exc:
            fatal = exc
            totals.errors.append(_error(str(exc.code or exc.__class__.__name__), str(exc)))
        except Exception as exc:
            logger.exception("sync of %s failed", key)
            fatal = exc
            message = (
                db_error_message(exc)
                if isinstance(exc, DatabaseError)
                else f"Internal error ({exc.__class__.__name__}); the server log has the details."
            )
            totals.errors.append(_error("INTERNAL", message))
        with transaction.atomic():  # the figures and the run's outcome: one commit
            if totals.touched_volunteers or totals.touched_events:  # also after a failure: pages saved must add up
                _figures_refresh(totals.touched_volunteers, totals.touched_events, parallel=parallel, shared=shared)
            run.status = sfm.run_status(failed=totals.failed, fatal=fatal is not None)
            run.finished_at = timezone.now()
            _run_save_counts(run, totals, final=True)
        return run
    finally:
        if reading is not None:
            reading.pages.close()
        lock_release(key, token)


def _figures_refresh(
    volunteer_ids: set[int], event_ids: set[int], *, parallel: bool, shared: OrderedWriters | None = None
) -> None:
    """The figures the run's participations feed (`participation_figures_refresh`), in the caller's
    transaction. Many volunteers, and the run's batches committed (`parallel`: no transaction held
    around the run): the events' counts and half of the volunteers' are refreshed on a writer's
    connection meanwhile (the run's `shared` writers, else one opened for this; committed just
    before the caller's transaction), each half one statement's work of the server; the two halves'
    rows are apart, so neither waits on the other."""
    if len(volunteer_ids) < FIGURES_SPLIT or not parallel:
        participation_figures_refresh(volunteer_ids=volunteer_ids, event_ids=event_ids, students=True)
        return
    ordered = sorted(volunteer_ids)
    first, second = ordered[: len(ordered) // 2], ordered[len(ordered) // 2 :]
    helper = shared or OrderedWriters(count=1)
    try:
        helper.submit(
            None,
            lambda: participation_figures_refresh(volunteer_ids=first, event_ids=event_ids, students=True),
            None,
            None,
            keys=(),
        )
        participation_figures_refresh(volunteer_ids=second)
    finally:
        helper.done_with(keep=helper is shared)


def _run_save_counts(run: SyncRun, *results: ChunkResult, final: bool = False) -> None:
    """Store the run's counts: the sum of `results` (the totals so far and the batch being written)."""
    for name in ("created", "updated", "unchanged", "skipped", "failed", "queued"):
        setattr(run, name, sum(getattr(r, name) for r in results))
    run.error_count = sum(len(r.errors) + r.errors_beyond for r in results)
    run.errors = [error for r in results for error in r.errors][:MAX_ERRORS_STORED]
    fields = ["created", "updated", "unchanged", "skipped", "failed", "queued", "error_count", "errors", "updated_at"]
    if final:
        fields += ["status", "finished_at"]
    run.save(update_fields=fields)


def _pending_sweep(spec: sfm.ObjectSpec, *, now) -> ChunkResult:
    """Retry every queued participation of this kind that was not in this run's pages."""
    result = ChunkResult()
    kind = PARTICIPATION_KINDS[spec.key]
    last_pk = 0
    while True:
        rows = list(
            PendingParticipation.objects.filter(kind=kind, pk__gt=last_pk, updated_at__lt=now).order_by("pk")[:500]
        )
        if not rows:
            return result
        last_pk = rows[-1].pk
        chunk = process_records(spec, [row.payload for row in rows if row.payload], now=now)
        chunk.stored_ids.clear()
        result.add(chunk)


def sync_all(
    *,
    client: SalesforceClient,
    mode: str = "delta",
    objects: Iterable[str] | None = None,
    job=None,
    progress: ProgressFn | None = None,
) -> list[dict]:
    """Every object in dependency order; an object that fails does not stop the next ones."""
    keys = [k for k in sfm.ORDER if objects is None or k in set(objects)]
    summary = []
    # One pair of writers (threads and connections) for every object of the run, opened by the
    # first batch that needs them and closed at the end.
    writers = OrderedWriters() if OrderedWriters.usable() else None
    # The next object's pages are fetched and mapped while the current one's last batches are
    # written (`start_reading`): its first pages are ready when its turn comes.
    ahead: dict[str, Reading] = {}
    try:
        for index, key in enumerate(keys):

            def object_progress(percent: float, message: str, index=index) -> None:
                if progress:
                    progress((index + percent / 100.0) * 100.0 / len(keys), message)

            def read_next(index=index) -> None:
                if index + 1 < len(keys):
                    try:
                        ahead[keys[index + 1]] = start_reading(keys[index + 1], client, mode)
                    except Exception:  # the next object starts its reading in its turn instead
                        logger.warning("could not start reading %s ahead", keys[index + 1], exc_info=True)

            try:
                run = sync_object(
                    key=key,
                    client=client,
                    mode=mode,
                    job=job,
                    progress=object_progress,
                    writers=writers,
                    reading=ahead.pop(key, None),
                    read_done=read_next,
                )
            except SyncBusy as exc:
                summary.append({"object": key, "status": "busy", "message": str(exc)})
                continue
            summary.append(
                {
                    "object": key,
                    "run": run.pk,
                    "status": run.status,
                    "mode": run.mode,
                    "created": run.created,
                    "updated": run.updated,
                    "unchanged": run.unchanged,
                    "skipped": run.skipped,
                    "failed": run.failed,
                    "queued": run.queued,
                    "error": _first_error(run),
                }
            )
    finally:
        for reading in ahead.values():  # an object not reached (an unexpected error)
            reading.pages.close()
        if writers is not None:
            writers.close()
    return summary


def _first_error(run: SyncRun) -> str:
    """The run's first error as a sentence for people ("" when none)."""
    for error in run.errors or ():
        where = f" (record {error['salesforce_id']})" if error.get("salesforce_id") else ""
        return f"{error.get('message', '')}{where}"
    return ""


def sync_failure_message(summary: list[dict]) -> str:
    """ "" when every object synced (records that failed alone leave their object `partial`, not
    failed); otherwise which objects failed or were busy, and the first error."""
    failed = [row for row in summary if row["status"] in (SyncRun.Status.FAILED, "busy")]
    if not failed:
        return ""
    first = failed[0]
    detail = first.get("error") or first.get("message") or ""
    names = ", ".join(f"{row['object']} ({row['status']})" for row in failed)
    return f"Salesforce sync failed for {names}. {first['object']}: {detail}".strip()
