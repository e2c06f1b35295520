"""REST API under /api/v1/scheduling/. Coordinators and Administrators write, Staff read; every
endpoint needs authentication (RoleModelPermissions). Views stay thin: services do the work."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.base import IntegrationError
from project.api import RoleModelPermissions, StrictModelSerializer, StrictSerializer
from project.api_views import JobSerializer, job_accepted
from project.jobs import job_start

from .. import runs, services
from ..models import (
    CompanyHoliday,
    DateAvailability,
    Employee,
    Event,
    JobTitle,
    RotationAssignment,
    RotationException,
    Schedule,
    ScheduleProposal,
    SchedulerRun,
    SchedulingSettings,
    SyncRun,
    TimeOff,
    WeeklyAvailability,
)
from ..reps import reps_import, reps_review
from ..selectors import (
    day_verification,
    employee_list,
    event_list,
    proposal_queryset,
    schedule_list,
    scheduling_settings_get,
    sync_run_list,
    time_off_list,
)
from ..services import CrossmarkFailed
from ..tasks import crossmark_sync_job


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


# --------------------------------------------------------------------------- employees
class EmployeeSerializer(StrictModelSerializer):
    class Meta:
        model = Employee
        fields = [
            "id",
            "name",
            "job_title",
            "is_active",
            "termination_date",
            "crossmark_rep_id",
            "crossmark_employee_id",
            "mv_employee_number",
            "phone",
            "email",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        for key in ("crossmark_rep_id", "crossmark_employee_id"):
            if key in attrs and not attrs[key]:
                attrs[key] = None
        return attrs


class WeeklyAvailabilitySerializer(StrictModelSerializer):
    class Meta:
        model = WeeklyAvailability
        fields = list(WeeklyAvailability.DAYS)


class RepImportSerializer(StrictSerializer):
    rep_ids = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1, max_length=200)
    job_title = serializers.ChoiceField(choices=JobTitle.choices, default=JobTitle.EVENT_SPECIALIST)
    links = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Confirmed links: rep id → employee id (one of the rep's `ambiguous`/`look_alike` candidates).",
    )


class EmployeeViewSet(viewsets.ModelViewSet):
    queryset = Employee.objects.none()
    serializer_class = EmployeeSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["job_title", "is_active"]
    search_fields = ["name", "crossmark_rep_id", "crossmark_employee_id", "email"]
    ordering_fields = ["name", "job_title"]

    def get_queryset(self):
        return employee_list()

    def perform_create(self, serializer):
        serializer.instance = services.employee_save(employee=Employee(**serializer.validated_data))

    def perform_update(self, serializer):
        employee = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(employee, key, value)
        services.employee_save(employee=employee)

    def perform_destroy(self, instance):
        if instance.schedules.exists():
            raise exceptions.ValidationError(
                {"detail": "This employee has posted schedules; mark them inactive or set a termination date instead."}
            )
        instance.delete()

    @extend_schema(
        responses=inline_serializer(
            "RepReview",
            fields={
                "matched": serializers.ListField(child=serializers.DictField()),
                "ambiguous": serializers.ListField(child=serializers.DictField()),
                "look_alike": serializers.ListField(child=serializers.DictField()),
                "new": serializers.ListField(child=serializers.DictField()),
                "refused": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(detail=False, methods=["get"], url_path="import-candidates")
    def import_candidates(self, request):
        """Crossmark reps: matched by id (`recase` when only Crossmark's casing differs), ambiguous (the
        same name, case and ends aside), look_alike (a similar name only), new, refused (no name)."""
        try:
            return Response(reps_review(client=services.crossmark_for_user(request.user)))
        except IntegrationError as exc:
            raise CrossmarkUnavailable(f"Crossmark: {exc}") from exc

    @extend_schema(request=RepImportSerializer, responses={201: EmployeeSerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="import", pagination_class=None, filter_backends=[])
    def import_reps(self, request):
        if not request.user.has_perm("scheduling.add_employee"):
            raise exceptions.PermissionDenied()
        data = RepImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = reps_import(client=services.crossmark_for_user(request.user), **data.validated_data)
        except IntegrationError as exc:
            raise CrossmarkUnavailable(f"Crossmark: {exc}") from exc
        # The employees the import created, linked or gave Crossmark's casing.
        return Response(EmployeeSerializer(result.changed, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WeeklyAvailabilitySerializer, responses=WeeklyAvailabilitySerializer)
    @action(detail=True, methods=["get", "put"], url_path="weekly-availability")
    def weekly_availability(self, request, pk=None):
        employee = self.get_object()
        if request.method == "GET":
            row = WeeklyAvailability.objects.filter(employee=employee).first() or WeeklyAvailability(employee=employee)
            return Response(WeeklyAvailabilitySerializer(row).data)
        if not request.user.has_perm("scheduling.change_weeklyavailability"):
            raise exceptions.PermissionDenied()
        serializer = WeeklyAvailabilitySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = services.weekly_availability_set(employee=employee, days=serializer.validated_data)
        return Response(WeeklyAvailabilitySerializer(row).data)


class DateAvailabilitySerializer(StrictModelSerializer):
    class Meta:
        model = DateAvailability
        fields = ["id", "employee", "date", "is_available", "reason"]


class DateAvailabilityViewSet(viewsets.ModelViewSet):
    queryset = DateAvailability.objects.none()
    serializer_class = DateAvailabilitySerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["employee", "date", "is_available"]

    def get_queryset(self):
        return DateAvailability.objects.select_related("employee").order_by("date", "id")


class TimeOffSerializer(StrictModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = TimeOff
        fields = ["id", "employee", "employee_name", "start_date", "end_date", "reason"]


class TimeOffViewSet(viewsets.ModelViewSet):
    queryset = TimeOff.objects.none()
    serializer_class = TimeOffSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["employee"]

    def get_queryset(self):
        return time_off_list()

    def perform_create(self, serializer):
        serializer.instance = services.time_off_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.time_off_update(time_off=serializer.instance, **serializer.validated_data)


class HolidaySerializer(StrictModelSerializer):
    class Meta:
        model = CompanyHoliday
        fields = ["id", "name", "date", "is_recurring", "is_active"]


class HolidayViewSet(viewsets.ModelViewSet):
    queryset = CompanyHoliday.objects.none()
    serializer_class = HolidaySerializer
    permission_classes = [RoleModelPermissions]

    def get_queryset(self):
        return CompanyHoliday.objects.order_by("date", "id")

    def perform_create(self, serializer):
        serializer.instance = services.holiday_save(holiday=CompanyHoliday(**serializer.validated_data))


class RotationSerializer(StrictModelSerializer):
    class Meta:
        model = RotationAssignment
        fields = ["id", "weekday", "rotation_type", "employee"]

    def validate(self, attrs):
        employee = attrs.get("employee") or getattr(self.instance, "employee", None)
        rotation_type = attrs.get("rotation_type") or getattr(self.instance, "rotation_type", None)
        needed = {"juicer": {"juicer_barista"}, "primary_lead": {"lead_event_specialist", "club_supervisor"}}
        if employee and rotation_type and employee.job_title not in needed[rotation_type]:
            raise serializers.ValidationError({"employee": f"{employee.name} cannot hold this rotation."})
        return attrs


class RotationViewSet(viewsets.ModelViewSet):
    queryset = RotationAssignment.objects.none()
    serializer_class = RotationSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["rotation_type", "weekday"]

    def get_queryset(self):
        return RotationAssignment.objects.select_related("employee").order_by("rotation_type", "weekday")


class RotationExceptionSerializer(RotationSerializer):
    class Meta:
        model = RotationException
        fields = ["id", "date", "rotation_type", "employee", "reason"]


class RotationExceptionViewSet(RotationViewSet):
    queryset = RotationException.objects.none()
    serializer_class = RotationExceptionSerializer
    filterset_fields = ["rotation_type", "date"]

    def get_queryset(self):
        return RotationException.objects.select_related("employee").order_by("date", "rotation_type")


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
    accepted_warnings = serializers.ListField(child=serializers.DictField())


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
                "issues": serializers.ListField(child=serializers.DictField()),
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


# --------------------------------------------------------------------------- settings and sync
class SettingsSerializer(StrictModelSerializer):
    crossmark_password = serializers.CharField(write_only=True, required=False, allow_blank=True)
    edr_password = serializers.CharField(write_only=True, required=False, allow_blank=True)
    crossmark_password_set = serializers.SerializerMethodField()
    edr_password_set = serializers.SerializerMethodField()

    class Meta:
        model = SchedulingSettings
        fields = [*SchedulingSettings.EDITABLE_FIELDS, "crossmark_password_set", "edr_password_set", "updated_at"]
        read_only_fields = ["updated_at"]

    def get_crossmark_password_set(self, obj) -> bool:
        return bool(obj.crossmark_password)

    def get_edr_password_set(self, obj) -> bool:
        return bool(obj.edr_password)


class SettingsView(APIView):
    """The single settings row: GET and PATCH /settings/. Passwords are write-only."""

    queryset = SchedulingSettings.objects.none()
    serializer_class = SettingsSerializer
    permission_classes = [RoleModelPermissions]

    @extend_schema(responses=SettingsSerializer)
    def get(self, request):
        return Response(SettingsSerializer(scheduling_settings_get()).data)

    @extend_schema(request=SettingsSerializer, responses=SettingsSerializer)
    def patch(self, request):
        row = scheduling_settings_get()
        serializer = SettingsSerializer(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = services.settings_update(**serializer.validated_data)  # blank passwords keep the current ones
        return Response(SettingsSerializer(row).data)


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = [
            "id",
            "kind",
            "status",
            "job_id",
            "started_at",
            "finished_at",
            "fetched",
            "created",
            "updated",
            "unchanged",
            "vanished",
            "skipped",
            "schedules_imported",
            "problems",
            "error",
        ]
        read_only_fields = fields


class SyncViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The sync run log; POST starts a Crossmark sync as a job (202)."""

    queryset = SyncRun.objects.none()
    serializer_class = SyncRunSerializer
    permission_classes = [RoleModelPermissions]

    def get_queryset(self):
        return sync_run_list()

    @extend_schema(request=None, responses={202: JobSerializer})
    def create(self, request):
        job = job_start(
            kind="scheduling.crossmark_sync",
            task=crossmark_sync_job,
            user=request.user,
            params={"user_id": request.user.pk},
            queue="sync",
        )
        return job_accepted(job, request)


