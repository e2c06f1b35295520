"""The sync tells the truth: a failed object fails the job (and /health/), the demo's first "Sync now"
adopts the demo's reference data instead of raising IntegrityError, and database refusals read as
sentences, never SQL."""

import io

import pytest
from django.db import IntegrityError

from integrations.base import PermanentError
from integrations.salesforce.fake import FakeSalesforceClient
from project.health import health_report
from project.models import Job
from volunteers import demo
from volunteers.models import District, Organization, School, SyncRun
from volunteers.salesforce import tasks as sf_tasks
from volunteers.salesforce.sync import db_error_message, sync_all

pytestmark = pytest.mark.django_db

SYNC_URL = "/api/v1/integrations/salesforce/sync/"


class ContactsDown(FakeSalesforceClient):
    """Salesforce answers every object but Contact (e.g. API limit exceeded on that query)."""

    def query_pages(self, *, sobject, **kwargs):
        if sobject == "Contact":
            raise PermanentError("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.", system="salesforce")
        yield from super().query_pages(sobject=sobject, **kwargs)


def test_a_failed_object_fails_the_job_with_its_error_and_summary(client_for, coordinator, monkeypatch):
    monkeypatch.setattr(sf_tasks, "_client", ContactsDown)
    response = client_for(coordinator).post(SYNC_URL, {"mode": "full"}, format="json")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Salesforce sync failed for volunteers (failed), teachers (failed), students (failed).")
    assert "REQUEST_LIMIT_EXCEEDED" in job.error
    by_object = {row["object"]: row["status"] for row in job.result["objects"]}
    assert by_object["districts"] == "success" and by_object["volunteers"] == "failed"
    detail = client_for(coordinator).get(f"/api/v1/jobs/{job.pk}/").json()
    assert detail["status"] == "failed" and "volunteers" in detail["error"]


def test_health_shows_the_sync_failing_until_a_later_run_succeeds(client_for, coordinator, monkeypatch):
    monkeypatch.setattr(sf_tasks, "_client", ContactsDown)
    client_for(coordinator).post(SYNC_URL, {"mode": "full"}, format="json")
    _, checks, _ = health_report()
    sync = checks["syncs"]["Volunteers: Salesforce daily delta sync"]
    assert sync["status"] == "failing" and "volunteers" in sync["error"]
    monkeypatch.setattr(sf_tasks, "_client", FakeSalesforceClient)
    response = client_for(coordinator).post(SYNC_URL, {"mode": "full"}, format="json")
    assert Job.objects.get(pk=response.json()["id"]).status == Job.Status.SUCCEEDED
    _, checks, _ = health_report()
    assert checks["syncs"]["Volunteers: Salesforce daily delta sync"]["status"] == "ok"


def test_daily_delta_raises_with_the_first_error(monkeypatch):
    monkeypatch.setattr(sf_tasks, "_client", ContactsDown)
    with pytest.raises(sf_tasks.SyncFailed, match="volunteers .failed.*REQUEST_LIMIT_EXCEEDED"):
        sf_tasks.salesforce_daily_delta()


def test_first_sync_on_the_demo_adopts_its_reference_data():
    demo.load(stdout=io.StringIO())
    before = (District.objects.count(), School.objects.count(), Organization.objects.count())
    assert District.objects.filter(salesforce_id__isnull=True).count() == 3
    summary = {row["object"]: row for row in sync_all(client=FakeSalesforceClient(), mode="full")}
    for key in ("districts", "schools", "organizations"):
        assert summary[key]["status"] == "success" and summary[key]["failed"] == 0, summary[key]
    assert summary["districts"]["created"] == 0 and summary["schools"]["created"] == 0
    # The fake's 3 districts and 6 schools are the demo's, now carrying their Salesforce ids.
    assert District.objects.count() == before[0] and School.objects.count() == before[1]
    assert District.objects.get(name="Riverside Unified").salesforce_id == "001D00000000000000"
    assert School.objects.get(name="Northgate Academy").salesforce_id == "001S00000000000005"
    heartland = Organization.objects.filter(name="Heartland Bank")
    assert heartland.count() == 1 and heartland.get().salesforce_id == "001O00000000000000"
    assert not [row for row in summary.values() if row["status"] == "failed"]
    assert not any("constraint" in str(run.errors).lower() for run in SyncRun.objects.all())


def test_database_errors_read_as_sentences():
    sqlite = IntegrityError("UNIQUE constraint failed: volunteers_district.name")
    postgres = IntegrityError(
        'duplicate key value violates unique constraint "volunteers_district_name_key"\n'
        "DETAIL:  Key (name)=(Riverside Unified) already exists."
    )
    assert db_error_message(sqlite) == ("Another Crewbase record already has the same name; this record was not saved.")
    assert "volunteers_district_name_key" in db_error_message(postgres)
    assert "INSERT" not in db_error_message(IntegrityError('null value in column "x" violates not-null constraint'))


def test_the_sync_page_shows_the_failed_job_and_its_error(client, coordinator, monkeypatch):
    monkeypatch.setattr(sf_tasks, "_client", ContactsDown)
    client.force_login(coordinator)
    response = client.post("/volunteers/salesforce/", {"mode": "full"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Failed: Salesforce sync failed for volunteers (failed)" in page
    assert "REQUEST_LIMIT_EXCEEDED" in page and "INSERT" not in page
