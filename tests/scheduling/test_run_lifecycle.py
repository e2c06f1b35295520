"""The run lifecycle: states and allowed moves in one place, enforced by the services, shown on the
page and in the API; superseded runs; no raw status keys in the facts; concurrent actions."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from scheduling import runs
from scheduling.models import Schedule, ScheduleProposal, SchedulerRun
from scheduling.selectors import proposal_counts, proposal_facts

from .test_runs import crossmark, run_now, scenario  # noqa: F401 - fixtures requested by name

pytestmark = pytest.mark.django_db

S = SchedulerRun.Status


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_every_status_has_its_allowed_moves_and_the_final_ones_have_none():
    assert set(SchedulerRun.TRANSITIONS) == set(S.values)
    assert SchedulerRun.TRANSITIONS[S.READY] == {S.PARTLY_APPROVED, S.APPROVED, S.REJECTED, S.SUPERSEDED}
    assert SchedulerRun.TRANSITIONS[S.PARTLY_APPROVED] == {S.APPROVED, S.CLOSED, S.SUPERSEDED}
    for final in (S.APPROVED, S.REJECTED, S.CLOSED, S.SUPERSEDED, S.FAILED):
        assert SchedulerRun.TRANSITIONS[final] == frozenset()
    assert SchedulerRun.OPEN == {S.READY, S.PARTLY_APPROVED}
    assert not SchedulerRun(status=S.PARTLY_APPROVED).can_become(S.REJECTED)


def test_a_partly_approved_run_cannot_be_rejected_but_can_be_retried_and_closed(scenario, crossmark, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    urgent = run.proposals.get(event=scenario["urgent"])
    runs.run_approve(run=run, user=coordinator, proposal_ids=[urgent.pk])  # the Core and the move it needs
    run.refresh_from_db()
    assert run.status == "partly_approved" and run.approved_by == coordinator
    assert proposal_counts(run) == {"submitted": 2, "proposed": 1, "unplaced": 1}
    assert runs.run_actions(run, proposal_counts(run)) == runs.RunActions(
        approve=True, retry=False, reject=False, close=True, edit=True
    )
    with pytest.raises(ValidationError, match="cannot be rejected: retry the failed rows, or close"):
        runs.run_reject(run=run, user=coordinator)
    assert SchedulerRun.objects.get(pk=run.pk).status == "partly_approved"

    closed = runs.run_close(run=run, user=coordinator)
    assert (closed.status, closed.closed_by) == ("closed", coordinator)
    assert proposal_counts(run) == {"submitted": 2, "rejected": 1, "unplaced": 1}
    assert Schedule.objects.filter(event=scenario["urgent"]).exists()  # what was posted stays posted
    with pytest.raises(ValidationError, match="closed; it is read-only"):
        runs.run_approve(run=run, user=coordinator)
    with pytest.raises(ValidationError, match="read-only"):
        runs.proposal_update(proposal=run.proposals.get(status="unplaced"), employee=scenario["lead"])


def test_retrying_the_failed_rows_completes_the_approval(scenario, crossmark, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    sup = run.proposals.get(event=scenario["urgent_sup"])
    crossmark.fail_next["schedule"] = 1
    # Move first (fails in Crossmark), so the urgent Core and its Supervisor fail too: nothing posted.
    assert runs.run_approve(run=run, user=coordinator)["failed"] == 3
    run.refresh_from_db()
    assert run.status == "ready"  # nothing is posted: the run may still be rejected
    assert runs.run_actions(run, proposal_counts(run)).reject
    assert runs.run_approve(run=run, user=coordinator, retry_only=True) == {"submitted": 3, "failed": 0, "skipped": 0}
    run.refresh_from_db()
    sup.refresh_from_db()
    assert (run.status, sup.status) == ("approved", "submitted")
    assert runs.run_actions(run, proposal_counts(run)) == runs.RunActions(
        approve=False, retry=False, reject=False, close=False, edit=False
    )


def test_approving_a_run_supersedes_the_older_open_runs(scenario, crossmark, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    older = run_now()
    rejected = run_now()
    runs.run_reject(run=rejected, user=coordinator)
    newer = run_now()
    runs.run_approve(run=newer, user=coordinator)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert newer.status == "approved"
    assert (older.status, older.superseded_by_id) == ("superseded", newer.pk)
    assert SchedulerRun.objects.get(pk=rejected.pk).status == "rejected"  # final states stay
    # A superseded run offers nothing and refuses everything, naming the newer run.
    assert runs.run_actions(older, proposal_counts(older)) == runs.RunActions(
        approve=False, retry=False, reject=False, close=False, edit=False
    )
    for act in (runs.run_approve, runs.run_reject, runs.run_close):
        with pytest.raises(ValidationError, match=f"superseded by run #{newer.pk}"):
            act(run=older, user=coordinator)
    assert older.proposals.filter(status="submitted").count() == 0

    html = browser(coordinator).get(f"/scheduling/auto/{older.pk}/").content.decode()
    assert f'href="/scheduling/auto/{newer.pk}/"' in html and "read-only" in html
    assert "Approve all open proposals" not in html and "Reject the run" not in html and ">Edit<" not in html


def test_a_run_newer_than_the_approved_one_stays_open(scenario, crossmark, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    first = run_now()
    second = run_now()
    runs.run_approve(run=first, user=coordinator, proposal_ids=[first.proposals.get(event=scenario["urgent"]).pk])
    assert SchedulerRun.objects.get(pk=second.pk).status == "ready"


def test_the_page_shows_labels_not_raw_status_keys(scenario, crossmark, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    crossmark.fail_next["schedule"] = 1
    runs.run_approve(run=run, user=coordinator)
    assert proposal_facts(proposal_counts(run)) == [("Submit failed", 3), ("Not placed", 1)]
    html = browser(coordinator).get(f"/scheduling/auto/{run.pk}/").content.decode()
    assert "Submit failed 3 · Not placed 1" in html
    assert "submit_failed 3" not in html and "unplaced 1" not in html
    assert "Retry failed submissions" in html and "Reject the run" in html and "Close the run" not in html


def test_the_page_offers_retry_and_close_instead_of_reject_once_rows_are_posted(scenario, crossmark, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    runs.run_approve(run=run, user=coordinator, proposal_ids=[run.proposals.get(event=scenario["urgent"]).pk])
    page = browser(coordinator)
    html = page.get(f"/scheduling/auto/{run.pk}/").content.decode()
    assert "Partly approved" in html and "Close the run" in html and "Reject the run" not in html
    response = page.post(f"/scheduling/auto/{run.pk}/reject/", follow=True)
    assert "cannot be rejected" in response.content.decode()
    assert SchedulerRun.objects.get(pk=run.pk).status == "partly_approved"
    page.post(f"/scheduling/auto/{run.pk}/close/")
    assert SchedulerRun.objects.get(pk=run.pk).status == "closed"


def test_api_reject_close_and_actions(scenario, crossmark, coordinator, client_for):  # noqa: F811 - pytest fixture imported from its module, requested by name
    api = client_for(coordinator)
    run = run_now()
    detail = api.get(f"/api/v1/scheduling/runs/{run.pk}/").data
    assert detail["actions"] == {"approve": True, "retry": False, "reject": True, "close": False, "edit": True}
    assert api.post(f"/api/v1/scheduling/runs/{run.pk}/close/").status_code == 400
    urgent = run.proposals.get(event=scenario["urgent"]).pk
    assert (
        api.post(f"/api/v1/scheduling/runs/{run.pk}/approve/", {"proposals": [urgent]}, format="json").status_code
        == 200
    )
    refused = api.post(f"/api/v1/scheduling/runs/{run.pk}/reject/")
    assert refused.status_code == 400 and "cannot be rejected" in refused.data["errors"]["run"][0]
    closed = api.post(f"/api/v1/scheduling/runs/{run.pk}/close/")
    assert closed.status_code == 200 and closed.data["status"] == "closed"
    assert api.post("/api/v1/scheduling/runs/999999/close/").status_code == 404


# --------------------------------------------------------------------------- two coordinators at once
def test_a_stale_transition_is_refused_and_the_state_stays_consistent(scenario, coordinator):  # noqa: F811 - pytest fixture imported from its module, requested by name
    run = run_now()
    stale = SchedulerRun.objects.get(pk=run.pk)
    runs.run_reject(run=run, user=coordinator)  # the other coordinator was first
    with pytest.raises(ValidationError, match="changed meanwhile"):
        runs._transition(stale, S.SUPERSEDED, superseded_by=run)
    assert SchedulerRun.objects.get(pk=run.pk).status == "rejected"


def test_reject_between_the_claim_and_the_submission_sends_nothing(scenario, crossmark, coordinator, monkeypatch):  # noqa: F811 - pytest fixture imported from its module, requested by name
    """One coordinator approves while another rejects: whichever locks the run first wins; the
    approval then sends nothing, and no row is left marked as being submitted."""
    run = run_now()
    claim = runs._submission_claim

    def claim_then_reject(pk):
        started = claim(pk)
        if SchedulerRun.objects.get(pk=run.pk).status == "ready":
            runs.run_reject(run=run, user=coordinator)
        return started

    monkeypatch.setattr(runs, "_submission_claim", claim_then_reject)
    result = runs.run_approve(run=SchedulerRun.objects.get(pk=run.pk), user=coordinator, proposal_ids=None)
    assert result["submitted"] == 0
    assert not [c for c in crossmark.calls if c[0] == "schedule"]
    assert SchedulerRun.objects.get(pk=run.pk).status == "rejected"
    assert not ScheduleProposal.objects.filter(run=run, submit_started_at__isnull=False).exists()
    assert set(run.proposals.values_list("status", flat=True)) == {"rejected", "unplaced"}
