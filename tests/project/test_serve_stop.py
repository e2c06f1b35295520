"""`make run` stops cleanly: Ctrl-C or SIGTERM to bin/serve ends the web server, the Celery worker
(its pool processes) and the embedded beat within 10 seconds, leaving no process behind.

bin/serve runs for real on a free port, with SQLite and the filesystem broker in a temporary
folder (whatever DATABASE_URL/REDIS_URL the suite runs with). Start-up is given minutes on a
loaded machine; the 10 s bound is measured from the signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STOP_BOUND_SECONDS = 10.0
START_UP_SECONDS = 240.0

# Builds the throwaway database from the models (as `pytest --nomigrations` does: seconds, not
# minutes) and registers the periodic tasks, so beat starts as it does after `make run`.
BUILD_DATABASE = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command

class NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None

settings.MIGRATION_MODULES = NoMigrations()
call_command("migrate", run_syncdb=True, verbosity=0)
call_command("setup_periodic_tasks")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_state(pid: int) -> str | None:
    """The process's state letter, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def alive(pid: int) -> bool:
    return proc_state(pid) not in (None, "Z", "X")  # a zombie has ended; only its exit status is left


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


@pytest.fixture
def serve_env(tmp_path):
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    env = {
        **os.environ,
        "CREWBASE_ENV_FILE": str(env_file),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "DEBUG": "true",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "PORT": str(free_port()),
    }
    subprocess.run([sys.executable, "-c", BUILD_DATABASE], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def wait_until_serving(process: subprocess.Popen, port: str, log: Path) -> set[int]:
    """Wait for /health/live/, the worker and its beat; return every process bin/serve started."""
    deadline = time.monotonic() + START_UP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"bin/serve exited early:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live/", timeout=5) as response:  # nosec B310 - our own local server
                up = response.status == 200
        except OSError:
            up = False
        text = log.read_text()
        if up and " ready." in text and "beat: Starting" in text:
            pids = descendants(process.pid)
            lines = [command_line(pid) for pid in pids]
            workers = [c for c in lines if "celery" in c and "worker" in c]
            # the worker, its 2 pool processes and its embedded beat process; the web server
            if len(workers) >= 4 and any("runserver" in c for c in lines):
                return pids
        time.sleep(1)
    pytest.fail(f"bin/serve did not come up in {START_UP_SECONDS:.0f} s:\n{log.read_text()[-3000:]}")


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_bin_serve_stops_everything_within_ten_seconds(serve_env, tmp_path, how):
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bin/serve"],
            cwd=ROOT,
            env=serve_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives a foreground job
            # A test runner started in the background ignores SIGINT, and a shell cannot trap a
            # signal ignored when it started: give bin/serve the default, as a terminal does.
            preexec_fn=_default_sigint,
        )
    started: set[int] = set()
    try:
        started = wait_until_serving(process, serve_env["PORT"], log)
        signalled = time.monotonic()
        if how == "SIGTERM":
            process.send_signal(signal.SIGTERM)
        else:  # the terminal sends SIGINT to its foreground process group: bin/serve's
            os.killpg(process.pid, signal.SIGINT)
        # Watch well past the bound, so a slow stop shows how slow it was.
        while time.monotonic() - signalled < 3 * STOP_BOUND_SECONDS:
            if process.poll() is not None and not any(alive(pid) for pid in started):
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - signalled
        left = {pid: command_line(pid) for pid in started if alive(pid)}
        assert left == {}, f"still running {elapsed:.1f} s after {how}: {left}"
        assert process.returncode == 0
        assert elapsed <= STOP_BOUND_SECONDS, f"everything stopped, but only after {elapsed:.1f} s"
        assert "Stopping Crewbase..." in log.read_text()
    finally:
        for pid in [process.pid, *started]:
            if alive(pid):
                try:
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        process.wait(timeout=30)
