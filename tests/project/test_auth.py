"""Login, lockout (django-axes), TOTP second factor for the admin (django-otp)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def login(client, username, password, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_login_page_renders_with_csrf_and_logs_in(staff_user):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": "staff1", "password": "pw-staff1", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_without_csrf_token_is_rejected(staff_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staff1", "password": "pw-staff1"})
    assert response.status_code == 403


def test_wrong_password_shows_form_error(client, staff_user):
    response = login(client, "staff1", "nope")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_lockout_after_repeated_failures(client, staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, "staff1", "wrong")
    locked = login(client, "staff1", "pw-staff1")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    attempt = AccessAttempt.objects.get(username="staff1")
    assert attempt.failures_since_start == 4  # the three failures plus the refused attempt
    # Locked out users are visible to administrators in the admin.
    admin = make_user("boss", "Administrator", is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and b"staff1" in page.content


def test_logout_requires_post(client, staff_user):
    client.force_login(staff_user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_anonymous_pages_redirect_to_login(client):
    response = client.get("/jobs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


class TestTwoFactor:
    @pytest.fixture(autouse=True)
    def _require_2fa(self, settings):
        settings.REQUIRE_2FA = True

    def test_admin_requires_enrolment_then_accepts_valid_code(self, client, coordinator):
        response = login(client, "coord1", "pw-coord1", next_url="/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
        # Without verification the admin sends the user to the second factor.
        admin = client.get("/admin/", follow=True)
        assert admin.redirect_chain[-1][0].startswith("/accounts/2fa/")
        page = client.get("/accounts/2fa/?next=/admin/")
        assert page.status_code == 200 and b"Scan this code" in page.content
        device = TOTPDevice.objects.get(user=coordinator)
        assert device.confirmed is False
        bad = client.post("/accounts/2fa/", {"token": "000000", "next": "/admin/"})
        assert bad.status_code == 200 and b"not valid" in bad.content
        throttled = client.post("/accounts/2fa/", {"token": f"{totp(device.bin_key):06d}", "next": "/admin/"})
        assert b"Too many wrong codes" in throttled.content
        device.refresh_from_db()
        device.throttle_reset()
        good = client.post("/accounts/2fa/", {"token": f"{totp(device.bin_key):06d}", "next": "/admin/"})
        assert good.status_code == 302 and good["Location"] == "/admin/"
        device.refresh_from_db()
        assert device.confirmed is True
        assert client.get("/admin/").status_code == 200

    def test_unverified_staff_session_cannot_use_admin(self, client, coordinator):
        client.force_login(coordinator)
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/2fa/")
        assert response.status_code == 200

    def test_enrolled_user_is_asked_for_code(self, client, coordinator):
        TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
        client.force_login(coordinator)
        page = client.get("/accounts/2fa/")
        assert b"Enter the 6-digit code" in page.content

    def test_non_staff_users_log_in_without_second_factor(self, client, staff_user):
        response = login(client, "staff1", "pw-staff1")
        assert response["Location"] == "/"

    def test_admin_open_without_2fa_when_disabled(self, client, coordinator, settings):
        settings.REQUIRE_2FA = False
        client.force_login(coordinator)
        assert client.get("/admin/").status_code == 200


def test_non_staff_user_gets_403_from_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_a_page_reads_the_users_permissions_with_the_user(client, staff_user, django_assert_num_queries):
    """One query gives the signed-in user and every permission of theirs and their groups' (Django runs
    three), the same set ModelBackend computes; a permission taken away counts on the next page."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend as DjangoBackend
    from django.contrib.auth.models import Group, Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from project.authentication import ModelBackend

    extra = Permission.objects.get(codename="view_job")
    staff_user.user_permissions.add(extra)
    expected = DjangoBackend().get_all_permissions(get_user_model().objects.get(pk=staff_user.pk))
    assert "project.view_job" in expected and "volunteers.view_volunteer" in expected
    with django_assert_num_queries(1):
        user = ModelBackend().get_user(staff_user.pk)
        assert user.has_perm("project.view_job") and user.has_perms(["volunteers.view_volunteer"])
    assert user._perm_cache == expected
    loner = get_user_model().objects.create_user("loner", password="pw")
    assert ModelBackend().get_user(loner.pk)._perm_cache == set()
    root = get_user_model().objects.create_superuser("root", password="pw")
    root = ModelBackend().get_user(root.pk)
    assert root.permission_codes is None and root.has_perm("volunteers.view_contact_details")  # no list read

    client.force_login(staff_user)
    assert client.get("/volunteers/directory/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/volunteers/directory/").status_code == 200
    reading_permissions = [q["sql"] for q in captured.captured_queries if "auth_permission" in q["sql"]]
    assert len(reading_permissions) == 1 and reading_permissions[0].startswith('SELECT "auth_user"."id"')
    group = Group.objects.get(user=staff_user)
    group.permissions.remove(Permission.objects.get(codename="view_contact_details"))
    assert client.get("/volunteers/directory/").status_code == 403


def test_an_inactive_users_session_signs_nobody_in(client, staff_user):
    client.force_login(staff_user)
    staff_user.is_active = False
    staff_user.save(update_fields=["is_active"])
    assert client.get("/volunteers/directory/").status_code == 302
