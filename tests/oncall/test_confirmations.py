"""Confirmation by SMS reply: the page asks for "1"/"OK", the reply is recorded on the occurrence,
no reply means a reminder and then the backup, all through the outbox (never twice)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from oncall import paging
from oncall.models import Assignment, Member, SmsMessage
from oncall.services import schedule_generate
from project.email.models import EmailMessage

from .dates import CHICAGO, MONDAY
from .factories import MemberFactory
from .test_paging import signed_post


def at(day_offset, hh, mm=0):
    d = MONDAY + timedelta(days=day_offset)
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=CHICAGO)


@pytest.fixture
def paged(team, shifts, members, gateway):
    """Monday's page sent at 08:00; the team waits 30 minutes for a confirmation."""
    schedule_generate(team=team, weeks=1, start=MONDAY)
    paging.pages_queue_due(now=at(0, 8))
    page = SmsMessage.objects.get(purpose="page")
    paging.sms_deliver(message_id=page.pk, now=at(0, 8))
    page.refresh_from_db()
    return page


@pytest.mark.django_db
def test_page_asks_for_a_reply_only_when_confirmation_is_on(paged, team):
    assert paged.body.endswith("Reply 1 or OK to confirm.")
    team.confirm_within_minutes = 0
    team.save()
    assert not paging.page_body(team=team, assignment=paged.assignment, member=paged.member).endswith("confirm.")


@pytest.mark.django_db
def test_reply_ok_by_webhook_confirms_the_occurrence(client, monkeypatch, paged):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    params = {"From": paged.recipient_phone, "Body": " ok ", "SmsStatus": "received", "MessageSid": "SMin1"}
    assert client.post("/integrations/twilio/status/", params).status_code == 403  # unsigned: refused
    assert Assignment.objects.get(pk=paged.assignment_id).confirmed_at is None
    assert signed_post(client, params).status_code == 200
    assignment = Assignment.objects.get(pk=paged.assignment_id)
    assert assignment.confirmed_by_id == paged.member_id and assignment.confirmed_at is not None
    first = assignment.confirmed_at
    assert paging.inbound_reply(from_phone=paged.recipient_phone, body="1", now=at(0, 9)) == "confirmed"
    assert Assignment.objects.get(pk=paged.assignment_id).confirmed_at == first  # the first reply counts
    # A confirmed page gets neither reminder nor backup page.
    assert paging.confirmations_check(now=at(0, 10)) == {"reminders": 0, "backups": 0}


@pytest.mark.django_db
def test_no_reply_means_a_reminder_then_the_backup_each_once(paged, gateway):
    assert paging.confirmations_check(now=at(0, 8, 29)) == {"reminders": 0, "backups": 0}
    assert paging.confirmations_check(now=at(0, 8, 30)) == {"reminders": 1, "backups": 0}
    assert paging.confirmations_check(now=at(0, 8, 45)) == {"reminders": 0, "backups": 0}  # not twice
    reminder = SmsMessage.objects.get(purpose="reminder")
    assert reminder.recipient_phone == paged.recipient_phone and reminder.body.startswith("Reminder: ")
    assert paging.confirmations_check(now=at(0, 9)) == {"reminders": 0, "backups": 1}
    assert paging.confirmations_check(now=at(0, 9, 5)) == {"reminders": 0, "backups": 0}
    backup = SmsMessage.objects.get(purpose="backup_page")
    assert backup.member_id != paged.member_id and backup.assignment_id == paged.assignment_id
    assert backup.body.startswith(f"Not confirmed by {paged.recipient_name}: ")
    # Through the outbox: each row is sent once, whatever runs twice.
    for message_id in paging.outbox_due(now=at(0, 9, 6)) * 2:
        paging.sms_deliver(message_id=message_id, now=at(0, 9, 6))
    assert sorted(m.to for m in gateway.sent) == sorted([paged.recipient_phone] * 2 + [backup.recipient_phone])
    # The backup may confirm instead.
    assert paging.inbound_reply(from_phone=backup.recipient_phone, body="OK", now=at(0, 9, 10)) == "confirmed"
    assert Assignment.objects.get(pk=paged.assignment_id).confirmed_by_id == backup.member_id


