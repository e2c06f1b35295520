"""Teacher-programme API under /api/v1/volunteers/virtual/: progress, Pathful imports (as jobs),
the unmatched queue and attendance overrides. Permissions are the models' (view to read, add to
create, change for actions); district viewers read only their districts' progress."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from project.api import StrictSerializer
from project.api_views import JobSerializer, job_accepted
from project.jobs import JobNotQueued

from ..models import AttendanceOverride, Event, EventFormat, PathfulImport, PathfulUnmatched, TeacherProgress
from . import importing, progress, selectors, services
from . import tasks as _tasks  # noqa: F401 - registers the import job's task


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


class Unavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The import could not be queued: the task broker is unreachable. Try again later."
    default_code = "unavailable"


class ModelPerm(permissions.BasePermission):
    """view_<model> to read; add_<model> to create; change_<model> for actions."""

    def has_permission(self, request, view):
        model = view.queryset.model._meta.model_name
        if request.method in permissions.SAFE_METHODS:
            verb = "view"
        else:
            verb = "add" if view.action == "create" else "change"
        return request.user.has_perm(f"volunteers.{verb}_{model}")


PERMS = [permissions.IsAuthenticated, ModelPerm]


# --------------------------------------------------------------------------- progress
class VirtualSessionLineSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    title = serializers.CharField()
    start = serializers.DateTimeField()
    event_status = serializers.CharField()
    participation_status = serializers.CharField(help_text="Blank when the session counts only by an override.")
    counted_as = serializers.ChoiceField(
        choices=["completed", "planned", "no_show", "cancelled"], allow_null=True, help_text="null: not counted"
    )
    override_id = serializers.IntegerField(source="override.pk", allow_null=True, default=None)


class TeacherProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="progress.pk")
    district_id = serializers.IntegerField(source="progress.district_id")
    school_id = serializers.IntegerField(source="progress.school_id", allow_null=True)
    teacher_id = serializers.IntegerField(source="progress.teacher_id", allow_null=True)
    name = serializers.CharField(source="progress.name")
    email = serializers.EmailField(source="progress.email")
    academic_year = serializers.IntegerField(source="progress.academic_year")
    target_sessions = serializers.IntegerField(source="progress.target_sessions")
    is_active = serializers.BooleanField(source="progress.is_active")
    completed = serializers.IntegerField()
    planned = serializers.IntegerField()
    no_show = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    status = serializers.CharField(help_text="achieved, in_progress or not_started")
    percent = serializers.IntegerField(min_value=0, max_value=100)


class TeacherProgressDetailSerializer(TeacherProgressSerializer):
    sessions = VirtualSessionLineSerializer(many=True)


class TeacherProgressTargetSerializer(StrictSerializer):
    target_sessions = serializers.IntegerField(min_value=1, max_value=100)


class TeacherProgressFilter(django_filters.FilterSet):
    district = django_filters.NumberFilter(field_name="district_id")
    school = django_filters.NumberFilter(field_name="school_id")
    academic_year = django_filters.NumberFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = TeacherProgress
        fields = ["district", "school", "academic_year", "is_active"]


class ProgressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Teacher progress per district and academic year, with counts and status (3 queries per
    page for the counts, whatever the page size)."""

    queryset = TeacherProgress.objects.none()
    permission_classes = PERMS
    filterset_class = TeacherProgressFilter
    serializer_class = TeacherProgressSerializer

    def get_queryset(self):
        return selectors.progress_visible(self.request.user).order_by("district__name", "school__name", "name", "id")

    def _rows(self, records, *, with_sessions=False):
        by_year: dict[int, list[TeacherProgress]] = {}
        for record in records:
            by_year.setdefault(record.academic_year, []).append(record)
        rows = {}
        for year, group in by_year.items():
            for row in progress.progress_rows(progress=group, academic_year=year, with_sessions=with_sessions):
                rows[row.progress.pk] = row
        return [rows[r.pk] for r in records]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(TeacherProgressSerializer(self._rows(page), many=True).data)

    @extend_schema(responses=TeacherProgressDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        (row,) = self._rows([self.get_object()], with_sessions=True)
        return Response(TeacherProgressDetailSerializer(row).data)

    @extend_schema(request=TeacherProgressTargetSerializer, responses=TeacherProgressSerializer)
    @action(detail=True, methods=["post"])
    def target(self, request, pk=None):
        params = TeacherProgressTargetSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        record = progress.progress_target_set(
            progress=self.get_object(), target=params.validated_data["target_sessions"]
        )
        (row,) = self._rows([record])
        return Response(TeacherProgressSerializer(row).data)


# --------------------------------------------------------------------------- imports
class PathfulImportSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="queued, running, done or failed")
    job_id = serializers.UUIDField(allow_null=True, read_only=True)
    errors = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = PathfulImport
        fields = [
            "id",
            "filename",
            "status",
            "job_id",
            "rows",
            "rows_other_partner",
            "sessions",
            "drafts_skipped",
            "duplicate_rows",
            "events_created",
            "events_updated",
            "people_matched",
            "people_created",
            "unmatched",
            "errors",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class PathfulUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="The Pathful session report, .xlsx or .csv.")


class PathfulImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The import log; POST (multipart, `file`) checks the file at once and starts the import as a
    job: 202 with the job. Bad files are a 400 naming the problem; nothing is written."""

    queryset = PathfulImport.objects.none()
    permission_classes = PERMS
    serializer_class = PathfulImportSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return PathfulImport.objects.select_related("job").order_by("-created_at", "-id")

    @extend_schema(request={"multipart/form-data": PathfulUploadSerializer}, responses={202: JobSerializer})
    def create(self, request, *args, **kwargs):
        params = PathfulUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        if upload.size > importing.MAX_UPLOAD_BYTES:
            raise exceptions.ValidationError({"file": ["The file is larger than 20 MB."]})
        try:
            log = importing.pathful_import_create(content=upload.read(), filename=upload.name, user=request.user)
        except JobNotQueued as exc:
            raise Unavailable() from exc
        return job_accepted(log.job, request)


# --------------------------------------------------------------------------- unmatched queue
class PathfulUnmatchedSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending, resolved, created or ignored")

    class Meta:
        model = PathfulUnmatched
        fields = [
            "id",
            "kind",
            "status",
            "session_id",
            "name",
            "email",
            "reason",
            "raw",
            "contact",
            "resolution_note",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


class PathfulUnmatchedResolveSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=["link", "create", "ignore"])
    contact_id = serializers.IntegerField(required=False, min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")

    def validate(self, attrs):
        if attrs["action"] == "link" and not attrs.get("contact_id"):
            raise serializers.ValidationError({"contact_id": ["Give the id of the person to link."]})
        return attrs


class PathfulUnmatchedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PathfulUnmatched._meta.get_field("status").choices)
    kind = django_filters.ChoiceFilter(choices=PathfulUnmatched._meta.get_field("kind").choices)

    class Meta:
        model = PathfulUnmatched
        fields = ["status", "kind"]


class UnmatchedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = PathfulUnmatched.objects.none()
    permission_classes = PERMS
    serializer_class = PathfulUnmatchedSerializer
    filterset_class = PathfulUnmatchedFilter

    def get_queryset(self):
        return PathfulUnmatched.objects.order_by("status", "-created_at", "id")

    @extend_schema(request=PathfulUnmatchedResolveSerializer, responses=PathfulUnmatchedSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        params = PathfulUnmatchedResolveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data, row = params.validated_data, self.get_object()
        if data["action"] == "link":
            row = services.unmatched_link(row=row, contact_id=data["contact_id"], user=request.user, note=data["note"])
        elif data["action"] == "create":
            row = services.unmatched_create(row=row, user=request.user, note=data["note"])
        else:
            row = services.unmatched_ignore(row=row, user=request.user, note=data["note"])
        return Response(PathfulUnmatchedSerializer(row).data)


# --------------------------------------------------------------------------- overrides
class AttendanceOverrideSerializer(serializers.ModelSerializer):
    progress = serializers.PrimaryKeyRelatedField(queryset=TeacherProgress.objects.all())
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.filter(format=EventFormat.VIRTUAL))
    reason = serializers.CharField(max_length=2000)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)
    reversed_by = serializers.CharField(source="reversed_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AttendanceOverride
        fields = [
            "id",
            "progress",
            "event",
            "action",
            "reason",
            "original",
            "is_active",
            "created_by",
            "created_at",
            "reversed_by",
            "reversed_at",
            "reversal_reason",
        ]
        read_only_fields = ["original", "is_active", "created_at", "reversed_at", "reversal_reason"]
        validators = []  # the one-active-override rule is the service's, answered with a 409


class AttendanceOverrideReverseSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


class OverrideViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Add (201) or reverse an override; the same active override twice is a 409."""

    queryset = AttendanceOverride.objects.none()
    permission_classes = PERMS
    serializer_class = AttendanceOverrideSerializer
    filterset_fields = ["progress", "event", "is_active"]

    def get_queryset(self):
        qs = AttendanceOverride.objects.select_related("created_by", "reversed_by").order_by("-created_at", "-id")
        ids = selectors.progress_district_ids(self.request.user)
        return qs if ids is None else qs.filter(progress__district_id__in=ids)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = selectors.progress_visible(request.user).filter(pk=data["progress"].pk).first()
        if record is None:
            raise exceptions.ValidationError({"progress": ["No such teacher progress row."]})
        try:
            override = services.override_add(
                progress=record, event=data["event"], action=data["action"], reason=data["reason"], user=request.user
            )
        except services.OverrideConflict as exc:
            raise Conflict(str(exc)) from exc
        return Response(AttendanceOverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AttendanceOverrideReverseSerializer, responses={200: AttendanceOverrideSerializer, 409: None}
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        params = AttendanceOverrideReverseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            override = services.override_reverse(
                override=self.get_object(), reason=params.validated_data["reason"], user=request.user
            )
        except services.OverrideConflict as exc:
            raise Conflict(str(exc)) from exc
        return Response(AttendanceOverrideSerializer(override).data)
