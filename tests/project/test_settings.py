"""Settings: production refuses insecure keys (`check --deploy`: tests/quality/test_security.py)."""

import re

from django.core.management import call_command

from tests.production import PRODUCTION_ENV, ROOT, run_manage


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
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest and "css/crewbase.css" in manifest
