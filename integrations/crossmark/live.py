"""Live Crossmark MVRetail client: session login (PHPSESSID), one re-login on expiry.

One client = one Crossmark account. The caller persists `session_id` per account (encrypted) and
passes it back next time, so sessions are never shared between site users and never live in a
module global. The password is only ever sent in the login body; it is never logged.
"""

from __future__ import annotations

import json
import logging
import time as time_module
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

import requests

from integrations.base import AuthenticationError, PermanentError, TransientError

from .types import CrossmarkRep, FetchPage, MalformedRecord, parse_mplan, parse_rep

logger = logging.getLogger(__name__)
SYSTEM = "crossmark"
SESSION_SECONDS = 3600
ID_KEYS = ("scheduleEventID", "scheduledEventId", "scheduleEventId", "id", "ID", "eventId", "scheduleId")


class SessionExpired(Exception):
    pass


def _find_schedule_id(payload) -> str:
    """Crossmark returns the new schedule id under one of several keys, maybe nested."""
    if isinstance(payload, list):
        for item in payload:
            found = _find_schedule_id(item)
            if found:
                return found
        return ""
    if not isinstance(payload, dict):
        return ""
    for key in ID_KEYS:
        if payload.get(key) not in (None, ""):
            return str(payload[key])
    for key in ("data", "result", "response"):
        found = _find_schedule_id(payload.get(key))
        if found:
            return found
    return ""


