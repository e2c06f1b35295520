"""Reads of the teacher programme, with who-may-see-what applied."""

from __future__ import annotations

from django.db.models import QuerySet

from .. import selectors as volunteer_selectors
from ..models import District, PathfulImport, PathfulUnmatched, TeacherIssue, TeacherProgress


def progress_district_ids(user) -> set[int] | None:
    """None: every district. A district viewer: only the districts they are scoped to."""
    if volunteer_selectors.user_sees_contacts(user):
        return None
    return volunteer_selectors.viewer_district_ids(user)


def districts_for(user) -> QuerySet[District]:
    return volunteer_selectors.district_list_for_user(user)


def progress_visible(user) -> QuerySet[TeacherProgress]:
    qs = TeacherProgress.objects.select_related("district", "school", "teacher", "deactivated_by")
    ids = progress_district_ids(user)
    return qs if ids is None else qs.filter(district_id__in=ids)


def import_list() -> QuerySet[PathfulImport]:
    return PathfulImport.objects.select_related("imported_by", "job")


def unmatched_list(*, status: str = "", kind: str = "") -> QuerySet[PathfulUnmatched]:
    qs = PathfulUnmatched.objects.select_related("contact", "resolved_by", "first_import")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def issue_list(*, user, status: str = "") -> QuerySet[TeacherIssue]:
    qs = TeacherIssue.objects.select_related("progress__district", "progress__school", "event", "resolved_by")
    ids = progress_district_ids(user)
    if ids is not None:
        qs = qs.filter(progress__district_id__in=ids)
    return qs.filter(status=status) if status else qs
