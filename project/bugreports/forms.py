from django import forms

from .models import BugReport


class BugReportForm(forms.Form):
    kind = forms.ChoiceField(choices=BugReport.Kind.choices, initial=BugReport.Kind.BUG)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Describe the problem."},
    )
    page_url = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    page_title = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


class BugFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *BugReport.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any type"), *BugReport.Kind.choices], required=False)
    q = forms.CharField(required=False, max_length=200, label="Search")


class ResolveForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say how it was resolved."},
    )
