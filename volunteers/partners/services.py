"""Partner keys and public sign-ups. Keyword-only, typed, atomic.

People are matched the way the rest of volunteers matches them: by the normalised e-mail
address (`volunteers.services.normalize_email`) among volunteers' contact e-mails, and created
with `volunteers.services.volunteer_create` only when no one has that address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from project.email.outbox import email_send
from project.models import hash_token
from volunteers import services as volunteer_services
from volunteers.models import Contact, ContactEmail, Event, EventStatus, ParticipationStatus, Volunteer

from .models import DistrictPartner, PartnerApiKey, PublicSignup

KEY_PREFIX = "cbp_"
SIGNUP_EMAIL_PURPOSE = "signup_confirmation"
NAME_MAX = 100


# --------------------------------------------------------------------------- API keys
@transaction.atomic
def api_key_create(*, partner: DistrictPartner, name: str, user=None) -> tuple[PartnerApiKey, str]:
    """A new key for the district; the clear key is returned once and never stored."""
    label = " ".join((name or "").split())
    if not label:
        raise ValidationError({"name": ["Name the key (who uses it)."]})
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = PartnerApiKey.objects.create(
        partner=partner,
        name=label[:100],
        prefix=raw[: len(KEY_PREFIX) + 6],
        key_hash=hash_token(raw),
        created_by=user if user is not None and user.pk else None,
    )
    return key, raw


def api_key_revoke(*, key: PartnerApiKey) -> None:
    PartnerApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_for_district(*, raw: str, slug: str) -> PartnerApiKey | None:
    """The active key `raw` if it belongs to the active partner `slug`; None for a wrong,
    revoked or other district's key alike (the caller cannot tell which)."""
    if not raw or len(raw) > 200:
        return None
    key = (
        PartnerApiKey.objects.select_related("partner__district")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, partner__is_active=True)
        .first()
    )
    if key is None or key.partner.slug != slug:
        return None
    return key


def api_key_touch(*, key: PartnerApiKey, now: datetime) -> None:
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 300:
        PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


# --------------------------------------------------------------------------- events
def _pending_signups():
    return (
        PublicSignup.objects.filter(event=OuterRef("pk"), status=PublicSignup.Status.PENDING)
        .order_by()
        .values("event")
        .annotate(n=Count("id"))
        .values("n")
    )


def partner_events(*, partner: DistrictPartner, now: datetime | None = None) -> QuerySet[Event]:
    """The district's published events that have not started, soonest first, with
    `pending_signups` annotated (they hold a place until confirmed or cancelled)."""
    now = now or timezone.now()
    return (
        Event.objects.filter(districts=partner.district_id, status=EventStatus.PUBLISHED, start__gte=now)
        .select_related("school")
        .annotate(pending_signups=Coalesce(Subquery(_pending_signups()), 0))
        .order_by("start", "id")
    )


# The event columns the partner API shows as they are; the read adds what its derived fields need.
PUBLIC_EVENT_SHOWN = (
    "id",
    "title",
    "description",
    "event_type",
    "format",
    "start",
    "end",
    "duration_minutes",
    "location",
    "volunteers_needed",
)
PUBLIC_EVENT_FIELDS = (*PUBLIC_EVENT_SHOWN, "registered_count")


