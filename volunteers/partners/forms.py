from django import forms


class SignupForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=254)
    phone = forms.CharField(max_length=30, required=False, help_text="Optional.")
    # Honeypot: hidden from people by CSS and from assistive technology (aria-hidden), out of the
    # tab order and never autofilled; bots that fill every field are recognised by it.
    website = forms.CharField(
        required=False,
        max_length=200,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        for name in ("first_name", "last_name"):
            value = data.get(name, "")
            if "\r" in value or "\n" in value:
                self.add_error(name, "One line only.")
        return data
