from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from .models import CompanyHoliday, Employee, Event, JobTitle, RotationType, Schedule, SchedulingSettings, TimeOff


def _employees():
    return Employee.objects.filter(is_active=True).order_by("name")


class AssignForm(forms.Form):
    employee = forms.ModelChoiceField(queryset=_employees())
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    override_reason = forms.CharField(
        required=False, max_length=300, help_text="Only to accept soft warnings; hard rules cannot be overridden."
    )

    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))

    def available_first(self, *, label: str, ids: list[int]) -> None:
        """Group the employee choices: the people the rules allow on the suggested day first (in
        the auto-scheduler's order), then everyone else. Validation is unchanged."""
        people = {e.pk: e for e in self.fields["employee"].queryset}
        available = [(pk, people[pk].name) for pk in ids if pk in people]
        others = [(e.pk, e.name) for e in people.values() if e.pk not in set(ids)]
        self.fields["employee"].choices = [("", "---------"), (label, available), ("Others", others)]


class RescheduleForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    override_reason = forms.CharField(required=False, max_length=300)

    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))


class ReassignForm(forms.Form):
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
                self.fields[name] = forms.ModelChoiceField(
                    queryset=queryset, required=False, label=f"{day} {rotation_type}"
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


class SettingsForm(forms.ModelForm):
    crossmark_password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Leave blank to keep the current password."
    )
    edr_password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Leave blank to keep the current password."
    )

    class Meta:
        model = SchedulingSettings
        fields = [
            "core_slots",
            "supervisor_time",
            "freeosk_time",
            "other_time",
            "digital_setup_slots",
            "digital_teardown_slots",
            "juicer_production_time",
            "juicer_survey_time",
            "durations",
            "non_core_buffer_days",
            "short_notice_uses_free_slots",
            "nightly_auto_schedule",
            "sync_days_back",
            "sync_days_ahead",
            "crossmark_username",
            "crossmark_password",
            "edr_username",
            "edr_password",
            "edr_mfa_credential_id",
        ]

    def clean_crossmark_password(self):
        return self.cleaned_data["crossmark_password"] or self.instance.crossmark_password

    def clean_edr_password(self):
        return self.cleaned_data["edr_password"] or self.instance.edr_password


class EdrCodeForm(forms.Form):
    code = forms.RegexField(regex=r"^\d{6}$", error_messages={"invalid": "Enter the 6-digit code."})


class EventTypeForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["event_type", "sub_type", "estimated_minutes", "auto_schedule_excluded"]


class CrossmarkLoginForm(forms.Form):
    username = forms.CharField(max_length=200)
    password = forms.CharField(widget=forms.PasswordInput, max_length=200)
