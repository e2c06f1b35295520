"""Mapping completeness: every e-mail and phone field with the preferred one primary, skills from
both fields, race/ethnicity and age group — through the real client against the emulated endpoint."""

from datetime import UTC, datetime

import pytest

from integrations.salesforce.fake import sf_datetime
from volunteers.models import ContactEmail, ContactPhone, Skill, Student, Volunteer, VolunteerSkill
from volunteers.salesforce import mapping as sfm
from volunteers.salesforce.sync import sync_object
from volunteers.services import volunteer_skill_add

pytestmark = pytest.mark.django_db

FIRST = "003V00000000000000"  # prefers its work e-mail and its mobile phone


def touch(sf_server, sf_id, **changes):
    row = next(r for r in sf_server.data["Contact"] if r["Id"] == sf_id)
    row.update(changes, LastModifiedDate=sf_datetime(datetime.now(UTC)))


def emails(volunteer):
    return [(e.email, e.kind, e.is_primary) for e in ContactEmail.objects.filter(contact=volunteer).order_by("email")]


def primary(model, volunteer, column):
    return model.objects.filter(contact=volunteer, is_primary=True).values_list(column, flat=True).get()


def test_soql_asks_for_every_email_phone_skill_and_demographic_field():
    fields = set(sfm.SPEC_BY_KEY["volunteers"].fields)
    assert {
        "Email",
        "npe01__HomeEmail__c",
        "npe01__WorkEmail__c",
        "npe01__AlternateEmail__c",
        "npe01__Preferred_Email__c",
        "Phone",
        "HomePhone",
        "MobilePhone",
        "npe01__WorkPhone__c",
        "OtherPhone",
        "npe01__PreferredPhone__c",
        "Volunteer_Skills__c",
        "Volunteer_Skills_Text__c",
        "Racial_Ethnic_Background__c",
        "Age_Group__c",
        "Volunteer_Interests__c",
        "MailingStreet",
    } <= fields


def test_the_preferred_email_and_phone_are_primary(sf_server, sf_client):
    sync_object(key="volunteers", client=sf_client, mode="full")
    volunteer = Volunteer.objects.get(salesforce_id=FIRST)
    assert emails(volunteer) == [
        ("ada.lovelace0@example.org", "personal", False),
        ("alovelace0@heartland.example", "work", True),
    ]
    assert primary(ContactPhone, volunteer, "number") == "+19135552000"  # the mobile
    assert set(ContactPhone.objects.filter(contact=volunteer).values_list("number", flat=True)) == {
        "+19135552000"
    }  # "None" home phone never stored
    other = Volunteer.objects.get(salesforce_id="003V00000000000001")  # prefers personal e-mail, home phone
    assert primary(ContactEmail, other, "email") == "grace.martinez1@example.org"
    assert primary(ContactPhone, other, "number") == "+18165551001"


def test_a_change_of_preference_moves_the_primary_and_keeps_one(sf_server, sf_client):
    sync_object(key="volunteers", client=sf_client, mode="full")
    volunteer = Volunteer.objects.get(salesforce_id=FIRST)
    touch(sf_server, FIRST, npe01__Preferred_Email__c="Personal", Email="ada.lovelace0@example.org")
    touch(sf_server, FIRST, npe01__PreferredPhone__c="Home", HomePhone="816-555-7000", Phone="816-555-7000")
    run = sync_object(key="volunteers", client=sf_client, mode="delta")
    assert run.status == "success"
    assert primary(ContactEmail, volunteer, "email") == "ada.lovelace0@example.org"
    assert ContactEmail.objects.filter(contact=volunteer, is_primary=True).count() == 1
    assert primary(ContactPhone, volunteer, "number") == "+18165557000"
    assert ContactPhone.objects.filter(contact=volunteer).count() == 2


def test_skills_from_both_fields_split_trimmed_and_deduplicated(sf_server, sf_client):
    sync_object(key="volunteers", client=sf_client, mode="full")
    volunteer = Volunteer.objects.get(salesforce_id=FIRST)
    links = VolunteerSkill.objects.filter(volunteer=volunteer).select_related("skill")
    assert sorted((link.skill.name, link.source) for link in links) == [
        ("Mentoring", "salesforce"),
        ("Public Speaking", "salesforce"),
        ("Python", "salesforce"),
    ]
    assert Skill.objects.filter(name__iexact="public speaking").count() == 1
    assert not Skill.objects.filter(name__iexact="none").exists()
    # Salesforce drops Python; a skill staff typed in stays.
    volunteer_skill_add(volunteer=volunteer, name="Welding")
    touch(sf_server, FIRST, Volunteer_Skills__c="Public Speaking")
    sync_object(key="volunteers", client=sf_client, mode="delta")
    assert sorted(VolunteerSkill.objects.filter(volunteer=volunteer).values_list("skill__name", flat=True)) == [
        "Mentoring",
        "Public Speaking",
        "Welding",
    ]


def test_race_ethnicity_age_group_and_interests(sf_server, sf_client):
    sync_object(key="volunteers", client=sf_client, mode="full")
    sync_object(key="districts", client=sf_client, mode="full")
    sync_object(key="schools", client=sf_client, mode="full")
    sync_object(key="students", client=sf_client, mode="full")
    volunteer = Volunteer.objects.get(salesforce_id=FIRST)
    assert (volunteer.race_ethnicity, volunteer.age_group, volunteer.interests) == (
        "Black/African American",
        "25-34",
        "",
    )
    assert Volunteer.objects.get(salesforce_id="003V00000000000001").interests == "STEM outreach"
    assert not Volunteer.objects.filter(race_ethnicity__iexact="none").exists()
    assert Student.objects.get(salesforce_id="003P00000000000000").race_ethnicity == "Hispanic/Latino"


def test_split_skills():
    assert sfm.split_skills("A; b ;;None", "B, c\nA", None, "null") == ["A", "b", "c"]
