from __future__ import annotations

import threading
import zoneinfo
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile

from .importing import parse_tags
from .models import Category, Expense, Merchant, Restaurant, Tag
from .services import RESTAURANT_FIELDS

RECEIPT_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic"}
RECEIPT_MAX_BYTES = 10 * 1024 * 1024
RECEIPT_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}  # what Pillow must decode the file as
RECEIPT_MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded
# HEIC photos (iPhones): Pillow cannot decode them, so their ISO-BMFF brand is checked instead.
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_STRICT_DECODE = threading.Lock()
RECEIPT_REFUSED = "Upload a PDF or an image (jpg, png, gif, webp, heic)."


def receipt_content_kind(upload) -> str | None:
    """What the file really is, by its content: "pdf" (the %PDF- signature), "image" (decoded by
    Pillow as one of RECEIPT_IMAGE_FORMATS), "heic" (by its file-type box), or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
            return "heic"
        try:
            with Image.open(upload) as image:
                if image.format not in RECEIPT_IMAGE_FORMATS or image.width * image.height > RECEIPT_MAX_PIXELS:
                    return None
                image.verify()  # the file's structure and checksums, whatever LOAD_TRUNCATED_IMAGES says
            upload.seek(0)
            # A full decode, strict about truncation even though WeasyPrint relaxes it process-wide.
            with _STRICT_DECODE, Image.open(upload) as image:
                relaxed, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = relaxed
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            return None
        return "image"
    finally:
        upload.seek(0)


class ExpenseForm(forms.ModelForm):
    tags = forms.CharField(required=False, help_text="Comma-separated, in the order you want them shown.")

    class Meta:
        model = Expense
        fields = [
            "kind",
            "amount",
            "date",
            "time",
            "cleared_date",
            "restaurant",
            "category",
            "meal_type",
            "order_type",
            "party_size",
            "tags",
            "notes",
            "receipt",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "time": forms.TimeInput(attrs={"type": "time"}),
            "cleared_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "max": "100000"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's own rows are choices: anyone else's id is "not a valid choice".
        self.fields["restaurant"].queryset = Restaurant.objects.filter(user=user).order_by("name", "location_name")
        self.fields["category"].queryset = Category.objects.filter(user=user)
        self.fields["restaurant"].widget.attrs["data-default-category-url"] = (
            "/api/v1/expenses/restaurants/{id}/default-category/"
        )
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(link.tag.name for link in self.instance.tag_links.all())

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("tags") or "")

    def clean_receipt(self):
        receipt = self.cleaned_data.get("receipt")
        if receipt and hasattr(receipt, "size") and getattr(receipt, "content_type", None) is not None:
            suffix = Path(receipt.name).suffix.lower()
            if suffix not in RECEIPT_EXTENSIONS:
                raise ValidationError(RECEIPT_REFUSED)
            if receipt.size > RECEIPT_MAX_BYTES:
                raise ValidationError("The receipt is larger than 10 MB.")
            # Checked by content, not by name: HTML renamed .png is refused, and the name must
            # say what the content is (a receipt is served by the type its name implies).
            kind = receipt_content_kind(receipt)
            expected = "pdf" if suffix == ".pdf" else "heic" if suffix == ".heic" else "image"
            if kind != expected:
                raise ValidationError(f"This file is not a readable {suffix[1:].upper()}. {RECEIPT_REFUSED}")
        return receipt


class RestaurantForm(forms.ModelForm):
    class Meta:
        model = Restaurant
        fields = list(RESTAURANT_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self):
        # Uniqueness (case-insensitive, per user) is the service's job; it names the field.
        return None


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "color", "description"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def validate_unique(self):
        return None


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def validate_unique(self):
        return None


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV, JSON, OFX or QFX, at most 2,000 rows and 5 MB.")


class AnalyticsRangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date is before the start date.")
        return data


class TimezoneForm(forms.Form):
    timezone = forms.ChoiceField(
        required=False,
        help_text="Used for “today” when you add an expense. Dates you enter are always kept exactly as entered.",
    )
    bank_match_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=60,
        initial=14,
        label="Bank match window (days)",
        help_text="A bank-export row is matched to an expense you entered up to this many days before it cleared.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [("", f"Site default ({settings.TIME_ZONE})")] + [
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]


class PlaceSearchForm(forms.Form):
    place_q = forms.CharField(label="Search Google Places", min_length=2, max_length=200)
    near = forms.CharField(required=False, max_length=100)


class BackupRestoreForm(forms.Form):
    file = forms.FileField(help_text="A backup .json, or the .zip with receipts.")
    username = forms.CharField(
        required=False,
        max_length=150,
        help_text="Administrators: restore into this user's account (blank: your own).",
    )


class MerchantForm(forms.ModelForm):
    class Meta:
        model = Merchant
        fields = ["name", "short_name", "website", "category"]

    def validate_unique(self):
        return None  # the service checks the name per user, case-insensitively, and names the field


class LoyaltyForm(forms.Form):
    program = forms.CharField(max_length=100)
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.none(), required=False)
    number = forms.CharField(max_length=100, required=False)
    tier = forms.CharField(max_length=60, required=False)
    points = forms.IntegerField(min_value=0, required=False)
    portal_url = forms.URLField(max_length=300, required=False, assume_scheme="https")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = Merchant.objects.filter(user=user)  # only the user's own