def partner_event_page(
    *, partner: DistrictPartner, offset: int, limit: int, now: datetime | None = None
) -> tuple[int, list[dict]]:
    """(total, rows) of one page of `partner_events`: only the columns the API shows, the
    school's name and the pending sign-ups. Three small queries at most, whatever the page:
    the total (a plain count), the page, and the page's pending sign-ups."""
    now = now or timezone.now()
    published = Event.objects.filter(districts=partner.district_id, status=EventStatus.PUBLISHED, start__gte=now)
    total = published.order_by().count()
    if offset >= total:
        return total, []
    rows = list(
        published.annotate(school_name=F("school__name"))
        .order_by("start", "id")
        .values(*PUBLIC_EVENT_FIELDS, "school_name")[offset : offset + limit]
    )
    # Counted for the page's events in one grouped query (a correlated subquery would be
    # evaluated for every upcoming event before the sort picks the page).
    limited = [row["id"] for row in rows if row["volunteers_needed"]]
    pending = dict(
        PublicSignup.objects.filter(event_id__in=limited, status=PublicSignup.Status.PENDING)
        .order_by()
        .values("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
        if limited
        else ()
    )
    for row in rows:
        row["pending_signups"] = pending.get(row["id"], 0)
    return total, rows


def spots_left_of(*, volunteers_needed: int, registered_count: int, pending_signups: int) -> int | None:
    if not volunteers_needed:
        return None
    return max(volunteers_needed - registered_count - pending_signups, 0)


def spots_left(event: Event) -> int | None:
    """Places still open; None when the event states no limit (volunteers_needed = 0)."""
    if not event.volunteers_needed:
        return None
    pending = getattr(event, "pending_signups", None)
    if pending is None:
        pending = event.public_signups.filter(status=PublicSignup.Status.PENDING).count()
    return max(event.volunteers_needed - event.registered_count - pending, 0)


def partner_event_get(*, partner: DistrictPartner, event_id: int, now: datetime | None = None) -> Event | None:
    return partner_events(partner=partner, now=now).filter(pk=event_id).first()


# --------------------------------------------------------------------------- sign-ups
@dataclass(frozen=True)
class SignupResult:
    signup: PublicSignup
    created: bool
    email_queued: bool


def _volunteer_for(*, email: str, first_name: str, last_name: str, phone: str) -> Volunteer:
    """The one volunteer with this e-mail address, else a new one (no duplicate people)."""
    match = (
        ContactEmail.objects.filter(email=email, contact__kind=Contact.Kind.VOLUNTEER)
        .order_by("-is_primary", "contact_id")
        .values_list("contact_id", flat=True)
        .first()
    )
    if match is not None:
        return Volunteer.objects.get(pk=match)
    try:
        return volunteer_services.volunteer_create(first_name=first_name, last_name=last_name, email=email, phone=phone)
    except ValidationError as exc:
        errors = exc.message_dict
        if "number" in errors:  # the phone service names its field `number`
            errors["phone"] = errors.pop("number")
        raise ValidationError(errors) from exc


def _links(raw_token: str) -> dict[str, str]:
    base = settings.SITE_URL.rstrip("/")
    return {
        "confirm_url": base + reverse("volunteers:partners:signup_confirm", args=[raw_token]),
        "cancel_url": base + reverse("volunteers:partners:signup_cancel", args=[raw_token]),
    }


def _clean_name(value: str, *, field: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError({field: ["This field is required."]})
    if len(text) > NAME_MAX:
        raise ValidationError({field: [f"At most {NAME_MAX} characters."]})
    return text


@transaction.atomic
def signup_create(
    *,
    partner: DistrictPartner,
    event: Event,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    now: datetime | None = None,
) -> SignupResult:
    """Match or create the volunteer, hold a place (pending) and e-mail a confirm/cancel link.
    Signing up again for the same event while pending or confirmed changes nothing and sends
    nothing twice; after a cancellation it starts a fresh pending sign-up."""
    now = now or timezone.now()
    first = _clean_name(first_name, field="first_name")
    last = _clean_name(last_name, field="last_name")
    address = volunteer_services.normalize_email(email)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not partner.signup_enabled or event.status != EventStatus.PUBLISHED or event.start < now:
        raise ValidationError({"event": ["This event is not open for sign-up."]})
    if not event.districts.filter(pk=partner.district_id).exists():
        raise ValidationError({"event": ["This event is not open for sign-up."]})
    volunteer = _volunteer_for(email=address, first_name=first, last_name=last, phone=(phone or "").strip())
    existing = PublicSignup.objects.filter(event=event, volunteer=volunteer).first()
    if existing is not None and existing.status != PublicSignup.Status.CANCELLED:
        return SignupResult(signup=existing, created=False, email_queued=False)
    already_registered = event.volunteer_participations.filter(volunteer=volunteer).exclude(
        status=ParticipationStatus.CANCELLED
    )
    if already_registered.exists():
        raise ValidationError({"email": ["You are already registered for this event."]})
    left = spots_left(event)
    if left is not None and left <= 0:
        raise ValidationError({"event": ["Sorry, this event is full."]})
    raw_token = secrets.token_urlsafe(32)
    signup = existing or PublicSignup(event=event, volunteer=volunteer, partner=partner)
    signup.status = PublicSignup.Status.PENDING
    signup.email = address
    signup.token_hash = hash_token(raw_token)
    signup.confirmed_at = signup.cancelled_at = None
    signup.full_clean()
    signup.save()
    local_start = timezone.localtime(event.start)
    email_send(
        purpose=SIGNUP_EMAIL_PURPOSE,
        to=address,
        to_name=f"{first} {last}",
        subject_of_record=f"partners.signup:{signup.pk}:{signup.token_hash[:16]}",
        context={
            "event_title": event.title,
            "event_start": local_start.strftime("%b %-d, %Y %-I:%M %p"),
            "event_location": event.location or (event.school.name if event.school_id else "to be announced"),
            "district": partner.district.name,
            **_links(raw_token),
        },
    )
    return SignupResult(signup=signup, created=existing is None, email_queued=True)


def _signup_by_token(raw_token: str) -> PublicSignup:
    signup = (
        PublicSignup.objects.select_for_update()
        .select_related("event", "volunteer")
        .filter(token_hash=hash_token(raw_token or ""))
        .first()
    )
    if signup is None:
        raise PublicSignup.DoesNotExist
    return signup


@transaction.atomic
def signup_confirm(*, raw_token: str, now: datetime | None = None) -> PublicSignup:
    """Pending → confirmed, which registers the volunteer for the event. Idempotent."""
    signup = _signup_by_token(raw_token)
    if signup.status == PublicSignup.Status.CONFIRMED:
        return signup
    if signup.status == PublicSignup.Status.CANCELLED:
        raise ValidationError({"status": ["This sign-up was cancelled; sign up again on the event's page."]})
    signup.participation = volunteer_services.participation_record(
        event=signup.event,
        volunteer=signup.volunteer,
        status=ParticipationStatus.REGISTERED,
        status_source="Public sign-up",
    )
    signup.status = PublicSignup.Status.CONFIRMED
    signup.confirmed_at = now or timezone.now()
    signup.save(update_fields=["participation", "status", "confirmed_at", "updated_at"])
    return signup


@transaction.atomic
def signup_cancel(*, raw_token: str, now: datetime | None = None) -> PublicSignup:
    """Pending or confirmed → cancelled; a confirmed registration becomes a cancelled one."""
    signup = _signup_by_token(raw_token)
    if signup.status == PublicSignup.Status.CANCELLED:
        return signup
    if signup.status == PublicSignup.Status.CONFIRMED:
        volunteer_services.participation_record(
            event=signup.event,
            volunteer=signup.volunteer,
            status=ParticipationStatus.CANCELLED,
            status_source="Cancelled from the sign-up e-mail",
        )
    signup.status = PublicSignup.Status.CANCELLED
    signup.cancelled_at = now or timezone.now()
    signup.save(update_fields=["status", "cancelled_at", "updated_at"])
    return signup


def signup_pending_for(*, raw_token: str) -> PublicSignup | None:
    return (
        PublicSignup.objects.select_related("event", "partner__district")
        .filter(token_hash=hash_token(raw_token or ""))
        .first()
    )
