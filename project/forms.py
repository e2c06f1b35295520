from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """The options from one plain query. Django iterates a ModelChoiceField's queryset with
    `.iterator()`, which on PostgreSQL opens a server-side cursor (three more round trips) to
    stream what is, for a filter's organizations or districts, a short list."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for a short list of options (see ListedChoiceIterator). Give it a queryset
    with `.only(...)` the columns its labels show: a filter's options need no other column."""

    iterator = ListedChoiceIterator


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits shown in your authenticator app.")
        return token
