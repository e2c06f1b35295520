"""Shared fixtures for the quality gates: the demo data of every installed app (so new apps are
covered as soon as they ship a demo.py), and one user per role plus a second Staff user."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from project.roles import ADMINISTRATOR, COORDINATOR, STAFF, VIEWER
from tests.conftest import make_user

ROLES = ["anonymous", VIEWER, STAFF, "Staff2", COORDINATOR, ADMINISTRATOR]


@pytest.fixture
def demo_data(db, settings):
    """Every app's demo.py (idempotent), loaded in the test's transaction."""
    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())
    settings.DEBUG = False


@pytest.fixture
def role_users(demo_data):
    """role -> user (None for anonymous). Staff is the demo "staff" user (owner of the demo's
    private objects, if an app has any); Staff2 is a second Staff member who owns nothing."""
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["admin", "coordinator", "staff", "viewer"])}
    return {
        "anonymous": None,
        VIEWER: users["viewer"],
        STAFF: users["staff"],
        "Staff2": make_user("staff-other", STAFF),
        COORDINATOR: users["coordinator"],
        ADMINISTRATOR: users["admin"],
    }


@pytest.fixture
def site_objects(role_users):
    """At least one object of every model the admin or the API shows, so every detail URL can be
    built: the demo data plus the platform's own rows (a Job and a token owned by Staff, the
    periodic tasks, a credential, login-audit rows and 2FA devices)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import timezone
    from django_celery_beat.models import ClockedSchedule, SolarSchedule
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from project.authentication import api_token_create
    from project.credentials import credential_set
    from project.models import Job, PeriodicTaskStatus

    staff = role_users[STAFF]
    Job.objects.create(kind="quality.sample", created_by=staff)
    api_token_create(user=staff, name="quality")
    call_command("setup_periodic_tasks", stdout=StringIO())
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    SolarSchedule.objects.create(event="sunrise", latitude=41.88, longitude=-87.63)
    PeriodicTaskStatus.objects.get_or_create(name="Beat heartbeat", defaults={"last_success_at": timezone.now()})
    credential_set(system="twilio", key="auth_token", value="quality-secret", user=role_users[ADMINISTRATOR])
    now = timezone.now()
    common = {"user_agent": "quality", "ip_address": "127.0.0.1", "username": "nobody", "http_accept": "*/*",
              "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1, attempt_time=now)
    AccessLog.objects.create(**common, attempt_time=now)
    AccessFailureLog.objects.create(**common, attempt_time=now, locked_out=False)
    TOTPDevice.objects.create(user=role_users[ADMINISTRATOR], name="quality", confirmed=True)
    StaticDevice.objects.create(user=role_users[ADMINISTRATOR], name="quality", confirmed=True)
    return role_users
