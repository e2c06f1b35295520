"""The directory's stored search text (volunteers.search): the same matches as looking in each
column, and kept current by every write path (services, admin, Salesforce sync, demo loader)."""

import io
import random
import re

import pytest
from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volunteers import demo, rules, selectors, services
from volunteers.models import (
    Affiliation,
    Contact,
    Organization,
    OrganizationAlias,
    Skill,
    Volunteer,
    VolunteerSkill,
)
from volunteers.salesforce.sync import sync_all, sync_object
from volunteers.search import SEPARATOR, search_text_refresh

from .factories import OrganizationFactory, SkillFactory, TeacherFactory, VolunteerFactory
from .test_salesforce_sync import touch

pytestmark = pytest.mark.django_db

FIRST = ["Ada", "Grace", "José", "Zoë", "Mary Ann", "Li", "O'Brien", "Anne-Marie", "Al"]
LAST = ["Lovelace", "Hopper", "van der Berg", "Núñez", "Smith", "MacDonald", "Ng", "Eng"]
MIDDLE = ["", "", "King", "Lee", "Ann"]
TITLES = ["", "Senior Engineer", "engineering lead", "Teacher", "CEO", "Code breaker (50%_)", "Nurse"]
DEPARTMENTS = ["", "", "Analytical Engines", "Navy", "Sales & Marketing", "R&D", "IT"]
ORGS = [
    ("Acme Bank", ["First National"]),
    ("Boeing", []),
    ("Engine Works", ["EW", "Engineworks"]),
    ("Café Lumière", []),
]
SKILLS = ["Robotics", "Public speaking", "Engineering", "C++", "Data_science", "Welding"]
TERMS = [
    "a", "e", "n", "ng", "eng", "engineer", "ENGINEER", "Engine", "ada", "lovelace", "ada lovelace", "ada king",
    "lovelace ada", "king lovelace", "e l", "n s", "mary ann", "ann", "van der", "der berg", "o'brien", "anne-marie",
    "josé", "zoë", "núñez", "café", "lumière", "bank", "first national", "national", "ew", "acme first",
    "bank first", "engineer analytical", "senior engineer", "engineer navy", "lead teacher", "robot", "c++",
    "data_science", "_", "%", "50%_", "sales & marketing", "r&d", "it", "smith eng", "ceo", "nurse it",
    "robotics welding", "speaking", "engines", "works", "zzz", " ", "lovelace senior",
]  # fmt: skip


def old_term_condition(term: str) -> Q:
    """The search before the stored text (kept here to compare): the lower-cased names, the title and
    department, organizations (name or alias) and skills, each looked up on its own."""
    term = term.lower()
    names = (
        Contact.objects.filter(kind=Contact.Kind.VOLUNTEER)
        .alias(search=Lower(Concat("first_name", Value(" "), "last_name", Value(" "), "middle_name")))
        .filter(search__contains=term)
        .values("pk")
    )
    work = Volunteer.objects.alias(search=Lower(Concat("title", Value(" "), "department")))
    work = work.filter(search__contains=term).values("pk")
    organizations = Organization.objects.filter(Q(name__icontains=term) | Q(aliases__name__icontains=term)).values("pk")
    affiliated = Affiliation.objects.filter(organization_id__in=organizations).values("volunteer_id")
    skilled = VolunteerSkill.objects.filter(skill__name__icontains=term).values("volunteer_id")
    return Q(pk__in=names) | Q(pk__in=work) | Q(pk__in=affiliated) | Q(pk__in=skilled)


def old_found(q: str) -> list[int]:
    qs = Volunteer.objects.all()
    for term in rules.search_terms(q):
        qs = qs.filter(old_term_condition(term))
    return list(qs.order_by("last_name", "first_name", "id").values_list("pk", flat=True))


def found(q: str) -> list[int]:
    return [v.pk for v in selectors.volunteer_directory(q=q, emails=False).prefetch_related(None)]


