"""Data-quality API under /api/v1/volunteers/quality/: runs (with checks), flags (dismiss/resolve)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from project.api import StrictSerializer
from project.api_views import JobSerializer, job_accepted
from project.jobs import job_start

from ..api.common import SeesContacts
from ..models import DataQualityFlag, QualityCheck, QualityRun
from .services import flag_close
from .tasks import quality_score_job


class ModelPerm(permissions.BasePermission):
    """view_<model> to read; add_<model> to start (POST); change_<model> for actions."""

    def has_permission(self, request, view):
        model = view.queryset.model._meta.model_name
        if request.method in permissions.SAFE_METHODS:
            action_name = "view"
        else:
            action_name = "add" if view.action == "create" else "change"
        return request.user.has_perm(f"volunteers.{action_name}_{model}")


QUALITY_PERMISSIONS = [permissions.IsAuthenticated, SeesContacts, ModelPerm]


class QualityCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityCheck
        fields = ["id", "entity", "dimension", "name", "severity", "score", "message", "measured", "offending_ids"]
        read_only_fields = fields


class QualityRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="running, success or failed")

    class Meta:
        model = QualityRun
        fields = ["id", "started_at", "finished_at", "status", "overall_score", "scores"]
        read_only_fields = fields


class QualityRunDetailSerializer(QualityRunSerializer):
    checks = QualityCheckSerializer(many=True, read_only=True)

    class Meta(QualityRunSerializer.Meta):
        fields = [*QualityRunSerializer.Meta.fields, "checks"]
        read_only_fields = fields


class QualityRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Stored scoring runs; POST starts a new run as a job (202)."""

    queryset = QualityRun.objects.none()
    permission_classes = QUALITY_PERMISSIONS

    def get_queryset(self):
        qs = QualityRun.objects.all()
        if self.action == "retrieve":
            qs = qs.prefetch_related("checks")
        return qs.order_by("-started_at", "-id")

    def get_serializer_class(self):
        return QualityRunDetailSerializer if self.action == "retrieve" else QualityRunSerializer

    @extend_schema(request=None, responses={202: JobSerializer})
    def create(self, request, *args, **kwargs):
        job = job_start(kind="volunteers.quality_score", task=quality_score_job, user=request.user)
        return job_accepted(job, request)


class FlagSerializer(serializers.ModelSerializer):
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, default=None, allow_null=True)
    status = serializers.CharField(read_only=True, help_text="open, dismissed, resolved or auto_resolved")

    class Meta:
        model = DataQualityFlag
        fields = [
            "id",
            "entity_type",
            "entity_key",
            "entity_id",
            "issue_type",
            "severity",
            "source",
            "message",
            "details",
            "status",
            "created_at",
            "updated_at",
            "resolved_at",
            "resolved_by",
            "resolution_note",
        ]
        read_only_fields = fields


class FlagCloseSerializer(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class FlagFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DataQualityFlag.Status.choices)
    severity = django_filters.ChoiceFilter(choices=DataQualityFlag.Severity.choices)
    entity_type = django_filters.CharFilter()
    issue_type = django_filters.CharFilter()

    class Meta:
        model = DataQualityFlag
        fields = ["status", "severity", "entity_type", "issue_type"]


class DataQualityFlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = DataQualityFlag.objects.none()
    serializer_class = FlagSerializer
    permission_classes = QUALITY_PERMISSIONS
    filterset_class = FlagFilter
    ordering_fields = ["updated_at", "severity"]

    def get_queryset(self):
        return DataQualityFlag.objects.select_related("resolved_by").order_by("-updated_at", "-id")

    def _close(self, request, status):
        params = FlagCloseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        flag = flag_close(flag=self.get_object(), status=status, user=request.user, note=params.validated_data["note"])
        return Response(FlagSerializer(flag).data)

    @extend_schema(request=FlagCloseSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._close(request, DataQualityFlag.Status.DISMISSED)

    @extend_schema(request=FlagCloseSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._close(request, DataQualityFlag.Status.RESOLVED)
