"""Auto-schedule pages: start (job + progress), review by day, edit, approve, reject; roles; queries."""

import pytest
from django.test import Client
from django.utils import timezone

from scheduling.models import Schedule, ScheduleProposal, SchedulerRun

from .test_runs import crossmark, day, run_now, scenario, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_start_review_edit_approve(scenario, coordinator, crossmark):  # noqa: F811 - pytest fixture imported from its module, requested by name
    page = browser(coordinator)
    assert page.get("/scheduling/auto/").status_code == 200
    before = world()
    response = page.post("/scheduling/auto/", {"as_of": ""})
    run = SchedulerRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scheduling/auto/{run.pk}/"
    assert world() == before
    html = page.get(f"/scheduling/auto/{run.pk}/").content.decode()
    assert "Proposals by day" in html and "Not placed (1)" in html and "Window closed" in html
    assert "moves" in html and "Approve all open proposals" in html

    row = run.proposals.get(event=scenario["urgent"])
    form = page.get(f"/scheduling/auto/proposals/{row.pk}/edit/")
    assert form.status_code == 200
    bad = page.post(
        f"/scheduling/auto/proposals/{row.pk}/edit/",
        {"employee": scenario["club"].pk, "start_at": f"{day(1)}T09:45", "override_reason": ""},
    )
    assert bad.status_code == 200 and "cannot work a Core" in bad.content.decode()

    done = page.post(f"/scheduling/auto/{run.pk}/approve/", {"proposals": [row.pk]})
    assert done.status_code == 302
    assert Schedule.objects.filter(event=scenario["urgent"]).exists()
    assert run.proposals.filter(status="submitted").count() == 2  # the Core and the move it needed
    # Approving the whole run runs as a job (one Crossmark call per row) with its progress shown.
    response = page.post(f"/scheduling/auto/{run.pk}/approve/")
    assert "?job=" in response["Location"]
    assert run.proposals.filter(status="submitted").count() == 3
    job_id = response["Location"].split("?job=")[1]
    assert f"/api/v1/jobs/{job_id}/" in page.get(response["Location"]).content.decode()
    assert page.post(f"/scheduling/auto/{run.pk}/bogus/").status_code == 404


def test_progress_bar_while_running(coordinator, monkeypatch):
    run = SchedulerRun.objects.create(as_of=timezone.now())
    from project.models import Job

    job = Job.objects.create(kind="scheduling.auto_schedule", params={"run_id": run.pk})
    SchedulerRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    html = browser(coordinator).get(f"/scheduling/auto/{run.pk}/").content.decode()
    assert f"/api/v1/jobs/{job.pk}/" in html


def test_reject_from_the_page(scenario, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    before = world()
    browser(coordinator).post(f"/scheduling/auto/{run.pk}/reject/")
    assert world() == before
    assert SchedulerRun.objects.get(pk=run.pk).status == "rejected"


@pytest.mark.parametrize("persona", ["Administrator", "Coordinator", "Staff", "Viewer", "anonymous"], indirect=True)
def test_page_roles(persona, request, scenario):  # noqa: F811 - pytest fixture imported from its module, requested by name
    role = request.node.callspec.params["persona"]
    run = run_now()
    row = run.proposals.filter(status="proposed").first()
    page = browser(persona)
    list_code = page.get("/scheduling/auto/").status_code
    detail_code = page.get(f"/scheduling/auto/{run.pk}/").status_code
    if role == "anonymous":
        assert list_code == detail_code == 302
    elif role == "Viewer":
        assert list_code == detail_code == 403
    else:
        assert list_code == detail_code == 200
    page.post(f"/scheduling/auto/{run.pk}/reject/")
    page.post("/scheduling/auto/", {})
    page.post(
        f"/scheduling/auto/proposals/{row.pk}/edit/", {"employee": row.employee_id, "start_at": f"{day(1)}T10:30"}
    )
    can = role in ("Administrator", "Coordinator")
    assert (SchedulerRun.objects.get(pk=run.pk).status == "rejected") is can
    assert SchedulerRun.objects.count() == (2 if can else 1)
    assert (ScheduleProposal.objects.get(pk=row.pk).status == "edited") is False or can


def test_review_page_queries_do_not_grow(scenario, coordinator, django_assert_max_num_queries):  # noqa: F811 - pytest fixture imported from its module, requested by name
    from .test_runs import core

    for i in range(25):
        core(0, 8, f"6090{i:02d}")
    run = run_now()
    assert run.proposals.count() > 25
    page = browser(coordinator)
    with django_assert_max_num_queries(15):
        assert page.get(f"/scheduling/auto/{run.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert page.get("/scheduling/auto/").status_code == 200


def test_admin_lists_and_actions(scenario, admin_user, crossmark):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    page = browser(admin_user)
    assert page.get("/admin/scheduling/schedulerrun/").status_code == 200
    assert page.get(f"/admin/scheduling/schedulerrun/{run.pk}/change/").status_code == 200
    assert page.get("/admin/scheduling/scheduleproposal/").status_code == 200
    assert page.get("/admin/scheduling/schedulerrun/add/").status_code == 403
    response = page.post("/admin/scheduling/schedulerrun/", {"action": "approve_runs", "_selected_action": [run.pk]})
    assert response.status_code == 302
    assert run.proposals.filter(status="submitted").count() == 3
    assert SchedulerRun.objects.get(pk=run.pk).status == "approved"
    # An approved run cannot be rejected (its rows are posted): the admin says so, nothing changes.
    refused = page.post(
        "/admin/scheduling/schedulerrun/", {"action": "reject_runs", "_selected_action": [run.pk]}, follow=True
    )
    assert "already posted in Crossmark" in refused.content.decode()
    assert SchedulerRun.objects.get(pk=run.pk).status == "approved"
    fresh = run_now()
    page.post("/admin/scheduling/schedulerrun/", {"action": "reject_runs", "_selected_action": [fresh.pk]})
    assert SchedulerRun.objects.get(pk=fresh.pk).status == "rejected"