@pytest.fixture
def varied(db):
    """Eighty volunteers with names, work, organizations (aliases) and skills drawn at random,
    through the services; a teacher to show contacts that are not volunteers stay out."""
    rnd = random.Random(20)
    orgs = []
    for name, aliases in ORGS:
        org = OrganizationFactory(name=name)
        for alias in aliases:
            OrganizationAlias.objects.create(organization=org, name=alias)
        orgs.append(org)
    for _ in range(80):
        volunteer = services.volunteer_create(
            first_name=rnd.choice(FIRST),
            middle_name=rnd.choice(MIDDLE),
            last_name=rnd.choice(LAST),
            title=rnd.choice(TITLES),
            department=rnd.choice(DEPARTMENTS),
            skills=rnd.sample(SKILLS, rnd.randint(0, 3)),
        )
        for org in rnd.sample(orgs, rnd.randint(0, 2)):
            services.affiliation_set(volunteer=volunteer, organization=org)
    TeacherFactory(first_name="Ada", last_name="Engineer")


def test_the_stored_text_finds_exactly_what_the_column_search_found(varied):
    compared = 0
    for term in TERMS:
        for q in (term, f'"{term}"'):
            assert found(q) == old_found(q), q
            compared += len(old_found(q))
    for q in ("ada eng", "bank robot", "engineer navy robot", '"senior engineer" acme', "e a n"):
        assert found(q) == old_found(q), q
    assert compared > 1000  # the terms are not all misses
    assert found("engineer") and found("zzz") == []


def test_a_term_matches_within_one_field_only():
    ada = services.volunteer_create(
        first_name="Ada", last_name="Lovelace", title="Engineer", department="Engines", skills=["Robotics"]
    )
    assert found('"lovelace engineer"') == []  # name then title: two fields
    assert found('"engines robotics"') == []  # department then skill
    assert found('"ada lovelace"') == [ada.pk]  # first and last name are one field, as before
    assert found('"engineer engines"') == [ada.pk]  # so are title and department
    assert found(f'"ada{SEPARATOR}lovelace"') == []  # a quoted term may hold the separator: no match


def test_non_ascii_capitals_match_in_any_case():
    """Lower-cased in Python for both databases (SQLite's LOWER() leaves non-ASCII letters alone)."""
    emile = services.volunteer_create(first_name="ÉMILE", last_name="Zola", title="ÜBER-Engineer")
    assert found("émile") == [emile.pk]
    assert found("Über") == [emile.pk]


# --------------------------------------------------------------------------- write paths
def text(volunteer) -> str:
    return Volunteer.objects.get(pk=volunteer.pk).search_text


def test_services_keep_the_text_current():
    acme = OrganizationFactory(name="Acme Bank")
    ada = services.volunteer_create(first_name="Ada", last_name="Lovelace", title="Engineer", organization=acme)
    assert text(ada) == SEPARATOR.join(["ada lovelace ", "engineer ", "acme bank"])
    services.volunteer_skill_add(volunteer=ada, name="Robotics")
    services.affiliation_set(volunteer=ada, organization=OrganizationFactory(name="Boeing"))
    services.volunteer_update(volunteer=ada, department="Navy", middle_name="King")
    assert text(ada) == SEPARATOR.join(["ada lovelace king", "engineer navy", "acme bank", "boeing", "robotics"])
    duplicate = services.volunteer_create(first_name="Ada", last_name="L.", skills=["Welding"])
    services.volunteers_merge(survivor=ada, duplicate=duplicate)
    assert text(ada).endswith(SEPARATOR.join(["robotics", "welding"]))


