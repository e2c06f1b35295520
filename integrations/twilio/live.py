"""The live Twilio client: the only module that imports the twilio SDK."""

from __future__ import annotations

import requests
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from integrations.base import AuthenticationError, PermanentError, TransientError, base_url, credential, timeout

from .errors import is_transient
from .interface import SentSms

SYSTEM = "twilio"


class LiveTwilioGateway:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base_url: str = "",
        request_timeout: float = 10.0,
    ):
        if not (account_sid and auth_token and from_number):
            raise AuthenticationError(
                "Twilio is not configured: set account_sid, auth_token and from_number.", system=SYSTEM
            )
        self.from_number = from_number
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=request_timeout))
        if api_base_url:
            # Lets tests (responses) and proxies stand in for api.twilio.com.
            self.client.api.base_url = api_base_url

    @classmethod
    def from_settings(cls) -> LiveTwilioGateway:
        try:
            url = base_url(SYSTEM)
        except ImproperlyConfigured:
            url = ""
        return cls(
            account_sid=credential(system=SYSTEM, key="account_sid"),
            auth_token=credential(system=SYSTEM, key="auth_token"),
            from_number=credential(system=SYSTEM, key="from_number"),
            api_base_url=url,
            request_timeout=timeout(),
        )

    def send_sms(self, *, to: str, body: str, status_callback: str | None = None) -> SentSms:
        kwargs = {"to": to, "from_": self.from_number, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            code = int(exc.code) if exc.code is not None else None
            text = f"Twilio error {code or exc.status}: {exc.msg}"
            if is_transient(http_status=exc.status, code=code):
                raise TransientError(text, system=SYSTEM, code=code) from exc
            raise PermanentError(text, system=SYSTEM, code=code) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(f"Twilio unreachable: {exc}", system=SYSTEM) from exc
        return SentSms(sid=message.sid, status=message.status or "queued", to=to, body=body)
