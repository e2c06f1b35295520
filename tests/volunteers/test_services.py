from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from volunteers import services
from volunteers.models import (
    Affiliation,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    Event,
    EventStatus,
    RecruitmentNote,
    Volunteer,
    VolunteerMerge,
    VolunteerParticipation,
)

from .factories import EventFactory, OrganizationFactory, SchoolFactory, VolunteerFactory, at

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ contact details
def test_first_email_becomes_primary_and_switching_keeps_one():
    v = VolunteerFactory()
    first = services.contact_email_add(contact=v, email=" Ada@Example.org ")
    second = services.contact_email_add(contact=v, email="ada@work.example", make_primary=True)
    first.refresh_from_db()
    assert first.email == "ada@example.org"
    assert (first.is_primary, second.is_primary) == (False, True)
    assert ContactEmail.objects.filter(contact=v, is_primary=True).count() == 1


@pytest.mark.parametrize("bad", ["", "None", "not-an-email", "a@"])
def test_invalid_email_is_rejected_naming_the_field(bad):
    with pytest.raises(ValidationError) as exc:
        services.contact_email_add(contact=VolunteerFactory(), email=bad)
    assert "email" in exc.value.message_dict


def test_phone_normalised_and_invalid_rejected():
    v = VolunteerFactory()
    phone = services.contact_phone_add(contact=v, number="(816) 555-0134")
    assert phone.number == "+18165550134" and phone.is_primary
    with pytest.raises(ValidationError) as exc:
        services.contact_phone_add(contact=v, number="12")
    assert "number" in exc.value.message_dict


@pytest.mark.parametrize(
    "model,field,values",
    [
        (ContactEmail, "email", ("a@example.org", "b@example.org")),
        (ContactPhone, "number", ("+18165550100", "+18165550101")),
    ],
)
def test_db_allows_only_one_primary(model, field, values):
    v = VolunteerFactory()
    model.objects.create(contact=v, is_primary=True, **{field: values[0]})
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(contact=v, is_primary=True, **{field: values[1]})


def test_address_sets_local_status_from_zip():
    v = VolunteerFactory()
    services.contact_address_add(contact=v, postal_code="64501")
    v.refresh_from_db()
    assert v.local_status == "partial"
    services.contact_address_add(contact=v, postal_code="64110", make_primary=True)
    v.refresh_from_db()
    assert v.local_status == "local"


def test_attending_in_person_makes_volunteer_local():
    v = VolunteerFactory()
    services.contact_address_add(contact=v, postal_code="10001")
    services.participation_record(event=EventFactory(), volunteer=v, status_source="Attended")
    assert services.volunteer_local_status_refresh(volunteer=v) == "local"


# ------------------------------------------------------------------ events
def test_forbidden_transition_is_rejected():
    event = EventFactory(status=EventStatus.COMPLETED)
    with pytest.raises(ValidationError) as exc:
        services.event_status_change(event=event, status=EventStatus.DRAFT)
    assert exc.value.message_dict["status"] == ["An event cannot go from Completed to Draft."]
    assert Event.objects.get(pk=event.pk).status == EventStatus.COMPLETED


@pytest.mark.parametrize("old,new", [("cancelled", "completed"), ("draft", "completed"), ("draft", "cancelled")])
def test_other_forbidden_transitions(old, new):
    event = EventFactory(status=old, cancellation_reason="weather" if old == "cancelled" else "")
    with pytest.raises(ValidationError):
        services.event_status_change(event=event, status=new, cancellation_reason="weather")


def test_allowed_cancellation_records_who_and_when(coordinator):
    event = EventFactory(status=EventStatus.CONFIRMED)
    services.event_status_change(
        event=event, status=EventStatus.CANCELLED, user=coordinator, cancellation_reason="weather"
    )
    event.refresh_from_db()
    assert (event.status, event.cancellation_reason, event.cancellation_set_by) == ("cancelled", "weather", coordinator)
    assert event.cancellation_set_at is not None


