"""API /api/v1/volunteers/virtual/: progress, imports as jobs, unmatched queue, overrides."""

import io

import pytest
from rest_framework.test import APIClient

from project.models import Job
from volunteers.models import (
    AttendanceOverride,
    ParticipationStatus,
    PathfulImport,
    PathfulUnmatched,
    TeacherParticipation,
    ViewerDistrict,
)

from .factories import DistrictFactory, SchoolFactory
from .test_virtual_import import csv_bytes, session_rows
from .test_virtual_pages import make_teacher

BASE = "/api/v1/volunteers/virtual"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PATHFUL_PARTNER = "PREP-KC"


@pytest.fixture
def district(db):
    return DistrictFactory(name="Northside")


@pytest.fixture
def school(district):
    return SchoolFactory(name="Lincoln High", district=district)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_progress_list_counts_and_constant_queries(coordinator, school, django_assert_max_num_queries):
    make_teacher(school, 1, done=1)
    client = api(coordinator)
    with django_assert_max_num_queries(12) as first:
        body = client.get(f"{BASE}/progress/", {"academic_year": 2025}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["name"], row["completed"], row["status"], row["percent"]) == ("T1 Teach", 1, "achieved", 100)
    for n in range(2, 12):
        make_teacher(school, n, done=1)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(f"{BASE}/progress/", {"academic_year": 2025}).json()["count"] == 11


def test_progress_detail_and_target(coordinator, school):
    record = make_teacher(school, 1, done=1)
    client = api(coordinator)
    detail = client.get(f"{BASE}/progress/{record.pk}/").json()
    assert [s["counted_as"] for s in detail["sessions"]] == ["completed"]
    response = client.post(f"{BASE}/progress/{record.pk}/target/", {"target_sessions": 2}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "not_started"
    bad = client.post(f"{BASE}/progress/{record.pk}/target/", {"target_sessions": 0}, format="json")
    assert bad.status_code == 400 and "target_sessions" in bad.json()["errors"]


def test_viewer_scoped_to_district(viewer, school, district):
    mine = make_teacher(school, 1)
    theirs = make_teacher(SchoolFactory(district=DistrictFactory(name="Southside")), 2)
    ViewerDistrict.objects.create(user=viewer, district=district)
    client = api(viewer)
    assert [r["id"] for r in client.get(f"{BASE}/progress/").json()["results"]] == [mine.pk]
    assert client.get(f"{BASE}/progress/{theirs.pk}/").status_code == 404
    assert client.get(f"{BASE}/unmatched/").status_code == 403
    assert client.post(f"{BASE}/progress/{mine.pk}/target/", {"target_sessions": 2}, format="json").status_code == 403


def test_import_is_a_job(coordinator, school):
    make_teacher(school, 1)
    upload = io.BytesIO(csv_bytes(session_rows(teacher="T1 Teach")))
    upload.name = "report.csv"
    response = api(coordinator).post(f"{BASE}/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.kind, job.status) == ("pathful_import", Job.Status.SUCCEEDED)  # eager in tests
    log = PathfulImport.objects.get()
    assert (log.status, log.events_created, log.job_id) == (PathfulImport.Status.DONE, 1, job.pk)
    assert job.result["events_created"] == 1
    listed = api(coordinator).get(f"{BASE}/imports/").json()["results"][0]
    assert (listed["status"], listed["unmatched"]) == ("done", 1)  # the presenter is unknown


def test_import_bad_file_is_400_and_writes_nothing(coordinator):
    upload = io.BytesIO(b"Session ID,Title\nS1,x\n")
    upload.name = "report.csv"
    response = api(coordinator).post(f"{BASE}/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "Missing required column(s)" in response.json()["errors"]["file"][0]
    assert PathfulImport.objects.count() == 0 and Job.objects.count() == 0


def test_staff_cannot_import(staff_user):
    upload = io.BytesIO(b"x")
    upload.name = "r.csv"
    assert api(staff_user).post(f"{BASE}/imports/", {"file": upload}, format="multipart").status_code == 403


def test_unmatched_resolve(coordinator, db):
    log = PathfulImport.objects.create(filename="x.csv")
    row = PathfulUnmatched.objects.create(
        kind="teacher", session_id="S1", person_key="k", name="Zed Known", first_import=log, last_import=log
    )
    client = api(coordinator)
    assert client.get(f"{BASE}/unmatched/", {"status": "pending"}).json()["count"] == 1
    bad = client.post(f"{BASE}/unmatched/{row.pk}/resolve/", {"action": "link"}, format="json")
    assert bad.status_code == 400 and "contact_id" in bad.json()["errors"]
    ok = client.post(f"{BASE}/unmatched/{row.pk}/resolve/", {"action": "create"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "created"
    again = client.post(f"{BASE}/unmatched/{row.pk}/resolve/", {"action": "ignore"}, format="json")
    assert again.status_code == 400


def test_overrides_create_409_reverse(coordinator, school):
    record = make_teacher(school, 1, done=1)
    event_id = TeacherParticipation.objects.get().event_id
    client = api(coordinator)
    payload = {"progress": record.pk, "event": event_id, "action": "remove", "reason": "Wrong class"}
    created = client.post(f"{BASE}/overrides/", payload, format="json")
    assert created.status_code == 201
    assert created.json()["original"]["status"] == ParticipationStatus.ATTENDED
    assert client.post(f"{BASE}/overrides/", payload, format="json").status_code == 409
    assert client.get(f"{BASE}/progress/{record.pk}/").json()["completed"] == 0
    no_reason = client.post(f"{BASE}/overrides/", {**payload, "reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    override_id = created.json()["id"]
    reversed_ = client.post(f"{BASE}/overrides/{override_id}/reverse/", {"reason": "Right class"}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["is_active"] is False
    assert client.post(f"{BASE}/overrides/{override_id}/reverse/", {"reason": "x"}, format="json").status_code == 409
    assert client.get(f"{BASE}/progress/{record.pk}/").json()["completed"] == 1
    assert AttendanceOverride.objects.get().reversed_by == coordinator
