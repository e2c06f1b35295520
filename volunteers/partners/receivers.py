"""Platform e-mail events that concern volunteers' contacts."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from project.email.models import EmailMessage
from project.email.outbox import delivery_problem
from volunteers.models import Contact


@receiver(delivery_problem, sender=EmailMessage, dispatch_uid="partners-contact-email-bounced")
def contact_email_bounced(sender, message: EmailMessage, event: str, **kwargs) -> None:
    """A bounce stamps "e-mail bounced" on every contact with that address (once)."""
    if event == "bounce":
        Contact.objects.filter(emails__email=message.to_email, email_bounced_at__isnull=True).update(
            email_bounced_at=timezone.now()
        )
