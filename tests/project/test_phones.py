"""The one phone rule: national numbers read in the configured region, E.164 out."""

import pytest
from django.core.exceptions import ValidationError

from oncall.models import validate_e164
from project.phones import InvalidPhone, phone_to_e164
from volunteers.services import normalize_phone


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("(312) 555-0100", "+13125550100"),
        ("312.555.0100", "+13125550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +1 312 555 0100 ", "+13125550100"),
        ("", ""),
        (None, ""),
        ("None", ""),
        ("n/a", ""),
    ],
)
def test_phone_to_e164(raw, expected):
    assert phone_to_e164(raw) == expected


@pytest.mark.parametrize("raw", ["12", "not a number", "+1 555 0100", "+99 123"])
def test_invalid_numbers_name_the_value(raw):
    with pytest.raises(InvalidPhone, match=raw.strip()[:3].replace("+", r"\+")):
        phone_to_e164(raw)


def test_the_default_region_is_a_setting(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert phone_to_e164("020 7946 0958") == "+442079460958"
    settings.PHONE_DEFAULT_REGION = "US"
    with pytest.raises(InvalidPhone):
        phone_to_e164("020 7946 0958")


def test_an_explicit_empty_region_requires_a_country_code():
    with pytest.raises(InvalidPhone):
        phone_to_e164("312 555 0100", region="")
    assert phone_to_e164("+13125550100", region="") == "+13125550100"


@pytest.mark.django_db
def test_every_app_uses_the_same_rule(settings):
    """Volunteer contacts and on-call members agree on one input."""
    settings.PHONE_DEFAULT_REGION = "GB"
    assert normalize_phone("020 7946 0958") == "+442079460958"
    with pytest.raises(ValidationError) as refused:
        normalize_phone("12")
    assert "number" in refused.value.message_dict
    validate_e164("+442079460958")
    with pytest.raises(ValidationError):
        validate_e164("020 7946 0958")
