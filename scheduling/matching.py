"""Matching Crossmark reps to employees. Plain Python.

A rep is linked to an employee only by an id: the rep id first, then the Crossmark employee
id (US######). A display name alone never links anyone: name look-alikes are returned as
candidates for a coordinator to resolve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KnownEmployee:
    id: int
    name: str
    rep_id: str = ""
    crossmark_id: str = ""


@dataclass
class RepMatch:
    employee_id: int | None
    how: str  # "rep_id" | "crossmark_id" | "none"
    name_candidates: list[int] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.employee_id is not None

    @property
    def ambiguous(self) -> bool:
        return self.employee_id is None and bool(self.name_candidates)


def normalise_name(name: str) -> str:
    return " ".join((name or "").replace(",", " ").lower().split())


class EmployeeIndex:
    def __init__(self, employees: Iterable[KnownEmployee]):
        self.by_rep: dict[str, int] = {}
        self.by_crossmark: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for e in employees:
            if e.rep_id:
                self.by_rep[e.rep_id] = e.id
            if e.crossmark_id:
                self.by_crossmark[e.crossmark_id.upper()] = e.id
            key = normalise_name(e.name)
            self.by_name.setdefault(key, []).append(e.id)
            # "Last, First" and "First Last" are the same person's name.
            parts = key.split()
            if len(parts) == 2:
                self.by_name.setdefault(f"{parts[1]} {parts[0]}", []).append(e.id)

    def match(self, *, rep_id: str = "", crossmark_id: str = "", name: str = "") -> RepMatch:
        if rep_id and rep_id in self.by_rep:
            return RepMatch(self.by_rep[rep_id], "rep_id")
        if crossmark_id and crossmark_id.upper() in self.by_crossmark:
            return RepMatch(self.by_crossmark[crossmark_id.upper()], "crossmark_id")
        return RepMatch(None, "none", sorted(set(self.by_name.get(normalise_name(name), []))))