def test_other_reason_needs_ten_characters():
    event = EventFactory(status=EventStatus.CONFIRMED)
    with pytest.raises(ValidationError) as exc:
        services.event_status_change(
            event=event, status="cancelled", cancellation_reason="other", cancellation_notes="bus"
        )
    assert set(exc.value.message_dict) == {"cancellation_notes"}
    services.event_status_change(
        event=event, status="cancelled", cancellation_reason="other", cancellation_notes="Bus broke down"
    )
    assert Event.objects.get(pk=event.pk).cancellation_reason == "other"


def test_reason_only_on_cancelled_event():
    with pytest.raises(ValidationError) as exc:
        services.event_create(title="X", start=at(2025, 9, 1), status="confirmed", cancellation_reason="weather")
    assert "cancellation_reason" in exc.value.message_dict


def test_uncancelling_drops_the_reason():
    event = EventFactory(status="cancelled", cancellation_reason="weather")
    services.event_status_change(event=event, status="confirmed")
    event.refresh_from_db()
    assert (event.status, event.cancellation_reason) == ("confirmed", "")


def test_attended_never_exceeds_registered_in_service_and_db():
    with pytest.raises(ValidationError) as exc:
        services.event_create(title="X", start=at(2025, 9, 1), registered_count=3, attended_count=4)
    assert "attended_count" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(title="X", start=at(2025, 9, 1), registered_count=3, attended_count=4)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "confirmed", "cancellation_reason": "weather"},
        {"status": "cancelled", "cancellation_reason": "other", "cancellation_notes": "short"},
    ],
)
def test_db_constraints_back_the_cancellation_rules(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(title="X", start=at(2025, 9, 1), **fields)


def test_event_with_school_is_linked_to_its_district():
    school = SchoolFactory()
    event = services.event_create(title="Fair", start=at(2025, 9, 1), school=school)
    assert list(event.districts.all()) == [school.district]


# ------------------------------------------------------------------ participations and attendance
def test_participation_keeps_raw_status_and_refreshes_stats():
    v = VolunteerFactory(additional_volunteer_count=2)
    e1, e2 = EventFactory(start=at(2025, 9, 1), duration_minutes=90), EventFactory(start=at(2025, 11, 5))
    p = services.participation_record(event=e1, volunteer=v, status_source="Successfully Completed")
    services.participation_record(event=e2, volunteer=v, status_source="No-Show")
    assert (p.status, p.status_source, p.delivery_hours) == ("attended", "Successfully Completed", Decimal("1.50"))
    v.refresh_from_db()
    assert v.times_volunteered == 3
    assert str(v.last_volunteered_on) == "2025-09-01"
    e1.refresh_from_db()
    assert (e1.registered_count, e1.attended_count) == (1, 1)


def test_attendance_marking_updates_counts():
    event = EventFactory(status=EventStatus.CONFIRMED)
    parts = [
        services.participation_record(event=event, volunteer=VolunteerFactory(), status="registered") for _ in range(3)
    ]
    changed = services.attendance_mark(event=event, marks={parts[0].pk: "attended", parts[1].pk: "no_show"})
    event.refresh_from_db()
    assert changed == 2
    assert (event.registered_count, event.attended_count) == (3, 1)


def test_attendance_rejects_foreign_participations_and_cancelled_events():
    event, other = EventFactory(status="confirmed"), EventFactory(status="confirmed")
    p = services.participation_record(event=other, volunteer=VolunteerFactory(), status="registered")
    with pytest.raises(ValidationError) as exc:
        services.attendance_mark(event=event, marks={p.pk: "attended"})
    assert "marks" in exc.value.message_dict
    cancelled = EventFactory(status="cancelled")
    with pytest.raises(ValidationError):
        services.attendance_mark(event=cancelled, marks={})


# ------------------------------------------------------------------ history, notes
def test_history_soft_delete_and_restore():
    v = VolunteerFactory()
    note = services.history_note_add(contact=v, body="Called, will come in May")
    note.soft_delete()
    assert not ContactHistory.objects.filter(pk=note.pk).exists()
    assert ContactHistory.all_objects.filter(pk=note.pk).exists()
    note.restore()
    assert ContactHistory.objects.filter(pk=note.pk).exists()
    assert note.history.count() == 3


def test_empty_notes_rejected():
    with pytest.raises(ValidationError):
        services.history_note_add(contact=VolunteerFactory(), body="  ")
    with pytest.raises(ValidationError):
        services.recruitment_note_add(volunteer=VolunteerFactory(), note="")


# ------------------------------------------------------------------ merge
def test_merge_moves_everything_and_keeps_an_audit_record(coordinator):
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    survivor = VolunteerFactory(first_name="Ada", last_name="Lovelace")
    duplicate = VolunteerFactory(first_name="ADA", last_name="Lovelace", salesforce_id="003000000000001AAA")
    shared, only_dup = EventFactory(), EventFactory(start=at(2025, 12, 1))
    services.participation_record(event=shared, volunteer=survivor, status="registered")
    services.participation_record(event=shared, volunteer=duplicate, status_source="Attended")
    services.participation_record(event=only_dup, volunteer=duplicate, status_source="Attended")
    services.affiliation_set(volunteer=survivor, organization=org_a, is_primary=True)
    services.affiliation_set(volunteer=duplicate, organization=org_b, is_primary=True)
    services.contact_email_add(contact=survivor, email="ada@example.org")
    services.contact_email_add(contact=duplicate, email="ada@example.org")
    services.contact_email_add(contact=duplicate, email="ada@other.example")
    services.history_note_add(contact=duplicate, body="An old note")
    services.recruitment_note_add(volunteer=duplicate, note="Interested in fairs")

    duplicate_pk = duplicate.pk
    record = services.volunteers_merge(survivor=survivor, duplicate=duplicate, user=coordinator)

    assert not Volunteer.objects.filter(pk=duplicate_pk).exists()
    assert VolunteerParticipation.objects.filter(volunteer=survivor).count() == 2
    assert VolunteerParticipation.objects.get(volunteer=survivor, event=shared).status == "attended"
    assert set(Affiliation.objects.filter(volunteer=survivor).values_list("organization", "is_primary")) == {
        (org_a.pk, True),
        (org_b.pk, False),
    }
    assert sorted(ContactEmail.objects.filter(contact=survivor).values_list("email", "is_primary")) == [
        ("ada@example.org", True),
        ("ada@other.example", False),
    ]
    assert ContactHistory.objects.filter(contact=survivor).count() == 2  # moved note + merge entry
    assert RecruitmentNote.objects.filter(volunteer=survivor).count() == 1
    survivor.refresh_from_db()
    assert survivor.times_volunteered == 2
    assert survivor.salesforce_id == "003000000000001AAA"
    assert record.moved == {
        "participations": 1,
        "affiliations": 1,
        "skills": 0,
        "emails": 1,
        "phones": 0,
        "addresses": 0,
        "history": 1,
        "recruitment_notes": 1,
    }
    assert (record.merged_contact_id, record.merged_name, record.merged_by) == (
        duplicate_pk,
        "ADA Lovelace",
        coordinator,
    )
    assert VolunteerMerge.objects.count() == 1


def test_merge_into_itself_is_rejected():
    v = VolunteerFactory()
    with pytest.raises(ValidationError):
        services.volunteers_merge(survivor=v, duplicate=v)


def test_exclude_from_reports_counts_changes():
    a, b = VolunteerFactory(), VolunteerFactory(exclude_from_reports=True)
    assert services.volunteers_exclude_from_reports(volunteer_ids=[a.pk, b.pk]) == 1
    assert Volunteer.objects.filter(exclude_from_reports=True).count() == 2
