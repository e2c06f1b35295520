"""Volunteers services: contact details (e-mails, phones, addresses) and which one is primary."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from project.phones import InvalidPhone, phone_to_e164

from ..models import Contact, ContactAddress, ContactEmail, ContactPhone, Volunteer
from .participations import volunteer_local_status_refresh


# --------------------------------------------------------------------------- contact details
def normalize_email(raw: str | None) -> str:
    """Lower-cased address; blanks and the string "None" are rejected, never stored."""
    value = (raw or "").strip()
    if not value or value.lower() in {"none", "null", "n/a"}:
        raise ValidationError({"email": "Enter an email address."})
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({"email": f"“{value}” is not a valid email address."}) from exc
    return value.lower()


def normalize_phone(raw: str | None) -> str:
    """E.164 through the platform's one phone rule; a blank or invalid number names the field."""
    try:
        number = phone_to_e164(raw)
    except InvalidPhone as exc:
        raise ValidationError({"number": str(exc)}) from exc
    if not number:
        raise ValidationError({"number": "Enter a phone number."})
    return number


def _add_detail(model, *, contact: Contact, make_primary: bool, **fields):
    siblings = model.objects.filter(contact=contact)
    # The first detail of a kind becomes primary, so a contact with details always has one.
    primary = make_primary or not siblings.exists()
    if primary:
        siblings.filter(is_primary=True).update(is_primary=False)
    detail = model(contact=contact, is_primary=primary, **fields)
    detail.full_clean()
    detail.save()
    return detail


@transaction.atomic
def contact_email_add(
    *, contact: Contact, email: str, kind: str = ContactEmail.Kind.PERSONAL, make_primary: bool = False
) -> ContactEmail:
    address = normalize_email(email)
    if ContactEmail.objects.filter(contact=contact, email=address).exists():
        raise ValidationError({"email": f"{address} is already on this contact."})
    return _add_detail(ContactEmail, contact=contact, make_primary=make_primary, email=address, kind=kind)


@transaction.atomic
def contact_phone_add(
    *, contact: Contact, number: str, kind: str = ContactPhone.Kind.PERSONAL, make_primary: bool = False
) -> ContactPhone:
    normalized = normalize_phone(number)
    if ContactPhone.objects.filter(contact=contact, number=normalized).exists():
        raise ValidationError({"number": f"{normalized} is already on this contact."})
    return _add_detail(ContactPhone, contact=contact, make_primary=make_primary, number=normalized, kind=kind)


@transaction.atomic
def contact_address_add(
    *,
    contact: Contact,
    street: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    kind: str = ContactAddress.Kind.PERSONAL,
    make_primary: bool = False,
) -> ContactAddress:
    address = _add_detail(
        ContactAddress,
        contact=contact,
        make_primary=make_primary,
        street=street,
        city=city,
        state=state,
        postal_code=postal_code.strip(),
        kind=kind,
    )
    if contact.kind == Contact.Kind.VOLUNTEER:
        volunteer_local_status_refresh(volunteer=Volunteer.objects.get(pk=contact.pk))
    return address


@transaction.atomic
def contact_detail_make_primary(*, detail: ContactEmail | ContactPhone | ContactAddress) -> None:
    type(detail).objects.filter(contact_id=detail.contact_id, is_primary=True).exclude(pk=detail.pk).update(
        is_primary=False
    )
    detail.is_primary = True
    detail.save(update_fields=["is_primary", "updated_at"])
