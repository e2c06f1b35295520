import pytest
from django.urls import reverse

from volunteers import services
from volunteers.models import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    District,
    Event,
    Organization,
    RecruitmentNote,
    School,
    Skill,
    Student,
    StudentParticipation,
    Teacher,
    TeacherParticipation,
    Volunteer,
    VolunteerMerge,
    VolunteerParticipation,
    VolunteerSkill,
)

from .factories import EventFactory, OrganizationFactory, SchoolFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

MODELS = [
    Volunteer,
    Teacher,
    Student,
    Contact,
    ContactHistory,
    RecruitmentNote,
    Organization,
    District,
    School,
    Skill,
    Affiliation,
    Event,
    VolunteerParticipation,
    VolunteerMerge,
    ContactEmail,
    ContactPhone,
    ContactAddress,
    VolunteerSkill,
    StudentParticipation,
    TeacherParticipation,
]


@pytest.fixture
def data():
    school = SchoolFactory()
    for i in range(8):
        v = services.volunteer_create(
            first_name=f"V{i}",
            last_name="X",
            email=f"v{i}@example.org",
            organization=OrganizationFactory(),
            skills=["Shared"],
        )
        e = EventFactory(school=school)
        services.participation_record(event=e, volunteer=v, status="attended")
        services.history_note_add(contact=v, body="hello")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_loads_with_bounded_queries(model, admin_user, client, data, django_assert_max_num_queries):
    client.force_login(admin_user)
    url = reverse(f"admin:volunteers_{model._meta.model_name}_changelist")
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200


def test_changelist_search_and_change_pages(coordinator, client, data):
    client.force_login(coordinator)
    response = client.get(reverse("admin:volunteers_volunteer_changelist"), {"q": "V3"})
    assert response.status_code == 200 and "V3" in response.content.decode()
    v = Volunteer.objects.first()
    assert client.get(reverse("admin:volunteers_volunteer_change", args=[v.pk])).status_code == 200
    e = Event.objects.first()
    assert client.get(reverse("admin:volunteers_event_change", args=[e.pk])).status_code == 200


def test_staff_cannot_use_admin(staff_user, client):
    client.force_login(staff_user)
    assert client.get(reverse("admin:volunteers_volunteer_changelist")).status_code == 302


def test_exclude_action(coordinator, client):
    a, b = VolunteerFactory(), VolunteerFactory()
    client.force_login(coordinator)
    client.post(
        reverse("admin:volunteers_volunteer_changelist"),
        {"action": "exclude_from_reports", "_selected_action": [a.pk, b.pk]},
    )
    assert Volunteer.objects.filter(exclude_from_reports=True).count() == 2


def test_export_action(coordinator, client):
    VolunteerFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:volunteers_volunteer_changelist"),
        {"action": "export_as_csv", "_selected_action": list(Volunteer.objects.values_list("pk", flat=True))},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "Lovelace" in response.content.decode()


def test_merge_action_confirms_then_merges(coordinator, client):
    keep, dup = VolunteerFactory(first_name="Ada"), VolunteerFactory(first_name="ADA")
    services.participation_record(event=EventFactory(), volunteer=dup, status="attended")
    client.force_login(coordinator)
    url = reverse("admin:volunteers_volunteer_changelist")
    confirm = client.post(url, {"action": "merge_volunteers", "_selected_action": [keep.pk, dup.pk]})
    assert confirm.status_code == 200 and "Choose the volunteer to keep" in confirm.content.decode()
    client.post(
        url, {"action": "merge_volunteers", "_selected_action": [keep.pk, dup.pk], "confirm": "1", "survivor": keep.pk}
    )
    assert list(Volunteer.objects.values_list("pk", flat=True)) == [keep.pk]
    merge = VolunteerMerge.objects.get()
    assert (merge.survivor, merge.merged_by, merge.moved["participations"]) == (keep, coordinator, 1)


def test_event_admin_rejects_forbidden_transition(coordinator, client):
    event = EventFactory(status="completed")
    client.force_login(coordinator)
    url = reverse("admin:volunteers_event_change", args=[event.pk])
    response = client.post(
        url,
        {
            "title": event.title,
            "event_type": event.event_type,
            "format": event.format,
            "status": "draft",
            "start_0": "2025-10-01",
            "start_1": "10:00:00",
            "volunteers_needed": 0,
            "registered_count": 0,
            "attended_count": 0,
            "registered_student_count": 0,
            "attended_student_count": 0,
            "attended_educator_count": 0,
            **{
                f"{prefix}-{k}": v
                for prefix in ("volunteer_participations", "student_participations", "teacher_participations")
                for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
            },
        },
    )
    assert response.status_code == 200
    assert "cannot go from Completed to Draft" in response.content.decode()
    event.refresh_from_db()
    assert event.status == "completed"


def _event_form(event, participations: list[dict], initial: int = 0) -> dict:
    data = {
        "title": event.title,
        "event_type": event.event_type,
        "format": event.format,
        "status": event.status,
        "start_0": "2025-10-01",
        "start_1": "10:00:00",
        "duration_minutes": 60,
        "volunteers_needed": 0,
        "registered_count": event.registered_count,
        "attended_count": event.attended_count,
        "registered_student_count": 0,
        "attended_student_count": 0,
        "attended_educator_count": 0,
        **{
            f"{prefix}-{k}": 0
            for prefix in ("student_participations", "teacher_participations")
            for k in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
        "volunteer_participations-TOTAL_FORMS": len(participations),
        "volunteer_participations-INITIAL_FORMS": initial,
    }
    for i, row in enumerate(participations):
        data.update({f"volunteer_participations-{i}-{k}": v for k, v in row.items()})
    return data


def test_event_admin_participation_inline_refreshes_counts_and_volunteer_stats(coordinator, client):
    event = EventFactory(status="confirmed")
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    url = reverse("admin:volunteers_event_change", args=[event.pk])
    added = client.post(
        url,
        _event_form(
            event,
            [{"event": event.pk, "volunteer": volunteer.pk, "status": "attended", "delivery_hours": "", "role": ""}],
        ),
    )
    assert added.status_code == 302
    event.refresh_from_db()
    volunteer.refresh_from_db()
    assert (event.registered_count, event.attended_count, volunteer.times_volunteered) == (1, 1, 1)

    participation = VolunteerParticipation.objects.get()
    removed = client.post(
        url,
        _event_form(
            event,
            [
                {
                    "id": participation.pk,
                    "event": event.pk,
                    "volunteer": volunteer.pk,
                    "status": "attended",
                    "delivery_hours": "",
                    "role": "",
                    "DELETE": "on",
                }
            ],
            initial=1,
        ),
    )
    assert removed.status_code == 302 and not VolunteerParticipation.objects.exists()
    event.refresh_from_db()
    volunteer.refresh_from_db()
    assert (event.registered_count, event.attended_count, volunteer.times_volunteered) == (0, 0, 0)


def test_event_admin_keeps_typed_counts_when_participations_do_not_change(coordinator, client):
    event = EventFactory(status="confirmed", registered_count=12, attended_count=9)
    client.force_login(coordinator)
    response = client.post(reverse("admin:volunteers_event_change", args=[event.pk]), _event_form(event, []))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.registered_count, event.attended_count) == (12, 9)
