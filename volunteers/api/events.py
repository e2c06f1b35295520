"""Volunteers API: events (with candidates and attendance marking) and participations."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from project.api import RoleModelPermissions, StrictModelSerializer, StrictSerializer

from .. import selectors, services
from ..models import District, Event, ParticipationStatus, Skill, VolunteerParticipation
from .common import CONTACT_PERMISSIONS, SCOPED_PERMISSIONS, SalesforceIdMixin


# --------------------------------------------------------------------------- events
@extend_schema_serializer(component_name="VolunteerEvent")
class EventSerializer(SalesforceIdMixin, StrictModelSerializer):
    districts = serializers.PrimaryKeyRelatedField(many=True, queryset=District.objects.all(), required=False)
    skills = serializers.PrimaryKeyRelatedField(many=True, queryset=Skill.objects.all(), required=False)
    school_name = serializers.SerializerMethodField()  # "" without a school, also in PATCH responses

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "description",
            "event_type",
            "format",
            "status",
            "status_source",
            "cancellation_reason",
            "cancellation_notes",
            "cancellation_set_at",
            "start",
            "end",
            "duration_minutes",
            "location",
            "school",
            "school_name",
            "districts",
            "skills",
            "volunteers_needed",
            "registered_count",
            "attended_count",
            "registered_student_count",
            "attended_student_count",
            "attended_educator_count",
            "session_host",
            "registration_link",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = ["status_source", "cancellation_set_at", "last_synced_at"]
        # Rules across fields live in the service (one place, same messages for forms and API).
        validators: list = []

    def get_school_name(self, obj) -> str:
        return obj.school.name if obj.school else ""

    def create(self, validated_data):
        return services.event_create(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.event_update(event=instance, user=self.context["request"].user, **validated_data)


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Title, location or school contains")
    start_after = django_filters.DateFilter(field_name="start", lookup_expr="date__gte")
    start_before = django_filters.DateFilter(field_name="start", lookup_expr="date__lte")
    district = django_filters.ModelChoiceFilter(field_name="districts", queryset=District.objects.all())

    class Meta:
        model = Event
        fields = ["status", "event_type", "format", "school"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(title__icontains=value) | queryset.filter(location__icontains=value)


class CandidateSerializer(serializers.Serializer):
    volunteer_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    title = serializers.CharField()
    times_volunteered = serializers.IntegerField()
    last_volunteered_on = serializers.DateField(allow_null=True)
    local_status = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    breakdown = serializers.DictField(child=serializers.DecimalField(max_digits=4, decimal_places=2))
    matched_keywords = serializers.ListField(child=serializers.CharField())


class CandidateParams(StrictSerializer):
    keywords = serializers.CharField(required=False, allow_blank=True, default="")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=2000, default=100)


class AttendanceSerializer(StrictSerializer):
    marks = serializers.DictField(
        child=serializers.ChoiceField(choices=ParticipationStatus.choices), help_text="participation id -> status"
    )


class EventViewSet(viewsets.ModelViewSet):
    queryset = Event.objects.none()
    serializer_class = EventSerializer
    permission_classes = SCOPED_PERMISSIONS
    filterset_class = EventFilter
    ordering_fields = ["start", "title"]

    def get_queryset(self):
        return selectors.event_list(user=self.request.user).prefetch_related("skills")

    @extend_schema(
        parameters=[CandidateParams],
        responses={
            200: inline_serializer(
                name="CandidateList",
                fields={
                    "keywords": serializers.ListField(child=serializers.CharField()),
                    "results": CandidateSerializer(many=True),
                },
            )
        },
    )
    @action(detail=True, methods=["get"], permission_classes=CONTACT_PERMISSIONS)
    def candidates(self, request, pk=None):
        event = self.get_object()
        params = CandidateParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        keywords, ranked = selectors.recruitment_rank(
            event=event, extra_keywords=params.validated_data["keywords"], limit=params.validated_data["limit"]
        )
        results = [
            {
                "volunteer_id": v.pk,
                "name": v.full_name,
                "email": v.primary_email,
                "title": v.title,
                "times_volunteered": v.times_volunteered,
                "last_volunteered_on": v.last_volunteered_on,
                "local_status": v.local_status,
                "score": s.total,
                "breakdown": s.breakdown,
                "matched_keywords": s.matched_keywords,
            }
            for v, s in ranked
        ]
        return Response({"keywords": keywords, "results": CandidateSerializer(results, many=True).data})

    @extend_schema(
        request=AttendanceSerializer,
        responses={200: inline_serializer(name="AttendanceResult", fields={"changed": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"], permission_classes=CONTACT_PERMISSIONS + [RoleModelPermissions])
    def attendance(self, request, pk=None):
        if not request.user.has_perm("volunteers.change_volunteerparticipation"):
            raise PermissionDenied("You may not take attendance.")
        event = self.get_object()
        body = AttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            marks = {int(k): v for k, v in body.validated_data["marks"].items()}
        except ValueError as exc:
            raise serializers.ValidationError({"marks": ["Keys must be participation ids."]}) from exc
        changed = services.attendance_mark(event=event, marks=marks, user=request.user)
        return Response({"changed": changed})


# --------------------------------------------------------------------------- participations
class ParticipationSerializer(SalesforceIdMixin, StrictModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.full_name", read_only=True)
    event_title = serializers.CharField(source="event.title", read_only=True)
    status = serializers.ChoiceField(choices=ParticipationStatus.choices, required=False)

    class Meta:
        model = VolunteerParticipation
        fields = [
            "id",
            "event",
            "event_title",
            "volunteer",
            "volunteer_name",
            "status",
            "status_source",
            "delivery_hours",
            "role",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = ["last_synced_at"]
        validators: list = []

    def validate(self, attrs):
        if not attrs.get("status") and not attrs.get("status_source") and self.instance is None:
            raise serializers.ValidationError({"status": ["Give a status or a source status."]})
        return super().validate(attrs)

    def create(self, validated_data):
        validated_data.pop("salesforce_id", None)
        return services.participation_record(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("salesforce_id", None)
        validated_data.setdefault("event", instance.event)
        validated_data.setdefault("volunteer", instance.volunteer)
        if validated_data["event"] != instance.event or validated_data["volunteer"] != instance.volunteer:
            raise serializers.ValidationError({"event": ["Move a participation by deleting and recreating it."]})
        validated_data.setdefault("status", instance.status)
        return services.participation_record(**validated_data)


class ParticipationFilter(django_filters.FilterSet):
    start_after = django_filters.DateFilter(field_name="event__start", lookup_expr="date__gte")
    start_before = django_filters.DateFilter(field_name="event__start", lookup_expr="date__lte")

    class Meta:
        model = VolunteerParticipation
        fields = ["event", "volunteer", "status"]


class ParticipationViewSet(viewsets.ModelViewSet):
    queryset = VolunteerParticipation.objects.none()
    serializer_class = ParticipationSerializer
    permission_classes = CONTACT_PERMISSIONS
    filterset_class = ParticipationFilter
    ordering_fields = ["event__start"]

    def get_queryset(self):
        return selectors.participation_list()

    def perform_destroy(self, instance):
        services.participations_delete(queryset=VolunteerParticipation.objects.filter(pk=instance.pk))
