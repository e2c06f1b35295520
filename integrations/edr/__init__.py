"""Walmart Retail Link EDR (Event Detail Report): interface, live MFA client, fake.

The login is split across two user actions: `request_code()` (password login, then an SMS code
is sent) and `submit_code(code)` (validate the code, fetch the Event Management token). The
client's state (cookies, token) is exported with `state()` so that the caller keeps it
server-side per user (encrypted) — never in a module global.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote

import requests

from integrations.base import AuthenticationError, PermanentError, TransientError, base_url, is_live, timeout

logger = logging.getLogger(__name__)
SYSTEM = "edr"
LOGIN_BASE = "https://retaillink.login.wal-mart.com"


@dataclass(frozen=True)
class EdrItem:
    item_number: str
    upc: str
    description: str
    vendor_number: str = ""
    department: str = ""


@dataclass(frozen=True)
class EdrReport:
    event_number: str
    name: str
    date: str
    status: str
    preparation: str
    portion: str
    items: list[EdrItem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "event_number": self.event_number,
            "name": self.name,
            "date": self.date,
            "status": self.status,
            "preparation": self.preparation,
            "portion": self.portion,
            "items": [item.__dict__ for item in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict) -> EdrReport:
        return cls(**{**data, "items": [EdrItem(**i) for i in data.get("items", [])]})


class EdrClient(Protocol):
    def request_code(self) -> None: ...

    def submit_code(self, code: str) -> None: ...

    def get_report(self, event_number: str) -> EdrReport: ...

    def state(self) -> dict: ...

    @property
    def authenticated(self) -> bool: ...


def parse_report(event_number: str, data: dict) -> EdrReport:
    if not isinstance(data, dict):
        raise PermanentError("EDR report is not an object.", system=SYSTEM)
    instructions = data.get("demoInstructions") or {}
    items = []
    for row in data.get("itemDetails") or []:
        if isinstance(row, dict):
            items.append(
                EdrItem(
                    item_number=str(row.get("itemNbr") or ""),
                    upc=str(row.get("upcNbr") or row.get("gtin") or ""),
                    description=str(row.get("itemDesc") or ""),
                    vendor_number=str(row.get("vendorNbr") or ""),
                    department=str(row.get("deptNbr") or ""),
                )
            )
    return EdrReport(
        event_number=event_number,
        name=str(data.get("demoName") or ""),
        date=str(data.get("demoDate") or ""),
        status=str(data.get("demoStatusCode") or ""),
        preparation=str(instructions.get("demoPrepnTxt") or ""),
        portion=str(instructions.get("demoPortnTxt") or ""),
        items=items,
    )


class FakeEdrClient:
    """Deterministic: any 6-digit code is accepted; reports are derived from the event number."""

    PRODUCTS = [
        ("Super Pretzel Bites", "074570651012"),
        ("Sparkling Water 24pk", "078742370712"),
        ("Kirkland Trail Mix", "96619189152"),
        ("Greek Yogurt Cups", "0818290014542"),
        ("Cold Brew Coffee", "041000003724"),
        ("Protein Bars 18ct", "722252601414"),
    ]

    def __init__(self, state: dict | None = None):
        self._state = dict(state or {})

    def state(self) -> dict:
        return dict(self._state)

    @property
    def authenticated(self) -> bool:
        return bool(self._state.get("token"))

    def request_code(self) -> None:
        self._state = {"stage": "code_sent"}

    def submit_code(self, code: str) -> None:
        if self._state.get("stage") != "code_sent":
            raise AuthenticationError("Request a code first.", system=SYSTEM)
        if not (code.isdigit() and len(code) == 6):
            raise AuthenticationError("The code was not accepted.", system=SYSTEM)
        self._state = {"stage": "authenticated", "token": "fake-token"}

    def get_report(self, event_number: str) -> EdrReport:
        seed = int(hashlib.sha256(event_number.encode()).hexdigest(), 16)
        picks = [self.PRODUCTS[(seed >> (i * 4)) % len(self.PRODUCTS)] for i in range(2 + seed % 3)]
        items = [
            EdrItem(
                item_number=str(980000 + (seed >> (i * 8)) % 9999),
                upc=upc,
                description=desc,
                vendor_number="123456",
                department="95",
            )
            for i, (desc, upc) in enumerate(dict(picks).items())
        ]
        return EdrReport(
            event_number=event_number,
            name=f"Demo {event_number} {items[0].description}",
            date="",
            status="Active",
            preparation="Set up the table 15 minutes before start. Keep samples covered.",
            portion="One bite-size sample per member; offer a coupon.",
            items=items,
        )


class LiveEdrClient:
    def __init__(
        self,
        *,
        username: str,
        password: str,
        mfa_credential_id: str,
        state: dict | None = None,
        login_base: str = LOGIN_BASE,
        portal_base: str = "",
        request_timeout: float = 30,
    ):
        self.username, self._password, self.credid = username, password, mfa_credential_id
        self.login_base = login_base.rstrip("/")
        self.portal_base = (portal_base or base_url(SYSTEM)).rstrip("/")
        self.timeout = request_timeout
        self.http = requests.Session()
        state = state or {}
        self.http.cookies.update(state.get("cookies") or {})
        self.token = state.get("token", "")

    def __repr__(self):
        return f"<LiveEdrClient {self.username}>"

    def state(self) -> dict:
        return {"cookies": self.http.cookies.get_dict(), "token": self.token}

    @property
    def authenticated(self) -> bool:
        return bool(self.token)

    def _call(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(f"Retail Link unreachable: {exc.__class__.__name__}", system=SYSTEM) from exc
        if response.status_code in (401, 403):
            raise AuthenticationError("Retail Link refused the login or the session expired.", system=SYSTEM)
        if response.status_code >= 500:
            raise TransientError(f"Retail Link answered HTTP {response.status_code}.", system=SYSTEM)
        if response.status_code >= 400:
            raise PermanentError(f"Retail Link refused the request (HTTP {response.status_code}).", system=SYSTEM)
        return response

    def request_code(self) -> None:
        if not (self.username and self._password and self.credid):
            raise AuthenticationError("EDR username, password and MFA credential id must be configured.", system=SYSTEM)
        self._call(
            "POST",
            f"{self.login_base}/api/login",
            json={"username": self.username, "password": self._password, "language": "en"},
        )
        self._call("POST", f"{self.login_base}/api/mfa/sendCode", json={"type": "SMS_OTP", "credid": self.credid})

    def submit_code(self, code: str) -> None:
        self._call(
            "POST",
            f"{self.login_base}/api/mfa/validateCode",
            json={"type": "SMS_OTP", "credid": self.credid, "code": code, "failureCount": 0},
        )
        for path in (
            "/rl_portal_services/api/Site/InsertRlPageDetails?pageId=6&pageSubId=w6040"
            "&pageSubDesc=Event Management System",
            "/rl_portal/",
            "/EventManagement/",
        ):
            try:  # best effort: these only set portal cookies
                self._call("GET", f"{self.portal_base}{path}")
            except (TransientError, PermanentError):
                logger.info("edr portal warm-up %s failed (ignored)", path)
        self._call("GET", f"{self.portal_base}/EventManagement/api/authenticate")
        raw = self.http.cookies.get("auth-token") or ""
        try:
            self.token = json.loads(unquote(raw)).get("token", "")
        except (ValueError, AttributeError):
            self.token = ""
        if not self.token:
            raise AuthenticationError("Retail Link gave no Event Management token.", system=SYSTEM)

    def get_report(self, event_number: str) -> EdrReport:
        if not self.token:
            raise AuthenticationError("Log in to Retail Link first.", system=SYSTEM)
        response = self._call(
            "GET",
            f"{self.portal_base}/EventManagement/api/edrReport",
            params={"id": event_number},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        try:
            return parse_report(event_number, response.json())
        except ValueError as exc:
            raise PermanentError("EDR report is not JSON.", system=SYSTEM) from exc


def edr_client(
    *, username: str = "", password: str = "", mfa_credential_id: str = "", state: dict | None = None
) -> EdrClient:
    if is_live(SYSTEM):
        return LiveEdrClient(
            username=username,
            password=password,
            mfa_credential_id=mfa_credential_id,
            state=state,
            request_timeout=timeout(),
        )
    return FakeEdrClient(state=state)
