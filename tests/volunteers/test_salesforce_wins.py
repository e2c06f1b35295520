"""Salesforce wins for synced fields: declared once (mapping.SYNCED_FIELDS), written by the sync and
nothing else, read-only on synced records in the API and the admin; local fields stay editable and
survive a sync."""

import dataclasses
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory

from integrations.salesforce.fake import demo_dataset, sf_datetime
from volunteers.models import ContactEmail, Event, Volunteer, VolunteerSkill
from volunteers.salesforce import mapping as sfm
from volunteers.salesforce.sync import sync_all, sync_object
from volunteers.salesforce.synced import SYNCED_MESSAGE, synced_fields
from volunteers.services import contact_email_add, volunteer_skill_add

pytestmark = pytest.mark.django_db

SYNCED_ID = "003V00000000000001"


def records(spec):
    from integrations.salesforce.fake import FakeSalesforceClient

    client = FakeSalesforceClient(demo_dataset())
    for page in client.query_pages(sobject=spec.sobject, fields=spec.fields, where=spec.where):
        for record in page.records:
            yield {"Id": record.id, **record.fields}


@pytest.mark.parametrize("key", sfm.ORDER)
def test_every_mapper_writes_only_declared_fields(key):
    spec, produced = sfm.SPEC_BY_KEY[key], set()
    for raw in records(spec):
        try:
            mapped = spec.map(raw)
        except sfm.RecordError:
            continue
        assert not sfm.undeclared_fields(key, mapped), raw["Id"]
        produced |= set(mapped.values) | {a.removesuffix("_id") for a in mapped.refs}
    assert produced == sfm.SYNCED_FIELDS[key]  # declared = written: nothing declared for nothing


@pytest.mark.error_log_expected("volunteers.salesforce.sync")
def test_a_mapper_writing_an_undeclared_field_fails_its_records(sf_server, sf_client, monkeypatch):
    spec = sfm.SPEC_BY_KEY["districts"]

    def sneaky(raw):
        mapped = spec.map(raw)
        mapped.values["created_at"] = datetime(2020, 1, 1, tzinfo=UTC)
        return mapped

    monkeypatch.setitem(sfm.SPEC_BY_KEY, "districts", dataclasses.replace(spec, mapper=sneaky))
    run = sync_object(key="districts", client=sf_client, mode="full")
    assert (run.created, run.failed) == (0, 3)
    assert run.errors[0]["code"] == "MAPPING_ERROR" and "created_at" in run.errors[0]["message"]


def test_local_fields_are_not_synced():
    for name in Volunteer.LOCAL_ONLY_FIELDS:
        assert name not in synced_fields(Volunteer)
    assert "title" in synced_fields(Volunteer) and "school" in synced_fields(Event)


@pytest.fixture
def synced(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["districts", "schools", "volunteers", "events"])
    return Volunteer.objects.get(salesforce_id=SYNCED_ID)


def test_api_refuses_an_edit_to_a_synced_field(client_for, coordinator, synced):
    url = f"/api/v1/volunteers/volunteers/{synced.pk}/"
    response = client_for(coordinator).patch(url, {"title": "Edited here", "last_name": "X"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"last_name": [SYNCED_MESSAGE], "title": [SYNCED_MESSAGE]}
    synced.refresh_from_db()
    assert synced.title == "Registered Nurse"
    # The same value, and local-only fields, are fine.
    response = client_for(coordinator).patch(
        url, {"title": "Registered Nurse", "exclude_from_reports": True, "additional_volunteer_count": 3}, format="json"
    )
    assert response.status_code == 200, response.json()
    synced.refresh_from_db()
    assert (synced.exclude_from_reports, synced.additional_volunteer_count) == (True, 3)
    moved = client_for(coordinator).patch(url, {"salesforce_id": ""}, format="json")
    assert moved.status_code == 400 and "salesforce_id" in moved.json()["errors"]


def test_api_edits_a_local_record_freely(client_for, coordinator, synced):
    Volunteer.objects.filter(pk=synced.pk).update(salesforce_id=None)
    response = client_for(coordinator).patch(
        f"/api/v1/volunteers/volunteers/{synced.pk}/", {"title": "Edited here"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Edited here"


def test_api_refuses_an_edit_to_a_synced_event(client_for, coordinator, synced):
    event = Event.objects.filter(salesforce_id__isnull=False).first()
    response = client_for(coordinator).patch(
        f"/api/v1/volunteers/events/{event.pk}/", {"title": "Renamed"}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"]["title"] == [SYNCED_MESSAGE]


def test_admin_form_locks_synced_fields_and_refuses_a_posted_change(admin_user, synced):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[Volunteer]
    form_class = model_admin.get_form(request, synced, change=True)
    form = form_class(instance=synced)
    assert form.fields["title"].disabled and form.fields["title"].help_text == SYNCED_MESSAGE
    assert not form.fields["notes"].disabled and not form.fields["additional_volunteer_count"].disabled
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data.update(title="Edited here", notes="Prefers mornings")
    posted = form_class(data=data, instance=synced)
    assert not posted.is_valid() and posted.errors["title"] == [SYNCED_MESSAGE]
    data["title"] = synced.title
    del data["first_name"]  # a disabled input is not posted by browsers
    kept = form_class(data=data, instance=synced)
    assert kept.is_valid(), kept.errors
    assert kept.cleaned_data["notes"] == "Prefers mornings" and kept.cleaned_data["first_name"] == synced.first_name


def test_local_data_survives_a_sync(sf_server, sf_client, synced):
    Volunteer.objects.filter(pk=synced.pk).update(notes="Prefers mornings", local_status="local")
    contact_email_add(contact=synced, email="typed.here@example.org", make_primary=False)
    volunteer_skill_add(volunteer=synced, name="Welding")
    row = next(r for r in sf_server.data["Contact"] if r["Id"] == SYNCED_ID)
    row.update(Title="Chief Nurse", LastModifiedDate=sf_datetime(datetime.now(UTC)))
    run = sync_object(key="volunteers", client=sf_client, mode="delta")
    assert run.updated == 1
    synced.refresh_from_db()
    assert (synced.title, synced.notes, synced.local_status) == ("Chief Nurse", "Prefers mornings", "local")
    assert ContactEmail.objects.filter(contact=synced, email="typed.here@example.org").exists()
    assert VolunteerSkill.objects.filter(volunteer=synced, skill__name="Welding", source="manual").exists()
