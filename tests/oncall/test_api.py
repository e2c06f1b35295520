"""The /api/v1/oncall/ endpoints: permissions, validation, now, schedule, settings, feeds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oncall import services
from oncall.models import Assignment, Member, Override, SmsMessage
from oncall.services import schedule_generate
from tests.openapi import component, openapi_schema, success_schema

from .dates import MONDAY, iso_day
from .factories import MemberFactory, ShiftFactory

API = "/api/v1/oncall"
ROLES = ["Administrator", "Coordinator", "Staff", "Viewer", "anonymous"]
WRITERS = {"Administrator", "Coordinator"}


@pytest.fixture
def scheduled(team, shifts, members):
    schedule_generate(team=team, weeks=2, start=MONDAY)
    return team


@pytest.mark.parametrize("persona", ROLES, indirect=True)
@pytest.mark.django_db
def test_read_permissions(persona, client_for, scheduled, request):
    client = client_for(persona)
    role = request.node.callspec.params["persona"]
    for path in [
        "teams/",
        "members/",
        "shifts/",
        "assignments/",
        "overrides/",
        "notifications/",
        f"now/?team={scheduled.pk}",
        f"settings/?team={scheduled.pk}",
    ]:
        response = client.get(f"{API}/{path}")
        expected = 401 if role == "anonymous" else 403 if (role, path) == ("Viewer", "notifications/") else 200
        assert response.status_code == expected, (path, response.content)


@pytest.mark.parametrize("persona", ROLES, indirect=True)
@pytest.mark.django_db
def test_write_permissions(persona, client_for, team, request):
    role = request.node.callspec.params["persona"]
    response = client_for(persona).post(f"{API}/members/", {"team": team.pk, "name": "Ana", "phone": "+13125550142"})
    assert response.status_code == (201 if role in WRITERS else 401 if role == "anonymous" else 403)


@pytest.mark.django_db
def test_member_validation_names_the_field(client_for, coordinator, team):
    client = client_for(coordinator)
    bad = client.post(f"{API}/members/", {"team": team.pk, "name": "Ana", "phone": "312 555 0142"})
    assert bad.status_code == 400 and "phone" in bad.json()["errors"]
    unknown = client.post(f"{API}/members/", {"team": team.pk, "name": "Ana", "phone": "+13125550142", "age": 3})
    assert unknown.status_code == 400 and unknown.json()["errors"]["age"] == ["Unknown field."]
    ok = client.post(f"{API}/members/", {"team": team.pk, "name": "Ana", "phone": "+13125550142"})
    member_id = ok.json()["id"]
    assert client.delete(f"{API}/members/{member_id}/").status_code == 204
    assert Member.all_objects.get(pk=member_id).is_deleted  # soft: history survives


@pytest.mark.django_db
def test_member_reorder(client_for, coordinator, team, members):
    ids = [m.pk for m in reversed(members)]
    response = client_for(coordinator).post(f"{API}/members/reorder/", {"team": team.pk, "member_ids": ids})
    assert response.status_code == 200
    assert list(Member.objects.filter(team=team).order_by("rotation_order").values_list("pk", flat=True)) == ids
    bad = client_for(coordinator).post(f"{API}/members/reorder/", {"team": team.pk, "member_ids": ids[:2]})
    assert bad.status_code == 400 and "member_ids" in bad.json()["errors"]


@pytest.mark.django_db
def test_shift_validation(client_for, coordinator, team, shifts):
    client = client_for(coordinator)
    half = client.post(f"{API}/shifts/", {"team": team.pk, "weekday": 2, "start_time": "08:00", "duration_hours": 24.5})
    assert half.status_code == 400 and "whole number of hours" in str(half.json()["errors"]["duration_hours"])
    overlap = client.post(
        f"{API}/shifts/", {"team": team.pk, "weekday": 2, "start_time": "08:00", "duration_hours": 24}
    )
    assert overlap.status_code == 400 and "overlaps" in str(overlap.json()["errors"])


@pytest.mark.django_db
def test_generate_preview_and_errors(client_for, coordinator, team, shifts, members):
    client = client_for(coordinator)
    preview = client.post(
        f"{API}/schedule/generate/", {"team": team.pk, "weeks": 2, "start_date": iso_day(0), "preview": True}
    )
    assert preview.status_code == 200 and preview.json()["created"] == 12 and Assignment.objects.count() == 0
    assert {t["hours"] for t in preview.json()["totals"]} <= {48, 72, 96}
    created = client.post(f"{API}/schedule/generate/", {"team": team.pk, "weeks": 2, "start_date": iso_day(0)})
    assert created.status_code == 201 and Assignment.objects.count() == 12
    extended = client.post(f"{API}/schedule/generate/", {"team": team.pk, "weeks": 1})
    assert extended.json()["start"] == iso_day(14) and Assignment.objects.count() == 18
    again = client.post(f"{API}/schedule/generate/", {"team": team.pk, "weeks": 1, "start_date": iso_day(2)})
    assert again.status_code == 400 and "already scheduled" in str(again.json()["errors"])
    regen = client.post(f"{API}/schedule/regenerate/", {"team": team.pk, "weeks": 1, "from_date": iso_day(2)})
    assert regen.status_code == 201 and Assignment.objects.count() == 18
    assert client.post(f"{API}/schedule/generate/", {"team": team.pk, "weeks": 0}).status_code == 400


@pytest.mark.django_db
def test_generate_without_members_or_shifts_is_a_400(client_for, coordinator, team):
    client = client_for(coordinator)
    response = client.post(f"{API}/schedule/generate/", {"team": team.pk, "weeks": 2})
    assert response.status_code == 400 and "no active members" in response.json()["errors"]["team"][0]
    MemberFactory(team=team)
    response = client.post(f"{API}/schedule/generate/", {"team": team.pk, "weeks": 2})
    assert "no active shift patterns" in response.json()["errors"]["team"][0]


@pytest.mark.django_db
def test_now_endpoint(client_for, viewer, scheduled, django_assert_max_num_queries):
    client = client_for(viewer)
    tue = Assignment.objects.get(occurrence_date=MONDAY + timedelta(days=1))
    mon = Assignment.objects.get(occurrence_date=MONDAY)
    before = client.get(f"{API}/now/", {"team": scheduled.pk, "at": f"{iso_day(1)}T07:59:00-06:00"}).json()
    assert before["primary"]["id"] == mon.member_id and before["backup"]["id"] == tue.member_id
    with django_assert_max_num_queries(12):
        at_handoff = client.get(f"{API}/now/", {"team": scheduled.pk, "at": f"{iso_day(1)}T14:00:00Z"}).json()
    assert at_handoff["primary"]["id"] == tue.member_id
    assert at_handoff["shift_ends_at"] == f"{iso_day(3)}T08:00:00-06:00"
    naive = client.get(f"{API}/now/", {"team": scheduled.pk, "at": f"{iso_day(1)}T08:00:00"})
    assert naive.status_code == 400 and "at" in naive.json()["errors"]
    assert client.get(f"{API}/now/").status_code == 400


@pytest.mark.django_db
def test_now_endpoint_query_count(token_client_for, staff_user, scheduled, members, django_assert_num_queries):
    """The token with the caller and their permissions, the team, the next two occurrences, the
    escalation contacts."""
    client = token_client_for(staff_user)
    params = {"team": scheduled.pk, "at": f"{iso_day(1)}T09:00:00-06:00"}
    client.get(f"{API}/now/", params)  # records the token's first use
    with django_assert_num_queries(4):
        body = client.get(f"{API}/now/", params).json()
    tue = Assignment.objects.get(occurrence_date=MONDAY + timedelta(days=1))
    assert body["primary"]["id"] == tue.member_id and body["covering_for"] is None and body["escalation"] == []


@pytest.mark.django_db
def test_override_via_api(client_for, coordinator, scheduled, members):
    client = client_for(coordinator)
    future = Assignment.objects.filter(starts_at__gt=timezone.now()).first()
    if future is None:
        pytest.skip("schedule in the past")
    cover = next(m for m in members if m.pk != future.member_id)
    created = client.post(f"{API}/overrides/", {"assignment": future.pk, "member": cover.pk, "reason": "PTO"})
    assert created.status_code == 201, created.content
    assert created.json()["original_member"] == future.member_id and created.json()["created_by"] == "coord1"
    listed = client.get(
        f"{API}/assignments/",
        {"team": scheduled.pk, "start": str(future.occurrence_date), "end": str(future.occurrence_date)},
    ).json()["results"]
    row = next(r for r in listed if r["id"] == future.pk)
    assert row["on_call"]["id"] == cover.pk and row["override"]["reason"] == "PTO"
    assert client.delete(f"{API}/overrides/{created.json()['id']}/").status_code == 204
    assert Override.objects.get().status == "cancelled"


@pytest.mark.django_db
def test_assignment_filters_and_query_count(client_for, staff_user, scheduled, members, django_assert_max_num_queries):
    client = client_for(staff_user)
    with django_assert_max_num_queries(8):
        week1 = client.get(f"{API}/assignments/", {"team": scheduled.pk, "start": iso_day(0), "end": iso_day(6)}).json()
    assert week1["count"] == 6
    mine = client.get(f"{API}/assignments/", {"member": members[0].pk}).json()
    assert {r["member"] for r in mine["results"]} == {members[0].pk}
    backwards = client.get(f"{API}/assignments/", {"team": scheduled.pk, "start": iso_day(6), "end": iso_day(0)})
    assert backwards.status_code == 400
    assert "before the start" in str(backwards.json()["errors"]["end"])
    same_day = client.get(f"{API}/assignments/", {"team": scheduled.pk, "start": iso_day(1), "end": iso_day(1)})
    assert same_day.status_code == 200 and same_day.json()["count"] == 1


@pytest.mark.django_db
def test_list_query_counts(client_for, admin_user, scheduled, members, django_assert_max_num_queries):
    client = client_for(admin_user)
    for i in range(5):
        SmsMessage.objects.create(
            team=scheduled,
            purpose="manual",
            idempotency_key=f"k{i}",
            recipient_name="x",
            recipient_phone="+13125550100",
            body="b",
            member=members[0],
        )
    for path in ["teams/", "members/", "shifts/", "notifications/", "overrides/"]:
        with django_assert_max_num_queries(8):
            assert client.get(f"{API}/{path}").status_code == 200


@pytest.mark.django_db
def test_settings_and_template_validation(client_for, coordinator, team):
    client = client_for(coordinator)
    unknown = client.put(f"{API}/settings/", {"team": team.pk, "sms_template": "Hi {nom}"})
    assert unknown.status_code == 400 and "{nom}" in unknown.json()["errors"]["sms_template"][0]
    fixed = client.put(f"{API}/settings/", {"team": team.pk, "sms_template": "You are on call."})
    assert fixed.status_code == 400 and "no placeholder" in fixed.json()["errors"]["sms_template"][0]
    empty = client.put(f"{API}/settings/", {"team": team.pk, "sms_template": "  "})
    assert empty.status_code == 400 and "empty" in empty.json()["errors"]["sms_template"][0]
    long = client.put(f"{API}/settings/", {"team": team.pk, "sms_template": "x" * 321})
    assert long.status_code == 400 and "321" in long.json()["errors"]["sms_template"][0]
    ok = client.put(
        f"{API}/settings/",
        {
            "team": team.pk,
            "sms_template": "{name}: " + "y" * 170,
            "escalation_contacts": [{"name": "Boss", "phone": "+13125550999"}],
        },
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["template_characters"] == 178 and body["template_segments"] == 2
    assert body["escalation_contacts"] == [{"name": "Boss", "phone": "+13125550999"}]
    bad_contact = client.put(
        f"{API}/settings/", {"team": team.pk, "escalation_contacts": [{"name": "B", "phone": "555"}]}
    )
    assert bad_contact.status_code == 400
    check = client.post(f"{API}/settings/template-check/", {"sms_template": "Hi {name} ✓"})
    assert check.json() == {"characters": 11, "segments": 1, "encoding": "UCS-2"}


@pytest.mark.django_db
def test_ics_feeds_are_secret_and_resettable(client, client_for, coordinator, scheduled, members):
    team_url = f"/oncall/feeds/team/{scheduled.feed_token}.ics"
    response = client.get(team_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    # The feed window is relative to today; the MONDAY schedule lies beyond it, so add a current one.
    today = timezone.localdate()
    schedule_generate(team=scheduled, weeks=1, start=today - timedelta(days=today.weekday()))
    body = client.get(team_url).content.decode()
    assert body.count("BEGIN:VEVENT") == 6 and "On call:" in body
    member = Assignment.objects.filter(occurrence_date__lt=MONDAY).first().member
    mine = client.get(f"/oncall/feeds/member/{member.feed_token}.ics").content.decode()
    assert mine.count("BEGIN:VEVENT") == Assignment.objects.filter(member=member, occurrence_date__lt=MONDAY).count()
    reset = client_for(coordinator).post(f"{API}/teams/{scheduled.pk}/reset-feed/")
    assert reset.status_code == 200 and scheduled.feed_token not in reset.json()["feed_url"]
    assert client.get(team_url).status_code == 404
    assert client.get("/oncall/feeds/team/guess.ics").status_code == 404


@pytest.mark.django_db
def test_shift_with_history_cannot_be_deleted(client_for, coordinator, scheduled):
    shift = Assignment.objects.first().shift
    response = client_for(coordinator).delete(f"{API}/shifts/{shift.pk}/")
    assert response.status_code == 400 and "deactivate" in str(response.json()["errors"])
    lonely = ShiftFactory(team=scheduled, weekday=2, start_time="08:00", duration_hours=1, active=False)
    assert client_for(coordinator).delete(f"{API}/shifts/{lonely.pk}/").status_code == 204


@pytest.mark.django_db
def test_shift_hours_and_reorder_are_documented_as_sent(client_for, coordinator, shifts):
    shift = client_for(coordinator).get(f"{API}/shifts/{shifts[0].pk}/").json()
    assert shift["duration_hours"] == 24
    assert component("Shift")["properties"]["duration_hours"] == {"type": "integer", "minimum": 1, "maximum": 168}
    reorder = openapi_schema()["paths"]["/api/v1/oncall/members/reorder/"]["post"]
    assert success_schema("post", "/api/v1/oncall/members/reorder/")["type"] == "array"
    # Neither paginated nor filtered: the only parameter is the Idempotency-Key every POST accepts.
    assert [p["name"] for p in reorder.get("parameters", [])] == ["Idempotency-Key"]


@pytest.mark.django_db
def test_ics_events_carry_sequence_and_last_modified_that_follow_the_person(client, team, shifts, members):
    today = timezone.localdate()
    schedule_generate(team=team, weeks=2, start=today - timedelta(days=today.weekday()))
    target = Assignment.objects.filter(ends_at__gt=timezone.now()).order_by("starts_at")[2]
    uid = f"UID:oncall-{target.shift_id}-{target.occurrence_date.isoformat()}@crewbase"

    def event():
        body = client.get(f"/oncall/feeds/team/{team.feed_token}.ics").content.decode().replace("\r\n ", "")
        block = next(b for b in body.split("BEGIN:VEVENT") if uid in b)
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        return fields["SEQUENCE"], fields["LAST-MODIFIED"], fields["SUMMARY"]

    sequence, modified, summary = event()
    assert sequence == "0" and modified.endswith("Z")
    cover = next(m for m in members if m.pk != target.member_id)
    override = services.override_create(assignment=target, member=cover, reason="swap")
    assert event()[0] == "1" and cover.name in event()[2]
    services.override_cancel(override=override)
    assert event()[0] == "2" and event()[1] >= modified
    # Regenerating with another team order changes the person: a new revision too.
    before = target.member_id
    services.members_reorder(team=team, member_ids=[m.pk for m in reversed(members)])
    services.schedule_regenerate(team=team, from_date=target.occurrence_date, weeks=1)
    target.refresh_from_db()
    assert target.sequence == 2 + (target.member_id != before)
    assert event()[0] == str(target.sequence)
    changed = Assignment.objects.filter(team=team, occurrence_date__gte=target.occurrence_date).exclude(sequence=0)
    assert changed.exists()  # the reversed order moved people


@pytest.mark.parametrize(
    ("method", "path", "declared"),
    [
        (
            "get",
            "/api/v1/oncall/settings/",
            {"team", "timezone", "sms_template", "template_segments", "escalation_contacts"},
        ),
        ("put", "/api/v1/oncall/settings/", {"team", "confirm_within_minutes", "template_characters"}),
        ("post", "/api/v1/oncall/settings/template-check/", {"characters", "segments", "encoding"}),
        ("post", "/api/v1/oncall/teams/{id}/reset-feed/", {"feed_url"}),
        ("post", "/api/v1/oncall/members/{id}/reset-feed/", {"feed_url"}),
    ],
)
def test_oncall_answers_are_typed_in_the_schema(method, path, declared):
    """No free-form object: every answer names its properties (the generated client gets classes)."""
    body = success_schema(method, path)
    assert body["type"] == "object" and declared <= set(body["properties"])
    assert body["required"]


@pytest.mark.django_db
def test_settings_answer_matches_its_schema(client_for, coordinator, team):
    answer = client_for(coordinator).get(f"{API}/settings/?team={team.pk}").json()
    declared = success_schema("get", "/api/v1/oncall/settings/")
    assert set(answer) == set(declared["properties"]) == set(declared["required"])
    assert component("ContactRead")["properties"].keys() == {"name", "phone"}
    preview = component("ScheduleResult")["properties"]["preview"]["items"]["$ref"].rsplit("/", 1)[1]
    assert set(component(preview)["properties"]) == {"date", "shift", "member_id", "member", "starts_at", "ends_at"}
    on_call = component("Assignment")["properties"]["on_call"]
    assert (
        on_call["allOf"][0]["$ref"].endswith("/MemberBrief")
        if "allOf" in on_call
        else on_call["$ref"].endswith("/MemberBrief")
    )