def test_a_refresh_is_a_few_queries_whatever_the_number_of_volunteers():
    org = OrganizationFactory(name="Acme")
    OrganizationAlias.objects.create(organization=org, name="Acme Corp")
    skill = SkillFactory(name="Welding")
    volunteers = [VolunteerFactory(title="Engineer") for _ in range(30)]
    Affiliation.objects.bulk_create([Affiliation(volunteer=v, organization=org) for v in volunteers])
    VolunteerSkill.objects.bulk_create([VolunteerSkill(volunteer=v, skill=skill) for v in volunteers])
    with CaptureQueriesContext(connection) as captured:
        assert search_text_refresh(v.pk for v in volunteers) == 30
    # affiliations, aliases, skills, the volunteers; one UPDATE statement run for every changed row
    # (Django logs it as "30 times: UPDATE …"; SQLite wraps it in a savepoint)
    updates = [q for q in captured.captured_queries if "UPDATE" in q["sql"].split(" SET ")[0]]
    assert updates and updates[0]["sql"].startswith("30 times: UPDATE")
    assert len(updates) == 1 and len(captured.captured_queries) <= 7
    assert sorted(found("acme corp welding engineer")) == sorted(v.pk for v in volunteers)
    with CaptureQueriesContext(connection) as captured:
        assert search_text_refresh(v.pk for v in volunteers) == 0  # nothing changed: nothing written
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    Organization.objects.filter(pk=org.pk).update(name="Zenith")
    assert search_text_refresh(organization_ids=[org.pk]) == 30
    Skill.objects.filter(pk=skill.pk).update(name="Soldering")
    assert search_text_refresh(skill_ids=[skill.pk]) == 30
    assert len(found("zenith soldering")) == 30 and found("welding") == []


