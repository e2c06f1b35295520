"""Demo data: one team of eight with the default pattern and eight weeks of schedule,
an override, escalation contacts and a notification log. Idempotent."""

from __future__ import annotations

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.twilio.fake import FAKE_GATEWAY

from . import paging, services
from .models import Assignment, Override, PhoneVerification, ShiftPattern, SmsMessage, Team

TEAM_NAME = "IT Operations"
PEOPLE = [
    ("Maya Okafor", "+13125550101", "+13125550201"),
    ("Liam Brandt", "+13125550102", ""),
    ("Sofia Reyes", "+13125550103", ""),
    ("Noah Kim", "+13125550104", "+13125550204"),
    ("Ava Novak", "+13125550105", ""),
    ("Ethan Walsh", "+13125550106", ""),
    ("Zoe Haddad", "+13125550107", ""),
    ("Lucas Moreau", "+13125550108", ""),
]
DEFAULT_PATTERN = [
    (0, 24, "Monday"),
    (1, 48, "Tuesday–Wednesday"),
    (3, 24, "Thursday"),
    (4, 24, "Friday"),
    (5, 24, "Saturday"),
    (6, 24, "Sunday"),
]


def load(*, stdout) -> None:
    team, created = Team.objects.get_or_create(
        name=TEAM_NAME,
        defaults={
            "escalation_enabled": True,
            "weekly_summary_enabled": True,
            "sms_template": "Crewbase on-call: hi {name}, you are on call for {team} from {start} to {end} ({duration}).",
        },
    )
    if not created:
        stdout.write("  on-call demo team already present")
        return
    services.team_update_settings(
        team=team,
        contacts=[
            {"name": "Dana Whitfield (IT manager)", "phone": "+13125550901"},
            {"name": "Raj Patel (director)", "phone": "+13125550902"},
        ],
    )
    for weekday, hours, name in DEFAULT_PATTERN:
        services.shift_save(
            shift=ShiftPattern(team=team, name=name, weekday=weekday, start_time=time(8), duration_hours=hours)
        )
    members = [services.member_create(team=team, name=n, phone=p, secondary_phone=s) for n, p, s in PEOPLE]
    # Demo people have confirmed their numbers already (the codes went to the fake gateway).
    PhoneVerification.objects.filter(member__in=members).update(verified_at=timezone.now())
    today = timezone.localdate()
    last_monday = today - timedelta(days=today.weekday() + 7)
    services.schedule_generate(team=team, weeks=8, start=last_monday)

    # An override next week (vacation) and a completed one last week.
    upcoming = Assignment.objects.filter(team=team, starts_at__gt=timezone.now()).order_by("starts_at")
    admin = get_user_model().objects.filter(username="coordinator").first()
    target = upcoming[3]
    cover = next(m for m in members if m.pk != target.member_id)
    services.override_create(assignment=target, member=cover, reason="Vacation (approved)", user=admin)
    past = Assignment.objects.filter(team=team, ends_at__lt=timezone.now()).order_by("starts_at").first()
    if past is not None:
        other = next(m for m in members if m.pk != past.member_id)
        Override.objects.create(
            assignment=past,
            member=other,
            original_member=past.member,
            reason="Sick day",
            status=Override.Status.COMPLETED,
            completed_at=past.ends_at,
            created_by=admin,
        )

    # A week of paging history through the fake gateway: sent, delivered, one failure escalated.
    FAKE_GATEWAY.reset()
    for assignment in Assignment.objects.filter(team=team, ends_at__lt=timezone.now()).select_related("shift", "team"):
        for row in paging.assignment_page(assignment=assignment, enqueue=False):
            SmsMessage.objects.filter(pk=row.pk).update(
                next_attempt_at=assignment.starts_at, created_at=assignment.starts_at
            )
            paging.sms_deliver(message_id=row.pk, now=assignment.starts_at)
    sent = list(SmsMessage.objects.filter(team=team, status=SmsMessage.Status.SENT).order_by("created_at"))
    for row in sent[:-1]:
        paging.delivery_status_record(sid=row.provider_sid, status="delivered", now=row.sent_at + timedelta(seconds=4))
    if sent:
        SmsMessage.objects.filter(pk=sent[-1].pk).update(
            status=SmsMessage.Status.UNDELIVERED,
            error_code="30003",
            error_message="Carrier reported undelivered (error 30003).",
        )
    stdout.write(f"  on-call: team {team.name} with {len(members)} members and 8 weeks of schedule")
