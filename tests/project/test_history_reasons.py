"""History change reasons: a real reason (admin edit, soft delete, restore, demo data) or blank,
never the word "None" on the admin's history page."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from oncall.models import Member, Team
from project.history import admin_change_reason, change_reason
from volunteers.models import District

pytestmark = pytest.mark.django_db


def history_cells(client, model, pk) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[pk])
    html = client.get(url).content.decode()
    return html.split('<table id="change-history"', 1)[1].split("</table>", 1)[0]


def inline_management(client, url) -> dict:
    """Management-form data of the admin page's inlines (no inline rows)."""
    data = {}
    for inline in client.get(url).context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def test_admin_add_and_change_record_what_happened(client, admin_user):
    client.force_login(admin_user)
    add_url = reverse("admin:volunteers_district_add")
    add = client.post(add_url, {"name": "Northside", "code": "", "_save": "1", **inline_management(client, add_url)})
    assert add.status_code == 302
    district = District.objects.get(name="Northside")
    change_url = reverse("admin:volunteers_district_change", args=[district.pk])
    changed = client.post(
        change_url, {"name": "Northside", "code": "NS", "_save": "1", **inline_management(client, change_url)}
    )
    assert changed.status_code == 302
    reasons = list(district.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["Added in the admin", "Changed in the admin: code"]
    assert "Changed in the admin: code" in history_cells(client, District, district.pk)


def test_rows_written_without_a_reason_show_blank_not_none(client, admin_user):
    district = District.objects.create(name="Plain")
    assert district.history.get().history_change_reason is None
    client.force_login(admin_user)
    cells = history_cells(client, District, district.pk)
    assert "Plain" in cells and "None" not in cells


def test_soft_delete_and_restore_in_the_admin_give_their_reason(client, admin_user):
    member = Member.objects.create(team=Team.objects.create(name="Ops"), name="Pat", phone="+15555550100")
    client.force_login(admin_user)
    url = reverse("admin:oncall_member_changelist")
    client.post(url, {"action": "soft_delete_selected", "_selected_action": [member.pk]})
    client.post(url + "?deleted=yes", {"action": "restore_selected", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert member.deleted_at is None
    reasons = list(member.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[0] is None and reasons[1:] == ["Deleted in the admin", "Restored in the admin"]


def test_code_given_reason_wins_and_blocks_nest():
    with change_reason("Outer"):
        a = District.objects.create(name="A")
        with change_reason("Inner"):
            b = District.objects.create(name="B")
        c = District(name="C")
        c._change_reason = "Own reason"
        c.save()
    d = District.objects.create(name="D")
    got = [x.history.get().history_change_reason for x in (a, b, c, d)]
    assert got == ["Outer", "Inner", "Own reason", None]


def test_long_change_lists_fit_the_column():
    reason = admin_change_reason(model=District, changed=["name", "code"] * 30, adding=False)
    assert len(reason) == 100 and reason.endswith("…")
    assert admin_change_reason(model=District, changed=["not_a_field"], adding=False) == (
        "Changed in the admin: not_a_field"
    )


def test_demo_records_history_says_demo_data(settings, client, admin_user):
    settings.DEBUG = True
    History = District.history.model
    before = History.objects.count()
    call_command("load_demo_data", stdout=StringIO())
    assert History.objects.count() > before
    reasons = set(History.objects.values_list("history_change_reason", flat=True))
    assert reasons == {"Demo data"}
    district = District.objects.order_by("pk").first()
    client.force_login(admin_user)
    cells = history_cells(client, District, district.pk)
    assert "Demo data" in cells and ">None<" not in cells.replace(" ", "").replace("\n", "")
