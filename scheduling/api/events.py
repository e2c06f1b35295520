"""Scheduling API: events (Crossmark's, with the local fields editable), "Find someone" suggestions,
and posted schedules (assign, reschedule, reassign, swap, unschedule, the day's verification)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from project.api import RoleModelPermissions, StrictModelSerializer, StrictSerializer

from .. import runs, services
from ..models import Employee, Event, Schedule
from ..selectors import day_verification, event_list, schedule_list
from ..services import CrossmarkFailed
from .fields import VerificationIssueSerializer, WarningSerializer, WarningsField


class CrossmarkUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Crossmark did not accept the change. Nothing was changed."
    default_code = "crossmark_unavailable"


class CrossmarkRefused(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Crossmark refused the change. Nothing was changed."
    default_code = "crossmark_refused"


def _crossmark_error(exc: CrossmarkFailed) -> exceptions.APIException:
    return CrossmarkUnavailable(str(exc)) if exc.transient else CrossmarkRefused(str(exc))


# --------------------------------------------------------------------------- events and schedules
class EventSerializer(StrictModelSerializer):
    sales_tool_url = serializers.URLField(read_only=True, allow_blank=True)  # "" when Crossmark has none
    scheduled_employee = serializers.SerializerMethodField()
    scheduled_at = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "mplan_id",
            "name",
            "event_type",
            "sub_type",
            "type_edited",
            "event_number",
            "start_at",
            "due_at",
            "estimated_minutes",
            "condition",
            "store_id",
            "store_number",
            "store_name",
            "sales_tool_url",
            "auto_schedule_excluded",
            "missing_since",
            "scheduled_employee",
            "scheduled_at",
        ]
        read_only_fields = [
            f for f in fields if f not in ("event_type", "sub_type", "estimated_minutes", "auto_schedule_excluded")
        ]

    def _schedule(self, obj):
        try:
            return obj.schedule
        except Schedule.DoesNotExist:
            return None

    def get_scheduled_employee(self, obj) -> int | None:
        schedule = self._schedule(obj)
        return schedule.employee_id if schedule else None

    def get_scheduled_at(self, obj) -> str | None:
        schedule = self._schedule(obj)
        return schedule.start_at.isoformat() if schedule else None


class SuggestionOptionSerializer(StrictSerializer):
    employee = serializers.IntegerField(source="employee_id")
    employee_name = serializers.CharField()
    start_at = serializers.DateTimeField()
    preferred = serializers.BooleanField(help_text="In the pool a run asks for this type (in its order).")


class SuggestionRefusalSerializer(StrictSerializer):
    employee = serializers.IntegerField(source="employee_id")
    employee_name = serializers.CharField()
    reason = serializers.CharField(help_text="The wording of run failures, e.g. 'time off'.")
    detail = serializers.CharField()


class SuggestionDaySerializer(StrictSerializer):
    date = serializers.DateField(source="day")
    options = SuggestionOptionSerializer(many=True)
    refusals = SuggestionRefusalSerializer(many=True)


class SuggestionsSerializer(StrictSerializer):
    event = serializers.IntegerField(source="event_id")
    summary = serializers.CharField(help_text="Empty when someone can take it; else why nobody can.")
    days = SuggestionDaySerializer(many=True)


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Events come from Crossmark; only the local fields (type, sub-type, estimate, exclusion) change here."""

    queryset = Event.objects.none()
    serializer_class = EventSerializer
    permission_classes = [RoleModelPermissions]
    search_fields = ["name", "mplan_id", "event_number"]

    @extend_schema(
        parameters=[
            OpenApiParameter("type", str, description="core, supervisor, juicer, freeosk, digital, other"),
            OpenApiParameter("condition", str),
            OpenApiParameter("unscheduled", bool),
            OpenApiParameter("start", OpenApiTypes.DATE, description="due on or after"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="starting on or before"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        errors = {}
        dates = {}
        for name in ("start", "end"):
            if params.get(name):
                try:
                    dates[name] = date.fromisoformat(params[name])
                except ValueError:
                    errors[name] = ["Use YYYY-MM-DD."]
        unscheduled = params.get("unscheduled")
        if unscheduled not in (None, "", "true", "false", "1", "0"):
            errors["unscheduled"] = ["Use true or false."]
        if params.get("type") and params["type"] not in dict(Event._meta.get_field("event_type").choices):
            errors["type"] = ["Unknown event type."]
        if errors:
            raise exceptions.ValidationError(errors)
        return event_list(
            event_type=params.get("type"),
            condition=params.get("condition"),
            unscheduled=None if unscheduled in (None, "") else unscheduled in ("true", "1"),
            start=dates.get("start"),
            end=dates.get("end"),
        )

    def perform_update(self, serializer):
        serializer.instance = services.event_update(event=serializer.instance, **serializer.validated_data)

    @extend_schema(responses=SuggestionsSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def suggestions(self, request, pk=None):
        """ "Find someone": the auto-scheduler's rules applied to this one event. Per allowed day,
        who can take it and at which time (ranked: the people a run would ask first, in its order),
        and for the others the reason (the wording of run failures). To post one, POST
        /schedules/ with the event, the employee and the `start_at` given here (the same
        validated path as manual scheduling). 400 if the event is already scheduled or cannot take
        a schedule (e.g. Submitted)."""
        event = self.get_object()
        result = runs.event_suggestions(event=event)
        return Response(SuggestionsSerializer(asdict(result)).data)


class ScheduleSerializer(serializers.ModelSerializer):
    overridden_warnings = WarningsField(read_only=True)
    event_name = serializers.CharField(source="event.name", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = Schedule
        fields = [
            "id",
            "event",
            "event_name",
            "event_type",
            "employee",
            "employee_name",
            "start_at",
            "crossmark_schedule_id",
            "from_sync",
            "overridden_warnings",
            "override_reason",
        ]
        read_only_fields = fields


class ScheduleCreateSerializer(StrictSerializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())
    employee = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all())
    start_at = serializers.DateTimeField()
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class RescheduleSerializer(StrictSerializer):
    start_at = serializers.DateTimeField()
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ReassignSerializer(StrictSerializer):
    employee = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all())
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SwapSerializer(StrictSerializer):
    first = serializers.PrimaryKeyRelatedField(queryset=Schedule.objects.all())
    second = serializers.PrimaryKeyRelatedField(queryset=Schedule.objects.all())
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ScheduleOutcomeSerializer(StrictSerializer):
    schedules = ScheduleSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    accepted_warnings = WarningSerializer(many=True)


class ScheduleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Posted schedules. POST assigns, DELETE unschedules (a Core takes its Supervisor along)."""

    queryset = Schedule.objects.none()
    serializer_class = ScheduleSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["employee", "event"]

    def get_queryset(self):
        return schedule_list()

    def _outcome(self, outcome, code=status.HTTP_200_OK):
        data = {
            "schedules": ScheduleSerializer(outcome.schedules, many=True).data,
            "notes": outcome.notes,
            "accepted_warnings": outcome.accepted_warnings,
        }
        return Response(data, status=code)

    @extend_schema(request=ScheduleCreateSerializer, responses={201: ScheduleOutcomeSerializer})
    def create(self, request, *args, **kwargs):
        data = ScheduleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outcome = services.schedule_assign(user=request.user, **data.validated_data)
        except CrossmarkFailed as exc:
            raise _crossmark_error(exc) from exc
        return self._outcome(outcome, status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        try:
            services.schedule_unschedule(schedule=instance, user=self.request.user)
        except CrossmarkFailed as exc:
            raise _crossmark_error(exc) from exc

    @extend_schema(request=RescheduleSerializer, responses=ScheduleOutcomeSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        data = RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outcome = services.schedule_reschedule(schedule=self.get_object(), user=request.user, **data.validated_data)
        except CrossmarkFailed as exc:
            raise _crossmark_error(exc) from exc
        return self._outcome(outcome)

    @extend_schema(request=ReassignSerializer, responses=ScheduleOutcomeSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outcome = services.schedule_reassign(schedule=self.get_object(), user=request.user, **data.validated_data)
        except CrossmarkFailed as exc:
            raise _crossmark_error(exc) from exc
        return self._outcome(outcome)

    @extend_schema(request=SwapSerializer, responses=ScheduleOutcomeSerializer)
    @action(detail=False, methods=["post"])
    def swap(self, request):
        data = SwapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outcome = services.schedule_swap_cores(user=request.user, **data.validated_data)
        except CrossmarkFailed as exc:
            raise _crossmark_error(exc) from exc
        return self._outcome(outcome)

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses=inline_serializer(
            "VerificationCheck",
            many=True,
            fields={
                "check": serializers.CharField(),
                "label": serializers.CharField(),
                "status": serializers.CharField(),
                "issues": VerificationIssueSerializer(many=True),
            },
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def verification(self, request):
        try:
            day = date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            raise exceptions.ValidationError({"date": ["Use YYYY-MM-DD."]}) from None
        rows = day_verification(day)
        return Response([{**row, "issues": [i.__dict__ for i in row["issues"]]} for row in rows])
