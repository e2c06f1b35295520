"""Security gates over every rendered page of every app (found by the URL crawler):
CSRF tokens in every POST form, user-entered text escaped everywhere it is shown, API tokens
never stored in clear. (`check --deploy` and production cookie flags: tests/project/test_settings.py;
bandit runs in .ci/run.)"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from project.authentication import api_token_create
from project.models import ApiToken
from tests.quality.conftest import ROLES
from tests.quality.crawl import discover

PAYLOAD = "<script>x</script>"
# Text that has a format of its own (validated elsewhere) and is never free user prose.
NON_PROSE = ("phone", "email", "token", "key", "timezone", "url", "slug", "password", "sid", "code", "kind",
             "status", "purpose", "username")


class FormCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"),
                             "inputs": set()}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attrs.get("name"):
            self._current["inputs"].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def html_pages(role_users, role):
    """(url, html) of every page and admin page the role can open (status 200, text/html)."""
    endpoints, _ = discover(owner=role_users["Staff"])
    client = Client()
    user = role_users[role]
    if user is not None:
        client.force_login(user)
    for endpoint in endpoints:
        if endpoint.kind == "api" or not endpoint.get_allowed:
            continue
        response = client.get(endpoint.url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            yield endpoint.url, response.content.decode()
    # Pages with query parameters that switch what they show.
    for url in ("/oncall/schedule/?mode=regenerate", "/admin/login/"):
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            yield url, response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_every_post_form_carries_a_csrf_token(site_objects, role):
    missing, forms_seen = [], 0
    for url, html in html_pages(site_objects, role):
        collector = FormCollector()
        collector.feed(html)
        for form in collector.forms:
            if form["method"] == "post":
                forms_seen += 1
                if "csrfmiddlewaretoken" not in form["inputs"]:
                    missing.append(f"{url} (form action={form['action']!r})")
    assert missing == [], "POST forms without {% csrf_token %}: " + ", ".join(missing)
    if role != "anonymous":
        assert forms_seen > 0  # at least the logout form in the top bar


def project_text_fields():
    """(model, [text fields]) for every model of Crewbase's own apps (new apps included) plus the
    user's names: free text a user types, without a format of its own."""
    base = str(settings.BASE_DIR)
    result = []
    for model in apps.get_models():
        config = apps.get_app_config(model._meta.app_label)
        own = config.path.startswith(base) and "/.venv/" not in config.path
        if not (own or model._meta.label == "auth.User") or model._meta.proxy:
            continue
        if model.__name__.startswith("Historical"):
            continue
        fields = [
            f for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
            and not any(word in f.name for word in NON_PROSE)
            and (f.max_length is None or f.max_length >= len(PAYLOAD) + 6)
            and not [v for v in f.validators if v.__class__.__name__ not in ("MaxLengthValidator", "ProhibitNullCharactersValidator")]
        ]
        if model._meta.label == "auth.User":
            fields = [f for f in fields if f.name in ("first_name", "last_name")]
        if fields:
            result.append((model, fields))
    return result


def inject_payload() -> list[str]:
    injected = []
    for model, fields in project_text_fields():
        manager = getattr(model, "all_objects", model._default_manager)
        for obj in manager.all()[:50]:
            values = {f.name: f"{PAYLOAD}{obj.pk}"[: f.max_length or None] for f in fields}
            manager.filter(pk=obj.pk).update(**values)
        if manager.exists():
            injected += [f"{model._meta.label}.{f.name}" for f in fields]
    return injected


@pytest.mark.parametrize("role", ["Viewer", "Staff", "Coordinator", "Administrator"])
def test_user_text_is_escaped_on_every_page(site_objects, role):
    injected = inject_payload()
    # Names, notes, reasons and SMS templates must be among what the test covers.
    for needed in ("auth.User.first_name", "oncall.Member.name", "oncall.Override.reason", "oncall.Team.sms_template"):
        assert needed in injected, needed
    leaks, pages, shown_escaped = [], 0, 0
    for url, html in html_pages(site_objects, role):
        pages += 1
        shown_escaped += "&lt;script&gt;x&lt;/script&gt;" in html
        if PAYLOAD in html:
            leaks.append(url)
    assert pages > 3 and shown_escaped > 3  # the payload is really on the pages, escaped
    assert leaks == [], f"unescaped user text on: {', '.join(leaks)}"


@pytest.mark.django_db
def test_api_tokens_are_never_stored_in_clear(staff_user):
    token, raw = api_token_create(user=staff_user, name="t")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(raw not in str(value) for value in row.values())
