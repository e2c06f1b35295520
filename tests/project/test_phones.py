"""The one phone rule: national numbers read in the configured region, E.164 out."""

import pytest
from django.core.exceptions import ValidationError

from oncall.models import validate_e164
from project import phones
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


def _by_the_parser(text: str, region: str) -> str:
    try:
        return phones._parse(text, region)
    except InvalidPhone:
        return "invalid"


def _by_the_rule(text: str, region: str) -> str:
    try:
        return phone_to_e164(text, region=region)
    except InvalidPhone:
        return "invalid"


@pytest.mark.parametrize("region", ["US", "CA", "GB", ""])
def test_the_ten_digit_fast_path_gives_the_parsers_answer(region):
    """Plain ten-digit numbers skip the parser in a North American region; every answer (valid
    or not) is still the library's. Area and exchange codes sweep the edges the metadata draws
    (N11, 555, unassigned, Canadian, toll-free), in every spelling the fast path reads."""
    areas = ["212", "312", "416", "604", "800", "888", "900", "211", "555", "999", "370", "816", "268"]
    exchanges = ["555", "211", "911", "100", "234", "976", "800", "958"]
    spellings = ["({a}) {e}-{n}", "{a}.{e}.{n}", "+1 {a} {e} {n}", "1-{a}-{e}-{n}", "{a}{e}{n}", "+1({a}){e}{n}"]
    checked = 0
    for area in areas:
        for exchange in exchanges:
            for line in ("0101", "0199", "1234", "9999"):
                for spelling in spellings:
                    text = spelling.format(a=area, e=exchange, n=line)
                    assert _by_the_rule(text, region) == _by_the_parser(text, region), text
                    checked += 1
    assert checked == len(areas) * len(exchanges) * 4 * len(spellings)


def test_the_fast_path_is_taken_for_plain_north_american_numbers(monkeypatch, settings):
    settings.PHONE_DEFAULT_REGION = "US"
    parsed = []
    monkeypatch.setattr(phones, "_parse", lambda text, default: parsed.append(text) or "parsed")
    assert phone_to_e164("(816) 555-0101") == "+18165550101"
    assert phone_to_e164("+1 816 555 0101") == "+18165550101"
    assert parsed == []
    assert phone_to_e164("+44 20 7946 0958") == "parsed"  # not North American: the parser
    assert phone_to_e164("816 555 0101", region="") == "parsed"  # a country code is required: the parser
    assert parsed == ["+44 20 7946 0958", "816 555 0101"]
