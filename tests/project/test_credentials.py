"""Encrypted integration credentials: encrypted at rest, never shown back, never logged."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from project.credentials import credential_get, credential_set
from project.fields import DecryptionFailed, _fernet
from project.models import IntegrationCredential

pytestmark = pytest.mark.django_db

SECRET = "tw-auth-token-5e3cr3t"


def raw_value(pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {IntegrationCredential._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_value_is_encrypted_at_rest_and_readable_in_code():
    row = credential_set(system="twilio", key="auth_token", value=SECRET)
    stored = raw_value(row.pk)
    assert SECRET not in stored and stored.startswith("gAAAAA")
    assert IntegrationCredential.objects.get(pk=row.pk).value == SECRET
    assert credential_get(system="twilio", key="auth_token") == SECRET


def test_environment_is_the_fallback(monkeypatch):
    monkeypatch.setenv("PLACES_API_KEY", "from-env")
    assert credential_get(system="places", key="api_key") == "from-env"
    credential_set(system="places", key="api_key", value="from-admin")
    assert credential_get(system="places", key="api_key") == "from-admin"


def test_key_rotation_keeps_old_values_readable(settings):
    row = credential_set(system="crossmark", key="password", value=SECRET)
    old_key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old_key}"
    _fernet.cache_clear()
    assert IntegrationCredential.objects.get(pk=row.pk).value == SECRET
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    value = IntegrationCredential.objects.get(pk=row.pk).value
    assert isinstance(value, DecryptionFailed) and value == ""


def test_history_never_records_the_secret():
    row = credential_set(system="twilio", key="auth_token", value=SECRET)
    credential_set(system="twilio", key="auth_token", value=SECRET + "2")
    assert row.history.count() == 2
    assert not hasattr(row.history.first(), "value")


def test_admin_never_shows_value_and_blank_keeps_it(client, admin_user, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    response = client.post(
        "/admin/project/integrationcredential/add/", {"system": "twilio", "key": "auth_token", "value": SECRET}
    )
    assert response.status_code == 302
    row = IntegrationCredential.objects.get()
    assert row.value == SECRET and row.updated_by == admin_user
    for url in [
        "/admin/project/integrationcredential/",
        f"/admin/project/integrationcredential/{row.pk}/change/",
        f"/admin/project/integrationcredential/{row.pk}/history/",
    ]:
        page = client.get(url)
        assert page.status_code == 200 and SECRET.encode() not in page.content, url
    client.post(
        f"/admin/project/integrationcredential/{row.pk}/change/", {"system": "twilio", "key": "auth_token", "value": ""}
    )
    row.refresh_from_db()
    assert row.value == SECRET
    client.post(
        f"/admin/project/integrationcredential/{row.pk}/change/",
        {"system": "twilio", "key": "auth_token", "value": "rotated-value"},
    )
    row.refresh_from_db()
    assert row.value == "rotated-value"
    assert SECRET not in caplog.text and "rotated-value" not in caplog.text


def test_new_credential_requires_a_value(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/project/integrationcredential/add/", {"system": "edr", "key": "password"})
    assert response.status_code == 200 and b"Enter the secret value" in response.content
    assert not IntegrationCredential.objects.exists()


def test_coordinators_cannot_reach_credentials(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/admin/project/integrationcredential/").status_code == 403
