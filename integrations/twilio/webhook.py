"""Checking that an inbound webhook really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

from twilio.request_validator import RequestValidator


def signature_valid(*, auth_token: str, url: str, params: dict, signature: str) -> bool:
    """False when no auth token is configured: an unverifiable callback is never trusted."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)


def signature_compute(*, auth_token: str, url: str, params: dict) -> str:
    """The signature Twilio would send (used by tests and local tooling)."""
    return RequestValidator(auth_token).compute_signature(url, params)