# --------------------------------------------------------------------------- auto-scheduler
class CanRunAutoScheduler(RoleModelPermissions):
    """Reading runs needs the view permission (Staff and up); starting, editing, approving and
    rejecting need the change permission on runs (Coordinators and Administrators)."""

    perms_map = {**RoleModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ProposalSerializer(serializers.ModelSerializer):
    event_name = serializers.CharField(source="event.name", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    # null for an unplaced event (no employee, no start): declared nullable in the schema.
    employee_name = serializers.CharField(source="employee.name", read_only=True, default=None, allow_null=True)
    start = serializers.DateTimeField(source="start_at", read_only=True, allow_null=True)
    # Plain strings in the schema (an enum named "status" would collide with other apps' ones).
    status = serializers.CharField(
        read_only=True, help_text="proposed, edited, submitted, submit_failed, rejected, unplaced"
    )

    class Meta:
        model = ScheduleProposal
        fields = [
            "id",
            "run",
            "event",
            "event_name",
            "event_type",
            "employee",
            "employee_name",
            "start",
            "kind",
            "status",
            "failure_reason",
            "note",
            "schedule",
            "previous_employee",
            "previous_start_at",
            "bumped_by",
            "override_reason",
            "overridden_warnings",
            "crossmark_schedule_id",
            "submit_error",
            "submitted_at",
            "attempts",
        ]
        read_only_fields = fields


class ProposalUpdateSerializer(StrictSerializer):
    employee = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all(), required=False)
    start_at = serializers.DateTimeField(required=False)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SchedulerRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True,
        help_text="running, ready, partly_approved, approved, rejected, closed, superseded, failed "
        "(allowed moves: SchedulerRun.TRANSITIONS; see docs/scheduling.md)",
    )

    class Meta:
        model = SchedulerRun
        fields = [
            "id",
            "status",
            "trigger",
            "as_of",
            "job_id",
            "started_by",
            "started_at",
            "finished_at",
            "candidates",
            "proposed",
            "failed",
            "moves",
            "compute_ms",
            "settings_used",
            "error",
            "approved_at",
            "approved_by",
            "rejected_at",
            "rejected_by",
            "closed_at",
            "closed_by",
            "superseded_by",
        ]
        read_only_fields = fields


