"""Event registered/attended counts: one rule (`services.event_counts_refresh`), every write path
(API, pages, admin, sync, merge, deletes) and the nightly recount that corrects drift."""

import logging

import pytest
from django.urls import reverse

from integrations.salesforce.fake import FakeSalesforceClient
from project.celery import app as celery_app
from volunteers import services, tasks
from volunteers.models import Event, StudentParticipation, Volunteer, VolunteerParticipation
from volunteers.periodic import PERIODIC_TASKS
from volunteers.salesforce.sync import sync_all

from .factories import EventFactory, StudentFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def counts(event: Event) -> tuple[int, int]:
    event.refresh_from_db()
    return event.registered_count, event.attended_count


def student_counts(event: Event) -> tuple[int, int]:
    event.refresh_from_db()
    return event.registered_student_count, event.attended_student_count


def participations(event: Event, *statuses: str) -> list[VolunteerParticipation]:
    """Rows written directly, so the event's counts are still whatever they were (0/0)."""
    return [
        VolunteerParticipation.objects.create(event=event, volunteer=VolunteerFactory(), status=status)
        for status in statuses
    ]


@pytest.fixture
def two_attended():
    """An event with two attended volunteers, counted: 2/2."""
    event = EventFactory(status="completed")
    rows = participations(event, "attended", "attended")
    services.event_counts_refresh(event_ids=[event.pk])
    assert counts(event) == (2, 2)
    return event, rows


# --------------------------------------------------------------------------- the rule
def test_registered_is_everyone_not_cancelled_and_attended_is_attended():
    event = EventFactory(status="completed")
    participations(event, "attended", "attended", "no_show", "registered", "cancelled", "unknown")
    assert services.event_counts_refresh(event_ids=[event.pk]) == 1
    assert counts(event) == (5, 2)
    assert services.event_counts_refresh(event_ids=[event.pk]) == 0  # already right: nothing written


def test_refresh_is_set_based_and_reports_only_the_events_it_changed(django_assert_num_queries):
    events = [EventFactory(status="completed") for _ in range(12)]
    for event in events[:5]:
        participations(event, "attended", "registered")
    with django_assert_num_queries(1):  # one UPDATE … FROM (SELECT … GROUP BY event): not one query per event
        assert services.event_counts_refresh(event_ids=[e.pk for e in events]) == 5
    assert [counts(e) for e in events] == [(2, 1)] * 5 + [(0, 0)] * 7
    before = {e.pk: e.updated_at for e in Event.objects.filter(pk__in=[e.pk for e in events])}
    with django_assert_num_queries(1):  # nothing wrong: the same statement writes no row
        assert services.event_counts_refresh(event_ids=[e.pk for e in events]) == 0
    assert {e.pk: e.updated_at for e in Event.objects.filter(pk__in=[e.pk for e in events])} == before


def test_refresh_works_in_chunks(monkeypatch):
    monkeypatch.setattr(services.participations, "COUNT_CHUNK", 2)
    events = [EventFactory(status="completed") for _ in range(5)]
    for event in events:
        participations(event, "attended")
    assert services.event_counts_refresh(event_ids=[e.pk for e in events]) == 5
    assert {counts(e) for e in events} == {(1, 1)}


def test_refresh_counts_students_and_volunteers_of_one_event_apart(django_assert_num_queries):
    event = EventFactory(status="completed", registered_student_count=30, attended_student_count=28)
    participations(event, "attended", "registered", "cancelled")
    for status in ("attended", "no_show", "cancelled", "attended"):
        StudentParticipation.objects.create(event=event, student=StudentFactory(), status=status)
    empty = EventFactory(status="completed", registered_count=3, attended_count=1)
    with django_assert_num_queries(1):
        assert services.event_counts_refresh(event_ids=[event.pk, empty.pk], students=True) == 2
    assert (counts(event), student_counts(event)) == ((2, 1), (3, 2))
    assert (counts(empty), student_counts(empty)) == ((0, 0), (0, 0))  # asked for: counted from its (no) rows


def test_student_counts_only_when_asked_so_typed_student_figures_survive():
    event = EventFactory(status="completed", registered_student_count=30, attended_student_count=28)
    participations(event, "attended")
    services.event_counts_refresh(event_ids=[event.pk])
    assert counts(event) == (1, 1) and student_counts(event) == (30, 28)
    for status in ("attended", "attended", "cancelled"):
        StudentParticipation.objects.create(event=event, student=StudentFactory(), status=status)
    services.event_counts_refresh(event_ids=[event.pk], students=True)
    assert student_counts(event) == (2, 2)


# --------------------------------------------------------------------------- services and pages
def test_participation_record_and_attendance_mark_count():
    event = EventFactory(status="confirmed")
    first = services.participation_record(event=event, volunteer=VolunteerFactory(), status="registered")
    services.participation_record(event=event, volunteer=VolunteerFactory(), status="registered")
    assert counts(event) == (2, 0)
    services.attendance_mark(event=event, marks={first.pk: "attended"})
    assert counts(event) == (2, 1)
    services.attendance_mark(event=event, marks={first.pk: "cancelled"})
    assert counts(event) == (1, 0)


