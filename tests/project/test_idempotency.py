"""Idempotency-Key: the first response is kept per (user, key) for 24 h and replayed to retries;
the same key with another body is a 422; a retry while the first call runs waits or gets 409;
nothing is ever written twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from expenses import api as expenses_api
from expenses.models import Category
from project import api_views
from project.idempotency import idempotency_records_purge
from project.models import IdempotencyRecord, Job

pytestmark = pytest.mark.django_db

URL = "/api/v1/expenses/categories/"


def post(client, body, key="key-1", url=URL):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_replays_the_first_response_and_writes_nothing(token_client_for, staff_user):
    client = token_client_for(staff_user)
    first = post(client, {"name": "Lunches"})
    assert first.status_code == 201, first.content
    again = post(client, {"name": "Lunches"})
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert "Idempotent-Replayed" not in first
    assert Category.objects.filter(name="Lunches").count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.status_code) == (staff_user, "key-1", 201)
    hours = (record.expires_at - record.created_at) / timedelta(hours=1)
    assert hours == 24


def test_the_same_key_with_another_body_is_422(client_for, staff_user):
    client = client_for(staff_user)  # a session works the same as a token
    assert post(client, {"name": "Lunches"}).status_code == 201
    other = post(client, {"name": "Dinners"})
    assert other.status_code == 422
    assert other.json()["errors"] == {"Idempotency-Key": [other.json()["detail"]]}
    assert "different request" in other.json()["detail"]
    assert other_path(client).status_code == 422
    assert list(Category.objects.filter(name__in=["Lunches", "Dinners"]).values_list("name", flat=True)) == ["Lunches"]


def other_path(client):
    return post(client, {"name": "Lunches"}, url=URL + "?x=1")


def test_keys_belong_to_their_user(token_client_for, staff_user, staff_user2):
    assert post(token_client_for(staff_user), {"name": "Lunches"}).status_code == 201
    theirs = post(token_client_for(staff_user2), {"name": "Lunches"})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs  # their own call, not a replay
    assert Category.objects.filter(name="Lunches").count() == 2
    assert IdempotencyRecord.objects.count() == 2


def test_validation_errors_are_replayed_but_refusals_and_server_errors_are_not_kept(
    token_client_for, staff_user, viewer, monkeypatch
):
    client = token_client_for(staff_user)
    bad = post(client, {"name": ""}, key="bad")
    assert bad.status_code == 400
    assert post(client, {"name": ""}, key="bad").json() == bad.json()
    assert IdempotencyRecord.objects.get(key="bad").status_code == 400

    job_start = post(token_client_for(viewer), {"kind": "platform.purge_jobs"}, key="denied", url="/api/v1/jobs/")
    assert job_start.status_code == 403
    assert not IdempotencyRecord.objects.filter(key="denied").exists()


@pytest.mark.error_log_expected("django.request")
def test_a_server_error_rolls_the_call_back_so_the_retry_runs_once(client_for, admin_user, monkeypatch):
    client = client_for(admin_user)
    original = api_views.job_accepted

    def fail_after_the_work(job, request):
        raise RuntimeError("the connection dropped after the work")

    monkeypatch.setattr(api_views, "job_accepted", fail_after_the_work)
    client.raise_request_exception = False
    assert post(client, {"kind": "platform.purge_jobs"}, url="/api/v1/jobs/").status_code == 500
    assert Job.objects.count() == 0 and IdempotencyRecord.objects.count() == 0  # nothing kept half-done
    monkeypatch.setattr(api_views, "job_accepted", original)
    retried = post(client, {"kind": "platform.purge_jobs"}, url="/api/v1/jobs/")
    assert retried.status_code == 202
    assert post(client, {"kind": "platform.purge_jobs"}, url="/api/v1/jobs/").json() == retried.json()
    assert Job.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "status"),
    [("", 400), ("x" * 256, 400), ("with space", 400), ("caf\u00e9", 400), ("x" * 255, 201)],
)
def test_key_format(token_client_for, staff_user, key, status):
    response = token_client_for(staff_user).post(
        URL, {"name": "Lunches"}, format="json", headers={"Idempotency-Key": key.encode().decode("latin-1")}
    )
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["errors"]) == ["Idempotency-Key"]
        assert not Category.objects.filter(name="Lunches").exists()


def test_an_unfinished_key_is_409(token_client_for, staff_user):
    client = token_client_for(staff_user)
    assert post(client, {"name": "Lunches"}).status_code == 201
    IdempotencyRecord.objects.update(status_code=None)  # as seen while the first call runs elsewhere
    busy = post(client, {"name": "Lunches"})
    assert busy.status_code == 409 and "still being processed" in busy.json()["detail"]


def test_an_expired_key_runs_again_and_is_purged(token_client_for, staff_user):
    client = token_client_for(staff_user)
    assert post(client, {"name": "Lunches"}).status_code == 201
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert post(client, {"name": "Dinners"}).status_code == 201  # a day later the key is free again
    assert Category.objects.filter(name__in=["Lunches", "Dinners"]).count() == 2
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency_records_purge() == 1


def test_reads_anonymous_calls_and_other_paths_ignore_the_key(client, token_client_for, staff_user):
    assert token_client_for(staff_user).get(URL, HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    assert client.post(URL, {"name": "x"}, HTTP_IDEMPOTENCY_KEY="k", content_type="application/json").status_code in (
        401,
        403,
    )
    assert IdempotencyRecord.objects.count() == 0


def test_the_schema_documents_the_header_on_every_state_changing_operation(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/?format=json").json()
    unsafe = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(unsafe) > 20
    missing = [
        (path, method)
        for path, method, operation in unsafe
        if not any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation.get("parameters", []))
    ]
    assert missing == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_wait_for_the_first_and_replay_it(token_client_for, staff_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections writing at once")
    inside, release = threading.Event(), threading.Event()
    original = expenses_api.CategoryViewSet.perform_create

    def slow_create(self, serializer):
        inside.set()
        release.wait(10)
        return original(self, serializer)

    monkeypatch.setattr(expenses_api.CategoryViewSet, "perform_create", slow_create)
    results = {}

    def call(name):
        try:
            results[name] = post(token_client_for(staff_user), {"name": "Lunches"})
        finally:
            connection.close()

    first = threading.Thread(target=call, args=("first",))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=call, args=("second",))
    second.start()
    second.join(1)
    assert second.is_alive()  # waiting on the first call's row
    release.set()
    first.join(10)
    second.join(10)
    assert (results["first"].status_code, results["second"].status_code) == (201, 201)
    assert results["second"]["Idempotent-Replayed"] == "true"
    assert results["second"].json() == results["first"].json()
    assert Category.objects.filter(name="Lunches").count() == 1
