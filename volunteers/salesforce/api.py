"""Salesforce sync API (/api/v1/integrations/salesforce/): start a sync, read run history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from project.api import StrictSerializer
from project.api_views import JobSerializer, job_accepted
from project.jobs import job_start

from ..models import SyncRun
from . import mapping as sfm
from .tasks import salesforce_sync_job


class CanStartSync(BasePermission):
    message = "Starting a Salesforce sync needs the Coordinator or Administrator role."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("volunteers.add_syncrun"))


class CanViewRuns(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("volunteers.view_syncrun"))


class SyncStartSerializer(StrictSerializer):
    mode = serializers.ChoiceField(choices=["delta", "full"], default="delta")
    objects = serializers.ListField(
        child=serializers.ChoiceField(choices=list(sfm.ORDER)),
        required=False,
        allow_empty=False,
        help_text="Only these objects (default: all, in order).",
    )


class SyncStartView(APIView):
    permission_classes = [IsAuthenticated, CanStartSync]

    @extend_schema(request=SyncStartSerializer, responses={202: JobSerializer}, operation_id="salesforce_sync_start")
    def post(self, request):
        params = SyncStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        job_params = {"mode": params.validated_data["mode"]}
        if params.validated_data.get("objects"):
            job_params["objects"] = params.validated_data["objects"]
        job = job_start(
            kind="volunteers.salesforce_sync", task=salesforce_sync_job, user=request.user, params=job_params
        )
        return job_accepted(job, request)


@extend_schema_serializer(component_name="SalesforceSyncRun")
class SyncRunSerializer(serializers.ModelSerializer):
    processed = serializers.IntegerField(read_only=True)
    # Plain strings in the schema (the choices are documented on the model; shared enum names collide).
    status = serializers.CharField(read_only=True, help_text="running, success, partial or failed")
    mode = serializers.CharField(read_only=True, help_text="full or delta (what ran)")
    requested_mode = serializers.CharField(read_only=True, help_text="full or delta (what was asked)")

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "object_name",
            "mode",
            "requested_mode",
            "status",
            "started_at",
            "finished_at",
            "modified_since",
            "watermark",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "failed",
            "queued",
            "processed",
            "error_count",
            "errors",
            "job",
        ]
        read_only_fields = fields


class SyncRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = SyncRun.objects.none()
    serializer_class = SyncRunSerializer
    permission_classes = [IsAuthenticated, CanViewRuns]
    filterset_fields = ["object_name", "status", "mode"]
    ordering_fields = ["started_at"]

    def get_queryset(self):
        return SyncRun.objects.order_by("-started_at", "-id")
