"""The admin for daily work: the index grouped by task, rarely used models hidden, platform internals
for administrators only, soft delete with restore (never a hard "Delete selected") wherever a model
soft-deletes, and custom admin pages branded with one heading."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory

from tests.oncall.factories import MemberFactory, TeamFactory
from tests.volunteers.factories import DistrictFactory
from volunteers.partners.models import DistrictPartner

pytestmark = pytest.mark.django_db

GROUPS = ["People", "Events", "Scheduling", "On-call", "Expenses", "Imports & sync", "System"]
INTERNALS = {
    "django_celery_beat.PeriodicTask",
    "django_celery_beat.IntervalSchedule",
    "django_celery_beat.CrontabSchedule",
    "project.PeriodicTaskStatus",
}


def labels(model_admin_registry) -> set[str]:
    return {model._meta.label for model in model_admin_registry}


def index_of(user) -> list[tuple[str, list[str]]]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return [
        (group["name"], [f"{m['model']._meta.label}" for m in group["models"]])
        for group in admin.site.get_app_list(request)
    ]


def test_every_registered_model_has_one_place():
    grouped = [label for _, group in settings.ADMIN_INDEX_GROUPS for label in group]
    placed = grouped + list(settings.ADMIN_INDEX_HIDDEN)
    assert len(placed) == len(set(placed)), "a model is in two groups, or grouped and hidden"
    registered = labels(admin.site._registry)
    assert set(placed) == registered, (set(placed) - registered, registered - set(placed))
    assert set(settings.ADMIN_INDEX_ADMINISTRATORS_ONLY) <= set(grouped)


def test_the_administrator_sees_every_group_in_order(admin_user):
    index = index_of(admin_user)
    assert [name for name, _ in index] == GROUPS
    shown = {label for _, models in index for label in models}
    assert shown == set(labels(admin.site._registry)) - set(settings.ADMIN_INDEX_HIDDEN)
    assert "django_celery_beat.PeriodicTask" in dict(index)["System"]
    assert dict(index)["On-call"][:2] == ["oncall.Team", "oncall.Member"]


def test_a_coordinator_sees_the_daily_groups_without_platform_internals(coordinator):
    index = index_of(coordinator)
    names = [name for name, _ in index]
    assert names == ["People", "Events", "Scheduling", "On-call", "Imports & sync", "System"]
    assert "Other" not in names
    shown = {label for _, models in index for label in models}
    assert shown & INTERNALS == set()
    assert shown & set(settings.ADMIN_INDEX_HIDDEN) == set()
    assert {"volunteers.Volunteer", "volunteers.Event", "scheduling.Event", "oncall.Team"} <= shown


def test_the_index_page_renders_the_groups(client, coordinator):
    client.force_login(coordinator)
    html = client.get("/admin/").content.decode()
    captions = re.findall(r'<span class="section">([^<]+)</span>', html)
    assert captions[:3] == ["People", "Events", "Scheduling"]
    assert "Periodic tasks" not in html and "Intervals" not in html
    # Two apps' models of one name in a group say whose they are.
    client.force_login(coordinator)
    sync = [m["name"] for name, group in [(g["name"], g) for g in client.get("/admin/").context["app_list"]]
            if name == "Imports & sync" for m in group["models"]]  # fmt: skip
    assert len([n for n in sync if n.startswith("Sync runs")]) == len(set(n for n in sync if n.startswith("Sync runs")))


def test_soft_delete_models_offer_restore_and_no_hard_delete(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    soft = [model for model in admin.site._registry if any(f.name == "deleted_at" for f in model._meta.fields)]
    assert {m._meta.label for m in soft} >= {"expenses.Expense", "oncall.Member"}
    for model in soft:
        model_admin = admin.site._registry[model]
        actions = model_admin.get_actions(request)
        assert "delete_selected" not in actions, model._meta.label
        if model_admin.has_change_permission(request):  # expenses are read-only in the admin
            assert {"soft_delete_selected", "restore_selected"} <= set(actions), model._meta.label


def test_the_send_an_sms_page_is_branded_with_one_heading(client, coordinator):
    member = MemberFactory(team=TeamFactory(name="Ops"), name="Ada")
    client.force_login(coordinator)
    response = client.post("/admin/oncall/member/", {"action": "send_manual_sms", "_selected_action": [member.pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Send an SMS</h1>") == 1 and html.count("<h1") == 1
    assert "Crewbase administration" in html and "Django administration" not in html
    assert 'id="nav-sidebar"' in html or "breadcrumbs" in html
    assert "Ada (" in html


def test_the_new_partner_key_page_has_one_heading(client, admin_user):
    partner = DistrictPartner.objects.create(district=DistrictFactory(name="Northside"), slug="northside")
    client.force_login(admin_user)
    html = client.get(f"/admin/partners/districtpartner/{partner.pk}/new-key/").content.decode()
    assert html.count("<h1") == 1


DATED = {
    "expenses.ImportDraft": "created_at",
    "oncall.PhoneVerification": "sent_at",
    "partners.PublicSignup": "created_at",
    "scheduling.CompanyHoliday": "date",
    "scheduling.DateAvailability": "date",
    "scheduling.ScheduleProposal": "start_at",
    "scheduling.SyncRun": "started_at",
    "scheduling.TimeOff": "start_date",
    "scheduling.Event": "start_at",
    "volunteers.Event": "start",
    "volunteers.SyncRun": "started_at",
    "volunteers.QualityRun": "started_at",
    "volunteers.DataQualityFlag": "created_at",
    "volunteers.PathfulImport": "created_at",
    "volunteers.RosterImport": "created_at",
    "oncall.Assignment": "occurrence_date",
    "oncall.SmsMessage": "created_at",
    "expenses.Expense": "date",
    "project.Job": "created_at",
}


def test_dated_models_browse_by_date_and_every_changelist_opens(client, admin_user):
    by_label = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}
    assert {label: by_label[label].date_hierarchy for label in DATED} == DATED
    client.force_login(admin_user)
    for model in admin.site._registry:
        opts = model._meta
        response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
        assert response.status_code == 200, opts.label
