"""Run Django in a fresh process with production settings (DEBUG off, real keys), isolated from
the developer's .env and from the test run's own environment."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]

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
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and not k.startswith("SECURE_") and k != "BEHIND_TLS_PROXY"
    }
    env.update(env_overrides)
    env.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def run_manage(*args, env_overrides):
    return run_python("manage.py", *args, env_overrides=env_overrides)
