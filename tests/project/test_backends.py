"""The permission backend keeps each set of groups' permissions in memory; roles, superuser status,
direct permissions and group edits still apply at once."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from project import backends
from project.roles import COORDINATOR, STAFF, VIEWER, user_set_role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # what the next request reads


def test_permissions_match_djangos_model_backend(coordinator, staff_user, viewer, admin_user):
    from django.contrib.auth.backends import ModelBackend

    for user in (coordinator, staff_user, viewer, admin_user):
        assert backends.RoleModelBackend().get_all_permissions(fresh(user)) == \
            ModelBackend().get_all_permissions(fresh(user)), user.username
    assert "oncall.change_member" in fresh(coordinator).get_all_permissions()


def test_a_second_request_reads_no_permission_rows(staff_user, django_assert_num_queries):
    fresh(staff_user).has_perm("oncall.view_member")
    user = fresh(staff_user)
    with django_assert_num_queries(1):  # the user's groups, and whether they hold direct permissions
        assert user.has_perm("oncall.view_member") and not user.has_perm("oncall.change_member")


def test_a_role_change_applies_to_the_next_request(staff_user):
    assert not fresh(staff_user).has_perm("oncall.change_member")
    user_set_role(user=fresh(staff_user), role=COORDINATOR)
    assert fresh(staff_user).has_perm("oncall.change_member")
    user_set_role(user=fresh(staff_user), role=VIEWER)
    assert not fresh(staff_user).has_perm("scheduling.view_event")


def test_a_group_edit_applies_at_once(staff_user):
    assert fresh(staff_user).has_perm("oncall.view_member")
    staff = Group.objects.get(name=STAFF)
    staff.permissions.remove(Permission.objects.get(codename="view_member", content_type__app_label="oncall"))
    assert not fresh(staff_user).has_perm("oncall.view_member")


def test_another_process_edit_applies_within_the_ttl(staff_user, monkeypatch):
    assert fresh(staff_user).has_perm("oncall.view_member")
    staff = Group.objects.get(name=STAFF)
    perm = Permission.objects.get(codename="view_member", content_type__app_label="oncall")
    staff.permissions.through.objects.filter(group=staff, permission=perm).delete()  # no signal here
    assert fresh(staff_user).has_perm("oncall.view_member")  # this process's copy
    clock = backends.time.monotonic() + backends.GROUP_PERMISSIONS_TTL + 1
    monkeypatch.setattr(backends.time, "monotonic", lambda: clock)
    assert not fresh(staff_user).has_perm("oncall.view_member")


def test_direct_permissions_and_inactive_users(viewer):
    perm = Permission.objects.get(codename="view_schedule", content_type__app_label="scheduling")
    assert not fresh(viewer).has_perm("scheduling.view_schedule")
    viewer.user_permissions.add(perm)
    assert fresh(viewer).has_perm("scheduling.view_schedule")
    get_user_model().objects.filter(pk=viewer.pk).update(is_active=False)
    assert not fresh(viewer).has_perm("oncall.view_member")


def test_superusers_have_every_permission():
    root = make_user("root", is_superuser=True)
    assert fresh(root).get_all_permissions() == {f"{p.content_type.app_label}.{p.codename}"
                                                 for p in Permission.objects.select_related("content_type")}
