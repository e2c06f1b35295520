"""Content-Security-Policy in the browser: every page without a path parameter, every admin list
and the script-heavy pages (admin forms, Swagger UI, filters that submit on change) load with no
CSP violation. tests/e2e/conftest.py reports each violation as a console error, which fails the test."""

import pytest
from django.contrib import admin
from django_celery_beat.models import CrontabSchedule

from project.roles import ADMINISTRATOR
from tests.e2e.conftest import log_in
from tests.oncall.factories import MemberFactory, TeamFactory
from tests.quality import crawl

pytestmark = pytest.mark.e2e

# Pages that answer something other than a page to a plain GET (a download, a redirect to a form
# that needs a choice first, the API schema) or need query parameters.
NOT_PAGES = {"/accounts/logout/", "/admin/logout/", "/api/schema/", "/health/", "/health/live/"}


def plain_pages() -> list[str]:
    return [
        route.key
        for route in crawl.routes()
        if route.kind in ("page", "admin") and "<" not in route.key and route.key not in NOT_PAGES
    ]


def strict_policy(response) -> str:
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    return policy


def test_every_plain_page_and_admin_list_loads_without_a_csp_violation(page, user_with_role):
    log_in(page, user_with_role(ADMINISTRATOR))
    paths = [*plain_pages(), *(f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry)]
    assert len(paths) > 60
    visited = []
    for path in paths:
        # Probed first outside the page: downloads, redirects and POST-only endpoints are not pages.
        probe = page.request.get(path, max_redirects=0)
        if probe.status != 200 or not probe.headers.get("content-type", "").startswith("text/html"):
            continue
        strict_policy(page.goto(path))
        visited.append(path)
    assert len(visited) > 50, visited


def test_script_pages_work_under_the_policy(page, user_with_role):
    user = user_with_role(ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    CrontabSchedule.objects.create(minute="0", hour="6")
    team = TeamFactory()
    MemberFactory(team=team)
    log_in(page, user)

    # django-celery-beat's form script (moved to a static file) explains the chosen crontab.
    page.goto("/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", index=1)
    assert "Translation: At 06:00" in page.locator(".field-crontab .help").inner_text()

    # Swagger UI starts from its script file and renders the schema.
    strict_policy(page.goto("/api/docs/"))
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Crewbase API" in page.locator(".swagger-ui .info .title").inner_text()

    # A filter that submits itself on change (data-autosubmit, no inline handler).
    page.goto("/oncall/notifications/")
    with page.expect_navigation():
        page.select_option("select[name=status]", index=1)
    assert "status=" in page.url
