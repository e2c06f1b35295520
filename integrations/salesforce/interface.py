"""What Crewbase needs from Salesforce: SOQL queries that stream records page by page.

Every client (live or fake) returns plain dataclasses; nothing outside `live.py` imports the SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class SalesforceRecord:
    """One Salesforce row: its id, object name and the raw field values (the Id among them)."""

    id: str
    sobject: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def last_modified(self) -> datetime | None:
        """LastModifiedDate, parsed when asked for (the sync reads it from the fields it needs)."""
        return parse_sf_datetime(self.fields.get("LastModifiedDate"))

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


@dataclass(frozen=True)
class QueryPage:
    records: list[SalesforceRecord]
    total_size: int
    done: bool


class SalesforceClient(Protocol):
    def query_pages(
        self, *, sobject: str, fields: tuple[str, ...], where: str = "", modified_after: datetime | None = None
    ) -> Iterator[QueryPage]:
        """Pages of records (never the whole result in memory), oldest modification first."""
        ...

    def count(self, *, sobject: str, where: str = "") -> int: ...


def soql_datetime(value: datetime) -> str:
    """SOQL datetime literal (UTC, no quotes)."""

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_soql(
    *, sobject: str, fields: tuple[str, ...], where: str = "", modified_after: datetime | None = None
) -> str:
    columns = ["Id", "LastModifiedDate", *[f for f in fields if f not in ("Id", "LastModifiedDate")]]
    conditions = [f"({where})"] if where else []
    if modified_after is not None:
        conditions.append(f"LastModifiedDate > {soql_datetime(modified_after)}")
    # Bandit B608: object, fields and filter are the constants of volunteers.salesforce.mapping.SPECS (no
    # user input reaches them) and the date is formatted above.
    soql = f"SELECT {', '.join(columns)} FROM {sobject}"  # noqa: S608 - constants only, see above # nosec B608
    if conditions:
        soql += " WHERE " + " AND ".join(conditions)
    return soql + " ORDER BY LastModifiedDate, Id"


def parse_sf_datetime(value: Any) -> datetime | None:
    """Salesforce datetimes look like 2025-03-01T10:00:00.000+0000."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
