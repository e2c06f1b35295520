"""SMS template rules and segment counting (plain Python)."""

from __future__ import annotations

import string
from dataclasses import dataclass

PLACEHOLDERS = ("name", "start", "end", "duration", "team")
MAX_TEMPLATE_CHARS = 320

# GSM 03.38 basic set; the extension table characters cost two septets each.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class SmsSize:
    characters: int
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"


def sms_size(text: str) -> SmsSize:
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)  # UTF-16 code units
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 0 if units == 0 else 1 if units <= single else -(-units // multi)
    return SmsSize(characters=len(text), segments=segments, encoding=encoding)


def template_validate(template: str) -> SmsSize:
    """Raise TemplateError naming the problem; return the size of the template as written."""
    if not template or not template.strip():
        raise TemplateError("The template is empty.")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"The template has {len(template)} characters; the maximum is {MAX_TEMPLATE_CHARS}.")
    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise TemplateError(f"The template has an unbalanced brace: {exc}.") from exc
    if not fields:
        raise TemplateError(
            "The template has no placeholder, so every page would read the same; use at least one of "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            + "."
        )
    for name in fields:
        if name not in PLACEHOLDERS:
            shown = "{" + name + "}" if name else "{}"
            raise TemplateError(
                f"Unknown placeholder {shown}; use only " + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + "."
            )
    return sms_size(template)


def template_render(template: str, **values: str) -> str:
    return template.format(**{name: values.get(name, "") for name in PLACEHOLDERS})
