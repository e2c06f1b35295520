"""A Salesforce REST query endpoint emulated over the fake's data, for tests (`responses`) and the
benchmark (a local http.server): `/services/data/vXX.X/query/?q=SOQL` and its `nextRecordsUrl`
pages, with scripted faults (expired session, 5xx, rate limit, malformed query)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from .fake import compile_where
from .interface import parse_sf_datetime

SOQL = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<sobject>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER BY\s+.+)?$",
    re.IGNORECASE | re.DOTALL,
)
SINCE = re.compile(r"\s*(?:AND\s+)?LastModifiedDate\s*>\s*(\S+)\s*$", re.IGNORECASE)


class SalesforceHttpFake:
    def __init__(
        self,
        data: dict[str, list[dict]] | None = None,
        *,
        page_size: int = 2000,
        rows: dict[str, Iterable[dict]] | None = None,
    ):
        """`data`: lists of records per sObject; `rows`: callables/iterables per sObject for large
        generated volumes (streamed, never materialised)."""
        self.data = data or {}
        self.generators = rows or {}
        self.page_size = page_size
        self.faults: list[tuple[int, object]] = []  # next responses to return instead of data
        self.requests: list[str] = []
        self.cursors: dict[str, object] = {}
        self._ids = itertools.count(1)

    def fail_next(self, status: int, body: object, times: int = 1) -> None:
        self.faults.extend([(status, body)] * times)

    def handle(self, url: str) -> tuple[int, str]:
        self.requests.append(url)
        if self.faults:
            status, body = self.faults.pop(0)
            return status, json.dumps(body)
        parsed = urlparse(url)
        match = re.search(r"/query/(?P<cursor>[^/?]+)$", parsed.path)
        if match:
            cursor = self.cursors.pop(match.group("cursor"), None)
            if cursor is None:
                return 400, json.dumps([{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}])
            return 200, json.dumps(self._page(*cursor))
        soql = parse_qs(parsed.query).get("q", [""])[0]
        m = SOQL.match(soql.strip())
        if not m:
            return 400, json.dumps([{"errorCode": "MALFORMED_QUERY", "message": f"unexpected token: {soql[:40]}"}])
        sobject, where = m.group("sobject"), (m.group("where") or "").strip()
        if m.group("fields").strip().upper() == "COUNT()":
            return 200, json.dumps(
                {"totalSize": sum(1 for _ in self._rows(sobject, where)), "done": True, "records": []}
            )
        fields = [f.strip() for f in m.group("fields").split(",")]
        try:
            rows = self._rows(sobject, where)
        except Exception as exc:
            return 400, json.dumps([{"errorCode": "MALFORMED_QUERY", "message": str(exc)}])
        total = self._count(sobject, where)
        return 200, json.dumps(self._page(iter(rows), fields, sobject, total))

    def _source(self, sobject):
        if sobject in self.generators:
            return self.generators[sobject]()
        return sorted(self.data.get(sobject, []), key=lambda r: (r.get("LastModifiedDate") or "", r["Id"]))

    def _filter(self, sobject: str, where: str):
        since: datetime | None = None
        m = SINCE.search(where)
        if m:
            since = parse_sf_datetime(m.group(1))
            where = where[: m.start()].strip()
        predicate = compile_where(where)
        for row in self._source(sobject):
            if since is not None and (parse_sf_datetime(row.get("LastModifiedDate")) or since) <= since:
                continue
            if predicate(row):
                yield row

    def _rows(self, sobject: str, where: str):
        return self._filter(sobject, where)

    def _count(self, sobject: str, where: str) -> int:
        return sum(1 for _ in self._filter(sobject, where))

    def _page(self, rows, fields, sobject, total) -> dict:
        records = []
        for row in itertools.islice(rows, self.page_size):
            record = {"attributes": {"type": sobject, "url": f"/services/data/v59.0/sobjects/{sobject}/{row['Id']}"}}
            for name in fields:
                record[name] = row.get(name)
            records.append(record)
        body = {"totalSize": total, "done": True, "records": records}
        if len(records) == self.page_size:
            peek = next(rows, None)
            if peek is not None:
                cursor = f"01g{next(self._ids):015d}-{self.page_size}"
                self.cursors[cursor] = (itertools.chain([peek], rows), fields, sobject, total)
                body["done"] = False
                body["nextRecordsUrl"] = f"/services/data/v59.0/query/{cursor}"
        return body
