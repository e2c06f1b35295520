"""Matching Crossmark reps to employees. Plain Python.

A rep is linked to an employee only by an id: the rep id first, then the Crossmark employee
id (US######). A display name alone never links anyone: it gives candidates for a coordinator
to confirm.

Names: the same name ignoring case and the spaces at the ends ("bob johnson " = "Bob Johnson")
is a *name match*. A name that differs in more than that — inner spacing, commas, "Last, First"
order ("Bob  Johnson", "Johnson, Bob") — is only a *look-alike*: shown apart, and never treated as
the same name unless the coordinator confirms.
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
    name_candidates: list[int] = field(default_factory=list)  # the same name (case and ends aside)
    look_alikes: list[int] = field(default_factory=list)  # similar names, not the same

    @property
    def all_candidates(self) -> list[int]:
        return sorted({*self.name_candidates, *self.look_alikes})

    @property
    def matched(self) -> bool:
        return self.employee_id is not None

    @property
    def ambiguous(self) -> bool:
        return self.employee_id is None and bool(self.name_candidates)


def name_key(name: str) -> str:
    """The name as matching sees it: case-insensitive, the ends trimmed, nothing else changed."""
    return (name or "").strip().casefold()


def normalise_name(name: str) -> str:
    """A looser key for look-alikes: commas and inner spacing ignored."""
    return " ".join((name or "").replace(",", " ").casefold().split())


def differs_only_in_casing(ours: str, theirs: str) -> bool:
    """True when the two names are the same name but not the same text ("bob johnson" / "Bob Johnson")."""
    return ours != theirs.strip() and name_key(ours) == name_key(theirs)


class EmployeeIndex:
    def __init__(self, employees: Iterable[KnownEmployee]):
        self.by_rep: dict[str, int] = {}
        self.by_crossmark: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_loose: dict[str, list[int]] = {}
        for e in employees:
            if e.rep_id:
                self.by_rep[e.rep_id] = e.id
            if e.crossmark_id:
                self.by_crossmark[e.crossmark_id.upper()] = e.id
            self.by_name.setdefault(name_key(e.name), []).append(e.id)
            loose = normalise_name(e.name)
            self.by_loose.setdefault(loose, []).append(e.id)
            # "Last, First" looks like "First Last".
            parts = loose.split()
            if len(parts) == 2:
                self.by_loose.setdefault(f"{parts[1]} {parts[0]}", []).append(e.id)

    def match(self, *, rep_id: str = "", crossmark_id: str = "", name: str = "") -> RepMatch:
        if rep_id and rep_id in self.by_rep:
            return RepMatch(self.by_rep[rep_id], "rep_id")
        if crossmark_id and crossmark_id.upper() in self.by_crossmark:
            return RepMatch(self.by_crossmark[crossmark_id.upper()], "crossmark_id")
        same = sorted(set(self.by_name.get(name_key(name), []))) if name_key(name) else []
        alike = sorted(set(self.by_loose.get(normalise_name(name), [])) - set(same)) if name_key(name) else []
        return RepMatch(None, "none", same, alike)
