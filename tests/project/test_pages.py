"""Base layout, navigation, home dashboard; offline assets."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin

from project.admin import SoftDeleteAdmin
from project.models import SoftDeleteModel

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = ("volunteers", "scheduling", "oncall", "expenses")

pytestmark = pytest.mark.django_db


def nav_links(html: str) -> list[str]:
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0].split('<span class="nav-user"', 1)[0]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


def test_navigation_for_admin_users(client, coordinator):
    client.force_login(coordinator)
    html = client.get("/").content.decode()
    labels = [label for _, label in nav_links(html)]
    assert labels == ["Volunteers", "Scheduling", "On-call", "Expenses", "Jobs", "Admin", "API docs"]
    assert "Log out" in html and "Cora" not in html  # fixture users have no first name; username shown
    assert "coord1" in html


def test_navigation_hides_admin_links_from_staff(client, staff_user):
    client.force_login(staff_user)
    labels = [label for _, label in nav_links(client.get("/").content.decode())]
    assert labels == ["Volunteers", "Scheduling", "On-call", "Expenses", "Jobs"]


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_each_app_is_installed_and_reachable(client, staff_user, app):
    assert apps.is_installed(app)
    client.force_login(staff_user)
    home = client.get("/").content.decode()
    assert f'href="/{app}/"' in home
    assert client.get(f"/{app}/").status_code == 200


def test_layout_is_mobile_ready_and_offline(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "/static/css/crewbase.css" in html
    css = (ROOT / "static/css/crewbase.css").read_text()
    assert "--color-primary" in css and "@media (min-width" in css
    assert (ROOT / "static/vendor/chartjs/chart.umd.min.js").stat().st_size > 100_000


def test_no_template_loads_assets_from_a_cdn():
    offenders = []
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "static").rglob("*.js")):
        if "vendor" in path.parts:
            continue
        text = path.read_text()
        if re.search(r'(src|href)="(https?:)?//', text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_user_names_are_escaped(client, staff_user):
    staff_user.first_name = "<script>alert(1)</script>"
    staff_user.save()
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Models that are themselves a log or a transient working copy; each reason is why a history
# table would add nothing.
HISTORY_EXEMPT = {
    "volunteers.VolunteerMerge": "is the audit record of a merge",
    "oncall.SmsMessage": "the outbox row is the delivery log (status, attempts, timestamps)",
    # Known gap: tag links are rewritten in bulk with each expense save, so a change of tags is
    # not yet visible in the expense's history.
    "expenses.ExpenseTag": "ordered link rows written in bulk",
    "expenses.ImportDraft": "a transient review copy; the applied rows carry the history",
    "volunteers.MagicLink": "a one-use sign-in link (hash only); it records who asked, when and its use",
    "oncall.PhoneVerification": "a one-use code (hash only); the member's history shows the verified number",
}


def test_every_domain_model_has_history():
    missing = []
    for app in DOMAIN_APPS:
        for model in apps.get_app_config(app).get_models():
            name = model.__name__
            if name.startswith("Historical") or model._meta.auto_created:
                continue
            if not hasattr(model, "history") and f"{app}.{name}" not in HISTORY_EXEMPT:
                missing.append(f"{app}.{name}")
    assert missing == []


def test_soft_delete_models_use_soft_delete_admin():
    for model in apps.get_models():
        if issubclass(model, SoftDeleteModel) and model in admin.site._registry:
            assert isinstance(admin.site._registry[model], SoftDeleteAdmin), model
            assert model.objects.model is model and model.all_objects.model is model
