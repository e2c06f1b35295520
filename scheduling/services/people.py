"""Scheduling services: local records: time off, weekly and date availability, rotations and
their exceptions, company holidays, employees, events' local fields and the settings row."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import (
    CompanyHoliday,
    DateAvailability,
    Employee,
    Event,
    RotationAssignment,
    RotationException,
    RotationType,
    SchedulingSettings,
    TimeOff,
    WeeklyAvailability,
)
from ..selectors import scheduling_settings_get


# --------------------------------------------------------------------------- people and calendars
@transaction.atomic
def time_off_create(*, employee: Employee, start_date: date, end_date: date, reason: str = "") -> TimeOff:
    """Record an absence. Locks the employee so that two requests cannot add overlapping ranges."""
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    time_off = TimeOff(employee=employee, start_date=start_date, end_date=end_date, reason=reason)
    time_off.full_clean()
    time_off.save()
    return time_off


@transaction.atomic
def time_off_update(*, time_off: TimeOff, **changes) -> TimeOff:
    Employee.objects.select_for_update().filter(pk=time_off.employee_id).first()
    for name, value in changes.items():
        setattr(time_off, name, value)
    time_off.full_clean()
    time_off.save()
    return time_off


@transaction.atomic
def weekly_availability_set(*, employee: Employee, days: dict[str, bool]) -> WeeklyAvailability:
    unknown = set(days) - set(WeeklyAvailability.DAYS)
    if unknown:
        raise ValidationError({name: "Unknown day." for name in sorted(unknown)})
    row, _ = WeeklyAvailability.objects.get_or_create(employee=employee)
    for day, value in days.items():
        setattr(row, day, bool(value))
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def date_availability_set(*, employee: Employee, day: date, is_available: bool, reason: str = "") -> DateAvailability:
    row, _ = DateAvailability.objects.update_or_create(
        employee=employee, date=day, defaults={"is_available": is_available, "reason": reason}
    )
    return row


@transaction.atomic
def rotations_set(*, assignments: dict[str, dict[int, int | None]]) -> list[RotationAssignment]:
    """Replace the weekly rotations: {"juicer": {0: employee_id, …}, "primary_lead": {…}}.
    Each person must hold the title the rotation needs."""
    needed = {
        RotationType.JUICER: {"juicer_barista"},
        RotationType.PRIMARY_LEAD: {"lead_event_specialist", "club_supervisor"},
    }
    errors: dict[str, list[str]] = {}
    employees = Employee.objects.in_bulk([i for days in assignments.values() for i in days.values() if i])
    for rotation_type, days in assignments.items():
        if rotation_type not in RotationType.values:
            errors[rotation_type] = ["Unknown rotation type."]
            continue
        for weekday, employee_id in days.items():
            if not 0 <= int(weekday) <= 6:
                errors.setdefault(rotation_type, []).append(f"Weekday {weekday} is not 0–6.")
            elif employee_id and employee_id not in employees:
                errors.setdefault(rotation_type, []).append(f"Unknown employee {employee_id}.")
            elif employee_id and employees[employee_id].job_title not in needed[rotation_type]:
                errors.setdefault(rotation_type, []).append(
                    f"{employees[employee_id].name} cannot hold the {RotationType(rotation_type).label} rotation."
                )
    if errors:
        raise ValidationError(errors)
    rows = []
    for rotation_type, days in assignments.items():
        for weekday, employee_id in days.items():
            if employee_id:
                row, _ = RotationAssignment.objects.update_or_create(
                    weekday=int(weekday), rotation_type=rotation_type, defaults={"employee_id": employee_id}
                )
                rows.append(row)
            else:
                for row in RotationAssignment.objects.filter(weekday=int(weekday), rotation_type=rotation_type):
                    row.delete()
    return rows


@transaction.atomic
def rotation_exception_set(*, day: date, rotation_type: str, employee: Employee, reason: str = "") -> RotationException:
    row = RotationException.objects.filter(date=day, rotation_type=rotation_type).first() or RotationException(
        date=day, rotation_type=rotation_type
    )
    row.employee, row.reason = employee, reason
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def holiday_save(*, holiday: CompanyHoliday) -> CompanyHoliday:
    holiday.full_clean()
    holiday.save()
    return holiday


@transaction.atomic
def event_update(*, event: Event, **changes) -> Event:
    """Local edits (type, sub-type, estimate, exclusion). Type edits are kept by later syncs."""
    local_fields = {"event_type", "sub_type", "estimated_minutes", "auto_schedule_excluded"}
    unknown = set(changes) - local_fields
    if unknown:
        raise ValidationError({name: "This field comes from Crossmark and cannot be edited." for name in unknown})
    if {"event_type", "sub_type"} & set(changes):
        event.type_edited = True
    for name, value in changes.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def settings_update(**changes) -> SchedulingSettings:
    """The one write of the scheduling settings: the page form, the admin and the API all call it.
    Only `SchedulingSettings.EDITABLE_FIELDS` may change; a blank (or absent) password keeps the
    current one. The row is re-read and locked, so what a form object held in memory never counts."""
    unknown = sorted(set(changes) - set(SchedulingSettings.EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a scheduling setting that can be changed."] for name in unknown})
    scheduling_settings_get()  # creates the row on first use
    row = SchedulingSettings.objects.select_for_update().get(pk=1)
    for secret in SchedulingSettings.SECRET_FIELDS:
        if secret in changes and not changes[secret]:
            del changes[secret]  # blank keeps the current password
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def employee_save(*, employee: Employee) -> Employee:
    employee.full_clean()
    employee.save()
    return employee
