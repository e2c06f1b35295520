from __future__ import annotations

import re
from datetime import datetime

from django import forms
from django.utils import timezone

from . import rules
from .models import CompanyHoliday, Employee, Event, JobTitle, RotationType, Schedule, SchedulingSettings, TimeOff


def _employees():
    return Employee.objects.filter(is_active=True).order_by("name")


class AvailableFirstMixin:
    def available_first(self, *, label: str, ids: list[int]) -> None:
        """Group the employee choices: the people the rules allow first (in the given order), then
        everyone else. Validation is unchanged."""
        people = {e.pk: e for e in self.fields["employee"].queryset}
        available = [(pk, people[pk].name) for pk in ids if pk in people]
        others = [(e.pk, e.name) for e in people.values() if e.pk not in set(ids)]
        self.fields["employee"].choices = [("", "---------"), (label, available), ("Others", others)]


class AssignForm(AvailableFirstMixin, forms.Form):
    employee = forms.ModelChoiceField(queryset=_employees())
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    override_reason = forms.CharField(
        required=False, max_length=300, help_text="Only to accept soft warnings; hard rules cannot be overridden."
    )

    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))


class RescheduleForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    override_reason = forms.CharField(required=False, max_length=300)

    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))


class ReassignForm(AvailableFirstMixin, forms.Form):
    employee = forms.ModelChoiceField(queryset=_employees())
    override_reason = forms.CharField(required=False, max_length=300)


class SwapForm(forms.Form):
    other = forms.ModelChoiceField(queryset=Schedule.objects.none(), label="Swap with")
    override_reason = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, schedule: Schedule, **kwargs):
        super().__init__(*args, **kwargs)
        day = timezone.localtime(schedule.start_at).date()
        self.fields["other"].queryset = (
            Schedule.objects.select_related("event", "employee")
            .filter(event__event_type="core", start_at__date=day)
            .exclude(pk=schedule.pk)
            .exclude(employee=schedule.employee)
        )


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["start_date", "end_date", "reason"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }


class HolidayForm(forms.ModelForm):
    class Meta:
        model = CompanyHoliday
        fields = ["name", "date", "is_recurring", "is_active"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class EmployeeForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = [
            "name",
            "job_title",
            "is_active",
            "termination_date",
            "crossmark_rep_id",
            "crossmark_employee_id",
            "mv_employee_number",
            "phone",
            "email",
        ]
        widgets = {"termination_date": forms.DateInput(attrs={"type": "date"})}


class RotationsForm(forms.Form):
    """A 7 × 2 grid: weekday × (Juicer, Primary Lead)."""

    DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        titles = {
            RotationType.JUICER: [JobTitle.JUICER_BARISTA],
            RotationType.PRIMARY_LEAD: [JobTitle.LEAD_EVENT_SPECIALIST, JobTitle.CLUB_SUPERVISOR],
        }
        for rotation_type, allowed in titles.items():
            queryset = Employee.objects.filter(is_active=True, job_title__in=allowed).order_by("name")
            for weekday, day in enumerate(self.DAYS):
                name = f"{rotation_type}_{weekday}"
                label = f"{day} {RotationType(rotation_type).label}"
                self.fields[name] = forms.ModelChoiceField(
                    queryset=queryset,
                    required=False,
                    label=label,
                    widget=forms.Select(attrs={"aria-label": label}),  # a grid cell: no visible label
                )
                self.initial[name] = current.get((rotation_type, weekday))

    def grid(self):
        return [(day, self[f"juicer_{i}"], self[f"primary_lead_{i}"]) for i, day in enumerate(self.DAYS)]

    def assignments(self) -> dict:
        out: dict = {"juicer": {}, "primary_lead": {}}
        for name, value in self.cleaned_data.items():
            rotation_type, weekday = name.rsplit("_", 1)
            out[rotation_type][int(weekday)] = value.pk if value else None
        return out


class TimeListField(forms.CharField):
    """A list of HH:MM times typed as "09:45, 10:30, 11:00" (stored as ["09:45", "10:30", "11:00"])."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
        out = []
        for part in parts:
            if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", part):
                raise forms.ValidationError(f"{part!r} is not a time (HH:MM).")
            hours, minutes = part.split(":")
            out.append(f"{int(hours):02d}:{minutes}")
        if not out:
            raise forms.ValidationError("Give at least one time (HH:MM).")
        if len(set(out)) != len(out):
            raise forms.ValidationError("Each time once.")
        return out


DURATION_FIELD_PREFIX = "duration_"


class SettingsForm(forms.ModelForm):
    """The scheduling settings, for the page and the admin alike: slot lists as comma-separated
    times, one minutes box per event type and sub-type, passwords write-only (blank keeps)."""

    core_slots = TimeListField(help_text="Comma-separated, e.g. 09:45, 10:30, 11:00, 11:30.")
    digital_setup_slots = TimeListField(help_text="Comma-separated; Digital setup/refresh starts rotate through them.")
    digital_teardown_slots = TimeListField(help_text="Comma-separated; Digital teardown starts rotate through them.")
    crossmark_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current password.",
    )
    edr_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current password.",
    )

    class Meta:
        model = SchedulingSettings
        fields = [f for f in SchedulingSettings.EDITABLE_FIELDS if f != "durations"]  # durations: one box per key

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.durations or {}
        for key in rules.DURATION_KEYS:
            self.initial.setdefault(DURATION_FIELD_PREFIX + key, current.get(key))

    def clean(self):
        cleaned = super().clean()
        cleaned["durations"] = {
            key: cleaned[DURATION_FIELD_PREFIX + key]
            for key in rules.DURATION_KEYS
            if cleaned.get(DURATION_FIELD_PREFIX + key)
        }
        return cleaned

    def settings_changes(self) -> dict:
        """What `services.settings_update` takes: the editable fields, durations as one dict."""
        return {
            name: self.cleaned_data[name] for name in SchedulingSettings.EDITABLE_FIELDS if name in self.cleaned_data
        }


def _duration_field(key: str, label: str) -> forms.IntegerField:
    is_type = key in rules.TYPE_LABELS
    default = rules.DEFAULT_DURATIONS.get(key)
    if is_type:
        help_text = f"Minutes (default {default})."
    elif default:
        help_text = f"Minutes; blank: {default}."
    else:
        help_text = "Minutes; blank: as its type."
    return forms.IntegerField(
        label=f"Duration: {label}", required=is_type, min_value=1, max_value=24 * 60, help_text=help_text
    )


# One field per duration key, declared on the class so that the admin lists them too.
for _key, _label in rules.DURATION_KEYS.items():
    SettingsForm.base_fields[DURATION_FIELD_PREFIX + _key] = SettingsForm.declared_fields[
        DURATION_FIELD_PREFIX + _key
    ] = _duration_field(_key, _label)


class EdrCodeForm(forms.Form):
    code = forms.RegexField(regex=r"^\d{6}$", error_messages={"invalid": "Enter the 6-digit code."})


class EventTypeForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["event_type", "sub_type", "estimated_minutes", "auto_schedule_excluded"]


class CrossmarkLoginForm(forms.Form):
    username = forms.CharField(max_length=200)
    password = forms.CharField(widget=forms.PasswordInput, max_length=200)
