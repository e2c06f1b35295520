from project.periodic import PeriodicSpec

PERIODIC_TASKS = [
    PeriodicSpec(
        name="Purge expired expense import drafts",
        task="expenses.tasks.purge_expired_import_drafts",
        crontab={"minute": "15", "hour": "4"},
        queue="default",
        description="Import review drafts are kept 14 days in the database, then deleted.",
    ),
]
