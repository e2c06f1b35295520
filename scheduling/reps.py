"""Importing Crossmark reps as employees: the review and the import, with one set of rules.

- A rep is *matched* to an employee only by an id (rep id, then Crossmark employee id). When the
  matched employee's name differs from Crossmark's only in casing or spaces at the ends, the review
  shows it and importing the rep applies Crossmark's casing (the history records the change).
- A rep whose name is the same as an employee's (case and ends aside) is a *name match*; a rep whose
  name only looks alike ("Bob  Johnson", "Johnson, Bob") is a *look-alike*. Neither is linked by
  itself: the coordinator confirms a link (`links`), or imports the rep as a new person.
- A rep without a name is refused, with the field named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.crossmark import CrossmarkClient, CrossmarkRep

from .matching import differs_only_in_casing
from .models import Employee, JobTitle
from .sync import _employee_index

CASING_REASON = "Name casing from Crossmark"


def _no_name(rep: CrossmarkRep) -> str:
    return f"Rep {rep.rep_id}: Crossmark has no name for this rep; add it in Crossmark, then import again."


def _fetch(client: CrossmarkClient, today: date | None = None) -> list[CrossmarkRep]:
    today = today or timezone.localdate()
    return client.fetch_reps(start=datetime.combine(today, time(0)), end=datetime.combine(today, time(23, 59)))


def reps_review(*, client: CrossmarkClient, today: date | None = None) -> dict[str, list[dict]]:
    """Crossmark's reps, split into: matched (by id; `recase` when Crossmark's casing differs),
    ambiguous (the same name as employees without a matching id), look_alike (similar names
    only), new, and refused (no name, with the field)."""
    index = _employee_index()
    names = dict(Employee.objects.values_list("pk", "name"))
    out: dict[str, list[dict]] = {"matched": [], "ambiguous": [], "look_alike": [], "new": [], "refused": []}
    for rep in sorted(_fetch(client, today), key=lambda r: (r.name.strip().casefold(), r.rep_id)):
        row = {"rep_id": rep.rep_id, "crossmark_employee_id": rep.employee_id, "name": rep.name, "email": rep.email}
        if not rep.name.strip():
            out["refused"].append({**row, "field": "name", "error": _no_name(rep)})
            continue
        match = index.match(rep_id=rep.rep_id, crossmark_id=rep.employee_id, name=rep.name)
        if match.matched:
            current = names[match.employee_id]
            recase = {"from": current, "to": rep.name.strip()} if differs_only_in_casing(current, rep.name) else None
            out["matched"].append({**row, "employee_id": match.employee_id, "how": match.how, "recase": recase})
        elif match.name_candidates:
            out["ambiguous"].append({**row, "candidates": [{"id": i, "name": names[i]} for i in match.name_candidates]})
        elif match.look_alikes:
            out["look_alike"].append({**row, "candidates": [{"id": i, "name": names[i]} for i in match.look_alikes]})
        else:
            out["new"].append(row)
    return out


@dataclass
class RepImport:
    created: list[Employee] = field(default_factory=list)
    linked: list[Employee] = field(default_factory=list)  # a confirmed name match or look-alike
    recased: list[Employee] = field(default_factory=list)  # Crossmark's casing applied

    @property
    def changed(self) -> list[Employee]:
        return [*self.created, *self.linked, *self.recased]


def _save_with_reason(employee: Employee, reason: str) -> None:
    employee._change_reason = reason  # kept by the history row
    employee.full_clean()
    employee.save()


@transaction.atomic
def reps_import(
    *,
    client: CrossmarkClient,
    rep_ids: list[str],
    job_title: str = JobTitle.EVENT_SPECIALIST,
    links: dict[str, int] | None = None,
) -> RepImport:
    """Import the selected reps: a rep matched by id gets Crossmark's casing if only that differs
    (else nothing changes); a rep with a confirmed link (`links`: rep id → employee id, one of its
    name matches or look-alikes without a rep id) is linked to that employee, who takes
    Crossmark's casing; any other selected rep becomes a new employee. All or nothing: a selected
    rep without a name, or a link to someone who is not a candidate, refuses the whole import."""
    links = dict(links or {})
    wanted = set(rep_ids) | set(links)
    index = _employee_index()
    reps = {rep.rep_id: rep for rep in _fetch(client) if rep.rep_id in wanted}
    errors: dict[str, list[str]] = {}
    unknown = sorted(wanted - set(reps))
    if unknown:
        errors["rep_ids"] = [f"Crossmark does not list these reps: {', '.join(unknown)}."]
    result = RepImport()
    for rep_id in sorted(reps):
        rep = reps[rep_id]
        name = rep.name.strip()
        if not name:
            errors.setdefault("name", []).append(_no_name(rep))
            continue
        match = index.match(rep_id=rep.rep_id, crossmark_id=rep.employee_id, name=rep.name)
        if match.matched:
            employee = Employee.objects.get(pk=match.employee_id)
            if differs_only_in_casing(employee.name, rep.name):
                employee.name = name
                _save_with_reason(employee, CASING_REASON)
                result.recased.append(employee)
            continue
        if rep_id in links:
            employee = Employee.objects.filter(pk=links[rep_id]).first()
            if employee is None or employee.pk not in match.all_candidates or employee.crossmark_rep_id:
                errors.setdefault("links", []).append(
                    f"Rep {rep_id} ({name}) can be linked only to an employee with the same or a similar name "
                    "and no rep id yet."
                )
                continue
            employee.crossmark_rep_id = rep.rep_id
            employee.crossmark_employee_id = rep.employee_id or employee.crossmark_employee_id
            employee.name = name
            _save_with_reason(employee, f"Linked to Crossmark rep {rep.rep_id} (confirmed)")
            result.linked.append(employee)
            continue
        employee = Employee(
            name=name,
            job_title=job_title,
            crossmark_rep_id=rep.rep_id,
            crossmark_employee_id=rep.employee_id or None,
            email=rep.email,
            phone=rep.phone[:32],
        )
        _save_with_reason(employee, f"Imported from Crossmark rep {rep.rep_id}")
        result.created.append(employee)
    if errors:
        raise ValidationError(errors)
    return result
