"""Writes and reads for bug reports. Keyword-only, atomic; the views only check roles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import BugReport

DESCRIPTION_MAX = 5000
NOTE_MAX = 2000


def _page_path(raw: str) -> str:
    """Only a path on this site is kept (never another host's URL)."""
    value = (raw or "").strip()[:500]
    return value if value.startswith("/") and not value.startswith("//") else ""


@transaction.atomic
def bug_report_create(
    *,
    kind: str,
    description: str,
    page_url: str = "",
    page_title: str = "",
    reporter=None,
    reporter_email: str = "",
    source: str = BugReport.Source.PAGE,
) -> BugReport:
    """A new open report. Teachers' "flag an issue" (no account) passes `source=TEACHER_FLAG`,
    `kind=DATA_ERROR` and their e-mail."""
    text = (description or "").strip()
    if not text:
        raise ValidationError({"description": ["Describe the problem."]})
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError({"description": [f"At most {DESCRIPTION_MAX} characters."]})
    report = BugReport(
        kind=kind,
        source=source,
        description=text,
        page_url=_page_path(page_url),
        page_title=" ".join((page_title or "").split())[:200],
        reporter=reporter if reporter is not None and reporter.pk else None,
        reporter_email=(reporter_email or "").strip().lower(),
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def bug_report_resolve(*, report: BugReport, user, note: str) -> BugReport:
    text = (note or "").strip()
    if not text:
        raise ValidationError({"note": ["Say how it was resolved."]})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": [f"At most {NOTE_MAX} characters."]})
    report = BugReport.objects.select_for_update().get(pk=report.pk)
    if report.status == BugReport.Status.RESOLVED:
        raise ValidationError({"status": ["This report is already resolved."]})
    report.status = BugReport.Status.RESOLVED
    report.resolved_at = timezone.now()
    report.resolved_by = user
    report.resolution_note = text
    report._history_user = user
    report.save()
    return report


@transaction.atomic
def bug_report_delete(*, report: BugReport, user) -> None:
    """Deleted for good; the history table keeps the deleted row and who deleted it."""
    report._history_user = user
    report.delete()


def bug_report_list(*, status: str = "", kind: str = "", query: str = "") -> QuerySet[BugReport]:
    qs = BugReport.objects.select_related("reporter", "resolved_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    for term in (query or "").split()[:6]:
        qs = qs.filter(
            Q(description__icontains=term)
            | Q(page_url__icontains=term)
            | Q(page_title__icontains=term)
            | Q(reporter__username__icontains=term)
            | Q(reporter_email__icontains=term)
        )
    return qs
