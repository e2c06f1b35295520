"""Pages: Salesforce sync status, data-quality dashboard/drill-down/flags, roster import, admin Sync now."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integrations.salesforce.fake import FakeSalesforceClient
from volunteers.models import DataQualityFlag, QualityCheck, RosterImport, SyncRun
from volunteers.quality.services import quality_run_execute
from volunteers.salesforce.sync import sync_all

from .factories import SchoolFactory

pytestmark = pytest.mark.django_db


def web(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def synced():
    client = FakeSalesforceClient()
    sync_all(client=client, mode="full")
    return quality_run_execute(client=client)


@pytest.mark.parametrize(
    "url", ["/volunteers/salesforce/", "/volunteers/quality/", "/volunteers/quality/flags/", "/volunteers/roster/"]
)
def test_pages_by_role(url, coordinator, staff_user, viewer, synced, django_assert_max_num_queries):
    coord, staff = web(coordinator), web(staff_user)
    with django_assert_max_num_queries(25):
        assert coord.get(url).status_code == 200
    assert staff.get(url).status_code == 200
    assert web(viewer).get(url).status_code == 403
    assert web(None).get(url).status_code == 302


def test_dashboard_shows_scores_trend_and_drilldown(coordinator, synced):
    html = web(coordinator).get("/volunteers/quality/").content.decode()
    assert "quality-trend-data" in html and "chart.umd.min.js" in html
    assert f"{synced.scores['event']['score']}" in html
    check = QualityCheck.objects.filter(run=synced).exclude(offending_ids=[]).first()
    detail = web(coordinator).get(f"/volunteers/quality/checks/{check.pk}/")
    assert detail.status_code == 200 and detail.content.decode().count("open in admin") == len(check.offending_ids)


def test_score_now_and_sync_now_from_pages(coordinator, staff_user):
    response = web(coordinator).post("/volunteers/salesforce/", {"mode": "delta"})
    assert response.status_code == 200 and SyncRun.objects.count() == 13
    assert web(staff_user).post("/volunteers/salesforce/", {"mode": "full"}).status_code == 403
    assert web(coordinator).post("/volunteers/quality/").status_code == 200


def test_flags_page_dismiss_and_resolve(coordinator, staff_user):
    flag = DataQualityFlag.objects.create(
        entity_type="volunteer", entity_key="003X", issue_type="all_caps_name", message="ALL CAPS"
    )
    assert web(staff_user).post("/volunteers/quality/flags/", {"flag": flag.pk, "action": "dismiss"}).status_code == 403
    response = web(coordinator).post("/volunteers/quality/flags/", {"flag": flag.pk, "action": "dismiss"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "dismissed" and flag.resolved_by == coordinator
    bad = web(coordinator).post("/volunteers/quality/flags/", {"flag": flag.pk, "action": "resolve"}, follow=True)
    assert "already dismissed" in bad.content.decode()


def test_roster_upload(coordinator):
    SchoolFactory(name="Riverside High")
    csv = b"Email,First Name,Last Name,School\nann@x.org,Ann,Lee,Riverside High\nnope,,,\n"
    response = web(coordinator).post("/volunteers/roster/", {"file": SimpleUploadedFile("r.csv", csv, "text/csv")})
    assert response.status_code == 200
    log = RosterImport.objects.get()
    assert (log.added, log.skipped, log.filename) == (1, 1, "r.csv")
    assert "Rows not imported" in response.content.decode()
    empty = web(coordinator).post("/volunteers/roster/", {})
    assert "Choose a CSV file" in empty.content.decode()
    sheet = web(coordinator).post("/volunteers/roster/", {"sheet_id": "missing-sheet"})
    assert "not found" in sheet.content.decode()


def test_admin_sync_now_and_history(admin_user, coordinator, staff_user):
    response = web(coordinator).post("/admin/volunteers/syncrun/sync-now/", {"mode": "full"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert SyncRun.objects.filter(mode="full").count() == 13
    listing = web(admin_user).get("/admin/volunteers/syncrun/")
    assert listing.status_code == 200 and "Full sync now" in listing.content.decode()
    assert web(admin_user).get("/admin/volunteers/dataqualityflag/").status_code == 200
    assert web(admin_user).get("/admin/volunteers/pendingparticipation/").status_code == 200
