"""Record-level truth of the Salesforce sync: the mapping table is the query and the synced-fields
rule, a bad record fails alone (its id and field in the run's errors), blanks and "None" are never
stored, and teachers already in Crewbase are found by the one teacher matcher, not duplicated."""

from datetime import UTC, datetime

import pytest

from integrations.salesforce.fake import sf_datetime
from volunteers.models import Contact, ContactEmail, School, Teacher, Volunteer
from volunteers.salesforce import mapping as sfm
from volunteers.salesforce.sync import sync_object

pytestmark = pytest.mark.django_db


def contact(sf_server, sf_id):
    return next(r for r in sf_server.data["Contact"] if r["Id"] == sf_id)


def touch(sf_server, sf_id, **changes):
    contact(sf_server, sf_id).update(changes, LastModifiedDate=sf_datetime(datetime.now(UTC)))


def test_the_table_is_the_query_and_the_synced_fields():
    for spec in sfm.SPECS:
        fields = set(spec.fields)
        for entry in spec.table:
            if isinstance(entry, sfm.Field | sfm.Link):
                assert entry.source in fields, (spec.key, entry.source)
        targets = {
            entry.target.removesuffix("_id") if isinstance(entry, sfm.Link) else entry.target
            for entry in spec.table
            if isinstance(entry, sfm.Field | sfm.Link)
        }
        assert targets <= sfm.SYNCED_FIELDS[spec.key]
    volunteer = sfm.SPEC_BY_KEY["volunteers"]
    assert {"Title", "Department", "npe01__WorkEmail__c", "MailingCity"} <= set(volunteer.fields)
    assert {"title", "department", "race_ethnicity"} <= sfm.SYNCED_FIELDS["volunteers"]


def test_a_bad_record_fails_alone_with_its_id_and_field(sf_server, sf_client):
    bad = "003V00000000000002"
    touch(sf_server, bad, Birthdate="31/02/1990")
    run = sync_object(key="volunteers", client=sf_client, mode="full")
    assert run.status == "partial" and run.failed == 1
    assert run.created == Volunteer.objects.count() and run.created > 10
    assert not Volunteer.objects.filter(salesforce_id=bad).exists()
    [error] = run.errors
    assert (error["salesforce_id"], error["field"], error["code"]) == (bad, "Birthdate", "INVALID_DATE")
    assert "31/02/1990" in error["message"]


def test_a_record_without_last_name_names_the_field(sf_server, sf_client):
    touch(sf_server, "003V00000000000003", LastName="None")
    run = sync_object(key="volunteers", client=sf_client, mode="full")
    [error] = run.errors
    assert (error["salesforce_id"], error["field"]) == ("003V00000000000003", "LastName")


def test_blanks_and_none_are_never_stored(sf_server, sf_client):
    sf_id = "003V00000000000004"
    touch(sf_server, sf_id, Title="None", Department="  ", Email="NONE", MiddleName="null", Phone="N/A")
    sync_object(key="volunteers", client=sf_client, mode="full")
    volunteer = Volunteer.objects.get(salesforce_id=sf_id)
    assert (volunteer.title, volunteer.department, volunteer.middle_name) == ("", "", "")
    assert not ContactEmail.objects.filter(email__iexact="none").exists()
    assert not Volunteer.objects.filter(title__iexact="none").exists()


def test_a_teacher_already_in_crewbase_is_matched_not_duplicated(sf_server, sf_client):
    sync_object(key="districts", client=sf_client, mode="full")
    sync_object(key="schools", client=sf_client, mode="full")
    record = contact(sf_server, "003T00000000000000")
    by_email = Teacher.objects.create(first_name="Someone", last_name="Else")
    ContactEmail.objects.create(contact=by_email, email=record["Email"].upper(), is_primary=True)
    other = contact(sf_server, "003T00000000000001")
    by_name = Teacher.objects.create(first_name=other["FirstName"], last_name=other["LastName"].upper())
    volunteer_namesake = Volunteer.objects.create(first_name="X", last_name="Y")  # another kind: never matched
    sf_teachers = [r for r in sf_server.data["Contact"] if r["Contact_Type__c"] == "Teacher"]

    run = sync_object(key="teachers", client=sf_client, mode="full")

    assert run.status == "success"
    assert Teacher.objects.count() == len(sf_teachers)  # the two typed in were adopted, not doubled
    by_email.refresh_from_db()
    by_name.refresh_from_db()
    assert by_email.salesforce_id == "003T00000000000000" and by_email.last_name == record["LastName"]
    assert by_name.salesforce_id == "003T00000000000001"
    assert by_email.school == School.objects.get(salesforce_id=record["npsp__Primary_Affiliation__c"])
    assert Contact.objects.get(pk=volunteer_namesake.pk).salesforce_id is None
    assert (run.created, run.updated) == (len(sf_teachers) - 2, 2)
