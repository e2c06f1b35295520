"""Phone verification: a new or changed number gets a code by SMS (through the outbox); the
member replies with it, or a lead enters it on their behalf. Unverified numbers are not paged."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import paging
from .models import Member, PhoneVerification, SmsMessage

CODE_TTL = timedelta(hours=24)
MAX_ATTEMPTS = 5
CODE = re.compile(r"^\d{6}$")


@transaction.atomic
def verification_start(*, member: Member, phone: str, now: datetime | None = None) -> PhoneVerification:
    """A fresh code for `phone` (replacing any earlier one), sent by SMS."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    row, _ = PhoneVerification.objects.update_or_create(
        member=member,
        phone=phone,
        defaults={"code_hash": make_password(code), "attempts": 0, "sent_at": now, "verified_at": None},
    )
    paging.message_queue(
        team=member.team,
        purpose=SmsMessage.Purpose.VERIFY,
        key=f"verify:{row.pk}:{now.isoformat()}",
        phone=phone,
        name=member.name,
        body=f"Crewbase on-call: your verification code is {code}. Reply with it, or give it to your lead.",
        member=member,
    )
    return row


def verification_check(*, member: Member, phone: str, code: str, now: datetime | None = None) -> PhoneVerification:
    """Verify `phone` with `code`; ValidationError naming `code` when wrong, expired or tried too
    often. A wrong try is counted (and kept) before the error is raised."""
    row, error = _check(member=member, phone=phone, code=code, now=now or timezone.now())
    if error:
        raise ValidationError({"code": [error]})
    return row


@transaction.atomic
def _check(*, member: Member, phone: str, code: str, now: datetime) -> tuple[PhoneVerification | None, str]:
    row = PhoneVerification.objects.select_for_update().filter(member=member, phone=phone).first()
    if row is None:
        return None, "No code was sent to this number; send one first."
    if row.verified_at is not None:
        return row, ""
    if row.attempts >= MAX_ATTEMPTS or now - row.sent_at > CODE_TTL:
        return row, "This code has expired or was tried too often; send a new one."
    row.attempts += 1
    if not CODE.match((code or "").strip()) or not check_password(code.strip(), row.code_hash):
        row.save(update_fields=["attempts"])
        return row, "The code is not right."
    row.verified_at = now
    row.save(update_fields=["attempts", "verified_at"])
    return row, ""


def verification_by_reply(*, from_phone: str, body: str, now: datetime | None = None) -> bool:
    """An inbound SMS that is the pending code for that phone verifies it."""
    code = (body or "").strip()
    if not CODE.match(code):
        return False
    for row in PhoneVerification.objects.filter(phone=from_phone, verified_at__isnull=True).select_related("member"):
        try:
            verification_check(member=row.member, phone=from_phone, code=code, now=now)
        except ValidationError:
            continue
        return True
    return False
