"""Audit trail and soft delete, exercised through real domain models and the admin."""

import pytest
from django.test import Client

from oncall.models import Member
from tests.oncall.factories import MemberFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client


def test_history_records_who_when_and_what_changed(coordinator_client, coordinator):
    member = MemberFactory(team=TeamFactory(), name="Ann Original")
    response = coordinator_client.post(
        f"/admin/oncall/member/{member.pk}/change/",
        {**_member_form(member), "name": "Ann Renamed"},
    )
    assert response.status_code == 302, response.content[:2000]
    latest = member.history.first()
    assert latest.history_user == coordinator and latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "name"] == [
        ("name", "Ann Original", "Ann Renamed")
    ]
    page = coordinator_client.get(f"/admin/oncall/member/{member.pk}/history/")
    assert page.status_code == 200 and b"Ann Renamed" in page.content and b"coord1" in page.content


def test_soft_delete_hides_keeps_and_restores(coordinator_client):
    member = MemberFactory(team=TeamFactory(), name="Soft Sam")
    changes_before = [h.history_type for h in member.history.all()].count("~")
    coordinator_client.post(
        "/admin/oncall/member/", {"action": "soft_delete_selected", "_selected_action": [member.pk]}
    )
    assert not Member.objects.filter(pk=member.pk).exists()
    assert Member.all_objects.get(pk=member.pk).deleted_at is not None
    default_list = coordinator_client.get("/admin/oncall/member/")
    assert b"Soft Sam" not in default_list.content
    deleted_list = coordinator_client.get("/admin/oncall/member/?deleted=yes")
    assert b"Soft Sam" in deleted_list.content
    coordinator_client.post(
        "/admin/oncall/member/?deleted=yes", {"action": "restore_selected", "_selected_action": [member.pk]}
    )
    assert Member.objects.filter(pk=member.pk).exists()
    types = [h.history_type for h in Member.all_objects.get(pk=member.pk).history.all()]
    assert types.count("~") == changes_before + 2  # the delete and the restore are both in the trail


def test_admin_has_no_hard_delete_for_soft_delete_models(coordinator_client):
    MemberFactory(team=TeamFactory())
    page = coordinator_client.get("/admin/oncall/member/")
    assert b'value="delete_selected"' not in page.content
    assert b'value="restore_selected"' in page.content


def _member_form(member):
    return {
        "team": member.team_id,
        "name": member.name,
        "phone": member.phone,
        "secondary_phone": member.secondary_phone,
        "active": "on" if member.active else "",
        "rotation_order": member.rotation_order,
        "email": member.email,
    }
