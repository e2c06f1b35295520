"""Forms of the teacher programme's pages (validation only; services do the work)."""

from __future__ import annotations

from django import forms

from ..models import AttendanceOverride, TeacherIssue


class ProgressFilterForm(forms.Form):
    district = forms.ModelChoiceField(queryset=None, required=True)
    year = forms.IntegerField(min_value=2000, max_value=2100, label="Academic year (start)")

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts


class PathfulUploadForm(forms.Form):
    file = forms.FileField(help_text="The Pathful session report, .xlsx or .csv (up to 20 MB).")


class UnmatchedResolveForm(forms.Form):
    ACTIONS = (("link", "Link to an existing person"), ("create", "Create the person"), ("ignore", "Ignore"))
    action = forms.ChoiceField(choices=ACTIONS)
    contact_id = forms.IntegerField(required=False, min_value=1, label="Person id (to link)")
    note = forms.CharField(required=False, max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("action") == "link" and not data.get("contact_id"):
            self.add_error("contact_id", "Give the id of the person to link.")
        return data


class OverrideForm(forms.Form):
    event_id = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=AttendanceOverride.Action.choices)
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TargetForm(forms.Form):
    target = forms.IntegerField(min_value=1, max_value=100)


class MagicLinkRequestForm(forms.Form):
    email = forms.EmailField(max_length=254)


class TeacherIssueForm(forms.Form):
    kind = forms.ChoiceField(choices=TeacherIssue.Kind.choices)
    event_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    text = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AttendanceDetailForm(forms.Form):
    classrooms = forms.IntegerField(required=False, min_value=0, max_value=10_000)
    rotations = forms.IntegerField(required=False, min_value=0, max_value=1_000)
    total_students = forms.IntegerField(required=False, min_value=0, max_value=1_000_000)