@pytest.mark.django_db
def test_backup_already_paged_for_a_failed_page_is_not_paged_again(paged):
    paging.page_failed(message_id=paged.pk, now=at(0, 8, 5))
    assert SmsMessage.objects.filter(purpose="backup_page").count() == 1
    assert paging.confirmations_check(now=at(0, 9))["backups"] == 0
    assert SmsMessage.objects.filter(purpose="backup_page").count() == 1


@pytest.mark.django_db
def test_stop_start_help_keep_working_and_unknown_replies_get_help_once(paged, team):
    phone = paged.recipient_phone
    assert paging.inbound_reply(from_phone=phone, body="STOP", now=at(0, 9)) == "opted_out"
    assert paging.inbound_reply(from_phone=phone, body="START", now=at(0, 9)) == "opted_in"
    assert paging.inbound_reply(from_phone=phone, body="HELP", now=at(0, 9)) == "help"
    assert not SmsMessage.objects.filter(purpose="reply").exists()
    assert paging.inbound_reply(from_phone=phone, body="who is this?", now=at(0, 9)) == "help_sent"
    assert paging.inbound_reply(from_phone=phone, body="hello??", now=at(0, 10)) == "help_already_sent"
    reply = SmsMessage.objects.get(purpose="reply")
    assert reply.recipient_phone == phone and "1 or OK" in reply.body
    # Nothing to confirm (no page to this phone) is answered with the help text too.
    other = MemberFactory(team=team, phone="+13125550188")
    assert paging.inbound_reply(from_phone=other.phone, body="OK", now=at(0, 9)) == "help_sent"
    # Strangers get no answer at all.
    assert paging.inbound_reply(from_phone="+13125550199", body="hi", now=at(0, 9)) == "ignored"
    assert SmsMessage.objects.filter(purpose="reply").count() == 2


@pytest.mark.django_db
def test_reply_after_the_shift_ended_confirms_nothing(paged):
    assert paging.inbound_reply(from_phone=paged.recipient_phone, body="OK", now=at(1, 8)) == "help_sent"
    assert Assignment.objects.get(pk=paged.assignment_id).confirmed_at is None


@pytest.mark.django_db
def test_dashboard_shows_confirmed_and_unconfirmed(client_for, coordinator, team, shifts, members):
    today = timezone.localdate()
    schedule_generate(team=team, weeks=2, start=today - timedelta(days=today.weekday() + 7))
    current = Assignment.objects.get(starts_at__lte=timezone.now(), ends_at__gt=timezone.now())
    client = client_for(coordinator)
    page = client.get(f"/oncall/?team={team.pk}").content.decode()
    assert "Not confirmed yet" in page  # the "on call now" card
    confirmed = current.starts_at + timedelta(minutes=7)
    Assignment.objects.filter(pk=current.pk).update(confirmed_at=confirmed)
    page = client.get(f"/oncall/?team={team.pk}").content.decode()
    assert f"Confirmed {timezone.localtime(confirmed):%H:%M}" in page
    team.confirm_within_minutes = 0
    team.save()
    assert "onfirmed" not in client.get(f"/oncall/?team={team.pk}").content.decode()


@pytest.mark.django_db
def test_unconfirmed_page_emails_the_backup_once(paged, team):
    """The backup paged for an unconfirmed occurrence also gets one e-mail through the outbox,
    however often the check runs."""
    backup_member = Member.objects.exclude(pk=paged.member_id).order_by("rotation_order").first()
    Member.objects.filter(team=team).exclude(pk=paged.member_id).update(email="backup@example.org")
    for minute in (0, 5, 10):
        paging.confirmations_check(now=at(0, 9, minute))
    backup = SmsMessage.objects.get(purpose="backup_page")
    assert backup_member is not None and backup.member_id != paged.member_id
    (mail,) = EmailMessage.objects.filter(purpose="oncall_escalation")
    assert mail.to_email == "backup@example.org" and mail.to_name == backup.recipient_name
    assert f"{paged.recipient_name} has not confirmed" in mail.body_text
