"""Settings: production refuses insecure keys; `check --deploy` is clean in production mode."""

import os
import re
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "CREWBASE_ENV_FILE": os.devnull,  # ignore the developer's .env
    "DEBUG": "false",
    "SECRET_KEY": "x7Hq2N-production-like-secret-key-with-enough-entropy-0123456789",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "crew.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://crew.example.org",
}


def run_python(*argv, env_overrides):
    """Run Python in a fresh process whose environment is the current one minus anything the
    production settings read, plus `env_overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith("SECURE_")}
    env.update(env_overrides)
    env.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def run_manage(*args, env_overrides):
    return run_python("manage.py", *args, env_overrides=env_overrides)


def test_production_refuses_default_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": "insecure-dev-key-change-me"}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is the development default" in result.stderr


def test_production_refuses_missing_secret_key():
    env = dict(PRODUCTION_ENV)
    env.pop("SECRET_KEY")
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_requires_field_encryption_key():
    env = dict(PRODUCTION_ENV)
    env.pop("FIELD_ENCRYPTION_KEY")
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_secure_and_httponly():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.REQUIRE_2FA, s.DEBUG)"
    )
    result = run_python("-c", code, env_overrides=PRODUCTION_ENV)
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "False"], result.stderr


def test_env_example_documents_every_variable_read_by_settings():
    settings_source = (ROOT / "project" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()


    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', settings_source))
    documented = set(re.findall(r"(?m)^#?\s*([A-Z][A-Z0-9_]+)=", example))
    assert read, "no variables found in settings"
    assert read - documented == set()
    # Every variable line is preceded by a comment line somewhere in its block.
    assert "SECRET_KEY=" in example and "Generate:" in example


def test_collectstatic_manifest_resolves_every_reference(tmp_path, settings):
    """Production collects static files into a hashed manifest (WhiteNoise adds compression on
    top); every url()/sourceMappingURL a file references must exist or collectstatic fails."""
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest and "css/crewbase.css" in manifest
