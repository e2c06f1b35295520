"""A private redis-server for tests that stop, hang and restart it, and a fixture putting the
cache and the Celery broker on it (tasks then go through the broker, not eagerly)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis

from project import celery_app


class RedisServer:
    """A private redis-server on a free loopback port that tests stop, hang and restart."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)  # still accepts connections, never answers

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)


def _reset_celery_pools() -> None:
    celery_app.close()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def own_redis_serving(settings):
    """The cache and the Celery broker on a private redis-server, with the production timeouts;
    tasks go through the broker (not eager), as in production."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "project.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    settings.CELERY_BROKER_URL = server.url
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)
    conf.broker_url, conf.broker_transport_options = server.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS
    conf.task_always_eager = False
    _reset_celery_pools()
    try:
        yield server
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        _reset_celery_pools()
        server.kill()
