"""Navigation by permission: every role sees exactly the menu entries it can open; the user menu
offers a change-password page; jobs are named in words."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from project.context_processors import NAVIGATION, STAFF_NAVIGATION
from project.models import Job
from project.roles import ADMINISTRATOR, COORDINATOR, STAFF, VIEWER
from project.templatetags.crewbase_jobs import JOB_LABELS, job_label

from ..conftest import make_user

pytestmark = pytest.mark.django_db

ALL_ENTRIES = [label for label, _, _ in NAVIGATION] + [label for label, _ in STAFF_NAVIGATION]
EXPECTED = {
    ADMINISTRATOR: ALL_ENTRIES,
    COORDINATOR: ALL_ENTRIES,
    STAFF: ["Volunteers", "Scheduling", "On-call", "Expenses", "Jobs"],
    VIEWER: ["Volunteers", "On-call", "Expenses", "Jobs"],
}


def menu(html: str) -> dict[str, str]:
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0].split('<span class="nav-user"', 1)[0]
    return {label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


def user_menu(html: str) -> str:
    return html.split('<span class="nav-user"', 1)[1].split("</span>", 1)[0]


def entry_urls() -> dict[str, str]:
    return {label: reverse(name) for label, name, _ in NAVIGATION} | {
        label: reverse(name) for label, name in STAFF_NAVIGATION
    }


@pytest.mark.parametrize("role", [ADMINISTRATOR, COORDINATOR, STAFF, VIEWER])
def test_menu_shows_exactly_the_entries_the_role_can_open(role, client):
    user = make_user(f"nav-{role.lower()}", role, is_superuser=role == ADMINISTRATOR)
    client.force_login(user)
    shown = menu(client.get("/").content.decode())
    assert list(shown) == EXPECTED[role]
    urls = entry_urls()
    for label in ALL_ENTRIES:
        response = client.get(urls[label])
        if response.status_code in (301, 302):
            response = client.get(response["Location"])
        opens = response.status_code == 200
        assert opens is (label in shown), (role, label, response.status_code)
        if label in shown:
            assert shown[label] == urls[label]


def test_a_custom_group_gets_the_entries_of_its_permissions(client):
    """The menu asks for permissions, not roles: a Viewer given scheduling's view permission sees it."""
    user = make_user("nav-custom", VIEWER)
    client.force_login(user)
    assert "Scheduling" not in menu(client.get("/").content.decode())
    group = Group.objects.create(name="Schedule readers")
    group.permissions.add(*Group.objects.get(name=STAFF).permissions.filter(content_type__app_label="scheduling"))
    user.groups.add(group)
    assert "Scheduling" in menu(client.get("/").content.decode())
    assert client.get("/scheduling/").status_code == 200


def test_anonymous_pages_have_no_menu(client):
    assert 'class="nav"' not in client.get("/accounts/login/").content.decode()


# --------------------------------------------------------------------------- change password
@pytest.mark.parametrize("role", [ADMINISTRATOR, COORDINATOR, STAFF, VIEWER])
def test_every_user_can_change_their_password(role, client):
    user = make_user(f"pw-{role.lower()}", role, is_superuser=role == ADMINISTRATOR)
    client.force_login(user)
    assert 'href="/accounts/password/"' in user_menu(client.get("/").content.decode())
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "Change password" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": f"pw-pw-{role.lower()}",
            "new_password1": "a-Longer-new-secret-42",
            "new_password2": "a-Longer-new-secret-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password("a-Longer-new-secret-42")
    assert client.get("/").status_code == 200  # still signed in (session hash updated)
    assert "Password changed" in client.get("/accounts/password/done/").content.decode()


def test_wrong_old_password_shows_the_form_with_the_message(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "a-Longer-new-secret-42", "new_password2": "a-Longer-new-secret-42"},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password("pw-staff1")


def test_password_pages_need_sign_in(client):
    for url in ("/accounts/password/", "/accounts/password/done/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_admin_keeps_its_own_password_page(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/password_change/", follow=True)
    assert "project/password_change.html" not in [t.name for t in response.templates]


# --------------------------------------------------------------------------- jobs in words
def test_jobs_page_names_jobs_in_words(client, staff_user):
    Job.objects.create(kind="volunteers.salesforce_sync", created_by=staff_user)
    Job.objects.create(kind="scheduling.auto_schedule", created_by=staff_user)
    Job.objects.create(kind="volunteers.something_new", created_by=staff_user)
    client.force_login(staff_user)
    body = client.get("/jobs/").content.decode()
    assert "Salesforce sync" in body and "Auto-scheduler run" in body and "Something new" in body
    assert "volunteers.salesforce_sync" not in body and "scheduling.auto_schedule" not in body
    job = Job.objects.get(kind="volunteers.salesforce_sync")
    detail = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<h1>Salesforce sync</h1>" in detail


def test_every_job_kind_started_in_the_code_has_a_label():
    root = Path(__file__).resolve().parents[2]
    kinds = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "job_start(" in text or "Job.objects" in text:
            kinds |= set(re.findall(r'kind="([a-z_]+(?:\.[a-z_]+)?)"', text))
    kinds.discard("teacher")  # a contact kind, not a job
    assert kinds and kinds <= set(JOB_LABELS), sorted(kinds - set(JOB_LABELS))
    assert job_label("platform.purge_jobs") == "Old jobs clean-up"
    assert job_label("x.y_z") == "Y z"
