"""Security gates: `check --deploy` is clean in production, production cookies and transport are
locked down, API tokens are stored only as hashes, and every lint or bandit exclusion says why.

The bandit scan itself runs once per CI run, in `make lint` (`.ci/run`), not here.
"""

import hashlib
import io
import json
import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from project.models import ApiToken
from tests.production import PRODUCTION_ENV, ROOT, run_manage, run_python

APP_PACKAGES = ["project", "volunteers", "scheduling", "oncall", "expenses", "integrations"]

SECURITY_SETTINGS = (
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS",
    "REQUIRE_2FA",
)
# The settings module read twice in one process (it is plain Python): as deployed, then behind a TLS proxy.
SETTINGS_DUMP = f"""
import importlib, json, os
import project.settings as s
dump = lambda: {{k: getattr(s, k, None) for k in {SECURITY_SETTINGS!r}}}
plain = dump()
os.environ["BEHIND_TLS_PROXY"] = "true"
importlib.reload(s)
print(json.dumps([plain, dump()]))
"""


# --------------------------------------------------------------------------- production settings
def test_check_deploy_is_clean_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_and_transport_are_locked_down():
    result = run_python("-c", SETTINGS_DUMP, env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    plain, behind_proxy = json.loads(result.stdout)
    assert plain == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        # X-Forwarded-Proto is trusted only when the deployment says a TLS proxy sets it.
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "REQUIRE_2FA": True,
    }
    assert behind_proxy == {**plain, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


# --------------------------------------------------------------------------- API tokens
def _database_text() -> str:
    """Every row of every table (and every decoded session) as one searchable string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    chunks.extend(repr(s.get_decoded()) for s in Session.objects.all())
    return "\n".join(chunks)


@pytest.mark.django_db
def test_api_tokens_are_stored_only_as_a_hash(admin_user, client, api_client, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.post("/admin/project/apitoken/add/", {"user": admin_user.pk, "name": "ci"}, follow=True)
        shown = re.findall(r"cb_[A-Za-z0-9_-]{43}", page.content.decode())
        out = io.StringIO()
        call_command("create_api_token", admin_user.username, "--name", "cli", stdout=out, stderr=io.StringIO())
        raws = [*shown, out.getvalue().strip()]
        for raw in raws:
            api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            assert api_client.get("/api/v1/jobs/").status_code == 200

    assert len(raws) == 2 and len(set(raws)) == 2, page.content.decode()[:2000]
    rows = {t.name: t for t in ApiToken.objects.all()}
    for name, raw in zip(["ci", "cli"], raws, strict=True):
        assert rows[name].token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert rows[name].prefix == raw[:9]
    sql = "\n".join(q["sql"] for q in queries.captured_queries)
    stored = _database_text()
    for raw in raws:
        secret = raw[9:]  # the part after the prefix shown in lists
        assert secret not in sql, "a clear token was sent to the database"
        assert secret not in stored, "a clear token is stored in the database"
        assert secret not in caplog.text, "a clear token was logged"
    assert rows["ci"].token_hash in stored  # the scan does see the token table


# --------------------------------------------------------------------------- lint exclusions
def test_every_bandit_exclusion_names_its_rule_and_reason():
    """A bare `# nosec` would hide any future finding on its line: each names its rules, and says
    why, in a comment just above (`# Bandit B608: ...`) or on the line (`# noqa: S608 - why`)."""
    unexplained = []
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            lines = path.read_text().splitlines()
            for number, line in enumerate(lines, start=1):
                if "# nosec" not in line:
                    continue
                rules = re.findall(r"B\d{3}", line.split("# nosec", 1)[1])
                context = "\n".join(lines[max(0, number - 4) : number])
                reason_on_line = re.search("#" + r" noqa: S\d+ - \S", line) is not None
                if not rules or (not reason_on_line and any(f"Bandit {rule}: " not in context for rule in rules)):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert unexplained == []


def test_every_noqa_names_its_rule_and_reason():
    """A bare noqa comment silences every rule on its line: each names its rule(s) and says why."""
    pattern = re.compile("#" + r" noqa(?P<rest>.*)$")  # split so that this line is not a match itself
    reasoned = re.compile(r"^: [A-Z]+[0-9]+(, ?[A-Z]+[0-9]+)* *(- |– |\(|# )\S")
    unexplained = []
    for package in [*APP_PACKAGES, "tests", "bench"]:
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                found = pattern.search(line)
                if found and not reasoned.match(found["rest"]):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert unexplained == []
