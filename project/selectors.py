from django.db.models import QuerySet

from .models import Job


def job_list_for_user(user) -> QuerySet[Job]:
    """Jobs a user may see: their own, or every job with the view_job permission."""
    qs = Job.objects.select_related("created_by")
    if user.has_perm("project.view_job"):
        return qs
    return qs.filter(created_by=user)
