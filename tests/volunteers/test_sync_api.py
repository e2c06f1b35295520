"""Salesforce sync API and data-quality API: roles, 202 jobs, runs, flags."""

import pytest

from volunteers.models import DataQualityFlag, QualityRun, SyncRun

pytestmark = pytest.mark.django_db

SYNC_URL = "/api/v1/integrations/salesforce/sync/"
RUNS_URL = "/api/v1/integrations/salesforce/runs/"


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("Administrator", 202),
        ("Coordinator", 202),
        ("Staff", 403),
        ("Viewer", 403),
        ("anonymous", 403),
    ],
    indirect=["persona"],
)
def test_sync_start_permissions(client_for, persona, expected):
    response = client_for(persona).post(SYNC_URL, {"mode": "full", "objects": ["districts", "schools"]}, format="json")
    assert response.status_code in ((401, 403) if expected == 403 and persona is None else (expected,))


def test_sync_start_runs_the_job_with_progress(client_for, coordinator):
    response = client_for(coordinator).post(SYNC_URL, {"mode": "delta"}, format="json")
    assert response.status_code == 202
    job = response.json()
    assert job["kind"] == "volunteers.salesforce_sync" and response["Location"].endswith(f"/jobs/{job['id']}/")
    detail = client_for(coordinator).get(f"/api/v1/jobs/{job['id']}/").json()
    assert detail["status"] == "succeeded" and detail["progress"] == 100
    assert [row["object"] for row in detail["result"]["objects"]][:3] == ["districts", "schools", "organizations"]
    assert SyncRun.objects.count() == 13 and set(SyncRun.objects.values_list("mode", flat=True)) == {"full"}
    assert SyncRun.objects.filter(job_id=job["id"]).count() == 13


@pytest.mark.parametrize(
    "body, field",
    [({"mode": "sometimes"}, "mode"), ({"objects": ["planets"]}, "objects"), ({"mode": "full", "extra": 1}, "extra")],
)
def test_sync_start_bad_input(client_for, coordinator, body, field):
    response = client_for(coordinator).post(SYNC_URL, body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_sync_broker_down_is_503(client_for, coordinator, monkeypatch):
    from project.jobs import JobNotQueued
    from volunteers.salesforce import api as sync_api

    def down(**kwargs):
        raise JobNotQueued("broker down")

    monkeypatch.setattr(sync_api, "job_start", down)
    assert client_for(coordinator).post(SYNC_URL, {"mode": "delta"}, format="json").status_code == 503


def test_runs_list_and_detail(client_for, coordinator, staff_user, viewer, django_assert_max_num_queries):
    client_for(coordinator).post(SYNC_URL, {"mode": "full", "objects": ["districts", "schools"]}, format="json")
    client = client_for(staff_user)
    with django_assert_max_num_queries(8):
        response = client.get(RUNS_URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["object_name"] for r in rows] == ["schools", "districts"]
    assert rows[0]["created"] == 6 and rows[0]["status"] == "success" and rows[0]["processed"] == 6
    detail = client.get(f"{RUNS_URL}{rows[1]['id']}/").json()
    assert detail["created"] == 3 and detail["watermark"]
    assert client.get(RUNS_URL, {"object_name": "districts"}).json()["count"] == 1
    assert client_for(None).get(RUNS_URL).status_code in (401, 403)


# --------------------------------------------------------------------------- quality API
QUALITY_RUNS = "/api/v1/volunteers/quality/runs/"
FLAGS = "/api/v1/volunteers/quality/flags/"


def test_quality_run_start_list_detail(client_for, coordinator, staff_user, django_assert_max_num_queries):
    response = client_for(coordinator).post(QUALITY_RUNS, {}, format="json")
    assert response.status_code == 202
    assert client_for(staff_user).post(QUALITY_RUNS, {}, format="json").status_code == 403
    run = QualityRun.objects.get()
    staff = client_for(staff_user)
    with django_assert_max_num_queries(8):
        rows = staff.get(QUALITY_RUNS).json()["results"]
    assert rows[0]["id"] == run.pk and set(rows[0]["scores"]) == {
        "volunteer",
        "organization",
        "event",
        "teacher",
        "student",
    }
    detail = client_for(staff_user).get(f"{QUALITY_RUNS}{run.pk}/").json()
    assert {c["dimension"] for c in detail["checks"]} == {"count", "completeness", "format", "relationships", "rules"}


def make_flags(n=3):
    return [
        DataQualityFlag.objects.create(
            entity_type="volunteer", entity_key=f"003V{i}", issue_type="all_caps_name", message=f"flag {i}"
        )
        for i in range(n)
    ]


def test_flags_list_filter_and_close(client_for, coordinator, staff_user, viewer, django_assert_max_num_queries):
    flags = make_flags()
    DataQualityFlag.objects.filter(pk=flags[2].pk).update(status="dismissed")
    staff = client_for(staff_user)
    with django_assert_max_num_queries(8):
        response = staff.get(FLAGS, {"status": "open"})
    assert response.json()["count"] == 2
    assert client_for(viewer).get(FLAGS).status_code == 403
    assert client_for(staff_user).post(f"{FLAGS}{flags[0].pk}/dismiss/", {}, format="json").status_code == 403
    ok = client_for(coordinator).post(f"{FLAGS}{flags[0].pk}/dismiss/", {"note": "checked"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "dismissed" and ok.json()["resolved_by"] == "coord1"
    resolved = client_for(coordinator).post(f"{FLAGS}{flags[1].pk}/resolve/", {}, format="json")
    assert resolved.json()["status"] == "resolved"
    again = client_for(coordinator).post(f"{FLAGS}{flags[1].pk}/resolve/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()["errors"]
    assert client_for(coordinator).get(FLAGS, {"status": "bogus"}).status_code == 400
