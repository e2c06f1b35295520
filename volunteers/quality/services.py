"""Data-quality checks against the database, stored as QualityRun + QualityCheck rows.

Each check counts a total and the offending records (keeping up to 200 offending ids for the
drill-down); `quality/checks.py` grades and scores them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from integrations.base import IntegrationError
from integrations.salesforce import get_client

from ..models import (
    Affiliation,
    ContactEmail,
    ContactPhone,
    DataQualityFlag,
    Event,
    EventStatus,
    Organization,
    PendingParticipation,
    QualityCheck,
    QualityRun,
    Student,
    Teacher,
    Volunteer,
    VolunteerParticipation,
)
from ..salesforce import mapping as sfm
from . import checks as q

logger = logging.getLogger(__name__)
MAX_IDS = 200
E164 = r"^\+[1-9][0-9]{7,14}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
POSTAL = r"^[0-9]{5}(-[0-9]{4})?$"

SF_OBJECT = {  # entity → the synced object spec whose Salesforce count it is compared with
    "volunteer": "volunteers",
    "organization": "organizations",
    "event": "events",
    "teacher": "teachers",
    "student": "students",
}
MODELS = {"volunteer": Volunteer, "organization": Organization, "event": Event, "teacher": Teacher, "student": Student}


def _ratio_check(
    entity: str, dimension: str, name: str, total_qs: QuerySet, bad_qs: QuerySet, message: str
) -> q.CheckResult:
    total = total_qs.count()
    ids = list(bad_qs.values_list("pk", flat=True).order_by("pk")[:MAX_IDS])
    bad = bad_qs.count() if len(ids) == MAX_IDS else len(ids)
    severity = q.grade_ratio(bad, total)
    return q.CheckResult(
        entity,
        dimension,
        name,
        severity,
        message.format(bad=bad, total=total),
        {"total": total, "offending": bad, "ratio": round(bad / total, 4) if total else 0.0},
        ids,
    )


def _count_check(entity: str, client) -> q.CheckResult:
    spec = sfm.SPEC_BY_KEY[SF_OBJECT[entity]]
    local = MODELS[entity]._base_manager.filter(salesforce_id__isnull=False).count()
    if client is None:
        return q.CheckResult(entity, "count", "salesforce_count", None, "Salesforce was not counted.", {"local": local})
    try:
        remote = client.count(sobject=spec.sobject, where=spec.where)
    except IntegrationError as exc:
        return q.CheckResult(
            entity, "count", "salesforce_count", None, f"Salesforce could not be counted: {exc}", {"local": local}
        )
    severity = q.grade_count(local, remote)
    return q.CheckResult(
        entity,
        "count",
        "salesforce_count",
        severity,
        f"{local} synced in Crewbase vs {remote} in Salesforce ({spec.sobject}).",
        {"local": local, "remote": remote, "difference": local - remote},
    )


def _flag_check(entity: str, dimension: str, name: str, model, issue_types: tuple[str, ...], message: str):
    total_qs = model.objects.all()
    flagged = DataQualityFlag.objects.filter(
        entity_type=entity, issue_type__in=issue_types, status=DataQualityFlag.Status.OPEN, entity_id=OuterRef("pk")
    )
    return _ratio_check(entity, dimension, name, total_qs, total_qs.filter(Exists(flagged)), message)


def _email_checks(entity: str, model) -> list[q.CheckResult]:
    people = model.objects.all()
    has_email = Exists(ContactEmail.objects.filter(contact_id=OuterRef("pk")))
    bad_email = Exists(ContactEmail.objects.filter(contact_id=OuterRef("pk")).exclude(email__regex=EMAIL))
    bad_phone = Exists(ContactPhone.objects.filter(contact_id=OuterRef("pk")).exclude(number__regex=E164))
    return [
        _ratio_check(
            entity,
            "completeness",
            "has_email",
            people,
            people.exclude(has_email),
            "{bad} of {total} have no email address.",
        ),
        _ratio_check(
            entity,
            "format",
            "email_format",
            people,
            people.filter(bad_email),
            "{bad} of {total} have an email address that is not valid.",
        ),
        _ratio_check(
            entity,
            "format",
            "phone_e164",
            people,
            people.filter(bad_phone),
            "{bad} of {total} have a phone number not in E.164 form.",
        ),
        _ratio_check(
            entity,
            "completeness",
            "names",
            people,
            people.filter(Q(first_name="") | Q(last_name="")),
            "{bad} of {total} lack a first or last name.",
        ),
        _ratio_check(
            entity,
            "rules",
            "no_none_strings",
            people,
            people.filter(
                Q(first_name__iexact="none")
                | Q(last_name__iexact="none")
                | Exists(ContactEmail.objects.filter(contact_id=OuterRef("pk"), email__iexact="none"))
            ),
            "{bad} of {total} store the string “None” as a name or email.",
        ),
    ]


def checks_volunteer(client) -> list[q.CheckResult]:
    v = Volunteer.objects.all()
    return [
        _count_check("volunteer", client),
        *_email_checks("volunteer", Volunteer),
        _flag_check(
            "volunteer",
            "format",
            "picklists",
            Volunteer,
            (sfm.UNKNOWN_PICKLIST,),
            "{bad} of {total} carry an unknown picklist value.",
        ),
        _ratio_check(
            "volunteer",
            "relationships",
            "has_organization",
            v,
            v.exclude(Exists(Affiliation.objects.filter(volunteer_id=OuterRef("pk")))),
            "{bad} of {total} have no organization.",
        ),
        _ratio_check(
            "volunteer",
            "rules",
            "all_caps_fixed",
            v,
            v.filter(
                Exists(
                    DataQualityFlag.objects.filter(
                        entity_type="volunteer",
                        issue_type=sfm.ALL_CAPS_NAME,
                        status=DataQualityFlag.Status.OPEN,
                        entity_id=OuterRef("pk"),
                    )
                )
            ),
            "{bad} of {total} have an ALL-CAPS name still to fix in Salesforce.",
        ),
        _ratio_check(
            "volunteer",
            "rules",
            "last_volunteered_not_future",
            v,
            v.filter(last_volunteered_on__gt=timezone.localdate()),
            "{bad} of {total} last volunteered in the future.",
        ),
    ]


def checks_organization(client) -> list[q.CheckResult]:
    o = Organization.objects.all()
    lower_dupes = (
        Organization.objects.annotate(n=Lower("name")).values("n").annotate(c=Count("id")).filter(c__gt=1).values("n")
    )
    return [
        _count_check("organization", client),
        _ratio_check(
            "organization",
            "completeness",
            "has_type",
            o,
            o.filter(kind_source="", salesforce_id__isnull=False),
            "{bad} of {total} have no type in Salesforce.",
        ),
        _ratio_check(
            "organization", "completeness", "has_city", o, o.filter(city=""), "{bad} of {total} have no city."
        ),
        _flag_check(
            "organization",
            "format",
            "picklists",
            Organization,
            (sfm.UNKNOWN_PICKLIST,),
            "{bad} of {total} have an unknown type.",
        ),
        _ratio_check(
            "organization",
            "format",
            "postal_code",
            o,
            o.exclude(postal_code="").exclude(postal_code__regex=POSTAL),
            "{bad} of {total} have a malformed postal code.",
        ),
        _ratio_check(
            "organization",
            "relationships",
            "has_volunteers",
            o,
            o.exclude(Exists(Affiliation.objects.filter(organization_id=OuterRef("pk")))),
            "{bad} of {total} have no volunteer.",
        ),
        _ratio_check(
            "organization",
            "rules",
            "unique_name",
            o,
            o.annotate(n=Lower("name")).filter(n__in=lower_dupes),
            "{bad} of {total} share their name with another organization.",
        ),
    ]


def checks_event(client) -> list[q.CheckResult]:
    e = Event.objects.all()
    now = timezone.now()
    pending_events = PendingParticipation.objects.filter(Q(missing__contains="event")).values_list(
        "event_salesforce_id", flat=True
    )
    return [
        _count_check("event", client),
        _ratio_check(
            "event", "completeness", "has_end", e, e.filter(end__isnull=True), "{bad} of {total} have no end."
        ),
        _ratio_check(
            "event",
            "completeness",
            "has_location",
            e,
            e.filter(location="", school__isnull=True),
            "{bad} of {total} have neither a school nor a location.",
        ),
        _ratio_check(
            "event",
            "format",
            "type_known",
            e,
            e.filter(event_type="other").exclude(event_type_source=""),
            "{bad} of {total} have a session type Crewbase does not know.",
        ),
        _ratio_check(
            "event",
            "format",
            "status_known",
            e,
            e.exclude(status_source="").filter(
                Exists(
                    DataQualityFlag.objects.filter(
                        entity_type="event",
                        issue_type=sfm.UNKNOWN_PICKLIST,
                        entity_id=OuterRef("pk"),
                        status=DataQualityFlag.Status.OPEN,
                        details__field="session status",
                    )
                )
            ),
            "{bad} of {total} have a status Crewbase does not know.",
        ),
        _ratio_check(
            "event",
            "relationships",
            "has_district",
            e,
            e.filter(school__isnull=True).exclude(
                Exists(Event.districts.through.objects.filter(event_id=OuterRef("pk")))
            ),
            "{bad} of {total} belong to no school or district.",
        ),
        _ratio_check(
            "event",
            "relationships",
            "no_waiting_participants",
            e,
            e.filter(salesforce_id__in=pending_events),
            "{bad} of {total} have participations waiting in the pending queue.",
        ),
        _ratio_check(
            "event",
            "rules",
            "end_after_start",
            e,
            e.filter(end__lt=F("start")),
            "{bad} of {total} end before they start.",
        ),
        _ratio_check(
            "event",
            "rules",
            "no_past_drafts",
            e,
            e.filter(start__lt=now, status__in=[EventStatus.DRAFT, EventStatus.REQUESTED]),
            "{bad} of {total} are in the past but still Draft or Requested.",
        ),
        _ratio_check(
            "event",
            "rules",
            "cancelled_has_reason",
            e,
            e.filter(status=EventStatus.CANCELLED, cancellation_reason=""),
            "{bad} of {total} are cancelled without a reason.",
        ),
        _ratio_check(
            "event",
            "rules",
            "completed_has_volunteer",
            e,
            e.filter(status=EventStatus.COMPLETED).exclude(
                Exists(VolunteerParticipation.objects.filter(event_id=OuterRef("pk")))
            ),
            "{bad} of {total} are completed with no volunteer.",
        ),
        _ratio_check(
            "event",
            "rules",
            "attended_le_registered",
            e,
            e.filter(attended_count__gt=F("registered_count")),
            "{bad} of {total} have more attendees than registrations.",
        ),
    ]


def checks_teacher(client) -> list[q.CheckResult]:
    t = Teacher.objects.all()
    dup_emails = (
        ContactEmail.objects.filter(contact__kind="teacher")
        .values("email")
        .annotate(c=Count("contact_id", distinct=True))
        .filter(c__gt=1)
        .values("email")
    )
    return [
        _count_check("teacher", client),
        *_email_checks("teacher", Teacher),
        _ratio_check(
            "teacher",
            "relationships",
            "has_school",
            t,
            t.filter(school__isnull=True),
            "{bad} of {total} have no school.",
        ),
        _ratio_check(
            "teacher",
            "rules",
            "unique_email",
            t,
            t.filter(Exists(ContactEmail.objects.filter(contact_id=OuterRef("pk"), email__in=dup_emails))),
            "{bad} of {total} share an email with another teacher.",
        ),
        _ratio_check(
            "teacher",
            "rules",
            "manual_deactivation_kept",
            t,
            t.filter(deactivated_manually=True, status=Teacher.Status.ACTIVE),
            "{bad} of {total} were deactivated by hand but are active again.",
        ),
    ]


def checks_student(client) -> list[q.CheckResult]:
    s = Student.objects.all()
    return [
        _count_check("student", client),
        _ratio_check(
            "student",
            "completeness",
            "names",
            s,
            s.filter(Q(first_name="") | Q(last_name="")),
            "{bad} of {total} lack a first or last name.",
        ),
        _ratio_check(
            "student",
            "completeness",
            "has_grade",
            s,
            s.filter(current_grade__isnull=True),
            "{bad} of {total} have no current grade.",
        ),
        _ratio_check(
            "student",
            "completeness",
            "has_local_id",
            s,
            s.filter(local_student_id=""),
            "{bad} of {total} have no local student id.",
        ),
        _ratio_check(
            "student",
            "format",
            "no_none_strings",
            s,
            s.filter(
                Exists(ContactEmail.objects.filter(contact_id=OuterRef("pk"), email__iexact="none"))
                | Exists(ContactPhone.objects.filter(contact_id=OuterRef("pk"), number__iexact="none"))
            ),
            "{bad} of {total} store the string “None” as an email or phone.",
        ),
        _ratio_check(
            "student",
            "relationships",
            "has_school",
            s,
            s.filter(school__isnull=True),
            "{bad} of {total} have no school.",
        ),
        _ratio_check(
            "student",
            "relationships",
            "class_of_same_school",
            s,
            s.filter(school_class__isnull=False).exclude(school_class__school_id=F("school_id")),
            "{bad} of {total} are in a class of another school.",
        ),
        _ratio_check(
            "student",
            "rules",
            "grade_k12",
            s,
            s.filter(current_grade__gt=12),
            "{bad} of {total} have a grade outside K-12.",
        ),
    ]


CHECKS: dict[str, Callable] = {
    "volunteer": checks_volunteer,
    "organization": checks_organization,
    "event": checks_event,
    "teacher": checks_teacher,
    "student": checks_student,
}


def quality_run_execute(
    *, user=None, client=None, use_salesforce: bool = True, progress: Callable[[float, str], None] | None = None
) -> QualityRun:
    """Run every check, score, and store the run with each check's result."""
    if client is None and use_salesforce:
        try:
            client = get_client()
        except IntegrationError as exc:
            logger.warning("quality run without Salesforce counts: %s", exc)
            client = None
    run = QualityRun.objects.create(started_at=timezone.now(), started_by=user if user and user.pk else None)
    results: list[q.CheckResult] = []
    for index, (entity, fn) in enumerate(CHECKS.items()):
        results.extend(fn(client))
        if progress:
            progress(100.0 * (index + 1) / len(CHECKS), f"Checked {entity}s")
    scores, overall = q.score_run(results)
    with transaction.atomic():
        QualityCheck.objects.bulk_create(
            [
                QualityCheck(
                    run=run,
                    entity=r.entity,
                    dimension=r.dimension,
                    name=r.name,
                    severity=r.severity or "",
                    score=r.score if r.score is not None else 0,
                    message=r.message[:500],
                    measured=r.measured,
                    offending_ids=r.offending_ids,
                )
                for r in results
            ]
        )
        run.scores, run.overall_score = scores, overall
        run.status, run.finished_at = QualityRun.Status.SUCCESS, timezone.now()
        run.save(update_fields=["scores", "overall_score", "status", "finished_at", "updated_at"])
    return run


# --------------------------------------------------------------------------- flags
@transaction.atomic
def flag_close(*, flag: DataQualityFlag, status: str, user=None, note: str = "") -> DataQualityFlag:
    """Dismiss (not a real problem) or resolve (fixed) an open flag."""

    if status not in (DataQualityFlag.Status.DISMISSED, DataQualityFlag.Status.RESOLVED):
        raise ValidationError({"status": "Choose dismissed or resolved."})
    if flag.status != DataQualityFlag.Status.OPEN:
        raise ValidationError({"status": f"The flag is already {flag.get_status_display().lower()}."})
    flag.status, flag.resolved_by, flag.resolved_at, flag.resolution_note = status, user, timezone.now(), note[:2000]
    flag.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "updated_at"])
    return flag


def offending_records(check: QualityCheck) -> list:
    model = MODELS[check.entity]
    return list(model.objects.filter(pk__in=check.offending_ids[:MAX_IDS]).order_by("pk"))
