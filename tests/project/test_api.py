"""API base: bearer tokens (hashed), error format, pagination cap, schema and docs access."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from project.authentication import ModelBackend as CrewbaseBackend
from project.authentication import api_token_create, api_token_revoke
from project.models import ApiToken, Job, hash_token
from volunteers.models import Skill

pytestmark = pytest.mark.django_db


def test_bearer_token_authenticates(token_client_for, staff_user):
    response = token_client_for(staff_user).get("/api/v1/jobs/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_token_calls_load_the_users_permissions_with_the_token(staff_user, viewer, django_assert_num_queries):
    """The token, its user and every permission of the user and their groups in one query (as
    ModelBackend would have them), however many checks the call makes."""
    staff_user.user_permissions.add(Permission.objects.get(codename="view_job"))
    user = CrewbaseBackend().get_user(staff_user.pk)
    assert user._perm_cache == ModelBackend().get_all_permissions(get_user_model().objects.get(pk=staff_user.pk))
    assert "project.view_job" in user._perm_cache and "volunteers.view_volunteer" in user._perm_cache
    _, raw = api_token_create(user=staff_user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    Skill.objects.create(name="Robotics")
    client.get("/api/v1/volunteers/skills/")  # records the token's first use
    with django_assert_num_queries(3):  # token with its user and permissions, count, page
        response = client.get("/api/v1/volunteers/skills/")
    assert response.json()["results"] == [{"id": Skill.objects.get().pk, "name": "Robotics"}]
    _, raw = api_token_create(user=viewer, name="test")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/volunteers/volunteers/").status_code == 403  # a Viewer sees no people


@pytest.mark.parametrize(
    "header",
    ["", "Bearer cb_forged-token-value", "Bearer", "Bearer a b", "Token abc", "Bearer \u00e9t\u00e9"],
)
def test_missing_or_forged_token_is_401(api_client, staff_user, header):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/v1/jobs/")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_and_expired_tokens_are_401(api_client, staff_user):
    token, raw = api_token_create(user=staff_user, name="ci")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/jobs/").status_code == 200
    api_token_revoke(token=token)
    assert api_client.get("/api/v1/jobs/").status_code == 401
    _, raw2 = api_token_create(user=staff_user, name="old", expires_at=timezone.now() - timezone.timedelta(days=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw2}")
    assert api_client.get("/api/v1/jobs/").status_code == 401


def test_inactive_user_token_is_401(api_client, staff_user):
    _, raw = api_token_create(user=staff_user, name="ci")
    staff_user.is_active = False
    staff_user.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/jobs/").status_code == 401


def test_tokens_are_stored_hashed_and_last_use_recorded(api_client, staff_user):
    token, raw = api_token_create(user=staff_user, name="ci")
    row = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in str(row)
    assert row["token_hash"] == hash_token(raw) and len(row["token_hash"]) == 64
    assert raw.startswith(row["prefix"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api_client.get("/api/v1/jobs/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_api_token_command_prints_token_once(staff_user, api_client):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "staff1", "--name", "reporting", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=staff_user)
    assert token.name == "reporting" and token.token_hash == hash_token(raw)
    assert "cannot be shown again" in err.getvalue()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/jobs/").status_code == 200


def test_create_api_token_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No user named"):
        call_command("create_api_token", "ghost")


def test_tokens_listed_and_revocable_in_admin(client, admin_user, staff_user):
    token, _ = api_token_create(user=staff_user, name="integration-x")
    client.force_login(admin_user)
    page = client.get("/admin/project/apitoken/")
    assert page.status_code == 200 and b"integration-x" in page.content
    client.post("/admin/project/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_add_token_shows_clear_value_once(client, admin_user, staff_user):
    client.force_login(admin_user)
    response = client.post("/admin/project/apitoken/add/", {"user": staff_user.pk, "name": "from-admin"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="from-admin")
    shown = [str(m) for m in response.context["messages"]]
    assert any(token.prefix in m and "will not be shown again" in m for m in shown)
    change = client.get(f"/admin/project/apitoken/{token.pk}/change/")
    assert token.token_hash.encode() not in change.content


def test_malformed_json_is_400_with_detail(client_for, admin_user):
    response = client_for(admin_user).post("/api/v1/jobs/", data="{bad json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_unknown_and_wrong_type_fields_are_named(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs", "colour": "blue"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"colour": ["Unknown field."]}
    assert "colour" in response.json()["detail"]
    response = client.post("/api/v1/jobs/", {"kind": "nope", "params": "x"}, format="json")
    body = response.json()
    assert response.status_code == 400 and set(body["errors"]) == {"kind", "params"}
    response = client.post(
        "/api/v1/jobs/", {"kind": "platform.purge_jobs", "params": {"older_than_days": "lots"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["params"]["older_than_days"] == ["A valid integer is required."]


def test_unknown_object_is_json_404(client_for, admin_user):
    response = client_for(admin_user).get("/api/v1/jobs/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}


def test_unknown_api_url_is_json_404(client_for, admin_user):
    response = client_for(admin_user).get("/api/v1/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


def test_pagination_caps_page_size(client_for, admin_user):
    Job.objects.bulk_create([Job(kind="bulk") for _ in range(205)])
    client = client_for(admin_user)
    body = client.get("/api/v1/jobs/?page_size=1000").json()
    assert body["count"] == 205 and len(body["results"]) == 200
    assert len(client.get("/api/v1/jobs/").json()["results"]) == 50
    assert client.get("/api/v1/jobs/?page=99").status_code == 404


def test_schema_requires_authentication(api_client, client_for, viewer):
    assert api_client.get("/api/schema/").status_code == 401
    response = client_for(viewer).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/jobs/" in response.content and b"bearerAuth" in response.content


def test_swagger_ui_is_staff_only_and_offline(client_for, staff_user, coordinator, api_client):
    assert api_client.get("/api/docs/").status_code == 302
    assert client_for(staff_user).get("/api/docs/", follow=True).status_code == 403
    page = client_for(coordinator).get("/api/docs/")
    assert page.status_code == 200
    assert b"cdn" not in page.content.lower() and b"/static/drf_spectacular_sidecar/" in page.content


def test_session_api_writes_require_csrf(staff_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
