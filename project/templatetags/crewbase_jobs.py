"""`{{ job.kind|job_label }}`: a job kind in words for the pages (the API keeps the kind)."""

from django import template

register = template.Library()

JOB_LABELS = {
    "platform.purge_jobs": "Old jobs clean-up",
    "volunteers.salesforce_sync": "Salesforce sync",
    "volunteers.quality_score": "Data-quality scoring",
    "pathful_import": "Virtual programme import",
    "scheduling.auto_schedule": "Auto-scheduler run",
    "scheduling.auto_schedule_approve": "Auto-scheduler approval",
    "scheduling.crossmark_sync": "Crossmark sync",
}


@register.filter
def job_label(kind: str) -> str:
    """The label for a known kind; otherwise the kind's last part in words ("a.b_c" → "B c")."""
    if kind in JOB_LABELS:
        return JOB_LABELS[kind]
    words = str(kind).rsplit(".", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Job"
