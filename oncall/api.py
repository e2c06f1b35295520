"""On-call API under /api/v1/oncall/: Administrators and Coordinators write, Staff and Viewers read."""

from __future__ import annotations

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from project.api import RoleModelPermissions, StrictModelSerializer, StrictSerializer

from . import selectors, services
from .models import Assignment, Member, Override, ShiftPattern, SmsMessage, Team, validate_e164
from .sms_template import TemplateError, sms_size, template_validate


def _feed_url(request, kind: str, token: str) -> str:
    return request.build_absolute_uri(reverse(f"oncall:{kind}-feed", args=[token]))


class FeedUrlSerializer(serializers.Serializer):
    feed_url = serializers.URLField(help_text="The calendar (ICS) feed's new address; the old one stops working.")


# --------------------------------------------------------------------------- teams
class TeamSerializer(StrictModelSerializer):
    class Meta:
        model = Team
        fields = ["id", *Team.SETTINGS_FIELDS]

    def validate_sms_template(self, value):
        try:
            template_validate(value)
        except TemplateError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value


class TeamViewSet(viewsets.ModelViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    permission_classes = [RoleModelPermissions]
    ordering_fields = ["name"]

    def perform_destroy(self, instance):
        services.team_delete(team=instance)

    @extend_schema(request=None, responses={200: FeedUrlSerializer})
    @action(detail=True, methods=["post"], url_path="reset-feed")
    def reset_feed(self, request, pk=None):
        team = services.team_reset_feed(team=self.get_object())
        return Response(FeedUrlSerializer({"feed_url": _feed_url(request, "team", team.feed_token)}).data)


# --------------------------------------------------------------------------- members
class MemberSerializer(StrictModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "team", "name", "phone", "secondary_phone", "email", "active", "rotation_order", "sms_opt_out"]
        read_only_fields = ["sms_opt_out"]
        extra_kwargs = {"rotation_order": {"required": False}}

    def validate(self, attrs):
        if self.instance is not None and "team" in attrs and attrs["team"] != self.instance.team:
            raise serializers.ValidationError({"team": ["A member cannot move to another team."]})
        return attrs

    def create(self, validated_data):
        return services.member_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("team", None)
        return services.member_update(member=instance, **validated_data)


class MemberReorderSerializer(StrictSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    member_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class MemberViewSet(viewsets.ModelViewSet):
    queryset = Member.objects.none()
    serializer_class = MemberSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["team", "active"]
    ordering_fields = ["rotation_order", "name"]

    def get_queryset(self):
        return selectors.member_list().order_by("team", "rotation_order", "id")

    def perform_destroy(self, instance):
        services.member_remove(member=instance)

    @extend_schema(request=MemberReorderSerializer, responses={200: MemberSerializer(many=True)})
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def reorder(self, request):
        data = MemberReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ordered = services.members_reorder(
            team=data.validated_data["team"], member_ids=data.validated_data["member_ids"]
        )
        return Response(MemberSerializer(ordered, many=True).data)

    @extend_schema(request=None, responses={200: FeedUrlSerializer})
    @action(detail=True, methods=["post"], url_path="reset-feed")
    def reset_feed(self, request, pk=None):
        member = services.member_reset_feed(member=self.get_object())
        return Response(FeedUrlSerializer({"feed_url": _feed_url(request, "member", member.feed_token)}).data)


# --------------------------------------------------------------------------- shift patterns
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 168})
class WholeHoursField(serializers.DecimalField):
    """Reads 24, "24" or 24.0 (24.5 gets a clear error) and writes an integer, as documented."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=6, decimal_places=2, min_value=1, max_value=168, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value != int(value):
            raise serializers.ValidationError("The duration must be a whole number of hours.")
        return int(value)

    def to_representation(self, value):
        return int(value)


class ShiftSerializer(StrictModelSerializer):
    duration_hours = WholeHoursField()

    class Meta:
        model = ShiftPattern
        fields = ["id", "team", "name", "weekday", "start_time", "duration_hours", "active"]

    def create(self, validated_data):
        return services.shift_save(shift=ShiftPattern(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return services.shift_save(shift=instance)


class ShiftViewSet(viewsets.ModelViewSet):
    queryset = ShiftPattern.objects.select_related("team").order_by("team", "weekday", "start_time")
    serializer_class = ShiftSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["team", "active"]

    def perform_destroy(self, instance):
        services.shift_delete(shift=instance)


# --------------------------------------------------------------------------- assignments
class MemberBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OverrideBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.CharField(source="member.name")
    reason = serializers.CharField()
    status = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    shift_label = serializers.CharField(source="shift.label", read_only=True)
    duration_hours = serializers.IntegerField(source="shift.duration_hours", read_only=True)
    on_call = serializers.SerializerMethodField()
    override = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "team",
            "shift",
            "shift_label",
            "occurrence_date",
            "member",
            "member_name",
            "starts_at",
            "ends_at",
            "duration_hours",
            "on_call",
            "override",
            "confirmed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MemberBriefSerializer)
    def get_on_call(self, obj):
        member = selectors.assignment_effective_member(obj)
        return {"id": member.pk, "name": member.name}

    @extend_schema_field(OverrideBriefSerializer(allow_null=True))
    def get_override(self, obj):
        override = selectors.assignment_override(obj)
        return OverrideBriefSerializer(override).data if override else None


class AssignmentFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return cleaned


class AssignmentFilter(django_filters.FilterSet):
    start = django_filters.DateFilter(field_name="occurrence_date", lookup_expr="gte")
    end = django_filters.DateFilter(field_name="occurrence_date", lookup_expr="lte")

    class Meta:
        model = Assignment
        fields = ["team", "member", "shift", "start", "end"]
        form = AssignmentFilterForm


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Assignment.objects.none()
    serializer_class = AssignmentSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = AssignmentFilter
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return selectors.assignment_list()


# --------------------------------------------------------------------------- schedule
class GenerateSerializer(StrictSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    weeks = serializers.IntegerField(min_value=1, max_value=services.MAX_WEEKS)
    start_date = serializers.DateField(required=False, help_text="Default: the day after the last assignment.")
    preview = serializers.BooleanField(default=False)


class RegenerateSerializer(StrictSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    from_date = serializers.DateField()
    weeks = serializers.IntegerField(min_value=1, max_value=services.MAX_WEEKS)
    preview = serializers.BooleanField(default=False)


class SchedulePreviewRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    shift = serializers.CharField()
    member_id = serializers.IntegerField()
    member = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class MemberTotalsSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member = serializers.CharField()
    hours = serializers.IntegerField()
    long_shifts = serializers.IntegerField()
    weekend_days = serializers.IntegerField()
    shifts = serializers.IntegerField()


class ScheduleResultSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    preview = SchedulePreviewRowSerializer(many=True, help_text="The first occurrences of the window (at most 28).")
    totals = MemberTotalsSerializer(many=True, help_text="Per active member, over the generated window.")


class ScheduleViewSet(viewsets.GenericViewSet):
    """Generate/extend and regenerate. Writes need the add-assignment permission."""

    queryset = Assignment.objects.none()
    permission_classes = [RoleModelPermissions]
    serializer_class = ScheduleResultSerializer

    def _respond(self, result, preview: bool):
        return Response(
            ScheduleResultSerializer(result).data, status=status.HTTP_200_OK if preview else status.HTTP_201_CREATED
        )

    @extend_schema(request=GenerateSerializer, responses={201: ScheduleResultSerializer, 200: ScheduleResultSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        data = GenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.schedule_generate(
            team=v["team"], weeks=v["weeks"], start=v.get("start_date"), preview=v["preview"]
        )
        return self._respond(result, v["preview"])

    @extend_schema(
        request=RegenerateSerializer, responses={201: ScheduleResultSerializer, 200: ScheduleResultSerializer}
    )
    @action(detail=False, methods=["post"])
    def regenerate(self, request):
        data = RegenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.schedule_regenerate(
            team=v["team"], from_date=v["from_date"], weeks=v["weeks"], preview=v["preview"]
        )
        return self._respond(result, v["preview"])


# --------------------------------------------------------------------------- overrides
class OverrideSerializer(StrictModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    original_member_name = serializers.CharField(source="original_member.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Override
        fields = [
            "id",
            "assignment",
            "member",
            "member_name",
            "original_member",
            "original_member_name",
            "reason",
            "status",
            "created_by",
            "created_at",
            "cancelled_at",
            "completed_at",
        ]
        read_only_fields = ["original_member", "status", "created_at", "cancelled_at", "completed_at"]

    def create(self, validated_data):
        return services.override_create(user=self.context["request"].user, **validated_data)


class OverrideViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """DELETE cancels an active override (the row stays for the history)."""

    queryset = Override.objects.none()
    serializer_class = OverrideSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["status", "member", "assignment"]

    def get_queryset(self):
        qs = selectors.override_list()
        team = self.request.query_params.get("team")
        return qs.filter(assignment__team_id=team) if team and team.isdigit() else qs

    def perform_destroy(self, instance):
        services.override_cancel(override=instance)


# --------------------------------------------------------------------------- notifications
class SmsMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = SmsMessage
        fields = [
            "id",
            "team",
            "purpose",
            "status",
            "assignment",
            "member",
            "recipient_name",
            "recipient_phone",
            "body",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "delivered_at",
            "provider_sid",
            "error_code",
            "error_message",
            "escalated",
            "created_at",
        ]
        read_only_fields = fields


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SmsMessage.objects.none()
    serializer_class = SmsMessageSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["team", "status", "purpose", "member"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.message_list()


# --------------------------------------------------------------------------- now
class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()


class NowSerializer(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    at = serializers.DateTimeField()
    primary = PersonSerializer(allow_null=True)
    covering_for = PersonSerializer(allow_null=True)
    override_reason = serializers.CharField(source="override.reason", allow_null=True, default=None)
    backup = PersonSerializer(allow_null=True)
    shift_starts_at = serializers.DateTimeField(source="current.starts_at", allow_null=True, default=None)
    shift_ends_at = serializers.DateTimeField(source="current.ends_at", allow_null=True, default=None)
    next_starts_at = serializers.DateTimeField(source="next.starts_at", allow_null=True, default=None)
    escalation = PersonSerializer(many=True)


class NowQuery(StrictSerializer):
    # oncall_now reads nothing else of the team (its text columns stay in the database).
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.only("id", "escalation_enabled"))
    at = serializers.DateTimeField(required=False)

    def validate_at(self, value):
        # DRF would silently read a naive time in the server's zone; an instant needs its offset.
        raw = parse_datetime(str(self.initial_data.get("at", "")).replace(" ", "+"))
        if raw is None or timezone.is_naive(raw):
            raise serializers.ValidationError("Give an instant with a UTC offset, e.g. 2030-01-07T08:00:00-06:00.")
        return value


class NowView(APIView):
    """Who is on call at `at` (default now): primary with override applied, backup, escalation."""

    queryset = Team.objects.none()
    permission_classes = [RoleModelPermissions]

    @extend_schema(
        parameters=[OpenApiParameter("team", int, required=True), OpenApiParameter("at", OpenApiTypes.DATETIME)],
        responses={200: NowSerializer},
    )
    def get(self, request):
        query = NowQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.now()
        now = selectors.oncall_now(team=query.validated_data["team"], at=at)
        return Response(NowSerializer(now).data)


# --------------------------------------------------------------------------- settings
class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, validators=[validate_e164])


class SettingsSerializer(StrictSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    timezone = serializers.CharField(required=False)
    notification_time = serializers.TimeField(required=False)
    sms_template = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    escalation_enabled = serializers.BooleanField(required=False)
    weekly_summary_enabled = serializers.BooleanField(required=False)
    auto_renew_enabled = serializers.BooleanField(required=False)
    auto_renew_threshold_weeks = serializers.IntegerField(required=False, min_value=1, max_value=52)
    auto_renew_weeks = serializers.IntegerField(required=False, min_value=1, max_value=104)
    confirm_within_minutes = serializers.IntegerField(required=False, min_value=0, max_value=720)
    escalation_contacts = ContactSerializer(many=True, required=False)

    def validate_sms_template(self, value):
        try:
            template_validate(value)
        except TemplateError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value


class ContactReadSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class SettingsReadSerializer(serializers.Serializer):
    """What GET and PUT /settings/ answer: the team's settings and its template's SMS size."""

    team = serializers.IntegerField()
    timezone = serializers.CharField()
    notification_time = serializers.CharField(help_text="Local time of the daily page, HH:MM.")
    sms_template = serializers.CharField(allow_blank=True)
    template_characters = serializers.IntegerField()
    template_segments = serializers.IntegerField()
    template_encoding = serializers.CharField(help_text="GSM-7 or UCS-2.")
    escalation_enabled = serializers.BooleanField()
    weekly_summary_enabled = serializers.BooleanField()
    auto_renew_enabled = serializers.BooleanField()
    auto_renew_threshold_weeks = serializers.IntegerField()
    auto_renew_weeks = serializers.IntegerField()
    confirm_within_minutes = serializers.IntegerField()
    escalation_contacts = ContactReadSerializer(many=True)


class TemplateSizeSerializer(serializers.Serializer):
    characters = serializers.IntegerField()
    segments = serializers.IntegerField()
    encoding = serializers.CharField(help_text="GSM-7 or UCS-2.")


def settings_data(team: Team) -> dict:
    size = sms_size(team.sms_template)
    return {
        "team": team.pk,
        "timezone": team.timezone,
        "notification_time": team.notification_time.strftime("%H:%M"),
        "sms_template": team.sms_template,
        "template_characters": size.characters,
        "template_segments": size.segments,
        "template_encoding": size.encoding,
        "escalation_enabled": team.escalation_enabled,
        "weekly_summary_enabled": team.weekly_summary_enabled,
        "auto_renew_enabled": team.auto_renew_enabled,
        "auto_renew_threshold_weeks": team.auto_renew_threshold_weeks,
        "auto_renew_weeks": team.auto_renew_weeks,
        "confirm_within_minutes": team.confirm_within_minutes,
        "escalation_contacts": [{"name": c.name, "phone": c.phone} for c in team.escalation_contacts.all()],
    }


class SettingsView(APIView):
    """A team's settings. The response shows the template's character count and SMS segments."""

    queryset = Team.objects.none()
    permission_classes = [RoleModelPermissions]

    @extend_schema(parameters=[OpenApiParameter("team", int, required=True)], responses={200: SettingsReadSerializer})
    def get(self, request):
        team_id = request.query_params.get("team", "")
        if not team_id.isdigit():
            raise serializers.ValidationError({"team": ["Give the team id, e.g. ?team=1."]})
        return Response(SettingsReadSerializer(settings_data(get_object_or_404(Team, pk=team_id))).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsReadSerializer})
    def put(self, request):
        data = SettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        team = fields.pop("team")
        contacts = fields.pop("escalation_contacts", None)
        team = services.team_update_settings(team=team, contacts=contacts, **fields)
        return Response(SettingsReadSerializer(settings_data(team)).data)


class TemplateCheckSerializer(StrictSerializer):
    sms_template = serializers.CharField(allow_blank=True, trim_whitespace=False)


class TemplateCheckView(APIView):
    """Validate a template without saving it; returns characters and SMS segments."""

    queryset = Team.objects.none()
    permission_classes = [RoleModelPermissions]

    @extend_schema(request=TemplateCheckSerializer, responses={200: TemplateSizeSerializer})
    def post(self, request):
        data = TemplateCheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            size = template_validate(data.validated_data["sms_template"])
        except TemplateError as exc:
            raise serializers.ValidationError({"sms_template": [str(exc)]}) from exc
        return Response(TemplateSizeSerializer(size).data)
