"""Scheduling settings: one write path (`services.settings_update`) for the page, the admin and the
API — blank passwords keep the current ones, one field list; defaults in one place (`rules`);
durations per type and sub-type with editable boxes instead of raw JSON."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from scheduling import autoscheduler, rules, services
from scheduling.api import SettingsSerializer
from scheduling.forms import SettingsForm
from scheduling.models import EventType, JobTitle, SchedulingSettings
from scheduling.selectors import event_info, rule_context_build, scheduling_settings_get
from tests.scheduling.factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    """A complete settings form post, from the current row."""
    row = scheduling_settings_get()
    data = {name: getattr(row, name) for name in SchedulingSettings.EDITABLE_FIELDS if name != "durations"}
    for name in ("core_slots", "digital_setup_slots", "digital_teardown_slots"):
        data[name] = ", ".join(data[name])
    for name in ("supervisor_time", "freeosk_time", "other_time", "juicer_production_time", "juicer_survey_time"):
        data[name] = data[name].strftime("%H:%M")
    for flag in ("short_notice_uses_free_slots", "nightly_auto_schedule"):
        if not data[flag]:
            del data[flag]
    data.update({f"duration_{key}": minutes for key, minutes in (row.durations or {}).items()})
    data.update(crossmark_password="", edr_password="")
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- the one write path
def test_settings_update_keeps_a_blank_password_and_refuses_unknown_fields():
    services.settings_update(crossmark_username="store", crossmark_password="pw-1", edr_password="edr-1")
    row = services.settings_update(crossmark_password="", edr_password=None, sync_days_back=7)
    assert (row.crossmark_password, row.edr_password, row.sync_days_back) == ("pw-1", "edr-1", 7)
    assert services.settings_update(crossmark_password="pw-2").crossmark_password == "pw-2"
    with pytest.raises(ValidationError) as caught:
        services.settings_update(created_at=None, colour="red")
    assert set(caught.value.message_dict) == {"colour", "created_at"}
    with pytest.raises(ValidationError) as caught:
        services.settings_update(durations={"core": 0})
    assert "durations" in caught.value.message_dict


def test_the_form_the_admin_and_the_api_share_one_field_list():
    editable = set(SchedulingSettings.EDITABLE_FIELDS)
    form_fields = {name for name in SettingsForm.base_fields if not name.startswith("duration_")}
    assert form_fields == editable - {"durations"}
    assert {f"duration_{key}" for key in rules.DURATION_KEYS} <= set(SettingsForm.base_fields)
    api_fields = set(SettingsSerializer.Meta.fields) - {"crossmark_password_set", "edr_password_set", "updated_at"}
    assert api_fields == editable


def test_page_keeps_a_blank_password_and_saves_typed_slots_and_minutes(coordinator):
    services.settings_update(crossmark_password="pw-1")
    page = Client()
    page.force_login(coordinator)
    html = page.get("/scheduling/settings/").content.decode()
    assert 'value="09:45, 10:30, 11:00, 11:30"' in html and "Duration: Juicer survey" in html
    response = page.post(
        "/scheduling/settings/", form_data(core_slots="9:45, 10:15 11:00", duration_juicer_survey="45")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = scheduling_settings_get()
    assert row.crossmark_password == "pw-1"
    assert row.core_slots == ["09:45", "10:15", "11:00"]
    assert row.durations["juicer_survey"] == 45 and row.durations["core"] == 390
    bad = page.post("/scheduling/settings/", form_data(core_slots="9:45, 25:00", duration_core=""))
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert "not a time" in errors["core_slots"][0] and "duration_core" in errors
    assert scheduling_settings_get().core_slots == ["09:45", "10:15", "11:00"]


def test_admin_keeps_a_blank_password(admin_user):
    services.settings_update(crossmark_password="pw-1", edr_password="edr-1")
    admin = Client()
    admin.force_login(admin_user)
    url = "/admin/scheduling/schedulingsettings/1/change/"
    assert "Duration: Juicer survey" in admin.get(url).content.decode()
    response = admin.post(url, form_data(other_time="11:30", duration_digital_teardown="20"))
    assert response.status_code == 302, response.content.decode()[:3000]
    row = scheduling_settings_get()
    assert (row.crossmark_password, row.edr_password) == ("pw-1", "edr-1")
    assert row.other_time == time(11, 30) and row.durations["digital_teardown"] == 20


def test_api_keeps_a_blank_password_and_validates_durations(client_for, coordinator):
    services.settings_update(crossmark_password="pw-1")
    api = client_for(coordinator)
    ok = api.patch(
        "/api/v1/scheduling/settings/",
        {"crossmark_password": "", "durations": {**rules.DEFAULT_DURATIONS, "juicer_survey": 50}},
        format="json",
    )
    assert ok.status_code == 200 and ok.data["crossmark_password_set"] is True
    assert scheduling_settings_get().crossmark_password == "pw-1"
    assert scheduling_settings_get().durations["juicer_survey"] == 50
    bad = api.patch("/api/v1/scheduling/settings/", {"durations": {"lunch": 30}}, format="json")
    assert bad.status_code == 400 and "durations" in bad.json()["errors"]


# --------------------------------------------------------------------------- defaults in one place
def test_the_settings_defaults_come_from_the_rule_module():
    row = SchedulingSettings()
    assert row.core_slots == [t.strftime("%H:%M") for t in rules.DEFAULT_CORE_SLOTS]
    assert row.durations == rules.DEFAULT_DURATIONS and row.durations is not rules.DEFAULT_DURATIONS
    assert (row.supervisor_time, row.freeosk_time, row.other_time) == (
        rules.DEFAULT_SUPERVISOR_TIME,
        rules.DEFAULT_FREEOSK_TIME,
        rules.DEFAULT_OTHER_TIME,
    )
    plan = autoscheduler.PlanSettings()
    assert plan.digital_setup_slots == rules.DEFAULT_DIGITAL_SETUP_SLOTS
    assert plan.juicer_survey_time == row.juicer_survey_time == rules.DEFAULT_JUICER_SURVEY_TIME
    assert rules.RuleContext().core_slots == rules.DEFAULT_CORE_SLOTS


# --------------------------------------------------------------------------- durations by sub-type
def test_the_duration_rule_prefers_estimate_then_sub_type_then_type():
    d = rules.duration_minutes
    assert d({}, event_type="juicer", sub_type="juicer_survey") == 60
    assert d({}, event_type="juicer", sub_type="juicer_production") == 540
    # A settings row that names only types (every row saved before sub-types) still gives a survey its hour.
    assert d({"juicer": 480}, event_type="juicer", sub_type="juicer_survey") == 60
    assert d({"juicer": 480}, event_type="juicer", sub_type="juicer_production") == 480
    assert d({"juicer_survey": 45}, event_type="juicer", sub_type="juicer_survey") == 45
    assert d({"juicer_survey": 45}, event_type="juicer", sub_type="juicer_survey", estimated=30) == 30
    assert d({}, event_type="unknown") == rules.FALLBACK_MINUTES


def test_a_1700_survey_no_longer_blocks_the_next_mornings_production():
    juicer = EmployeeFactory(job_title=JobTitle.JUICER_BARISTA)
    day = timezone.localdate() + timedelta(days=10)
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"durations": {"juicer": 540, "core": 390}})
    survey = EventFactory(event_type=EventType.JUICER, sub_type="juicer_survey", day=day)
    ScheduleFactory(event=survey, employee=juicer, start_at=local(day, 17, 0))
    production = EventFactory(event_type=EventType.JUICER, sub_type="juicer_production", day=day)
    ctx = rule_context_build(start=day, end=day + timedelta(days=1))
    (booking,) = ctx.bookings_of(juicer.pk)
    assert booking.end_at.time() == time(18, 0)
    violations = rules.validate_assignment(
        event=event_info(production),
        employee=rules.EmployeeInfo(id=juicer.pk, name=juicer.name, job_title=juicer.job_title),
        start_at=local(day + timedelta(days=1), 9, 0).astimezone(booking.start_at.tzinfo),
        ctx=ctx,
    )
    assert [v.code for v in violations if v.code == "overlap"] == []
    # A survey as long as a production (what every survey was before) does block that morning.
    SchedulingSettings.objects.filter(pk=1).update(durations={"juicer_survey": 17 * 60})
    longer = rule_context_build(start=day, end=day + timedelta(days=1))
    blocked = rules.validate_assignment(
        event=event_info(production),
        employee=rules.EmployeeInfo(id=juicer.pk, name=juicer.name, job_title=juicer.job_title),
        start_at=local(day + timedelta(days=1), 9, 0).astimezone(booking.start_at.tzinfo),
        ctx=longer,
    )
    assert "overlap" in [v.code for v in blocked]
