"""The Celery entry module of the volunteers app (autodiscovery imports `volunteers.tasks`).

The tasks live with their subsystem and keep their registered `volunteers.tasks.*` names, which
django-celery-beat rows and `volunteers/periodic.py` refer to:
- `salesforce/tasks.py`: `salesforce_sync_job`, `salesforce_daily_delta`;
- `quality/tasks.py`: `quality_score_job`, `quality_score_daily`.
"""

from __future__ import annotations

from .quality.tasks import quality_score_daily, quality_score_job
from .salesforce.tasks import SYNC_QUEUE, SyncFailed, salesforce_daily_delta, salesforce_sync_job

__all__ = [
    "SYNC_QUEUE",
    "SyncFailed",
    "quality_score_daily",
    "quality_score_job",
    "salesforce_daily_delta",
    "salesforce_sync_job",
]
