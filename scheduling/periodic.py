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
    PeriodicSpec(
        name="Nightly auto-schedule",
        task="scheduling.tasks.auto_schedule_nightly",
        crontab={"minute": "30", "hour": "2"},
        queue="default",
        description="Runs the auto-scheduler and leaves proposals for review. Off unless "
        "Scheduling settings → nightly auto-schedule is on; approval stays manual.",
    ),
]