def test_attendance_page_counts(coordinator, client):
    event = EventFactory(status="confirmed")
    a, b = (services.participation_record(event=event, volunteer=VolunteerFactory()) for _ in range(2))
    client.force_login(coordinator)
    response = client.post(
        reverse("volunteers:event_detail", args=[event.pk]), {f"status-{a.pk}": "attended", f"status-{b.pk}": "no_show"}
    )
    assert response.status_code == 302
    assert counts(event) == (2, 1)


def test_merge_of_two_sign_ups_to_one_event_counts_once():
    event = EventFactory(status="completed")
    keep, duplicate = VolunteerFactory(), VolunteerFactory()
    services.participation_record(event=event, volunteer=keep, status="registered")
    services.participation_record(event=event, volunteer=duplicate, status="attended")
    assert counts(event) == (2, 1)
    services.volunteers_merge(survivor=keep, duplicate=duplicate)
    assert counts(event) == (1, 1)
    assert VolunteerParticipation.objects.get().status == "attended"


# --------------------------------------------------------------------------- API
def test_api_participation_create_update_delete(coordinator, client_for):
    event, volunteer = EventFactory(status="completed"), VolunteerFactory()
    client = client_for(coordinator)
    created = client.post(
        f"{API}/participations/", {"event": event.pk, "volunteer": volunteer.pk, "status": "attended"}, format="json"
    )
    assert created.status_code == 201 and counts(event) == (1, 1)
    pid = created.json()["id"]
    assert client.patch(f"{API}/participations/{pid}/", {"status": "no_show"}, format="json").status_code == 200
    assert counts(event) == (1, 0)
    assert client.delete(f"{API}/participations/{pid}/").status_code == 204
    assert counts(event) == (0, 0)


def test_api_attendance_counts(coordinator, client_for):
    event = EventFactory(status="confirmed")
    row = services.participation_record(event=event, volunteer=VolunteerFactory())
    response = client_for(coordinator).post(
        f"{API}/events/{event.pk}/attendance/", {"marks": {str(row.pk): "attended"}}, format="json"
    )
    assert response.json() == {"changed": 1} and counts(event) == (1, 1)


def test_api_volunteer_delete_recounts_their_events(admin_user, client_for, two_attended):
    event, (gone, _kept) = two_attended
    response = client_for(admin_user).delete(f"{API}/volunteers/{gone.volunteer_id}/")
    assert response.status_code == 204 and not Volunteer.objects.filter(pk=gone.volunteer_id).exists()
    assert counts(event) == (1, 1)


# --------------------------------------------------------------------------- admin
def _participation_form(row: VolunteerParticipation, **changes) -> dict:
    data = {
        "event": row.event_id,
        "volunteer": row.volunteer_id,
        "status": row.status,
        "status_source": row.status_source,
        "delivery_hours": "",
        "role": row.role,
    }
    return {**data, **changes}


def test_admin_participation_page_edit_recounts(coordinator, client, two_attended):
    event, (row, _other) = two_attended
    client.force_login(coordinator)
    url = reverse("admin:volunteers_volunteerparticipation_change", args=[row.pk])
    response = client.post(url, _participation_form(row, status="cancelled"))
    assert response.status_code == 302
    assert counts(event) == (1, 1)
    assert Volunteer.objects.get(pk=row.volunteer_id).times_volunteered == 0


def test_admin_participation_moved_to_another_event_recounts_both(coordinator, client, two_attended):
    event, (row, _other) = two_attended
    other_event = EventFactory(status="completed")
    client.force_login(coordinator)
    url = reverse("admin:volunteers_volunteerparticipation_change", args=[row.pk])
    assert client.post(url, _participation_form(row, event=other_event.pk)).status_code == 302
    assert (counts(event), counts(other_event)) == ((1, 1), (1, 1))


def test_admin_participation_page_delete_recounts(coordinator, client, two_attended):
    event, (row, _other) = two_attended
    client.force_login(coordinator)
    url = reverse("admin:volunteers_volunteerparticipation_delete", args=[row.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert counts(event) == (1, 1)


def test_admin_participation_bulk_delete_recounts(coordinator, client, two_attended):
    event, rows = two_attended
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:volunteers_volunteerparticipation_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )
    assert response.status_code == 302 and not VolunteerParticipation.objects.exists()
    assert counts(event) == (0, 0)


def test_admin_volunteer_delete_recounts(admin_user, client, two_attended):
    event, (row, _other) = two_attended
    client.force_login(admin_user)
    url = reverse("admin:volunteers_volunteer_delete", args=[row.volunteer_id])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert counts(event) == (1, 1)


def test_admin_volunteer_bulk_delete_recounts(admin_user, client, two_attended):
    event, rows = two_attended
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:volunteers_volunteer_changelist"),
        {"action": "delete_selected", "_selected_action": [rows[0].volunteer_id], "post": "yes"},
    )
    assert response.status_code == 302
    assert counts(event) == (1, 1)