class RunActionsSerializer(StrictSerializer):
    approve = serializers.BooleanField()
    retry = serializers.BooleanField()
    reject = serializers.BooleanField()
    close = serializers.BooleanField()
    edit = serializers.BooleanField()


class SchedulerRunDetailSerializer(SchedulerRunSerializer):
    proposals = ProposalSerializer(many=True, read_only=True)
    submitted = serializers.SerializerMethodField()
    submit_failed = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(SchedulerRunSerializer.Meta):
        fields = [*SchedulerRunSerializer.Meta.fields, "submitted", "submit_failed", "actions", "proposals"]
        read_only_fields = fields

    @extend_schema_field(RunActionsSerializer)
    def get_actions(self, obj) -> dict:
        counts = Counter(p.status for p in obj.proposals.all())
        return asdict(runs.run_actions(obj, counts))

    def _count(self, obj, status_value) -> int:
        return sum(1 for p in obj.proposals.all() if p.status == status_value)

    def get_submitted(self, obj) -> int:
        return self._count(obj, ScheduleProposal.Status.SUBMITTED)

    def get_submit_failed(self, obj) -> int:
        return self._count(obj, ScheduleProposal.Status.SUBMIT_FAILED)


class RunStartSerializer(StrictSerializer):
    as_of = serializers.DateTimeField(required=False, help_text="Default: now.")


