import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from project.roles import (
    ADMIN_ROLES,
    ROLE_PERMISSIONS,
    ROLE_WITHHELD,
    ROLES,
    VIEWER,
    sync_roles,
    user_roles,
    user_set_role,
)
from tests.conftest import make_user

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def doc_matrix() -> dict[str, dict[str, set[str]]]:
    """Parse the 'Model permissions' table of docs/permissions.md: role -> app -> actions."""
    text = DOC.read_text()
    section = text.split("## Model permissions", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| app")]
    header = [c.strip() for c in section.split("| app", 1)[1].splitlines()[0].split("|")[1:-1]]
    matrix: dict[str, dict[str, set[str]]] = {role: {} for role in header}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        app, values = cells[0], cells[1:]
        for role, value in zip(header, values, strict=True):
            actions = set() if value == "—" else {a.strip() for a in value.split(",")}
            if actions:
                matrix[role][app] = actions
    return matrix


def test_permissions_doc_matches_role_definitions():
    documented = doc_matrix()
    assert set(documented) == set(ROLES)
    for role in ROLES:
        assert documented[role] == {app: set(actions) for app, actions in ROLE_PERMISSIONS[role].items()}, role


def test_permissions_doc_lists_the_models_withheld_from_viewers():
    line = re.search(r"Withheld from Viewers[^:]*:(.*?)\.\s", DOC.read_text(), re.S).group(1)
    assert set(re.findall(r"`([\w.]+)`", line)) == ROLE_WITHHELD[VIEWER]
    assert set(ROLE_WITHHELD) == {VIEWER}


@pytest.mark.django_db
def test_viewers_get_neither_the_sms_log_nor_sync_runs(viewer, staff_user):
    for perm in ("oncall.view_smsmessage", "volunteers.view_syncrun", "volunteers.view_historicalsyncrun"):
        assert not viewer.has_perm(perm), perm
    assert viewer.has_perm("oncall.view_member") and viewer.has_perm("volunteers.view_event")
    assert staff_user.has_perm("oncall.view_smsmessage") and staff_user.has_perm("volunteers.view_syncrun")


@pytest.mark.django_db
def test_migration_created_the_four_groups_with_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
    assert set(ROLES) <= set(groups)
    admin_codes = {f"{p.content_type.app_label}.{p.codename}" for p in groups["Administrator"].permissions.all()}
    assert "project.view_job" in admin_codes
    assert "project.add_apitoken" in admin_codes
    assert "auth.change_user" in admin_codes
    coordinator_apps = {p.content_type.app_label for p in groups["Coordinator"].permissions.all()}
    assert "project" not in coordinator_apps and "auth" not in coordinator_apps
    # History rows are never editable, only viewable.
    for group in groups.values():
        for perm in group.permissions.all():
            if "historical" in perm.codename:
                assert perm.codename.startswith("view_"), perm.codename
    # Nobody gets model permissions on private expenses.
    for role in ROLES:
        assert not groups[role].permissions.filter(content_type__app_label="expenses").exists()


@pytest.mark.django_db
def test_sync_roles_is_idempotent_and_restores_drift():
    viewer = Group.objects.get(name="Viewer")
    expected = set(viewer.permissions.values_list("pk", flat=True))
    viewer.permissions.clear()
    sync_roles()
    sync_roles()
    assert set(viewer.permissions.values_list("pk", flat=True)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_user_set_role_sets_group_and_admin_access(role):
    user = make_user("someone")
    user_set_role(user=user, role=role)
    user.refresh_from_db()
    assert user_roles(user) == {role}
    assert user.is_staff == (role in ADMIN_ROLES)


@pytest.mark.django_db
def test_role_permissions_reach_the_user(coordinator, staff_user, viewer):
    assert coordinator.has_perm("django_celery_beat.change_periodictask")
    assert not staff_user.has_perm("django_celery_beat.change_periodictask")
    assert not viewer.has_perm("project.view_job")


def test_unknown_role_is_rejected(db):
    with pytest.raises(ValueError, match="unknown role"):
        user_set_role(user=make_user("x"), role="Overlord")


def test_doc_lists_platform_urls():
    text = DOC.read_text()
    for url in ["/health/", "/admin/", "/api/schema/", "/api/docs/", "/api/v1/jobs/"]:
        assert re.search(re.escape(url), text), url
