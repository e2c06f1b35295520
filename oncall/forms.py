from __future__ import annotations

from django import forms

from .models import Member, ShiftPattern, Team, validate_e164
from .sms_template import TemplateError, template_validate


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "phone", "secondary_phone", "email", "active"]


class ShiftForm(forms.ModelForm):
    class Meta:
        model = ShiftPattern
        fields = ["name", "weekday", "start_time", "duration_hours", "active"]
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"})}


class ScheduleForm(forms.Form):
    MODES = [
        ("extend", "Extend from the end of the schedule"),
        ("generate", "Generate from a date"),
        ("regenerate", "Regenerate from a date (replaces that window)"),
    ]
    mode = forms.ChoiceField(choices=MODES, initial="extend")
    start_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Needed to generate or regenerate."
    )
    weeks = forms.IntegerField(min_value=1, max_value=104, initial=12)

    def clean(self):
        data = super().clean()
        if data.get("mode") in ("generate", "regenerate") and not data.get("start_date"):
            self.add_error("start_date", "Choose the date to start from.")
        return data


class OverrideForm(forms.Form):
    assignment = forms.TypedChoiceField(coerce=int, label="Occurrence")
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label="Covered by")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, team: Team, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].choices = [
            (a.pk, f"{a.occurrence_date:%a %d %b} · {a.shift.label} · {a.member.name}") for a in assignments
        ]
        self.fields["member"].queryset = Member.objects.filter(team=team).order_by("rotation_order", "id")


class SettingsForm(forms.ModelForm):
    contacts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Escalation contacts, one per line: Name, +13125550100",
    )
    confirm_within_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=720,
        help_text="Minutes to confirm a page by replying 1 or OK; then a reminder, and after as long again the "
        "backup is paged. 0 turns confirmation off; empty keeps the current value.",
    )

    class Meta:
        model = Team
        fields = list(Team.SETTINGS_FIELDS)
        widgets = {
            "notification_time": forms.TimeInput(attrs={"type": "time"}),
            "sms_template": forms.Textarea(attrs={"rows": 3, "maxlength": 320, "data-sms-counter": "1"}),
        }

    def clean_sms_template(self):
        value = self.cleaned_data["sms_template"]
        try:
            template_validate(value)
        except TemplateError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value

    def clean_confirm_within_minutes(self):
        value = self.cleaned_data.get("confirm_within_minutes")
        return self.instance.confirm_within_minutes if value is None else value

    def clean_contacts(self):
        contacts = []
        for number, line in enumerate(self.cleaned_data.get("contacts", "").splitlines(), start=1):
            if not line.strip():
                continue
            name, _, phone = line.rpartition(",")
            if not name.strip():
                raise forms.ValidationError(f"Line {number}: write 'Name, +phone'.")
            try:
                validate_e164(phone.strip())
            except forms.ValidationError as exc:
                raise forms.ValidationError(f"Line {number}: {exc.messages[0]}") from exc
            contacts.append({"name": name.strip(), "phone": phone.strip()})
        return contacts


class ManualSmsForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=1600, help_text="{name} is replaced by the member's name."
    )
