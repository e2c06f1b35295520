from datetime import timedelta

from project.periodic import PeriodicSpec

PERIODIC_TASKS = [
    PeriodicSpec(
        name="On-call: page shifts due",
        task="oncall.tasks.pages_queue_due",
        every_seconds=300,
        queue="sms",
        description="At each team's notification time pages the member whose shift starts that day; "
        "catches up pages missed during downtime while the shift still runs.",
        freshness=timedelta(minutes=30),
    ),
    PeriodicSpec(
        name="On-call: SMS outbox dispatch",
        task="oncall.tasks.outbox_dispatch",
        every_seconds=60,
        queue="sms",
        description="Sends pending SMS that are due (retries with backoff, rows queued while the broker was down).",
        freshness=timedelta(minutes=10),
    ),
    PeriodicSpec(
        name="On-call: confirmations",
        task="oncall.tasks.confirmations_check",
        every_seconds=300,
        queue="sms",
        description="Pages not confirmed by SMS reply within the team's time get a reminder, then the backup is paged.",
        freshness=timedelta(minutes=30),
    ),
    PeriodicSpec(
        name="On-call: weekly summary",
        task="oncall.tasks.weekly_summary",
        crontab={"minute": "0", "hour": "8", "day_of_week": "1"},
        queue="sms",
        description="Monday 08:00: the week's schedule by SMS to each team's escalation contacts.",
    ),
    PeriodicSpec(
        name="On-call: schedule auto-renew",
        task="oncall.tasks.schedule_auto_renew",
        crontab={"minute": "0", "hour": "2"},
        description="Extends each team's schedule when fewer than the threshold weeks remain; completes past overrides.",
    ),
]
