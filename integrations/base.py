"""What every integration shares: the error hierarchy, backoff/retry and fake|live config."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
T = TypeVar("T")

MODES = ("fake", "live")


class IntegrationError(Exception):
    """Base class. `system` names the integration, `code` is the provider's error code if any."""

    def __init__(self, message: str, *, system: str = "", code: str | int | None = None):
        super().__init__(message)
        self.system = system
        self.code = code


class TransientError(IntegrationError):
    """Worth retrying later: timeouts, 5xx, rate limits, temporary provider failures."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PermanentError(IntegrationError):
    """Retrying cannot help: bad request, invalid number, malformed query, rejected data."""


class AuthenticationError(PermanentError):
    """Credentials missing or rejected."""


def backoff_delay(attempt: int, *, base: float = 2.0, cap: float = 300.0, jitter: bool = True) -> float:
    """Delay before retry number `attempt` (1-based): exponential, capped, with full jitter."""
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    return random.uniform(0, ceiling) if jitter else ceiling  # noqa: S311 (not crypto)


def retry(
    fn: Callable[[], T],
    *,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn`, retrying TransientError with backoff; PermanentError and others raise at once.

    For in-process retries of short calls. Celery tasks should instead re-schedule themselves
    with `backoff_delay` so that no worker sits blocked.
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except TransientError as exc:
            if attempt == attempts:
                raise
            delay = exc.retry_after if exc.retry_after is not None else backoff_delay(attempt, base=base, cap=cap)
            logger.warning(
                "transient %s error (attempt %s/%s), retrying in %.2fs: %s",
                exc.system or "integration",
                attempt,
                attempts,
                delay,
                exc,
            )
            sleep(min(delay, cap))
    raise AssertionError("unreachable")


def credential(*, system: str, key: str, default: str = "") -> str:
    """A secret for (system, key), looked up by the function named in
    settings.INTEGRATION_CREDENTIAL_LOOKUP (the platform's encrypted store, then the environment).

    Named by configuration so that integrations stay a leaf: they import nothing of the site."""
    lookup = import_string(settings.INTEGRATION_CREDENTIAL_LOOKUP)
    return lookup(system=system, key=key, default=default) or default


def integration_config(system: str) -> dict:
    try:
        config = settings.INTEGRATIONS[system]
    except KeyError as exc:
        raise ImproperlyConfigured(f"Unknown integration {system!r}") from exc
    if config.get("mode") not in MODES:
        raise ImproperlyConfigured(f"{system.upper()}_MODE must be one of {MODES}, not {config.get('mode')!r}")
    return config


def integration_mode(system: str) -> str:
    return integration_config(system)["mode"]


def is_live(system: str) -> bool:
    return integration_mode(system) == "live"


def base_url(system: str) -> str:
    return integration_config(system).get("base_url", "").rstrip("/")


def timeout() -> float:
    return settings.INTEGRATION_TIMEOUT_SECONDS
