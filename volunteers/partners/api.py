"""The public events API for district partners: `X-API-Key`, per-key rate limits in the shared
cache, CORS for the district's own origins, and an envelope `{data, pagination, meta}`."""

from __future__ import annotations

import math
import re

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, throttling
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import DistrictPartner, PartnerApiKey
from .ratelimit import API_KEY_LIMITS, rate_limit_hit

TAG = "Public partner API"
API_KEY_HEADER = "X-API-Key"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
BAD_KEY = "Invalid or missing API key for this district."


class PartnerKeyAuthentication(BaseAuthentication):
    """`X-API-Key` must be an active key of the district in the URL. A wrong, revoked or other
    district's key gets the same 401, so the answer tells nothing about which it was."""

    def authenticate(self, request):
        slug = request.parser_context["kwargs"].get("slug", "")
        key = services.api_key_for_district(raw=request.headers.get(API_KEY_HEADER, ""), slug=slug)
        if key is None:
            raise exceptions.AuthenticationFailed(BAD_KEY)
        services.api_key_touch(key=key, now=timezone.now())
        return None, key

    def authenticate_header(self, request):
        return f'ApiKey header="{API_KEY_HEADER}"'


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "volunteers.partners.api.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}


class HasPartnerKey(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, PartnerApiKey)


class PartnerKeyThrottle(throttling.BaseThrottle):
    """60 a minute, 1,000 an hour, 10,000 a day per key, counted in the shared cache."""

    def allow_request(self, request, view):
        self.retry_after = rate_limit_hit(scope=f"partner-key:{request.auth.pk}", limits=API_KEY_LIMITS)
        return self.retry_after is None

    def wait(self):
        return self.retry_after


class PublicEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    event_type = serializers.CharField()
    format = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField(allow_null=True)
    location = serializers.CharField()
    school = serializers.CharField(allow_null=True, help_text="The school's name, if the event is at a school.")
    volunteers_needed = serializers.IntegerField()
    spots_left = serializers.IntegerField(allow_null=True, help_text="Null when the event states no limit.")
    signup_url = serializers.URLField(allow_null=True, help_text="The public sign-up page, if sign-up is open.")


class PublicPaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    total = serializers.IntegerField()
    pages = serializers.IntegerField()


class PublicMetaSerializer(serializers.Serializer):
    district = serializers.CharField()
    slug = serializers.CharField()
    generated_at = serializers.DateTimeField()


LIST_ENVELOPE = inline_serializer(
    "PublicEventList",
    fields={
        "data": PublicEventSerializer(many=True),
        "pagination": PublicPaginationSerializer(),
        "meta": PublicMetaSerializer(),
    },
)
DETAIL_ENVELOPE = inline_serializer(
    "PublicEventDetail", fields={"data": PublicEventSerializer(), "meta": PublicMetaSerializer()}
)
ERRORS = (
    "Send the district's key in `X-API-Key`. A missing, wrong, revoked or another district's key "
    "gets 401 (one answer for all). Each key may make 60 requests a minute, 1,000 an hour and "
    "10,000 a day; past that, 429 with `Retry-After` (seconds)."
)


def _positive_int(request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    if raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
        raise exceptions.ValidationError({name: ["A positive whole number is required."]})
    return int(raw)


class PartnerView(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasPartnerKey]
    throttle_classes = [PartnerKeyThrottle]

    def _partner(self, slug: str) -> DistrictPartner | None:
        if not hasattr(self, "_partner_cache"):
            self._partner_cache = (
                DistrictPartner.objects.select_related("district").filter(slug=slug, is_active=True).first()
            )
        return self._partner_cache

    def finalize_response(self, request, response, *args, **kwargs):
        """CORS only for this district's configured origins (never `*`)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin", "").rstrip("/")
        response["Vary"] = "Origin"
        if not origin:
            return response
        key = getattr(request, "_auth", None)  # set once authentication ran (not on a preflight)
        partner = key.partner if isinstance(key, PartnerApiKey) else self._partner(kwargs.get("slug", ""))
        if partner is not None and origin in partner.origins:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Headers"] = API_KEY_HEADER
            response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            response["Access-Control-Expose-Headers"] = "Retry-After"
            response["Access-Control-Max-Age"] = "600"
        return response

    def options(self, request, *args, **kwargs):
        # Preflight (no key is sent with it): CORS headers come from finalize_response.
        return Response(status=204)

    def initial(self, request, *args, **kwargs):
        if request.method == "OPTIONS":
            self.format_kwarg = self.get_format_suffix(**kwargs)
            return
        super().initial(request, *args, **kwargs)

    def meta(self, key: PartnerApiKey) -> dict:
        partner = key.partner
        return {"district": partner.district.name, "slug": partner.slug, "generated_at": timezone.now()}

    def event_data(self, request, event, partner: DistrictPartner) -> dict:
        signup_url = None
        if partner.signup_enabled:
            signup_url = request.build_absolute_uri(
                reverse("volunteers:partners:signup", args=[partner.slug, event.pk])
            )
        return {
            "id": event.pk,
            "title": event.title,
            "description": event.description,
            "event_type": event.event_type,
            "format": event.format,
            "start": event.start,
            "end": event.end,
            "duration_minutes": event.duration_minutes,
            "location": event.location,
            "school": event.school.name if event.school_id else None,
            "volunteers_needed": event.volunteers_needed,
            "spots_left": services.spots_left(event),
            "signup_url": signup_url,
        }


class PublicEventListView(PartnerView):
    @extend_schema(
        tags=[TAG],
        operation_id="public_district_events_list",
        summary="The district's published upcoming events",
        description=ERRORS,
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="1-based page number."),
            OpenApiParameter(
                "per_page", OpenApiTypes.INT, description=f"Default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}."
            ),
        ],
        responses={200: LIST_ENVELOPE},
    )
    def get(self, request, slug: str):
        key = request.auth
        page = _positive_int(request, "page", 1)
        per_page = min(_positive_int(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
        partner = key.partner
        total, rows = services.partner_event_page(partner=partner, offset=(page - 1) * per_page, limit=per_page)
        signup = None
        if partner.signup_enabled:  # reversed once; each row only fills in its id
            signup = request.build_absolute_uri(reverse("volunteers:partners:signup", args=[partner.slug, 0]))
            head, _, tail = signup.rpartition("/0/")
        data = [
            {
                **{name: row[name] for name in services.PUBLIC_EVENT_SHOWN},
                "school": row["school_name"],
                "spots_left": services.spots_left_of(
                    volunteers_needed=row["volunteers_needed"],
                    registered_count=row["registered_count"],
                    pending_signups=row["pending_signups"],
                ),
                "signup_url": f"{head}/{row['id']}/{tail}" if signup else None,
            }
            for row in rows
        ]
        return Response(
            {
                "data": data,
                "pagination": {
                    "page": page,
                    "per_page": per_page,
                    "total": total,
                    "pages": math.ceil(total / per_page),
                },
                "meta": self.meta(key),
            }
        )


class PublicEventDetailView(PartnerView):
    @extend_schema(
        tags=[TAG],
        operation_id="public_district_events_retrieve",
        summary="One published upcoming event of the district",
        description=ERRORS,
        responses={200: DETAIL_ENVELOPE},
    )
    def get(self, request, slug: str, pk: int):
        key = request.auth
        event = services.partner_event_get(partner=key.partner, event_id=pk)
        if event is None:
            raise exceptions.NotFound("No published upcoming event with this id in this district.")
        return Response({"data": self.event_data(request, event, key.partner), "meta": self.meta(key)})
