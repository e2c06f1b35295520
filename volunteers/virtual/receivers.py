"""What the teacher programme does when the rest of the volunteer app changes a session."""

from __future__ import annotations

from django.dispatch import receiver

from volunteers.models import Event
from volunteers.services.events import event_changed

from .progress import progress_counts_refresh_for


@receiver(event_changed, sender=Event, dispatch_uid="virtual-progress-event-changed")
def event_changed_recount(sender, event: Event, **kwargs) -> None:
    """A session's status or date decides how its teachers' progress counts: recount them."""
    progress_counts_refresh_for(event_ids=[event.pk])