class LiveCrossmarkClient:
    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        timeout: float = 30,
        session_id: str = "",
        session_started_at: float | None = None,
        on_session: Callable[[str, float], None] | None = None,
        tz_offset: str = "-05:00",
    ):
        if not username or not password:
            raise AuthenticationError("No Crossmark username/password configured.", system=SYSTEM)
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.timeout = timeout
        self.session_id = session_id
        self.session_started_at = session_started_at
        self.on_session = on_session
        self.tz_offset = tz_offset
        self.http = requests.Session()

    def __repr__(self):  # never show the password
        return f"<LiveCrossmarkClient {self.username}@{self.base_url}>"

    # ------------------------------------------------------------------ session
    def _session_valid(self) -> bool:
        return (
            bool(self.session_id)
            and self.session_started_at is not None
            and (time_module.time() - self.session_started_at < SESSION_SECONDS)
        )

    def login(self) -> None:
        body = {
            "UserType": "MVEntityUser",
            "UserID": self.username,
            "Password": self._password,
            "Timezone": "America/Indianapolis",
        }
        logger.info("crossmark login for %s", self.username)
        try:
            response = self.http.post(f"{self.base_url}/login/authenticate", json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(f"Crossmark unreachable: {exc.__class__.__name__}", system=SYSTEM) from exc
        if response.status_code in (401, 403):
            raise AuthenticationError(
                "Crossmark rejected the username or password.", system=SYSTEM, code=response.status_code
            )
        if response.status_code >= 500:
            raise TransientError(
                f"Crossmark login failed with HTTP {response.status_code}.", system=SYSTEM, code=response.status_code
            )
        if response.status_code != 200:
            raise PermanentError(
                f"Crossmark login failed with HTTP {response.status_code}.", system=SYSTEM, code=response.status_code
            )
        ok = True
        try:
            data = response.json()
        except ValueError:
            data = None  # a non-JSON 200 (the HTML app shell) means success
        if isinstance(data, dict):
            ok = bool(data.get("redirectUrl") or data.get("success") is True or "Scheduling" in response.text)
        if not ok:
            raise AuthenticationError("Crossmark did not accept the login.", system=SYSTEM)
        session_id = response.cookies.get("PHPSESSID") or self.http.cookies.get("PHPSESSID") or ""
        if not session_id:
            raise PermanentError("Crossmark login returned no session cookie.", system=SYSTEM)
        self.session_id, self.session_started_at = session_id, time_module.time()
        if self.on_session:
            self.on_session(self.session_id, self.session_started_at)

    def _request(self, method: str, path: str, *, retry_login: bool = True, **kwargs) -> requests.Response:
        if not self._session_valid():
            self.login()
        headers = kwargs.pop("headers", {})
        headers["Cookie"] = f"PHPSESSID={self.session_id}"
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise TransientError(f"Crossmark unreachable: {exc.__class__.__name__}", system=SYSTEM) from exc
        expired = (
            response.status_code in (401, 403)
            or "login" in response.url.lower().rsplit("/", 1)[-1]
            or "authentication" in response.text[:5000].lower()
        )
        if expired:
            if not retry_login:
                raise AuthenticationError("Crossmark session expired and re-login did not help.", system=SYSTEM)
            logger.info("crossmark session expired for %s; logging in again", self.username)
            self.session_id = ""
            return self._request(method, path, retry_login=False, headers=headers, **kwargs)
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(
                f"Crossmark answered HTTP {response.status_code}.", system=SYSTEM, code=response.status_code
            )
        if response.status_code >= 400:
            raise PermanentError(
                f"Crossmark refused the request (HTTP {response.status_code}).",
                system=SYSTEM,
                code=response.status_code,
            )
        return response

    @staticmethod
    def _json(response: requests.Response):
        try:
            return response.json()
        except ValueError as exc:
            raise PermanentError("Crossmark returned a malformed (non-JSON) response.", system=SYSTEM) from exc

    # ------------------------------------------------------------------ API
    def fetch_events(self, *, start: date, end: date, page: int, limit: int) -> FetchPage:
        params = {
            "_dc": str(int(time_module.time() * 1000)),
            "intervalStart": start.isoformat(),
            "intervalEnd": end.isoformat(),
            "showAllActive": "false",
            "searchFields": json.dumps({}),
            "page": str(page),
            "start": str((page - 1) * limit),
            "limit": str(limit),
            "sort": json.dumps([{"property": "startDate", "direction": "ASC"}]),
        }
        data = self._json(self._request("GET", "/planningextcontroller/getPlanningMplans", params=params))
        if not isinstance(data, dict) or not isinstance(data.get("mplans"), list):
            raise PermanentError("Crossmark events response has no 'mplans' list.", system=SYSTEM)
        events, problems = [], []
        for record in data["mplans"]:
            try:
                events.append(parse_mplan(record))
            except MalformedRecord as exc:
                mplan = record.get("mPlanID", "") if isinstance(record, dict) else ""
                logger.warning("skipping malformed mPlan %s: %s", mplan, exc)
                problems.append({"mplan_id": str(mplan), "error": str(exc)})
        try:
            total = int(data.get("total", len(events)))
        except (TypeError, ValueError):
            total = len(events)
        return FetchPage(events=events, total=total, problems=problems)

    def fetch_reps(self, *, start: datetime, end: datetime) -> list[CrossmarkRep]:
        project = f"{start:%m/%d/%Y %H:%M:%S},{end:%m/%d/%Y %H:%M:%S}"
        data = self._json(
            self._request("POST", "/schedulingcontroller/getAvailableReps", files={"project": (None, project)})
        )
        reps = data.get("reps") if isinstance(data, dict) else None
        if not isinstance(reps, dict):
            raise PermanentError("Crossmark reps response has no 'reps' object.", system=SYSTEM)
        out = []
        for record in reps.values():
            try:
                out.append(parse_rep(record))
            except MalformedRecord as exc:
                logger.warning("skipping malformed rep: %s", exc)
        return out

    def _iso(self, value: datetime) -> str:
        if value.tzinfo is not None:
            return value.isoformat(timespec="seconds")
        return value.strftime("%Y-%m-%dT%H:%M:%S") + self.tz_offset

    def schedule_event(self, *, rep_id: str, mplan_id: str, location_id: str, start: datetime, end: datetime) -> str:
        form = {
            "ClassName": "MVScheduledmPlan",
            "RepID": rep_id,
            "mPlanID": mplan_id,
            "LocationID": location_id,
            "Start": self._iso(start),
            "End": self._iso(end),
            "hash": "",
            "v": "3.0.1",
            "PlanningOverride": "true",
        }
        body = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in form.items())
        response = self._request(
            "POST",
            "/planningextcontroller/scheduleMplanEvent",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("success") is False:
            raise PermanentError(str(payload.get("message") or "Crossmark refused the schedule."), system=SYSTEM)
        return _find_schedule_id(payload)

    def unschedule_event(self, *, schedule_id: str) -> None:
        if not schedule_id:
            raise PermanentError("This schedule has no Crossmark id, so it cannot be removed there.", system=SYSTEM)
        try:
            response = self._request(
                "POST", "/schedulingcontroller/deleteScheduledEvent", json={"eventId": schedule_id, "notifyRep": False}
            )
            payload = response.json() if response.content else {}
            if not (isinstance(payload, dict) and payload.get("success") is False):
                return
        except (PermanentError, ValueError):
            pass  # fall back to the planning endpoint, as Crossmark's own UI does
        self._request(
            "POST", "/planningextcontroller/deleteScheduledMplanEvent", data={"id": schedule_id.split("_", 1)[0]}
        )
