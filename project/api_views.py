"""Platform API: jobs."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .api import StrictSerializer
from .jobs import job_start
from .models import Job
from .selectors import job_list_for_user
from .tasks import purge_jobs_job


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "message", "result", "error", "created_at", "finished_at"]
        read_only_fields = fields


def job_accepted(job: Job, request) -> Response:
    """The response for any endpoint that starts a job: 202 with the job and its URL."""
    url = request.build_absolute_uri(reverse("api:job-detail", args=[job.pk]))
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class PurgeJobsParams(StrictSerializer):
    older_than_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)


# Job kinds that may be started through POST /api/v1/jobs/ (apps start their own from their
# endpoints): kind -> (task, params serializer, permission).
STARTABLE_JOBS = {
    "platform.purge_jobs": (purge_jobs_job, PurgeJobsParams, "project.delete_job"),
}


class JobStartSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=sorted(STARTABLE_JOBS))
    params = serializers.DictField(required=False, default=dict)


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Job.objects.none()  # narrowed per user in get_queryset
    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at", "finished_at"]

    def get_queryset(self):
        return job_list_for_user(self.request.user)

    @extend_schema(request=JobStartSerializer, responses={202: JobSerializer})
    def create(self, request):
        start = JobStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        task, params_serializer, permission = STARTABLE_JOBS[start.validated_data["kind"]]
        if not request.user.has_perm(permission):
            raise PermissionDenied("You may not start this job.")
        params = params_serializer(data=start.validated_data["params"])
        if not params.is_valid():
            raise serializers.ValidationError({"params": params.errors})
        job = job_start(kind=start.validated_data["kind"], task=task, user=request.user, params=params.validated_data)
        return job_accepted(job, request)
