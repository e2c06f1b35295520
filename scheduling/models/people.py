"""Scheduling models: employees, their weekly and date availability, time off, attendance,
rotations, rotation exceptions and company holidays."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from project.models import AuditedModel

from .choices import JobTitle, RotationType, Weekday


# --------------------------------------------------------------------------- people
class Employee(AuditedModel):
    name = models.CharField(max_length=200)
    job_title = models.CharField(
        max_length=32, choices=JobTitle.choices, default=JobTitle.EVENT_SPECIALIST, db_index=True
    )
    is_active = models.BooleanField(default=True, db_index=True)
    termination_date = models.DateField(null=True, blank=True, help_text="First day the employee no longer works.")
    crossmark_rep_id = models.CharField(
        "Crossmark rep id",
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        help_text="Needed to post schedules to Crossmark.",
    )
    crossmark_employee_id = models.CharField(
        "Crossmark employee id", max_length=32, null=True, blank=True, unique=True, help_text="The US###### number."
    )
    mv_employee_number = models.CharField("MV employee number", max_length=32, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(job_title__in=JobTitle.values), name="employee_job_title_valid"),
            models.CheckConstraint(condition=~Q(crossmark_rep_id=""), name="employee_rep_id_null_not_blank"),
            models.CheckConstraint(condition=~Q(crossmark_employee_id=""), name="employee_crossmark_id_null_not_blank"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # Blank ids are stored as NULL so that the unique constraints ignore them.
        self.crossmark_rep_id = self.crossmark_rep_id or None
        self.crossmark_employee_id = self.crossmark_employee_id or None


class WeeklyAvailability(AuditedModel):
    """Days of the week an employee can work. No row means available every day."""

    DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    employee = models.OneToOneField(Employee, on_delete=models.CASCADE, related_name="weekly_availability")
    monday = models.BooleanField(default=True)
    tuesday = models.BooleanField(default=True)
    wednesday = models.BooleanField(default=True)
    thursday = models.BooleanField(default=True)
    friday = models.BooleanField(default=True)
    saturday = models.BooleanField(default=True)
    sunday = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "weekly availability"

    def __str__(self):
        return f"{self.employee} weekly availability"

    def as_tuple(self) -> tuple[bool, ...]:
        return tuple(getattr(self, day) for day in self.DAYS)


class DateAvailability(AuditedModel):
    """An explicit answer for one date (unavailable for a dentist visit, available on a day off)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="date_availability")
    date = models.DateField()
    is_available = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "date availability"
        constraints = [models.UniqueConstraint(fields=["employee", "date"], name="date_availability_unique")]

    def __str__(self):
        return f"{self.employee} {self.date}: {'available' if self.is_available else 'unavailable'}"


class TimeOff(AuditedModel):
    """An absence, both dates inclusive. Overlaps are refused by `time_off_create`."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="time_off")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=F("end_date")), name="time_off_start_before_end"),
        ]
        indexes = [models.Index(fields=["employee", "start_date", "end_date"])]

    def __str__(self):
        return f"{self.employee} off {self.start_date}–{self.end_date}"

    def clean(self):
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})
        if self.employee_id and self.start_date and self.end_date:
            overlapping = TimeOff.objects.filter(
                employee_id=self.employee_id, start_date__lte=self.end_date, end_date__gte=self.start_date
            ).exclude(pk=self.pk)
            first = overlapping.first()
            if first is not None:
                raise ValidationError({"start_date": f"Overlaps time off {first.start_date}–{first.end_date}."})


class Attendance(AuditedModel):
    class Status(models.TextChoices):
        ON_TIME = "on_time", "On time"
        LATE = "late", "Late"
        CALLED_IN = "called_in", "Called in"
        NO_CALL_NO_SHOW = "no_call_no_show", "No call, no show"
        EXCUSED_ABSENCE = "excused_absence", "Excused absence"

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "employee__name"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(fields=["employee", "date"], name="attendance_unique_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=["on_time", "late", "called_in", "no_call_no_show", "excused_absence"]),
                name="attendance_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.employee} {self.date}: {self.get_status_display()}"


# --------------------------------------------------------------------------- rotations and holidays
class RotationAssignment(AuditedModel):
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    rotation_type = models.CharField(max_length=16, choices=RotationType.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="rotations")

    class Meta:
        ordering = ["rotation_type", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["weekday", "rotation_type"], name="rotation_unique_per_day"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="rotation_weekday_range"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.get_rotation_type_display()}: {self.employee}"


class RotationException(AuditedModel):
    date = models.DateField()
    rotation_type = models.CharField(max_length=16, choices=RotationType.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="rotation_exceptions")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "rotation_type"]
        constraints = [models.UniqueConstraint(fields=["date", "rotation_type"], name="rotation_exception_unique")]

    def __str__(self):
        return f"{self.date} {self.get_rotation_type_display()}: {self.employee}"


class CompanyHoliday(AuditedModel):
    name = models.CharField(max_length=100)
    date = models.DateField(help_text="For a recurring holiday only month and day count.")
    is_recurring = models.BooleanField(default=False, help_text="Every year on the same month and day.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["date", "name"], name="holiday_unique_name_date")]

    def __str__(self):
        return f"{self.name} ({self.date:%b %d}{', yearly' if self.is_recurring else ''})"
