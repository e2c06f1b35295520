"""Volunteers services: reports by e-mail.

The e-mail carries a link to the report's download (the page's own CSV / Excel / PDF link with
the parameters the coordinator chose), not an attachment: the platform outbox stores and sends
text e-mails, and the link opens only after signing in with a right to the report, so no report
data travels by e-mail. Nothing slow happens here: the report was already built to check the
parameters, and the outbox sends from a worker after the transaction commits."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.utils import timezone

from project.email.models import EmailMessage
from project.email.outbox import email_send

REPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel", "pdf": "PDF"}
REPORT_PURPOSE = "report_delivery"


def report_email_record(*, slug: str, fmt: str, query: str) -> str:
    """The e-mail's subject of record: the report, the format, its parameters and today's date.
    The outbox sends once per (purpose, recipient, record), so asking twice the same day for the
    same report sends one e-mail; tomorrow, or with other parameters, is a new one."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    return f"volunteers.report:{slug}:{fmt}:{digest}:{timezone.localdate():%Y-%m-%d}"


def report_email_send(*, user, slug: str, title: str, fmt: str, query: str, link: str) -> tuple[EmailMessage, bool]:
    """E-mail `user` a link to the report `slug` (titled `title`) in `fmt`. Returns the outbox row
    and whether it is new (False: the same report was already e-mailed to them today, and is not
    sent again)."""
    if fmt not in REPORT_FORMATS:
        raise ValidationError({"format": ["Choose CSV, Excel or PDF."]})
    if not (user.email or "").strip():
        raise ValidationError({"email": ["Your account has no e-mail address; ask an administrator to add one."]})
    record = report_email_record(slug=slug, fmt=fmt, query=query)
    known = set(
        EmailMessage.objects.filter(purpose=REPORT_PURPOSE, subject_of_record=record).values_list("pk", flat=True)
    )
    row = email_send(
        purpose=REPORT_PURPOSE,
        to=user.email,
        to_name=user.get_full_name() or user.get_username(),
        subject_of_record=record,
        context={"report_title": f"{title} ({REPORT_FORMATS[fmt]})", "link": link},
        user=user,
    )
    return row, row.pk not in known
