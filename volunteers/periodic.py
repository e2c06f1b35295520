from datetime import timedelta

from project.periodic import PeriodicSpec

PERIODIC_TASKS = [
    PeriodicSpec(
        name="Volunteers: Salesforce daily delta sync",
        task="volunteers.tasks.salesforce_daily_delta",
        crontab={"minute": "0", "hour": "2"},
        queue="sync",
        description="02:00: delta sync of every Salesforce object in dependency order (LastModifiedDate > "
        "watermark − 1 h, − 48 h after a failed run).",
        freshness=timedelta(hours=26),
    ),
    PeriodicSpec(
        name="Volunteers: data-quality scoring",
        task="volunteers.tasks.quality_score_daily",
        crontab={"minute": "30", "hour": "4"},
        description="04:30: scores volunteers, organizations, events, teachers and students (stored run).",
    ),
    PeriodicSpec(
        name="Volunteers: event counts recount",
        task="volunteers.tasks.event_counts_recount",
        crontab={"minute": "15", "hour": "3"},
        description="03:15: recounts every event's registered/attended counts from its participations and "
        "reports how many had drifted (and were corrected).",
    ),
    PeriodicSpec(
        name="Volunteers: teacher progress recount",
        task="volunteers.virtual.tasks.progress_counts_recount",
        crontab={"minute": "45", "hour": "3"},
        description="03:45: recounts the stored teacher-progress counts of this academic year and the last "
        "one from the sessions and overrides, and reports how many had drifted (and were corrected).",
    ),
    PeriodicSpec(
        name="Volunteers: teacher progress year close",
        task="volunteers.virtual.tasks.progress_year_close",
        crontab={"minute": "30", "hour": "0", "day_of_month": "1", "month_of_year": "8"},
        description="Aug 1, 00:30: the academic year that ended on Jul 31 is closed (still-active progress "
        "rows deactivated with the year-end source).",
    ),
]
