"""Whose district figures are scoped to their assigned districts is decided by a permission
(`volunteers.view_all_districts`), not by a role's name: the four roles see what they saw, and a
custom group gets the answer its permissions give."""

import pytest
from django.contrib.auth.models import Group, Permission

from project.roles import ROLES, user_roles
from tests.conftest import make_user
from volunteers import selectors
from volunteers.models import ViewerDistrict

from .factories import DistrictFactory, SchoolFactory


@pytest.fixture
def districts(db):
    north, south = DistrictFactory(name="North"), DistrictFactory(name="South")
    SchoolFactory(name="North High", district=north)
    SchoolFactory(name="South High", district=south)
    return north, south


@pytest.mark.parametrize(
    ("role", "scoped"), [("Administrator", False), ("Coordinator", False), ("Staff", False), ("Viewer", True)]
)
def test_each_role_sees_what_it_saw(role, scoped, districts):
    north, _ = districts
    user = make_user(f"u-{role.lower()}", role)
    ViewerDistrict.objects.create(user=user, district=north)
    assert user_roles(user) == {role} and role in ROLES
    assert selectors.user_is_district_viewer(user) is scoped
    expected = ["North"] if scoped else ["North", "South"]
    assert [d.name for d in selectors.district_list_for_user(user)] == expected
    assert sorted(s.name for s in selectors.school_list_for_user(user)) == [f"{name} High" for name in expected]


def test_a_custom_group_is_answered_by_its_permissions_not_its_name(districts):
    north, _ = districts
    # Named like a role that sees everything, but without the permission: scoped.
    lookalike = Group.objects.create(name="Staff (read only)")
    lookalike.permissions.set(Permission.objects.filter(codename="view_district"))
    scoped = make_user("scoped")
    scoped.groups.add(lookalike)
    ViewerDistrict.objects.create(user=scoped, district=north)
    assert [d.name for d in selectors.district_list_for_user(scoped)] == ["North"]
    # Named like nothing at all, but holding the permission: every district.
    analysts = Group.objects.create(name="Analysts")
    analysts.permissions.set(Permission.objects.filter(codename__in=["view_district", "view_all_districts"]))
    analyst = make_user("analyst")
    analyst.groups.add(analysts)
    assert [d.name for d in selectors.district_list_for_user(analyst)] == ["North", "South"]


def test_a_user_without_a_role_sees_no_unassigned_district(districts):
    assert list(selectors.district_list_for_user(make_user("nobody"))) == []
