"""Live Salesforce client on simple-salesforce (the only module importing the SDK).

Auth: an OAuth access token + instance URL (SALESFORCE_INSTANCE_URL / SALESFORCE_ACCESS_TOKEN,
admin-managed credentials win over env), else username + password + security token.
Errors map to ours: an expired session re-authenticates once; 5xx, timeouts, connection errors and
REQUEST_LIMIT_EXCEEDED are TransientError (retried with backoff here); a malformed query is a
PermanentError.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from integrations.base import AuthenticationError, PermanentError, TransientError, retry

from .interface import QueryPage, SalesforceRecord, build_soql

logger = logging.getLogger(__name__)
SYSTEM = "salesforce"
API_VERSION = "59.0"
TRANSIENT_CODES = {"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW", "QUERY_TIMEOUT"}


def _error_code(exc: SalesforceError) -> str:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode", ""))
    return ""


def _error_message(exc: SalesforceError) -> str:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("message", ""))[:500]
    return str(exc)[:500]


class LiveSalesforceClient:
    def __init__(
        self,
        *,
        instance_url: str = "",
        access_token: str = "",
        username: str = "",
        password: str = "",
        security_token: str = "",
        domain: str = "login",
        timeout: float = 20.0,
        token_provider: Callable[[], str] | None = None,
        attempts: int = 4,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        verify: bool | str = True,
    ):
        if not (instance_url and (access_token or token_provider)) and not (username and password):
            raise AuthenticationError(
                "Salesforce credentials are missing: set an instance URL and access token, "
                "or a username, password and security token.",
                system=SYSTEM,
            )
        self.instance_url = instance_url.rstrip("/")
        self.access_token = access_token
        self.token_provider = token_provider
        self.username, self.password, self.security_token = username, password, security_token
        self.domain = domain or "login"
        self.timeout = timeout
        self.attempts, self.backoff_base, self.sleep = attempts, backoff_base, sleep
        self.verify = verify  # TLS verification (a CA bundle path for a private test server)
        self._sf: Salesforce | None = None

    # ------------------------------------------------------------------ session
    def _connect(self) -> Salesforce:
        session = requests.Session()
        session.verify = self.verify
        session.request = _with_timeout(session.request, self.timeout, self.verify)  # type: ignore[method-assign]
        try:
            if self.instance_url and (self.access_token or self.token_provider):
                token = self.token_provider() if self.token_provider else self.access_token
                return Salesforce(
                    instance_url=self.instance_url,
                    session_id=token,
                    version=API_VERSION,
                    session=session,
                    object_pairs_hook=None,
                )
            return Salesforce(
                username=self.username,
                password=self.password,
                security_token=self.security_token,
                domain=self.domain,
                version=API_VERSION,
                object_pairs_hook=None,  # plain dicts: the C decoder, no OrderedDict per record
                session=session,
            )
        except SalesforceAuthenticationFailed as exc:
            raise AuthenticationError(f"Salesforce login failed: {exc.message}", system=SYSTEM) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(f"Salesforce login unreachable: {exc}", system=SYSTEM) from exc

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            self._sf = self._connect()
        return self._sf

    def _call(self, fn: Callable[[Salesforce], Any]) -> Any:
        """One API call with error mapping; an expired session re-authenticates exactly once."""
        try:
            return self._mapped(fn)
        except _SessionExpired:
            logger.info("salesforce session expired; re-authenticating once")
            self._sf = None
            try:
                return self._mapped(fn)
            except _SessionExpired as exc:
                raise AuthenticationError(
                    "Salesforce rejected the session after re-authentication.", system=SYSTEM, code="INVALID_SESSION_ID"
                ) from exc

    def _mapped(self, fn: Callable[[Salesforce], Any]) -> Any:
        try:
            return fn(self.sf)
        except SalesforceExpiredSession as exc:
            raise _SessionExpired() from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(f"Salesforce unreachable: {exc}", system=SYSTEM) from exc
        except SalesforceRefusedRequest as exc:
            code = _error_code(exc)
            if code in TRANSIENT_CODES:
                raise TransientError(f"Salesforce refused the request: {code}", system=SYSTEM, code=code) from exc
            raise PermanentError(
                f"Salesforce refused the request: {code or exc.status}: {_error_message(exc)}",
                system=SYSTEM,
                code=code or exc.status,
            ) from exc
        except (SalesforceMalformedRequest, SalesforceResourceNotFound) as exc:
            code = _error_code(exc)
            if code in TRANSIENT_CODES:
                raise TransientError(f"Salesforce: {code}", system=SYSTEM, code=code) from exc
            raise PermanentError(
                f"Salesforce rejected the query ({code or exc.status}): {_error_message(exc)}",
                system=SYSTEM,
                code=code or exc.status,
            ) from exc
        except SalesforceError as exc:
            status = getattr(exc, "status", 0) or 0
            code = _error_code(exc)
            if status >= 500 or status == 429 or code in TRANSIENT_CODES:
                raise TransientError(
                    f"Salesforce error {status} {code}".strip(), system=SYSTEM, code=code or status
                ) from exc
            raise PermanentError(
                f"Salesforce error {status}: {_error_message(exc)}", system=SYSTEM, code=code or status
            ) from exc
        except ValueError as exc:  # a non-JSON body from a proxy in front of Salesforce
            raise TransientError(f"Salesforce returned an unreadable response: {exc}", system=SYSTEM) from exc

    def _call_retrying(self, fn: Callable[[Salesforce], Any]) -> Any:
        return retry(lambda: self._call(fn), attempts=self.attempts, base=self.backoff_base, cap=30.0, sleep=self.sleep)

    # ------------------------------------------------------------------ queries
    def query_pages(
        self, *, sobject: str, fields: tuple[str, ...], where: str = "", modified_after: datetime | None = None
    ) -> Iterator[QueryPage]:
        """Pages as they come; the next page is requested while the caller stores this one (one
        request in flight at most, so memory holds two pages whatever the result's size). An error
        fetching a page is raised when the caller asks for that page."""
        soql = build_soql(sobject=sobject, fields=fields, where=where, modified_after=modified_after)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="salesforce-page") as prefetch:
            result = self._call_retrying(lambda sf: sf.query(soql))
            while True:
                next_url = result.get("nextRecordsUrl")
                done = bool(result.get("done", True)) or not next_url
                upcoming = (
                    None
                    if done
                    else prefetch.submit(
                        self._call_retrying, lambda sf, url=next_url: sf.query_more(url, identifier_is_url=True)
                    )
                )
                records = [_record(sobject, raw) for raw in result.get("records", [])]
                total = int(result.get("totalSize", 0))
                del result
                try:
                    yield QueryPage(records=records, total_size=total, done=done)
                except GeneratorExit:
                    if upcoming is not None:
                        upcoming.cancel()
                    raise
                if upcoming is None:
                    return
                del records
                result = upcoming.result()

    def count(self, *, sobject: str, where: str = "") -> int:
        # Bandit B608: object and filter are the constants of volunteers.salesforce.mapping.SPECS.
        soql = f"SELECT COUNT() FROM {sobject}" + (f" WHERE {where}" if where else "")  # noqa: S608 - constants only, see above # nosec B608
        result = self._call_retrying(lambda sf: sf.query(soql))
        return int(result.get("totalSize", 0))


class _SessionExpired(Exception):
    pass


def _with_timeout(request, timeout: float, verify: bool | str = True):
    def wrapped(method, url, **kwargs):
        kwargs.setdefault("timeout", timeout)
        if verify is not True:  # per request: REQUESTS_CA_BUNDLE would override a session-level setting
            kwargs.setdefault("verify", verify)
        return request(method, url, **kwargs)

    return wrapped


def _record(sobject: str, raw: dict) -> SalesforceRecord:
    raw.pop("attributes", None)  # a plain dict of its own, decoded for this page only
    return SalesforceRecord(id=str(raw.get("Id") or ""), sobject=sobject, fields=raw)
