"""Pages: who sees what, forms that go through the services, query counts, admin."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from integrations.twilio.fake import FAKE_GATEWAY
from oncall.models import Assignment, Member, Override, ShiftPattern, SmsMessage
from oncall.selectors import horizon_warning
from oncall.services import schedule_generate
from tests.conftest import make_user

PAGES = ["index", "calendar", "members", "shifts", "schedule", "overrides", "notifications", "settings"]


@pytest.fixture
def current(team, shifts, members):
    today = timezone.localdate()
    schedule_generate(team=team, weeks=3, start=today - timedelta(days=today.weekday() + 7))
    return team


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_coordinator_sees_every_page(client, coordinator, current, page, django_assert_max_num_queries):
    client.force_login(coordinator)
    with django_assert_max_num_queries(25):
        response = client.get(f"/oncall/{'' if page == 'index' else page + '/'}?team={current.pk}")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_viewer_reads_what_the_api_shows_but_not_the_sms_log(client, viewer, current, page):
    """Pages ask the same model permissions as the API: Viewers read on-call, not the SMS log."""
    client.force_login(viewer)
    response = client.get(f"/oncall/{'' if page == 'index' else page + '/'}")
    assert response.status_code == (403 if page == "notifications" else 200)
    if response.status_code == 200:
        assert response.context["can_edit"] is False


@pytest.mark.django_db
def test_a_custom_group_gets_the_same_answer_on_page_and_api(client, current):
    """A group with only oncall.view_member sees the members page and API, nothing more."""
    group = Group.objects.create(name="Rota readers")
    group.permissions.add(Permission.objects.get(codename="view_member", content_type__app_label="oncall"))
    user = make_user("rota-reader")
    user.groups.add(group)
    client.force_login(user)
    assert client.get("/oncall/members/").status_code == 200
    assert client.get("/api/v1/oncall/members/").status_code == 200
    assert client.get("/oncall/shifts/").status_code == 403
    assert client.get("/api/v1/oncall/shifts/").status_code == 403
    refused = client.post("/oncall/members/", {"action": "reorder", "order": "", "team": current.pk})
    assert refused.status_code == 403


@pytest.mark.django_db
def test_dashboard_shows_who_is_on_call(client, viewer, current):
    client.force_login(viewer)
    response = client.get("/oncall/")
    now = response.context["state"]
    assert now.primary is not None and now.primary.name in response.content.decode()


@pytest.mark.django_db
def test_dashboard_lists_the_next_two_weeks(client, viewer, current, members):
    """Each upcoming shift with its times, the member on call in their colour (escaped), who they
    cover for under an override, and whether it was confirmed when the team asks for it."""
    from project.templatetags.crewbase_format import as_datetime_short

    members[1].name = "Ana <& Co>"
    members[1].save()
    upcoming = Assignment.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at")
    covered = upcoming[0]
    Override.objects.create(assignment=covered, member=members[1], original_member=covered.member, reason="x")
    client.force_login(viewer)
    body = client.get("/oncall/").content.decode()
    table = body.split("<h2>Next two weeks</h2>")[1]
    start = as_datetime_short(timezone.localtime(covered.starts_at))
    end = as_datetime_short(timezone.localtime(covered.ends_at))
    assert f"<tr><td>{start}</td><td>{end}</td><td>{covered.shift.label}</td><td>" in table
    assert f'">Ana &lt;&amp; Co&gt;</span> <span class="muted">covering for {covered.member.name}</span></td>' in table
    assert "<th>Confirmed</th>" in table and '<td><span class="muted">—</span></td></tr>' in table
    current.confirm_within_minutes = 0  # confirmations off
    current.save()
    table = client.get("/oncall/").content.decode().split("<h2>Next two weeks</h2>")[1]
    assert "<th>Confirmed</th>" not in table and f"covering for {covered.member.name}</span></td></tr>" in table
    Override.objects.all().delete()
    Assignment.objects.all().delete()
    table = client.get("/oncall/").content.decode().split("<h2>Next two weeks</h2>")[1]
    assert "Nothing scheduled." in table


@pytest.mark.django_db
def test_calendar_marks_overrides(client, coordinator, current, members):
    a = Assignment.objects.filter(ends_at__gt=timezone.now()).first()
    cover = next(m for m in members if m.pk != a.member_id)
    Override.objects.create(assignment=a, member=cover, original_member=a.member, reason="dentist")
    client.force_login(coordinator)
    body = client.get(f"/oncall/calendar/?month={a.occurrence_date:%Y-%m}").content.decode()
    assert "override: dentist" in body and "⇄" in body


@pytest.mark.django_db
def test_staff_cannot_post(client, staff_user, current):
    client.force_login(staff_user)
    assert client.get("/oncall/members/").status_code == 200
    assert (
        client.post("/oncall/members/", {"team": current.pk, "name": "X", "phone": "+16305550111"}).status_code == 403
    )


@pytest.mark.django_db
def test_add_member_offers_regeneration(client, coordinator, current):
    client.force_login(coordinator)
    response = client.post(
        "/oncall/members/", {"team": current.pk, "name": "New", "phone": "+16305550111", "active": "on"}
    )
    assert response.status_code == 302 and "mode=regenerate" in response["Location"]
    bad = client.post("/oncall/members/", {"team": current.pk, "name": "New", "phone": "0111"})
    assert bad.status_code == 200 and "E.164" in bad.content.decode()


@pytest.mark.django_db
def test_reorder_page(client, coordinator, current, members):
    client.force_login(coordinator)
    order = ",".join(str(m.pk) for m in reversed(members))
    client.post("/oncall/members/", {"team": current.pk, "action": "reorder", "order": order})
    assert list(Member.objects.order_by("rotation_order").values_list("pk", flat=True)) == [
        m.pk for m in reversed(members)
    ]


@pytest.mark.django_db
def test_schedule_preview_then_save(client, coordinator, current):
    client.force_login(coordinator)
    count = Assignment.objects.count()
    preview = client.post("/oncall/schedule/", {"team": current.pk, "mode": "extend", "weeks": 2, "preview": "1"})
    assert preview.status_code == 200 and preview.context["result"].created == 12
    assert Assignment.objects.count() == count
    saved = client.post("/oncall/schedule/", {"team": current.pk, "mode": "extend", "weeks": 2})
    assert saved.status_code == 302 and Assignment.objects.count() == count + 12
    regen = client.post("/oncall/schedule/", {"team": current.pk, "mode": "regenerate", "weeks": 1})
    assert "start_date" in regen.context["form"].errors


@pytest.mark.django_db
def test_override_page(client, coordinator, current, members):
    client.force_login(coordinator)
    a = Assignment.objects.filter(starts_at__gt=timezone.now()).first()
    cover = next(m for m in members if m.pk != a.member_id)
    response = client.post(
        "/oncall/overrides/", {"team": current.pk, "assignment": a.pk, "member": cover.pk, "reason": "wedding"}
    )
    assert response.status_code == 302 and Override.objects.get().member == cover


@pytest.mark.django_db
def test_shift_page_rejects_overlap(client, coordinator, current):
    client.force_login(coordinator)
    response = client.post(
        "/oncall/shifts/",
        {"team": current.pk, "weekday": 2, "start_time": "08:00", "duration_hours": 24, "active": "on"},
    )
    assert response.status_code == 200 and "overlaps" in response.content.decode()
    assert ShiftPattern.objects.count() == 6


@pytest.mark.django_db
def test_settings_page_validates_template(client, coordinator, current):
    client.force_login(coordinator)
    data = {
        "team": current.pk,
        "name": current.name,
        "timezone": "America/Chicago",
        "notification_time": "08:00",
        "sms_template": "Hi {nickname}",
        "auto_renew_threshold_weeks": 4,
        "auto_renew_weeks": 12,
        "contacts": "Boss, +13125550999",
    }
    response = client.post("/oncall/settings/", data)
    assert "{nickname}" in response.content.decode()
    data["sms_template"] = "Hi {name}"
    assert client.post("/oncall/settings/", data).status_code == 302
    assert current.escalation_contacts.get().name == "Boss"


@pytest.mark.django_db
def test_admin_changelists_and_manual_sms(
    client, admin_user, current, members, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    for model in ["team", "member", "shiftpattern", "assignment", "override", "smsmessage"]:
        with django_assert_max_num_queries(20):
            assert client.get(f"/admin/oncall/{model}/").status_code == 200, model
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/oncall/member/",
            {"action": "send_manual_sms", "_selected_action": [members[0].pk], "body": "Hi {name}, call me"},
        )
    assert response.status_code == 302
    assert SmsMessage.objects.get().body == "Hi Person 0, call me"
    assert [m.to for m in FAKE_GATEWAY.sent] == [members[0].phone]


def test_pages_module_imports():
    assert date.today()


@pytest.mark.django_db
def test_horizon_warning_when_the_schedule_runs_short(client, coordinator, current):
    """`current` ends a week from Sunday, under the 4-week renewal threshold: both pages warn."""
    client.force_login(coordinator)
    for path in ("/oncall/", "/oncall/schedule/"):
        body = client.get(f"{path}?team={current.pk}").content.decode()
        assert 'id="horizon-warning"' in body and "runs out on" in body
    schedule_generate(team=current, weeks=6)
    assert 'id="horizon-warning"' not in client.get(f"/oncall/?team={current.pk}").content.decode()


@pytest.mark.django_db
def test_horizon_warning_texts(team):
    today = date.today()
    assert "Nothing is scheduled" in horizon_warning(team=team, today=today, last=None)
    assert "ended on" in horizon_warning(team=team, today=today, last=today - timedelta(days=1))
    assert "in 1 day " in horizon_warning(team=team, today=today, last=today + timedelta(days=1))
    assert horizon_warning(team=team, today=today, last=today + timedelta(weeks=4)) is None


@pytest.mark.django_db
def test_settings_preview_renders_the_next_real_page_and_copy_buttons(client, coordinator, current):
    client.force_login(coordinator)
    response = client.get(f"/oncall/settings/?team={current.pk}")
    body = response.content.decode()
    upcoming = response.context["preview_assignment"]
    assert upcoming.starts_at >= timezone.now()
    assert response.context["preview"].startswith(f"Hi {upcoming.member.name}, you are on call for Ops")
    assert 'id="sms-preview"' in body and "SMS segment" in body
    assert body.count('data-copy="') == 1 + Member.objects.filter(team=current).count()


@pytest.mark.django_db
def test_notifications_show_delivery_stats_over_30_days(client, coordinator, current, members):
    now = timezone.now()
    base = {"team": current, "recipient_name": "x", "recipient_phone": "+13125550100", "body": "b"}
    for i, (status, age) in enumerate(
        [("sent", 1), ("delivered", 2), ("delivered", 3), ("failed", 4), ("undelivered", 5), ("delivered", 40)]
    ):
        SmsMessage.objects.create(
            **base, purpose="page", idempotency_key=f"k{i}", status=status, created_at=now - timedelta(days=age)
        )
    client.force_login(coordinator)
    response = client.get(f"/oncall/notifications/?team={current.pk}")
    assert response.context["delivery"] == {"sent": 1, "delivered": 2, "failed": 2, "rate": 60.0, "days": 30}
    assert "60.0 %" in response.content.decode()
