from datetime import timedelta

from project.periodic import PeriodicSpec

PERIODIC_TASKS = [
    PeriodicSpec(
        name="Crossmark events sync",
        task="scheduling.tasks.crossmark_sync_periodic",
        every_seconds=30 * 60,
        queue="sync",
        description="Upserts Crossmark mPlans by id (never deletes); see Scheduling → Sync for the run log.",
        freshness=timedelta(hours=2),
    ),
]