class RunApproveSerializer(StrictSerializer):
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=10000,
        help_text="Default: every open proposal of the run.",
    )


class ApproveResultSerializer(StrictSerializer):
    submitted = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    run = SchedulerRunDetailSerializer()


class RunJobSerializer(JobSerializer):
    """A job started for a run: the job plus `run`, the run's id (the schema of the 202 answers)."""

    run = serializers.IntegerField(read_only=True, help_text="The run's id.")

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "run"]
        read_only_fields = fields


APPROVE_RESPONSES = {
    200: ApproveResultSerializer,
    202: OpenApiResponse(
        RunJobSerializer,
        description="The approval job (poll /api/v1/jobs/{id}/; its `result` has the counts) plus `run`, the run's id.",
    ),
}


class SchedulerRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Auto-scheduler runs. POST starts one as a job (202); a run writes only itself and its
    proposals until proposals are approved."""

    queryset = SchedulerRun.objects.none()
    serializer_class = SchedulerRunSerializer
    permission_classes = [CanRunAutoScheduler]
    filterset_fields = ["trigger"]

    def get_queryset(self):
        qs = SchedulerRun.objects.select_related("started_by").order_by("-started_at", "-id")
        if self.action != "list":
            qs = qs.prefetch_related(Prefetch("proposals", queryset=proposal_queryset()))
        return qs

    def get_serializer_class(self):
        return SchedulerRunSerializer if self.action == "list" else SchedulerRunDetailSerializer

    @extend_schema(
        request=RunStartSerializer,
        responses={
            202: OpenApiResponse(
                RunJobSerializer, description="The job (poll /api/v1/jobs/{id}/) plus `run`, the id of the new run."
            )
        },
    )
    def create(self, request):
        data = RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run, job = runs.run_start(as_of=data.validated_data.get("as_of"), user=request.user)
        response = job_accepted(job, request)
        response.data["run"] = run.pk
        return response

    def _detail(self, run_id: int) -> dict:
        return SchedulerRunDetailSerializer(self.get_queryset().get(pk=run_id)).data

    def _approve(self, request, *, retry_only: bool):
        run = self.get_object()
        data = RunApproveSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        ids = data.validated_data.get("proposals")
        if ids is None:  # the whole run: one Crossmark call per row, as a job
            response = job_accepted(runs.run_approve_start(run=run, user=request.user, retry_only=retry_only), request)
            response.data["run"] = run.pk
            return response
        result = runs.run_approve(run=run, user=request.user, proposal_ids=ids, retry_only=retry_only)
        return Response({**result, "run": self._detail(run.pk)})

    @extend_schema(request=RunApproveSerializer, responses=APPROVE_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Submit the run's proposals to Crossmark row by row. Without `proposals`, the whole run
        is approved as a job (202; its result has the counts); with `proposals`, those rows now
        (200). Rows already submitted are never submitted again; failed rows are retried."""
        return self._approve(request, retry_only=False)

    @extend_schema(request=RunApproveSerializer, responses=APPROVE_RESPONSES)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Submit again only the rows whose submission failed: the whole run as a job (202), or
        the given `proposals` now (200)."""
        return self._approve(request, retry_only=True)

    @extend_schema(request=None, responses=SchedulerRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Drop the open proposals; events and posted schedules stay exactly as they are. Refused
        (400) once any row is submitted: retry the failed rows or close the run instead."""
        run = runs.run_reject(run=self.get_object(), user=request.user)
        return Response(self._detail(run.pk))

    @extend_schema(request=None, responses=SchedulerRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Finish a partly approved run: submitted rows stay posted, the rows still open are dropped."""
        run = runs.run_close(run=self.get_object(), user=request.user)
        return Response(self._detail(run.pk))


class ProposalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Proposals and failures of runs. PATCH changes employee and/or start, re-validated with the
    same rules as every placement."""

    queryset = ScheduleProposal.objects.none()
    serializer_class = ProposalSerializer
    permission_classes = [RoleModelPermissions]
    filterset_fields = ["run", "kind"]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, description="proposed, edited, submitted, submit_failed, rejected, unplaced"
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = proposal_queryset()
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in ScheduleProposal.Status.values:
                raise exceptions.ValidationError({"status": ["Unknown status."]})
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(request=ProposalUpdateSerializer, responses=ProposalSerializer)
    def partial_update(self, request, *args, **kwargs):
        data = ProposalUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = runs.proposal_update(proposal=self.get_object(), **data.validated_data)
        return Response(ProposalSerializer(proposal_queryset().get(pk=proposal.pk)).data)
