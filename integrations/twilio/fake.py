"""A deterministic in-memory SMS gateway for tests, demo data and benchmarks."""

from __future__ import annotations

import threading
from collections import deque

from integrations.base import IntegrationError

from .interface import SentSms


class FakeSmsGateway:
    """Records every message; `fail_next(exc, ...)` makes the next sends raise those errors."""

    def __init__(self):
        self._lock = threading.Lock()
        self.sent: list[SentSms] = []
        self._failures: deque[IntegrationError] = deque()

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self._failures.clear()

    def fail_next(self, *errors: IntegrationError) -> None:
        with self._lock:
            self._failures.extend(errors)

    def send_sms(self, *, to: str, body: str, status_callback: str | None = None) -> SentSms:
        with self._lock:
            if self._failures:
                raise self._failures.popleft()
            message = SentSms(sid=f"SMfake{len(self.sent) + 1:026d}", status="queued", to=to, body=body)
            self.sent.append(message)
            return message


FAKE_GATEWAY = FakeSmsGateway()
