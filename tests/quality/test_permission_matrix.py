"""Permission matrix: every URL of the site (pages, every admin page of every registered model,
every API route), GET as every role, compared with the rules in docs/permissions.md
("## Every URL, role by role"). A URL no rule covers fails the test: the doc stays complete.

Cells: a status code (`200`, `403`, `404`, `401`, `405`), `→ login` (redirect to the login
page), `→ home`, or `perm` (200 when the role holds the Django model permission the URL needs —
view for lists, details, admin changelists and change pages, add for admin add pages, delete for
admin delete pages, change for password pages — else 403; on the admin's per-app index, any
permission in the app, else 404).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from django.test import Client

from tests.quality.conftest import ROLES
from tests.quality.crawl import discover

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
SECTION = "## Every URL, role by role"


def url_rules() -> list[tuple[str, dict[str, str]]]:
    text = DOC.read_text()
    assert SECTION in text, f"docs/permissions.md lost its section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header[1:] == ROLES, header
    rules = []
    for line in rows[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        patterns = cells[0].split("(", 1)[0]  # "(*)"-style notes after the patterns are ignored
        for pattern in patterns.replace("`", "").split(","):
            rules.append((pattern.strip(), dict(zip(ROLES, cells[1:], strict=True))))
    return rules


def rule_for(route: str, rules):
    for pattern, by_role in rules:
        if fnmatch.fnmatchcase(route, pattern):
            return pattern, by_role
    return None, None


def needed_action(endpoint) -> str:
    if endpoint.kind == "admin":
        for suffix, action in (("/add/", "add"), ("/delete/", "delete"), ("/password/", "change")):
            if endpoint.route.endswith(suffix):
                return action
    return "view"


def expected_outcome(cell: str, endpoint, user) -> str:
    if cell == "perm" and endpoint.admin_app:  # the admin's app index: 404 without any permission in the app
        return "200" if user is not None and user.has_module_perms(endpoint.admin_app) else "404"
    if cell == "perm":
        if endpoint.model is None:
            raise AssertionError(f"`perm` needs a model; {endpoint.route} has none")
        meta = endpoint.model._meta
        allowed = user is not None and user.has_perm(f"{meta.app_label}.{needed_action(endpoint)}_{meta.model_name}")
        return "200" if allowed else "403"
    return cell


def outcome(client, response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/admin/login/"):  # the admin hands over to the site's login
            return outcome(client, client.get(location))
        if location.startswith("/accounts/login/"):
            return "→ login"
        return "→ home" if location == "/" else f"→ {location.split('?')[0]}"
    return str(response.status_code)


def crawl(role_users, role):
    """[(endpoint, got, expected, rule)] for one role."""
    rules = url_rules()
    endpoints, _ = discover(owner=role_users["Staff"])
    user = role_users[role]
    client = Client()
    if user is not None:
        client.force_login(user)
    rows = []
    for endpoint in endpoints:
        if not endpoint.get_allowed:
            continue
        pattern, by_role = rule_for(endpoint.route, rules)
        got = outcome(client, client.get(endpoint.url))
        expected = expected_outcome(by_role[role], endpoint, user) if by_role else None
        rows.append((endpoint, got, expected, pattern))
    return rows


def test_every_url_pattern_can_be_built(site_objects):
    _, unresolved = discover(owner=site_objects["Staff"])
    assert unresolved == [], "URL patterns the crawler cannot build (add objects or a kwarg rule): " + "; ".join(
        f"{u.name} {u.route}: {u.reason}" for u in unresolved)


def test_every_url_has_a_documented_rule(site_objects):
    endpoints, _ = discover(owner=site_objects["Staff"])
    rules = url_rules()
    missing = sorted({e.route for e in endpoints if e.get_allowed and rule_for(e.route, rules)[0] is None})
    assert missing == [], "add rows to docs/permissions.md for: " + ", ".join(missing)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(site_objects, role):
    mismatches = [f"{e.route} ({pattern}): got {got}, doc says {expected}"
                  for e, got, expected, pattern in crawl(site_objects, role)
                  if expected is not None and got != expected]
    assert mismatches == [], f"{role}:\n" + "\n".join(mismatches)


WRITE_PERMS = {"post": "add", "put": "change", "patch": "change", "delete": "delete"}


def _uses_model_permissions(endpoint) -> bool:
    from project.api import RoleModelPermissions

    cls = getattr(endpoint, "view_class", None)
    return cls is not None and any(issubclass(p, RoleModelPermissions) for p in cls.permission_classes)


@pytest.mark.parametrize("role", ROLES)
def test_api_writes_follow_model_permissions(site_objects, role):
    """Every write route of every API guarded by RoleModelPermissions: 401 anonymous, 403 without
    the add/change/delete permission, otherwise never 403 and never 5xx (an empty body is a 400)."""
    endpoints, _ = discover(owner=site_objects["Staff"])
    user = site_objects[role]
    client = Client()
    if user is not None:
        client.force_login(user)
    mismatches = []
    probes = [(e, m) for e in endpoints if e.kind == "api" and _uses_model_permissions(e) for m in e.write_methods]
    assert probes, "no API write routes found"
    for endpoint, method in sorted(probes, key=lambda p: p[1] == "delete"):  # deletes last
        meta = endpoint.model._meta
        allowed = user is not None and user.has_perm(f"{meta.app_label}.{WRITE_PERMS[method]}_{meta.model_name}")
        response = getattr(client, method)(endpoint.url, {}, content_type="application/json")
        status = response.status_code
        if user is None:
            ok = status == 401
        elif allowed:
            ok = status != 403 and status < 500
        else:
            ok = status == 403
        if not ok:
            mismatches.append(f"{method.upper()} {endpoint.route}: {status} (permission {'held' if allowed else 'missing'})")
    assert mismatches == [], f"{role}:\n" + "\n".join(mismatches)


def test_every_documented_rule_still_matches_a_url(site_objects):
    """The doc stays in sync both ways: a row whose URLs are gone (renamed, removed) fails."""
    endpoints, _ = discover(owner=site_objects["Staff"])
    routes = [e.route for e in endpoints if e.get_allowed]
    stale = [pattern for pattern, _ in url_rules() if not any(fnmatch.fnmatchcase(r, pattern) for r in routes)]
    assert stale == [], "rows of docs/permissions.md that match no URL any more: " + ", ".join(stale)
