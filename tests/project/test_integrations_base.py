import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations.base import (
    AuthenticationError,
    PermanentError,
    TransientError,
    backoff_delay,
    base_url,
    integration_mode,
    is_live,
    retry,
)


def test_retry_recovers_from_transient_errors():
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("503", system="crossmark")
        return "ok"

    assert retry(flaky, attempts=4, base=1, cap=3, sleep=sleeps.append) == "ok"
    assert len(calls) == 3 and len(sleeps) == 2
    assert all(0 <= s <= 3 for s in sleeps)


def test_retry_gives_up_after_attempts():
    sleeps = []
    with pytest.raises(TransientError):
        retry(lambda: (_ for _ in ()).throw(TransientError("timeout")), attempts=3, sleep=sleeps.append)
    assert len(sleeps) == 2


@pytest.mark.parametrize("error", [PermanentError("bad number"), AuthenticationError("denied"), ValueError("x")])
def test_retry_does_not_retry_other_errors(error):
    calls = []

    def fail():
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        retry(fail, sleep=lambda s: None)
    assert calls == [1]


def test_retry_honours_retry_after_within_cap():
    sleeps, calls = [], []

    def limited():
        calls.append(1)
        if len(calls) == 1:
            raise TransientError("429", retry_after=60)
        return 1

    retry(limited, cap=5, sleep=sleeps.append)
    assert sleeps == [5]


def test_backoff_is_exponential_capped_and_jittered():
    assert [backoff_delay(n, base=2, cap=100, jitter=False) for n in range(1, 8)] == [2, 4, 8, 16, 32, 64, 100]
    samples = [backoff_delay(5, base=2, cap=100) for _ in range(200)]
    assert all(0 <= s <= 32 for s in samples) and len(set(samples)) > 100


def test_modes_and_base_urls_from_settings(settings):
    assert integration_mode("twilio") == "fake" and not is_live("twilio")
    settings.INTEGRATIONS = {**settings.INTEGRATIONS, "twilio": {"mode": "live", "base_url": "http://127.0.0.1:9/"}}
    assert is_live("twilio") and base_url("twilio") == "http://127.0.0.1:9"
    settings.INTEGRATIONS = {**settings.INTEGRATIONS, "twilio": {"mode": "production"}}
    with pytest.raises(ImproperlyConfigured, match="TWILIO_MODE"):
        integration_mode("twilio")
    with pytest.raises(ImproperlyConfigured):
        integration_mode("myspace")


def test_errors_carry_system_and_code():
    error = TransientError("rate limited", system="salesforce", code="REQUEST_LIMIT_EXCEEDED", retry_after=2)
    assert (error.system, error.code, error.retry_after) == ("salesforce", "REQUEST_LIMIT_EXCEEDED", 2)
    assert issubclass(AuthenticationError, PermanentError)
