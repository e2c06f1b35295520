"""API under /api/v1/volunteers/: serializers and viewsets (thin; services and selectors do the work).

Coordinators and Administrators write, Staff read (role model permissions). Viewers never see
people: only districts, schools and events of their own districts and the district year-end
report for those districts.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from project.api import RoleModelPermissions, StrictModelSerializer, StrictSerializer

from .. import reports, selectors, services
from ..models import (
    District,
    Event,
    LocalStatus,
    Organization,
    ParticipationStatus,
    School,
    Skill,
    Volunteer,
    VolunteerParticipation,
)
from ..salesforce.synced import SYNCED_MESSAGE, is_synced, synced_changes


# --------------------------------------------------------------------------- permissions
class SeesContacts(permissions.BasePermission):
    """People and their details are for Administrators, Coordinators and Staff only."""

    message = "Your role sees aggregate reports only."

    def has_permission(self, request, view):
        return selectors.user_sees_contacts(request.user)


CONTACT_PERMISSIONS = [permissions.IsAuthenticated, SeesContacts, RoleModelPermissions]
SCOPED_PERMISSIONS = [permissions.IsAuthenticated, RoleModelPermissions]


class SalesforceIdMixin:
    """A blank salesforce_id means "not from Salesforce" and is stored as NULL (the column is
    unique, and a blank value skips DRF's uniqueness check, so a second "" was a 500).

    Salesforce wins for synced fields: on a record with a salesforce_id, a change to a field the
    sync writes (`salesforce.synced.synced_fields`) or to the id itself is refused with a 400
    naming each field; sending the current value is fine, local-only fields stay editable."""

    def validate_salesforce_id(self, value):
        return value or None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        errors = {name: [SYNCED_MESSAGE] for name in synced_changes(self.instance, attrs)}
        if (
            is_synced(self.instance)
            and "salesforce_id" in attrs
            and attrs["salesforce_id"] != self.instance.salesforce_id
        ):
            errors["salesforce_id"] = ["The Salesforce id of a record synced from Salesforce cannot change."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --------------------------------------------------------------------------- geography
class DistrictSerializer(SalesforceIdMixin, StrictModelSerializer):
    class Meta:
        model = District
        fields = ["id", "name", "code", "salesforce_id", "last_synced_at"]
        read_only_fields = ["last_synced_at"]


class SchoolSerializer(SalesforceIdMixin, StrictModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = School
        fields = [
            "id",
            "name",
            "district",
            "district_name",
            "level",
            "code",
            "aliases",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = ["last_synced_at"]


class DistrictViewSet(viewsets.ModelViewSet):
    queryset = District.objects.none()
    serializer_class = DistrictSerializer
    permission_classes = SCOPED_PERMISSIONS
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.district_list_for_user(self.request.user).order_by("name")


class SchoolViewSet(viewsets.ModelViewSet):
    queryset = School.objects.none()
    serializer_class = SchoolSerializer
    permission_classes = SCOPED_PERMISSIONS
    filterset_fields = ["district", "level"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.school_list_for_user(self.request.user).prefetch_related("aliases").order_by("name")


# --------------------------------------------------------------------------- organizations
class OrganizationSerializer(SalesforceIdMixin, StrictModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "city",
            "state",
            "postal_code",
            "last_activity_date",
            "aliases",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = ["last_synced_at"]


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Organization
        fields = ["kind"]


class OrganizationViewSet(viewsets.ModelViewSet):
    queryset = Organization.objects.none()
    serializer_class = OrganizationSerializer
    permission_classes = CONTACT_PERMISSIONS
    filterset_class = OrganizationFilter
    ordering_fields = ["name"]

    def get_queryset(self):
        return Organization.objects.prefetch_related("aliases").order_by("name")


# --------------------------------------------------------------------------- volunteers
class VolunteerSerializer(SalesforceIdMixin, StrictModelSerializer):
    organizations = serializers.SerializerMethodField()
    skills = serializers.SerializerMethodField()
    primary_email = serializers.SerializerMethodField()
    email = serializers.EmailField(write_only=True, required=False, help_text="Becomes the primary email.")
    phone = serializers.CharField(write_only=True, required=False, max_length=30)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), write_only=True, required=False, help_text="Primary organization."
    )

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "salutation",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
            "title",
            "department",
            "industry",
            "education",
            "status",
            "local_status",
            "do_not_call",
            "do_not_contact",
            "email_opt_out",
            "exclude_from_reports",
            "times_volunteered",
            "first_volunteered_on",
            "last_volunteered_on",
            "additional_volunteer_count",
            "organizations",
            "skills",
            "primary_email",
            "email",
            "phone",
            "organization",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = [
            "local_status",
            "times_volunteered",
            "first_volunteered_on",
            "last_volunteered_on",
            "last_synced_at",
        ]

    def get_organizations(self, obj) -> list[dict]:
        return [
            {
                "id": a.organization_id,
                "name": a.organization.name,
                "role": a.role,
                "is_primary": a.is_primary,
                "status": a.status,
            }
            for a in obj.affiliations.all()
        ]

    def get_skills(self, obj) -> list[str]:
        return [link.skill.name for link in obj.volunteer_skills.all()]

    def get_primary_email(self, obj) -> str:
        emails = getattr(obj, "primary_emails", None)
        if emails is None:
            emails = [e for e in obj.emails.all() if e.is_primary]
        return emails[0].email if emails else ""

    def create(self, validated_data):
        return services.volunteer_create(**validated_data)

    def update(self, instance, validated_data):
        for key in ("email", "phone", "organization"):
            value = validated_data.pop(key, None)
            if value and key == "email":
                services.contact_email_add(contact=instance, email=value, make_primary=True)
            elif value and key == "phone":
                services.contact_phone_add(contact=instance, number=value, make_primary=True)
            elif value:
                services.affiliation_set(volunteer=instance, organization=value, is_primary=True)
        return services.volunteer_update(volunteer=instance, **validated_data)


class DirectoryParams(StrictSerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Every term must match a name part, organization, title, department or skill.",
    )
    organization = serializers.IntegerField(required=False, min_value=1)
    skill = serializers.IntegerField(required=False, min_value=1)
    local_status = serializers.ChoiceField(choices=LocalStatus.choices, required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=list(selectors.DirectorySort.ORDERING), required=False, default="name")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class VolunteerViewSet(viewsets.ModelViewSet):
    queryset = Volunteer.objects.none()
    serializer_class = VolunteerSerializer
    permission_classes = CONTACT_PERMISSIONS
    filter_backends: list = []  # the directory selector does the filtering and sorting

    def get_queryset(self):
        if self.action != "list":
            return selectors.volunteer_directory()
        params = DirectoryParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = {k: v for k, v in params.validated_data.items() if k not in ("page", "page_size")}
        return selectors.volunteer_directory(**data)

    @extend_schema(parameters=[DirectoryParams])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.volunteers_delete(volunteer_ids=[instance.pk])


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


class SkillSerializer(StrictModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name"]

    def validate_name(self, value):
        """Names are unique case-insensitively (a database constraint DRF does not check)."""
        skill = Skill(name=" ".join(value.split()))
        try:
            skill.validate_constraints()
        except DjangoValidationError:
            raise serializers.ValidationError("A skill with this name already exists.") from None
        return skill.name


class SkillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Skill.objects.order_by("name")
    serializer_class = SkillSerializer
    permission_classes = SCOPED_PERMISSIONS


# --------------------------------------------------------------------------- reports
def report_payload(report: reports.Report) -> dict:
    return {
        "title": report.title,
        "subtitle": report.subtitle,
        "columns": report.columns,
        "rows": report.rows,
        **report.data,
    }


REPORT_RESPONSE = OpenApiTypes.OBJECT


class DateRangeParams(StrictSerializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end date is before the start date."]})
        return attrs


class ThankYouParams(DateRangeParams):
    by = serializers.ChoiceField(choices=[("hours", "Hours"), ("events", "Events")], default="hours")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=25)


class YearEndParams(StrictSerializer):
    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.all())
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, help_text="Academic year start (2025 = Aug 1 2025 – Jul 31 2026)."
    )


class OrganizationReportParams(StrictSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)


def _params(serializer_class, request):
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


class ThankYouReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[ThankYouParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        p = _params(ThankYouParams, request)
        return Response(report_payload(reports.thank_you_report(**p)))


class DistrictYearEndReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[YearEndParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        p = _params(YearEndParams, request)
        if not user_may_see_district(request.user, p["district"]):
            raise PermissionDenied("You may only see reports for your districts.")
        return Response(report_payload(reports.district_year_end_report(**p)))


def user_may_see_district(user, district: District) -> bool:
    if selectors.user_sees_contacts(user):
        return True
    return selectors.user_is_district_viewer(user) and district.pk in selectors.viewer_district_ids(user)


class OrganizationReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[OrganizationReportParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        return Response(report_payload(reports.organization_report(**_params(OrganizationReportParams, request))))


class FirstTimeReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[DateRangeParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        return Response(report_payload(reports.first_time_volunteers_report(**_params(DateRangeParams, request))))