def test_admin_student_participation_page_and_student_delete_recount(admin_user, client):
    event = EventFactory(status="completed")
    rows = [
        StudentParticipation.objects.create(event=event, student=StudentFactory(), status="attended") for _ in range(3)
    ]
    services.event_counts_refresh(event_ids=[event.pk], students=True)
    assert student_counts(event) == (3, 3)
    client.force_login(admin_user)
    url = reverse("admin:volunteers_studentparticipation_change", args=[rows[0].pk])
    data = {"event": event.pk, "student": rows[0].student_id, "status": "no_show", "status_source": ""}
    assert client.post(url, {**data, "delivery_hours": ""}).status_code == 302
    assert student_counts(event) == (3, 2)
    url = reverse("admin:volunteers_student_delete", args=[rows[1].student_id])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert student_counts(event) == (2, 1)


def test_admin_event_inline_recounts_volunteers_and_keeps_typed_student_figures(coordinator, client):
    event = EventFactory(status="completed", registered_student_count=30, attended_student_count=28)
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    form = {
        "title": event.title,
        "event_type": event.event_type,
        "format": event.format,
        "status": event.status,
        "start_0": "2025-10-01",
        "start_1": "10:00:00",
        "duration_minutes": 60,
        "volunteers_needed": 0,
        "registered_count": 0,
        "attended_count": 0,
        "registered_student_count": 30,
        "attended_student_count": 28,
        "attended_educator_count": 0,
        "student_participations-TOTAL_FORMS": 0,
        "student_participations-INITIAL_FORMS": 0,
        "teacher_participations-TOTAL_FORMS": 0,
        "teacher_participations-INITIAL_FORMS": 0,
        "volunteer_participations-TOTAL_FORMS": 1,
        "volunteer_participations-INITIAL_FORMS": 0,
        "volunteer_participations-0-event": event.pk,
        "volunteer_participations-0-volunteer": volunteer.pk,
        "volunteer_participations-0-status": "attended",
    }
    response = client.post(reverse("admin:volunteers_event_change", args=[event.pk]), form)
    assert response.status_code == 302
    assert (counts(event), student_counts(event)) == ((1, 1), (30, 28))


# --------------------------------------------------------------------------- Salesforce sync
def test_sync_recounts_the_events_it_touched():
    sync_all(client=FakeSalesforceClient(), mode="full")
    synced = Event.objects.exclude(salesforce_id=None)
    assert synced.exists()
    for event in synced.filter(volunteer_participations__isnull=False).distinct()[:5]:
        rows = event.volunteer_participations
        assert counts(event) == (rows.exclude(status="cancelled").count(), rows.filter(status="attended").count())


# --------------------------------------------------------------------------- nightly recount
def test_nightly_recount_corrects_drift_and_reports_it(caplog):
    drifted = [EventFactory(status="completed") for _ in range(3)]
    right = EventFactory(status="completed")
    typed = EventFactory(status="completed", registered_count=40, attended_count=35)  # no participations
    for event in [*drifted, right]:
        participations(event, "attended", "registered")
    services.event_counts_refresh(event_ids=[e.pk for e in [*drifted, right]])
    student_event = EventFactory(status="completed")
    StudentParticipation.objects.create(event=student_event, student=StudentFactory(), status="attended")
    Event.objects.filter(pk__in=[e.pk for e in drifted]).update(registered_count=9, attended_count=9)

    with caplog.at_level(logging.INFO, logger="volunteers.tasks"):
        result = tasks.event_counts_recount.delay().get()

    assert result == {"corrected": 4}  # three drifted + the student event never counted
    assert [counts(e) for e in drifted] == [(2, 1)] * 3
    assert (counts(right), counts(typed), student_counts(student_event)) == ((2, 1), (40, 35), (1, 1))
    assert "drifted on 4 event(s)" in caplog.text
    assert tasks.event_counts_recount() == {"corrected": 0}


def test_nightly_recount_is_a_registered_periodic_task():
    spec = next(s for s in PERIODIC_TASKS if s.task == "volunteers.tasks.event_counts_recount")
    assert spec.crontab == {"minute": "15", "hour": "3"}
    assert celery_app.tasks[spec.task]() == {"corrected": 0}  # the registered name runs the recount


def test_every_periodic_task_name_is_registered_with_celery():
    assert {s.task for s in PERIODIC_TASKS} <= set(celery_app.tasks)


def test_participation_figures_refresh_also_updates_volunteer_stats():
    event = EventFactory(status="completed", duration_minutes=90)
    (row,) = participations(event, "attended")
    services.participation_figures_refresh(volunteer_ids=[row.volunteer_id], event_ids=[event.pk])
    assert counts(event) == (1, 1)
    assert Volunteer.objects.get(pk=row.volunteer_id).times_volunteered == 1
