"""Scheduling API: employees (with Crossmark rep import), weekly and date availability, time off,
company holidays, rotations and their exceptions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.base import IntegrationError
from project.api import RoleModelPermissions, StrictModelSerializer, StrictSerializer

from .. import services
from ..models import (
    CompanyHoliday,
    DateAvailability,
    Employee,
    JobTitle,
    RotationAssignment,
    RotationException,
    TimeOff,
    WeeklyAvailability,
)
from ..reps import reps_import, reps_review
from ..selectors import employee_list, time_off_list
from .events import CrossmarkUnavailable
from .fields import RepReviewSerializer


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

    @extend_schema(responses=RepReviewSerializer)
    @action(detail=False, methods=["get"], url_path="import-candidates")
    def import_candidates(self, request):
        """Crossmark reps: matched by id (`recase` when only Crossmark's casing differs), ambiguous (the
        same name, case and ends aside), look_alike (a similar name only), new, refused (no name)."""
        try:
            return Response(reps_review(client=services.clients.crossmark_for_user(request.user)))
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
            result = reps_import(client=services.clients.crossmark_for_user(request.user), **data.validated_data)
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
