from django import forms

from .models import EmailMessage, EmailTemplate
from .purposes import purpose_choices
from .templating import placeholders_validate


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *EmailMessage.Status.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any purpose"), *purpose_choices()], required=False)
    to = forms.CharField(required=False, max_length=254, label="Recipient")


class TemplatePreviewForm(forms.Form):
    purpose = forms.ChoiceField(choices=purpose_choices())
    subject = forms.CharField(max_length=200)
    body_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), max_length=50_000, strip=False)


class EmailTemplateForm(forms.ModelForm):
    """Admin form: saving makes a new version (see EmailTemplateAdmin.save_model)."""

    class Meta:
        model = EmailTemplate
        fields = ["purpose", "subject", "body_text"]

    def clean(self):
        data = super().clean()
        purpose = data.get("purpose") or self.instance.purpose  # read-only once saved
        if purpose and data.get("subject") is not None and data.get("body_text") is not None:
            try:
                placeholders_validate(purpose=purpose, subject=data["subject"], body_text=data["body_text"])
            except forms.ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data