def test_admin_edits_keep_the_text_current(admin_client):
    acme = OrganizationFactory(name="Acme Bank")
    skill = SkillFactory(name="Robotics")
    ada = services.volunteer_create(first_name="Ada", last_name="Lovelace", organization=acme, skills=["Robotics"])
    response = admin_client.post(
        reverse("admin:volunteers_organization_change", args=[acme.pk]),
        {
            "name": "Zenith Labs",
            "kind": Organization.Kind.BUSINESS,
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "Zenith Research",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    response = admin_client.post(reverse("admin:volunteers_skill_change", args=[skill.pk]), {"name": "Welding"})
    assert response.status_code == 302
    assert found("zenith") == found("research") == found("welding") == [ada.pk]
    assert found("acme") == found("robotics") == []
    response = admin_client.post(reverse("admin:volunteers_organization_delete", args=[acme.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert found("zenith") == []
    assert text(ada) == SEPARATOR.join(["ada lovelace ", " ", "welding"])


def test_the_demo_loader_fills_the_text():
    demo.load(stdout=io.StringIO())
    assert Volunteer.objects.count() == 300
    assert not Volunteer.objects.filter(search_text="").exists()
    sample = Volunteer.objects.filter(affiliations__isnull=False, volunteer_skills__isnull=False).first()
    organization = sample.affiliations.first().organization.name
    skill = sample.volunteer_skills.first().skill.name
    assert sample.pk in found(f'"{sample.first_name} {sample.last_name}" "{organization}" "{skill}"')
    before = dict(Volunteer.objects.values_list("pk", "search_text"))
    Volunteer.objects.update(search_text="")
    assert search_text_refresh(everyone=True) == 300
    assert dict(Volunteer.objects.values_list("pk", "search_text")) == before


def test_the_salesforce_sync_keeps_the_text_current(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["organizations", "volunteers", "affiliations"])
    assert Volunteer.objects.count() == 60 and not Volunteer.objects.filter(search_text="").exists()
    assert search_text_refresh(everyone=True) == 0  # every text written by the sync is current
    affiliation = sf_server.data["npe5__Affiliation__c"][0]
    organization_sf_id = affiliation["npe5__Organization__c"]
    touch(sf_server, "Account", organization_sf_id, Name="Zenith Quantum Labs")
    run = sync_object(key="organizations", client=sf_client, mode="delta")
    assert run.status == "success" and run.updated == 1
    members = set(
        Affiliation.objects.filter(organization__salesforce_id=organization_sf_id).values_list(
            "volunteer_id", flat=True
        )
    )
    assert members and set(found('"zenith quantum"')) == members
    volunteer = Volunteer.objects.get(salesforce_id=affiliation["npe5__Contact__c"])
    touch(sf_server, "Contact", affiliation["npe5__Contact__c"], Title="Xylophonist")
    assert sync_object(key="volunteers", client=sf_client, mode="delta").status == "success"
    assert found("xylophonist") == [volunteer.pk]
    assert search_text_refresh(everyone=True) == 0


def texts() -> dict[int, str]:
    return dict(Volunteer.objects.values_list("pk", "search_text"))


def text_writes(captured) -> list[str]:
    """Statements that rewrite a stored text: the upsert's `"search_text" = EXCLUDED…`, a refresh's
    `SET search_text = %s` (the INSERT of a new row names the column but sets no existing one)."""
    return [q["sql"] for q in captured.captured_queries if re.search(r'search_text"? = ', q["sql"])]


def assert_texts_as_from_scratch() -> None:
    """Every stored text equals the one a refresh of everyone builds from nothing."""
    stored = texts()
    Volunteer.objects.update(search_text="")
    assert search_text_refresh(everyone=True) == len(stored)
    assert texts() == stored


def test_the_sync_stores_the_text_a_refresh_would_build(sf_server, sf_client):
    """New volunteers get their text with their row; the sync refreshes only the volunteers whose text
    may have changed (row rewritten, skills changed, affiliation moved), and each ends as a refresh
    from scratch would write it. A skill already stored in another case keeps its stored name."""
    SkillFactory(name="PYTHON")  # sorts before "Public Speaking"; Salesforce's "Python" sorts after
    with CaptureQueriesContext(connection) as captured:
        sync_all(client=sf_client, mode="full", objects=["volunteers"])
    assert Volunteer.objects.count() == 60
    assert text_writes(captured) == []  # each text went in with its row: none rewritten
    assert Volunteer.objects.filter(search_text__contains=SEPARATOR.join(["python", "public speaking"])).count() == 15
    assert_texts_as_from_scratch()
    sync_all(client=sf_client, mode="full", objects=["organizations", "affiliations"])
    assert_texts_as_from_scratch()

    contacts = sf_server.data["Contact"]
    renamed, reskilled, unchanged, mover, joined = (contacts[i]["Id"] for i in (1, 2, 3, 4, 5))
    services.volunteer_skill_add(volunteer=Volunteer.objects.get(salesforce_id=renamed), name="Origami")
    touch(sf_server, "Contact", renamed, Title="Xylophonist")
    touch(sf_server, "Contact", reskilled, Volunteer_Skills_Text__c="Welding")  # the row itself is unchanged
    contacts.append(
        {**contacts[6], "Id": "003V00000000000999", "FirstName": "Quentin", "Volunteer_Skills__c": "Yodeling"}
    )
    touch(sf_server, "Contact", "003V00000000000999")
    affiliation = next(a for a in sf_server.data["npe5__Affiliation__c"] if a["npe5__Contact__c"] == mover)
    touch(sf_server, "npe5__Affiliation__c", affiliation["Id"], npe5__Contact__c=joined, npe5__Primary__c=False)
    before = texts()
    runs = sync_all(client=sf_client, mode="delta", objects=["volunteers", "affiliations"])
    assert [(r["created"], r["updated"], r["status"]) for r in runs] == [(1, 1, "success"), (0, 1, "success")]
    after = texts()
    by_sf_id = dict(Volunteer.objects.values_list("salesforce_id", "pk"))
    moved = {by_sf_id[sf_id] for sf_id in (renamed, reskilled, mover, joined)}
    assert {pk for pk in before if before[pk] != after[pk]} == moved
    assert after[by_sf_id[unchanged]] == before[by_sf_id[unchanged]]
    assert found("xylophonist origami") == [by_sf_id[renamed]]
    assert found("welding") == [by_sf_id[reskilled]]
    assert found("quentin yodeling") == [by_sf_id["003V00000000000999"]]
    organization = Organization.objects.get(salesforce_id=affiliation["npe5__Organization__c"]).name
    assert by_sf_id[joined] in found(f'"{organization}"') and by_sf_id[mover] not in found(f'"{organization}"')
    assert_texts_as_from_scratch()


def test_a_sync_that_changes_nothing_writes_no_text(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["organizations", "volunteers", "affiliations"])
    with CaptureQueriesContext(connection) as captured:
        runs = sync_all(client=sf_client, mode="full", objects=["organizations", "volunteers", "affiliations"])
    assert [r["unchanged"] for r in runs] == [8, 60, 60]
    assert text_writes(captured) == []
