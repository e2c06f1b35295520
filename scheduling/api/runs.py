"""Scheduling API: auto-scheduler runs (start as a job, approve, retry, reject, close) and their
proposals (PATCH re-validated with the rules of every placement)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from project.api import RoleModelPermissions, StrictSerializer
from project.api_views import JobSerializer, job_accepted

from .. import runs
from ..models import Employee, ScheduleProposal, SchedulerRun
from ..selectors import proposal_queryset
from .fields import RunSettingsField, WarningsField


# --------------------------------------------------------------------------- auto-scheduler
class CanRunAutoScheduler(RoleModelPermissions):
    """Reading runs needs the view permission (Staff and up); starting, editing, approving and
    rejecting need the change permission on runs (Coordinators and Administrators)."""

    perms_map = {**RoleModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ProposalSerializer(serializers.ModelSerializer):
    overridden_warnings = WarningsField(read_only=True)
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
    settings_used = RunSettingsField(read_only=True)
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
