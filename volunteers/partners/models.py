"""A district's partner settings, its API keys (stored hashed) and public sign-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from project.models import AuditedModel
from volunteers.models import District, Event, Volunteer, VolunteerParticipation


class DistrictPartner(AuditedModel):
    """A district that uses the public events API and the public sign-up page."""

    district = models.OneToOneField(District, on_delete=models.PROTECT, related_name="partner")
    slug = models.SlugField(
        max_length=60, unique=True, help_text="In the API's URLs: /api/v1/public/districts/<slug>/…"
    )
    allowed_origins = models.TextField(
        blank=True,
        help_text="Web origins allowed to call the API from a browser (CORS), one per line, e.g. https://www.district.org",
    )
    signup_enabled = models.BooleanField(default=True, help_text="Public sign-up pages for this district's events.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return f"{self.district} ({self.slug})"

    @property
    def origins(self) -> set[str]:
        return {line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()}


class PartnerApiKey(models.Model):
    """One of a district's API keys. Only the SHA-256 of the key is stored; the key itself is
    shown once, when it is created."""

    partner = models.ForeignKey(DistrictPartner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="Who uses it, e.g. “district website”.")
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "partner API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PublicSignup(AuditedModel):
    """A sign-up from the public page: pending until the volunteer confirms from the e-mail."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="public_signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="public_signups")
    partner = models.ForeignKey(DistrictPartner, on_delete=models.PROTECT, related_name="signups")
    participation = models.ForeignKey(
        VolunteerParticipation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "volunteer"], name="public_signup_once_per_event"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False), name="public_signup_confirmed_at"
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} → {self.event} ({self.status})"
