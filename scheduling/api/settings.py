"""Scheduling API: the single settings row (passwords write-only) and the Crossmark sync log
(POST starts a sync as a job)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from project.api import RoleModelPermissions, StrictModelSerializer
from project.api_views import JobSerializer, job_accepted
from project.jobs import job_start

from .. import services
from ..models import SchedulingSettings, SyncRun
from ..selectors import scheduling_settings_get, sync_run_list
from ..tasks import crossmark_sync_job
from .fields import DurationsField, SlotsField, SyncProblemsField


# --------------------------------------------------------------------------- settings and sync
class SettingsSerializer(StrictModelSerializer):
    core_slots = SlotsField(required=False, help_text="Core start times, HH:MM.")
    digital_setup_slots = SlotsField(required=False, help_text="Digital set-up start times, HH:MM.")
    digital_teardown_slots = SlotsField(required=False, help_text="Digital tear-down start times, HH:MM.")
    durations = DurationsField(
        required=False,
        help_text="Minutes per event type, and per sub-type where it differs (a sub-type wins over its type).",
    )
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
    problems = SyncProblemsField(read_only=True)

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
