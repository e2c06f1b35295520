from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from project.forms import ListedModelChoiceField

from . import rules
from .models import (
    District,
    EventFormat,
    EventStatus,
    EventType,
    LocalStatus,
    Organization,
    RecruitmentNote,
    Skill,
)
from .selectors import DirectorySort


def _current_academic_year() -> int:
    return rules.academic_year_of(timezone.localdate())


class DirectoryForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        help_text="Every word must match a name, organization, title, department or skill.",
    )
    organization = ListedModelChoiceField(queryset=Organization.objects.only("name").order_by("name"), required=False)
    skill = ListedModelChoiceField(queryset=Skill.objects.only("name").order_by("name"), required=False)
    local_status = forms.ChoiceField(choices=[("", "Any")] + LocalStatus.choices, required=False)
    active = forms.ChoiceField(choices=[("", "Any"), ("yes", "Active"), ("no", "Not active")], required=False)
    sort = forms.ChoiceField(
        choices=DirectorySort.CHOICES + [("-" + k, f"{v} (reverse)") for k, v in DirectorySort.CHOICES], required=False
    )

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "organization": data["organization"].pk if data.get("organization") else None,
            "skill": data["skill"].pk if data.get("skill") else None,
            "local_status": data.get("local_status") or "",
            "active": {"yes": True, "no": False}.get(data.get("active") or ""),
            "sort": data.get("sort") or DirectorySort.NAME,
        }


class EventFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(choices=[("", "Any")] + EventStatus.choices, required=False)
    event_type = forms.ChoiceField(choices=[("", "Any")] + EventType.choices, required=False, label="Type")
    format = forms.ChoiceField(choices=[("", "Any")] + EventFormat.choices, required=False)
    district = ListedModelChoiceField(queryset=District.objects.only("name").order_by("name"), required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")

    def selector_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["district"] = data["district"].pk if data.get("district") else None
        return {k: v for k, v in data.items() if v not in (None, "")}


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV with a header row: first_name, last_name, email, phone, organization, "
        "title, department, skills (separated by ;), postal_code."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text. Save it as “CSV UTF-8”.") from exc


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note")


class RecruitmentNoteForm(forms.ModelForm):
    class Meta:
        model = RecruitmentNote
        fields = ["outcome", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class DateRangeForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end date is before the start date.")
        return data

    @classmethod
    def default_initial(cls) -> dict:
        start, end = rules.academic_year_bounds(_current_academic_year())
        return {"start": start.isoformat(), "end": end.isoformat()}


class ThankYouForm(DateRangeForm):
    by = forms.ChoiceField(choices=[("hours", "Hours"), ("events", "Events")], initial="hours")
    limit = forms.IntegerField(min_value=1, max_value=500, initial=25, label="Top N")


class YearForm(forms.Form):
    year = forms.IntegerField(
        min_value=2000, max_value=2100, help_text="Academic year start: 2025 means Aug 1 2025 – Jul 31 2026."
    )


class YearEndForm(YearForm):
    district = forms.ModelChoiceField(queryset=District.objects.none())

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts if districts is not None else District.objects.all()


class OrganizationReportForm(YearForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.order_by("name"), required=False)


def today() -> date:
    return timezone.localdate()


class ReportEmailForm(forms.Form):
    """ "E-mail me this report": which report, in which format, with the page's parameters."""

    report = forms.ChoiceField(
        choices=[(slug, slug) for slug in ("thank-you", "district-year-end", "organizations", "first-time")]
    )
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("xlsx", "Excel"), ("csv", "CSV")], initial="pdf")
    query = forms.CharField(required=False, max_length=2000)
