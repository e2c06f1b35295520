"""The production shape is described the same way everywhere: docker-compose.yml, the Procfile and
docs/operations.md name the same processes (web, three workers covering every queue, exactly one
beat with the guarded scheduler), and the image is built as production runs it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"migrate", "web", "worker", "worker_sync", "worker_sms", "beat"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def queues_of(command: str) -> set[str]:
    args = shlex.split(command)
    return set(args[args.index("-Q") + 1].split(",")) if "-Q" in args else set()


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def test_compose_runs_the_documented_services():
    services = compose()["services"]
    assert set(services) == APP_SERVICES | {"db", "redis"}
    workers = {name: s["command"] for name, s in services.items() if " worker " in f" {s.get('command', '')} "}
    assert set(workers) == {"worker", "worker_sync", "worker_sms"}
    # Together the workers consume every queue, each queue once, as in the Procfile.
    consumed = [q for command in workers.values() for q in queues_of(command)]
    assert sorted(consumed) == sorted(settings.CELERY_TASK_QUEUES_ALL)
    procfile_queues = [q for name, cmd in procfile().items() if name.startswith("worker") for q in queues_of(cmd)]
    assert sorted(procfile_queues) == sorted(consumed)
    beats = [name for name, s in services.items() if " beat " in f" {s.get('command', '')} "]
    assert beats == ["beat"]
    assert "--scheduler project.beat:SingleDatabaseScheduler" in services["beat"]["command"]
    assert services["web"]["ports"] == ["8000:8000"]


def test_every_process_waits_for_the_release_step_and_runs_in_production_mode():
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["environment"]["DEBUG"] == "false", name
        assert service["environment"]["DATABASE_URL"].startswith("postgres://"), name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:"), name
        assert service["env_file"] == ".env", name
        depends = service["depends_on"]
        assert depends["db"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        if name != "migrate":
            assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
    assert "migrate --noinput" in services["migrate"]["command"]
    assert "setup_periodic_tasks" in services["migrate"]["command"]


def test_the_image_collects_static_files_as_production_reads_them_and_keeps_secrets_out():
    dockerfile = (ROOT / "Dockerfile").read_text()
    collect = re.search(r"RUN (DEBUG=\w+)[^\n]*(?:\\\n[^\n]*)*collectstatic", dockerfile)
    # With DEBUG=true collectstatic writes no manifest and every page fails under DEBUG=false.
    assert collect and collect.group(1) == "DEBUG=false"
    assert re.search(r"(?m)^USER \w+", dockerfile), "the image runs as an unprivileged user"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "data", ".git", ".venv"} <= set(ignored)


def test_the_operations_guide_names_every_service_and_the_variables_compose_needs():
    guide = (ROOT / "docs" / "operations.md").read_text()
    docker_part = guide[guide.index("With Docker") :]
    for name in ("web", "worker", "worker_sync", "worker_sms", "beat", "migrate"):
        assert f"`{name}`" in docker_part, name
    for variable in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"):
        assert variable in docker_part, variable
    assert "docker compose up --build" in docker_part
