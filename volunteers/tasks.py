"""The Celery entry module of the volunteers app (autodiscovery imports `volunteers.tasks`).

The tasks live with their subsystem and keep their registered `volunteers.tasks.*` names, which
django-celery-beat rows and `volunteers/periodic.py` refer to:
- `salesforce/tasks.py`: `salesforce_sync_job`, `salesforce_daily_delta`;
- `quality/tasks.py`: `quality_score_job`, `quality_score_daily`;
- here: `event_counts_recount`, the nightly recount of event counts.
"""

from __future__ import annotations

import logging

from celery import shared_task

from . import services
from .quality.tasks import quality_score_daily, quality_score_job
from .salesforce.tasks import SYNC_QUEUE, SyncFailed, salesforce_daily_delta, salesforce_sync_job
from .virtual.tasks import pathful_import_job

__all__ = [
    "event_counts_recount",
    "pathful_import_job",
    "SYNC_QUEUE",
    "SyncFailed",
    "quality_score_daily",
    "quality_score_job",
    "salesforce_daily_delta",
    "salesforce_sync_job",
]

logger = logging.getLogger(__name__)


@shared_task(name="volunteers.tasks.event_counts_recount", queue="default", acks_late=True)
def event_counts_recount() -> dict:
    """Beat: recount every event's registered/attended counts; reports the drift it corrected."""
    corrected = services.event_counts_recount()
    if corrected:
        logger.warning("Event counts had drifted on %d event(s); corrected.", corrected)
    else:
        logger.info("Event counts: no drift.")
    return {"corrected": corrected}
