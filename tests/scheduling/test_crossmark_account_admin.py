"""Crossmark accounts in the admin: each acts in Crossmark as its user, so a coordinator sees and
edits only their own; superusers manage all."""

import pytest

from project.roles import COORDINATOR
from scheduling.models import CrossmarkAccount
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(coordinator):
    other = make_user("coord2", COORDINATOR)
    return (
        CrossmarkAccount.objects.create(user=coordinator, username="mine", password="pw1"),
        CrossmarkAccount.objects.create(user=other, username="theirs", password="pw2"),
    )


def test_coordinator_sees_and_edits_only_their_own_account(client, coordinator, accounts):
    mine, theirs = accounts
    client.force_login(coordinator)
    changelist = client.get("/admin/scheduling/crossmarkaccount/").content.decode()
    assert "mine" in changelist and "theirs" not in changelist
    assert client.get(f"/admin/scheduling/crossmarkaccount/{mine.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/scheduling/crossmarkaccount/{theirs.pk}/change/",
        {"user": theirs.user_id, "username": "hijacked", "password": "x"},
    )
    assert response.status_code == 302 and response.url == "/admin/"  # "doesn't exist": not theirs to see
    theirs.refresh_from_db()
    assert theirs.username == "theirs" and theirs.password == "pw2"


def test_coordinator_can_only_add_an_account_for_themselves(client, coordinator):
    other = make_user("coord3", COORDINATOR)
    client.force_login(coordinator)
    response = client.post(
        "/admin/scheduling/crossmarkaccount/add/", {"user": other.pk, "username": "x", "password": "y"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not CrossmarkAccount.objects.filter(user=other).exists()


def test_superuser_sees_every_account(client, admin_user, accounts):
    client.force_login(admin_user)
    changelist = client.get("/admin/scheduling/crossmarkaccount/").content.decode()
    assert "mine" in changelist and "theirs" in changelist
