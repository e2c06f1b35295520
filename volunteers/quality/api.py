"""Data-quality API under /api/v1/volunteers/quality/: runs (with checks), flags (dismiss/resolve)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
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


class EntityScoreSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="0–100: the weighted mean of the entity's dimension scores.")
    dimensions = serializers.DictField(child=serializers.FloatField(), help_text="Score per dimension, 0–100.")


class MeasuredSerializer(serializers.Serializer):
    """What a check counted: ratio checks give `total`, `offending` and `ratio`; the Salesforce
    count check gives `local`, and `remote` and `difference` when Salesforce answered."""

    total = serializers.IntegerField(required=False)
    offending = serializers.IntegerField(required=False)
    ratio = serializers.FloatField(required=False)
    local = serializers.IntegerField(required=False)
    remote = serializers.IntegerField(required=False)
    difference = serializers.IntegerField(required=False)


@extend_schema_field(serializers.DictField(child=EntityScoreSerializer()))
class ScoresField(serializers.JSONField):
    """Per entity (volunteers, events, …): its score and its dimension scores."""


@extend_schema_field(MeasuredSerializer)
class MeasuredField(serializers.JSONField):
    """What a check counted."""


@extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
class OffendingIdsField(serializers.JSONField):
    """Crewbase ids of offending records (at most 200)."""


class QualityCheckSerializer(serializers.ModelSerializer):
    measured = MeasuredField(read_only=True)
    offending_ids = OffendingIdsField(read_only=True)

    class Meta:
        model = QualityCheck
        fields = ["id", "entity", "dimension", "name", "severity", "score", "message", "measured", "offending_ids"]
        read_only_fields = fields


class QualityRunSerializer(serializers.ModelSerializer):
    scores = ScoresField(read_only=True)
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


class FlagDetailsSerializer(serializers.Serializer):
    """Where a flag came from: a Salesforce field and its raw value (sync), or a roster row."""

    field = serializers.CharField(required=False, help_text="The Salesforce field.")
    raw = serializers.CharField(required=False, allow_null=True, help_text="Salesforce's raw value.")
    row = serializers.IntegerField(required=False, help_text="The roster file's row.")
    email = serializers.CharField(required=False, help_text="The roster row's e-mail.")


@extend_schema_field(FlagDetailsSerializer)
class FlagDetailsField(serializers.JSONField):
    """A flag's details."""


class FlagSerializer(serializers.ModelSerializer):
    details = FlagDetailsField(read_only=True)
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
