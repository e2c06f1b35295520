from django.db.models import QuerySet

from .models import Job


def job_list_for_user(user) -> QuerySet[Job]:
    """Jobs a user may see: their own, or every job with the view_job permission."""
    qs = Job.objects.select_related("created_by")
    if user.has_perm("project.view_job"):
        return qs
    return qs.filter(created_by=user)


def running_job_list_for_user(user) -> QuerySet[Job]:
    """The user's visible jobs still queued or running, newest first, with only what the compact
    job table shows (includes/job_table.html): no join to the user who started them."""
    return (
        job_list_for_user(user)
        .select_related(None)
        .only("kind", "status", "progress", "created_at")
        .filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .order_by("-created_at")
    )
