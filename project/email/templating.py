"""Versioned e-mail templates: placeholders, rendering and the edit → version n+1 rule.

Placeholders are `{{ name }}` and nothing else (no template tags, no filters): an editor can
neither run code nor reach data the sender did not pass. The HTML part is always generated
from the rendered plain text, escaped, so a value like `<script>` arrives as text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.html import linebreaks, urlize

from .models import EmailTemplate
from .purposes import COMMON_PLACEHOLDERS, COMMON_SAMPLE, Purpose, purpose_get

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ANY_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}|\{%|%\}")
SUBJECT_MAX = 200
BODY_MAX = 50_000


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str


def _purpose(key: str) -> Purpose:
    purpose = purpose_get(key)
    if purpose is None:
        raise ValidationError({"purpose": [f"Unknown e-mail purpose “{key}”."]})
    return purpose


def allowed_placeholders(purpose: Purpose) -> tuple[str, ...]:
    return COMMON_PLACEHOLDERS + purpose.placeholders


def placeholders_validate(*, purpose: str, subject: str, body_text: str) -> None:
    """Every `{{ … }}` must be a placeholder of the purpose; the error names the first offender
    per field. Stray braces and template tags are refused too (they would be sent verbatim)."""
    spec = _purpose(purpose)
    allowed = allowed_placeholders(spec)
    errors: dict[str, list[str]] = {}
    for field, text, limit in (("subject", subject, SUBJECT_MAX), ("body_text", body_text, BODY_MAX)):
        if not (text or "").strip():
            errors[field] = ["This field is required."]
            continue
        if len(text) > limit:
            errors[field] = [f"At most {limit} characters (this has {len(text)})."]
            continue
        if field == "subject" and ("\r" in text or "\n" in text):
            errors[field] = ["The subject must be one line."]
            continue
        for token in ANY_BRACES.findall(text):
            match = PLACEHOLDER.fullmatch(token)
            if match is None:
                errors[field] = [f"“{token}” is not a placeholder; write placeholders as {{{{ name }}}}."]
                break
            if match.group(1) not in allowed:
                errors[field] = [f"Unknown placeholder “{match.group(1)}”. Allowed: {', '.join(allowed)}."]
                break
    if errors:
        raise ValidationError(errors)


def _substitute(text: str, context: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), "")), text)


def html_from_text(text: str) -> str:
    """Escaped paragraphs with clickable links: the HTML part never carries raw markup."""
    body = linebreaks(urlize(text, autoescape=True), autoescape=False)
    return f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'


def render(*, subject: str, body_text: str, context: dict[str, object]) -> Rendered:
    values = {k: "" if v is None else str(v) for k, v in context.items()}
    text = _substitute(body_text, values)
    return Rendered(
        subject=_substitute(subject, values).strip(),
        body_text=text,
        body_html=html_from_text(text),
    )


def common_context(*, recipient_name: str = "") -> dict[str, str]:
    return {
        "site_name": "Crewbase",
        "site_url": settings.SITE_URL,
        "recipient_name": recipient_name or "there",
    }


# --------------------------------------------------------------------------- versions
def template_active(*, purpose: str) -> EmailTemplate:
    """The active version; version 1 is created from the built-in default the first time."""
    spec = _purpose(purpose)
    template = EmailTemplate.objects.filter(purpose=purpose, is_active=True).first()
    if template is not None:
        return template
    try:
        with transaction.atomic():
            return EmailTemplate.objects.create(
                purpose=purpose, version=1, is_active=True, subject=spec.subject, body_text=spec.body_text
            )
    except IntegrityError:  # a concurrent first use created it
        return EmailTemplate.objects.get(purpose=purpose, is_active=True)


@transaction.atomic
def template_revise(*, purpose: str, subject: str, body_text: str, user=None) -> EmailTemplate:
    """Save an edit as version n+1, active; the previous version stays (inactive) for messages
    already sent with it and for reverting."""
    placeholders_validate(purpose=purpose, subject=subject, body_text=body_text)
    template_active(purpose=purpose)  # make sure version 1 exists
    current = list(EmailTemplate.objects.select_for_update().filter(purpose=purpose).order_by("-version"))
    latest = current[0].version if current else 0
    EmailTemplate.objects.filter(purpose=purpose, is_active=True).update(is_active=False)
    template = EmailTemplate(
        purpose=purpose,
        version=latest + 1,
        is_active=True,
        subject=subject.strip(),
        body_text=body_text.replace("\r\n", "\n"),
        created_by=user if user is not None and user.pk else None,
    )
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_activate(*, template: EmailTemplate) -> EmailTemplate:
    """Revert: make an earlier version the active one."""
    EmailTemplate.objects.filter(purpose=template.purpose, is_active=True).exclude(pk=template.pk).update(
        is_active=False
    )
    template.refresh_from_db(fields=["is_active"])
    if not template.is_active:
        template.is_active = True
        template.save(update_fields=["is_active"])
    return template


def template_was_sent(template: EmailTemplate) -> bool:
    return template.messages.exists()


@transaction.atomic
def template_delete(*, template: EmailTemplate) -> None:
    """Only a version that never sent anything can go; if it was active, the newest remaining
    version becomes active (or the built-in default on next use)."""
    if template_was_sent(template):
        raise ValidationError(
            {"template": [f"{template} has been sent and cannot be deleted; activate another version instead."]}
        )
    purpose, was_active = template.purpose, template.is_active
    template.delete()
    if was_active:
        newest = EmailTemplate.objects.filter(purpose=purpose).order_by("-version").first()
        if newest is not None:
            template_activate(template=newest)


def template_preview(*, purpose: str, subject: str, body_text: str) -> Rendered:
    """The template rendered with the purpose's sample data (validates first)."""
    placeholders_validate(purpose=purpose, subject=subject, body_text=body_text)
    spec = _purpose(purpose)
    return render(subject=subject, body_text=body_text, context={**COMMON_SAMPLE, **spec.sample})
