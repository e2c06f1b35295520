"""Paging through the outbox: idempotency, retries, escalation, catch-up, callbacks."""

import threading
from datetime import datetime, timedelta

import pytest
import requests
import responses
from django.db import connection
from django.utils import timezone

from integrations.base import PermanentError, TransientError
from integrations.twilio.errors import is_transient
from integrations.twilio.live import LiveTwilioGateway
from integrations.twilio.webhook import signature_compute
from oncall import paging
from oncall.models import Assignment, Member, PhoneVerification, SmsMessage
from oncall.services import schedule_generate
from oncall.tasks import outbox_dispatch, sms_send
from project.email import outbox as email_outbox
from project.email.models import EmailMessage

from .dates import CHICAGO, MONDAY
from .factories import MemberFactory


def at(day_offset, hh, mm=0, ss=0):
    d = MONDAY + timedelta(days=day_offset)
    return datetime(d.year, d.month, d.day, hh, mm, ss, tzinfo=CHICAGO)


@pytest.fixture
def schedule(team, shifts, members):
    schedule_generate(team=team, weeks=2, start=MONDAY)
    return Assignment.objects.order_by("starts_at")


@pytest.mark.django_db
def test_daily_page_at_notification_time(schedule, gateway):
    assert paging.pages_queue_due(now=at(0, 7, 59)) == 0
    assert paging.pages_queue_due(now=at(0, 8, 0)) == 1
    row = SmsMessage.objects.get()
    monday = schedule[0]
    assert (row.member, row.purpose, row.assignment) == (monday.member, "page", monday)
    assert row.idempotency_key == f"page:{monday.shift_id}:{MONDAY:%Y-%m-%d}:{monday.member.phone}"
    assert f"Mon Jan {MONDAY.day} 08:00" in row.body and "1 day" in row.body


@pytest.mark.django_db
def test_second_phone_gets_its_own_row_and_48h_shift_is_paged_once(schedule):
    tuesday = schedule[1]
    Member.objects.filter(pk=tuesday.member_id).update(secondary_phone="+13125559999")
    PhoneVerification.objects.create(
        member_id=tuesday.member_id, phone="+13125559999", code_hash="-", verified_at=at(0, 0)
    )
    paging.pages_queue_due(now=at(1, 8, 0))
    rows = SmsMessage.objects.filter(assignment=tuesday)
    assert sorted(r.recipient_phone for r in rows) == sorted([tuesday.member.phone, "+13125559999"])
    paging.pages_queue_due(now=at(2, 8, 0))  # Wednesday: the 48 h shift is still running
    assert SmsMessage.objects.filter(assignment=tuesday).count() == 2
    assert SmsMessage.objects.filter(purpose="page").count() == 2  # Monday ended at Tuesday 08:00: no catch-up


@pytest.mark.django_db
def test_task_run_twice_sends_once(schedule, gateway):
    paging.pages_queue_due(now=at(0, 8))
    paging.pages_queue_due(now=at(0, 8, 5))
    row = SmsMessage.objects.get()
    sms_send(row.pk)
    sms_send(row.pk)
    outbox_dispatch()
    assert len(gateway.sent) == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1 and row.provider_sid == gateway.sent[0].sid


@pytest.mark.django_db
def test_transient_error_backs_off_then_sends(schedule, gateway):
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    gateway.fail_next(TransientError("429 rate limited", code=20429))
    outcome = paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1))
    row.refresh_from_db()
    assert outcome.status == "pending" and 0 <= outcome.retry_in <= paging.BACKOFF_CAP_SECONDS
    assert row.attempts == 1 and row.next_attempt_at >= at(0, 8, 1)
    # Not due yet: nobody sends it early.
    assert paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1) - timedelta(seconds=1)).status == "pending"
    assert paging.sms_deliver(message_id=row.pk, now=row.next_attempt_at).status == "sent"
    assert len(gateway.sent) == 1


@pytest.mark.error_log_expected("oncall.paging")
@pytest.mark.django_db
def test_backoff_is_exponential_and_capped(schedule, gateway, settings, monkeypatch):
    monkeypatch.setattr("integrations.base.random.uniform", lambda lo, hi: hi)  # jitter at its ceiling
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    settings.ONCALL_SMS_MAX_ATTEMPTS = 8
    delays, now = [], at(0, 8, 1)
    for _ in range(7):
        gateway.fail_next(TransientError("503"))
        outcome = paging.sms_deliver(message_id=row.pk, now=now)
        delays.append(outcome.retry_in)
        now += timedelta(seconds=outcome.retry_in)
    assert delays == [30, 60, 120, 240, 480, 900, 900]
    gateway.fail_next(TransientError("503"))
    assert paging.sms_deliver(message_id=row.pk, now=now).status == "failed"  # attempt budget spent


@pytest.mark.django_db
def test_twilio_down_for_an_hour_loses_nothing(schedule, gateway):
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    now = at(0, 8)
    while now < at(0, 9):
        gateway.fail_next(TransientError("Twilio unreachable"))
        outcome = paging.sms_deliver(message_id=row.pk, now=now)
        assert outcome.status == "pending"
        now += timedelta(seconds=outcome.retry_in)
    assert paging.sms_deliver(message_id=row.pk, now=now).status == "sent"
    assert len(gateway.sent) == 1


@pytest.mark.error_log_expected("oncall.paging")
@pytest.mark.django_db
def test_retrying_stops_when_the_shift_is_over(schedule, gateway, monkeypatch):
    monkeypatch.setattr("integrations.base.random.uniform", lambda lo, hi: hi)
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    gateway.fail_next(TransientError("503"))
    assert paging.sms_deliver(message_id=row.pk, now=at(1, 7, 59, 45)).status == "failed"


@pytest.mark.error_log_expected("oncall.paging")
@pytest.mark.django_db
def test_permanent_error_fails_at_once_pages_backup_and_mails_admins(schedule, gateway, settings, mailoutbox):
    settings.ADMINS = [("Admin", "admin@example.org")]
    Member.objects.filter(pk=schedule[1].member_id).update(email="backup@example.org")
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    gateway.fail_next(PermanentError("Twilio error 21211: invalid To", code=21211))
    assert paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1)).status == "failed"
    row.refresh_from_db()
    assert row.attempts == 1 and row.error_code == "21211" and row.escalated
    backup = SmsMessage.objects.get(purpose="backup_page")
    assert backup.member == schedule[1].member and backup.assignment == row.assignment
    # Both e-mails go through the e-mail outbox (never mail_admins / send_mail directly).
    alert = EmailMessage.objects.get(purpose="admin_alert")
    assert alert.to_email == "admin@example.org" and "page failed" in alert.subject
    assert "failed: Twilio error 21211" in alert.body_text and "paging the backup" in alert.body_text
    escalation = EmailMessage.objects.get(purpose="oncall_escalation")
    assert escalation.to_email == "backup@example.org" and "backup" in escalation.subject
    assert row.recipient_name in escalation.body_text and "failed" in escalation.body_text
    assert mailoutbox == []  # sent by the outbox's worker, not inline
    for message in EmailMessage.objects.all():
        assert email_outbox.email_deliver(message_id=message.pk).status == "sent"
    assert sorted(m.to[0].rsplit("<", 1)[-1].rstrip(">") for m in mailoutbox) == [
        "admin@example.org",
        "backup@example.org",
    ]


@pytest.mark.error_log_expected("oncall.paging")
@pytest.mark.django_db
def test_escalation_running_twice_sends_each_email_once(schedule, gateway, settings, mailoutbox):
    """A redelivered escalation (the flag reset, a second worker) finds the outbox rows."""
    settings.ADMINS = [("Admin", "admin@example.org"), ("Ops", "ops@example.org")]
    Member.objects.filter(pk=schedule[1].member_id).update(email="backup@example.org")
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    gateway.fail_next(PermanentError("Twilio error 21211: invalid To", code=21211))
    paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1))
    assert paging.page_failed(message_id=row.pk, now=at(0, 8, 2)) is None  # already escalated
    SmsMessage.objects.filter(pk=row.pk).update(escalated=False)
    paging.page_failed(message_id=row.pk, now=at(0, 8, 3))
    assert EmailMessage.objects.filter(purpose="admin_alert").count() == 2  # one per administrator
    assert EmailMessage.objects.filter(purpose="oncall_escalation").count() == 1
    assert SmsMessage.objects.filter(purpose="backup_page").count() == 1
    for message_id in [*EmailMessage.objects.values_list("pk", flat=True)] * 2:
        email_outbox.email_deliver(message_id=message_id)
    assert len(mailoutbox) == 3


@pytest.mark.error_log_expected("oncall.paging")
@pytest.mark.django_db
def test_escalation_without_admins_or_backup_address_still_pages_the_backup(schedule, gateway, settings):
    settings.ADMINS = []
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    gateway.fail_next(PermanentError("Twilio error 21211: invalid To", code=21211))
    paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1))
    assert SmsMessage.objects.filter(purpose="backup_page").count() == 1
    assert EmailMessage.objects.count() == 0


@pytest.mark.django_db
def test_catch_up_after_downtime_only_while_shift_runs(schedule):
    # Workers were down all Monday morning; at 15:00 the Monday page still goes out.
    assert paging.pages_queue_due(now=at(0, 15)) == 1
    # Down from Thursday 07:00 to Friday 09:00: Thursday's shift is over, only Friday's is paged.
    assert paging.pages_queue_due(now=at(4, 9)) == 1
    assert SmsMessage.objects.filter(assignment=schedule[2]).count() == 0
    assert SmsMessage.objects.filter(assignment=schedule[3]).count() == 1


@pytest.mark.django_db
def test_row_that_outlived_its_shift_expires(schedule, gateway):
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    assert paging.sms_deliver(message_id=row.pk, now=at(1, 9)).status == "expired"
    assert gateway.sent == []


@pytest.mark.django_db
def test_opted_out_member_is_skipped(schedule, gateway):
    Member.objects.filter(pk=schedule[0].member_id).update(sms_opt_out=True)
    assert paging.pages_queue_due(now=at(0, 8)) == 0
    assert SmsMessage.objects.get().status == "skipped"


@pytest.mark.django_db
def test_broker_down_leaves_rows_pending_for_the_dispatcher(
    schedule, gateway, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(sms_send, "apply_async", broken)
    with django_capture_on_commit_callbacks(execute=True):
        paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    assert row.status == "pending" and gateway.sent == []
    monkeypatch.undo()
    assert paging.outbox_due(now=at(0, 8, 1)) == [row.pk]
    SmsMessage.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    outbox_dispatch()  # the periodic safety net, with the real clock
    assert len(gateway.sent) == 1


@pytest.mark.django_db
def test_stale_sending_row_is_failed_not_resent(schedule, gateway):
    paging.pages_queue_due(now=at(0, 8))
    SmsMessage.objects.update(status="sending", claimed_at=at(0, 8))
    assert paging.outbox_release_stale(now=at(0, 8, 30)) == 1
    assert SmsMessage.objects.get(purpose="page").status == "failed"
    assert gateway.sent == []


# --------------------------------------------------------------------------- classification via the SDK
TWILIO_URL = "https://twilio.test/2010-04-01/Accounts/ACtest/Messages.json"


@pytest.fixture
def live_gateway():
    return LiveTwilioGateway(
        account_sid="ACtest",
        auth_token="secret",
        from_number="+13125550000",
        api_base_url="https://twilio.test",
        request_timeout=2,
    )


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, 20429, TransientError),
        (500, None, TransientError),
        (503, None, TransientError),
        (401, 20003, TransientError),
        (400, 30003, TransientError),
        (400, 30006, TransientError),
        (400, 21211, PermanentError),
        (400, 21408, PermanentError),
        (400, 21610, PermanentError),
        (400, 21614, PermanentError),
        (404, 20404, PermanentError),
        (400, 21617, PermanentError),
    ],
)
@responses.activate
def test_error_classification_through_the_real_sdk(live_gateway, status, code, expected):
    body = {"status": status, "message": "nope", "more_info": "https://www.twilio.com/docs/errors"}
    if code is not None:
        body["code"] = code
    responses.post(TWILIO_URL, json=body, status=status)
    with pytest.raises(expected) as info:
        live_gateway.send_sms(to="+13125550100", body="hi")
    assert type(info.value) is expected and info.value.code == (code or status)  # the SDK falls back to the HTTP status


@responses.activate
def test_timeout_is_transient_and_success_returns_the_sid(live_gateway):
    responses.post(TWILIO_URL, body=requests.Timeout("read timed out"))
    with pytest.raises(TransientError):
        live_gateway.send_sms(to="+13125550100", body="hi")
    responses.replace(responses.POST, TWILIO_URL, json={"sid": "SM123", "status": "queued"}, status=201)
    sent = live_gateway.send_sms(to="+13125550100", body="hi", status_callback="https://x.test/cb")
    assert sent.sid == "SM123"
    assert "StatusCallback=https" in responses.calls[-1].request.body


def test_is_transient_defaults():
    assert is_transient(http_status=None, code=None)
    assert not is_transient(http_status=403, code=None)


# --------------------------------------------------------------------------- callbacks
CALLBACK = "http://testserver/integrations/twilio/status/"


def signed_post(client, params, token="tok"):
    return client.post(
        "/integrations/twilio/status/",
        params,
        HTTP_X_TWILIO_SIGNATURE=signature_compute(auth_token=token, url=CALLBACK, params=params),
    )


@pytest.mark.django_db
def test_status_callback_requires_a_valid_signature(client, monkeypatch, schedule):
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert signed_post(client, params).status_code == 403  # no token configured: rejected
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    assert signed_post(client, params, token="wrong").status_code == 403
    assert client.post("/integrations/twilio/status/", params).status_code == 403
    assert signed_post(client, params).status_code == 200


@pytest.mark.django_db
def test_status_callback_records_delivery_and_escalates_undelivered(client, monkeypatch, schedule, gateway):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1))
    row.refresh_from_db()
    assert signed_post(client, {"MessageSid": row.provider_sid, "MessageStatus": "delivered"}).status_code == 200
    row.refresh_from_db()
    assert row.status == "delivered" and row.delivered_at
    signed_post(client, {"MessageSid": row.provider_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    row.refresh_from_db()
    assert row.status == "undelivered" and row.error_code == "30003"
    assert SmsMessage.objects.filter(purpose="backup_page").count() == 1


@pytest.mark.django_db
def test_inbound_stop_and_start(client, monkeypatch, team):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    member = MemberFactory(team=team, phone="+13125550177")
    signed_post(client, {"From": "+13125550177", "Body": " stop ", "SmsStatus": "received", "MessageSid": "SMx"})
    member.refresh_from_db()
    assert member.sms_opt_out
    signed_post(client, {"From": "+13125550177", "Body": "START", "SmsStatus": "received", "MessageSid": "SMy"})
    member.refresh_from_db()
    assert not member.sms_opt_out


# --------------------------------------------------------------------------- summary & manual
@pytest.mark.django_db
def test_weekly_summary_lists_the_week(schedule, team):
    team.escalation_contacts.create(name="Boss", phone="+13125550900")
    rows = paging.weekly_summary_queue(team=team, now=at(0, 8))
    assert len(rows) == 1
    lines = rows[0].body.splitlines()
    assert lines[0] == f"Ops on-call {MONDAY:%m/%d}-{MONDAY + timedelta(days=6):%m/%d}:"
    assert lines[2].startswith(f"Tue {MONDAY + timedelta(days=1):%m/%d}: ") and lines[2].endswith("(48h)")
    assert lines[3].endswith("(continues)")
    assert len(lines) == 8
    assert paging.weekly_summary_queue(team=team, now=at(0, 9)) == rows  # same key: not twice


@pytest.mark.django_db
def test_manual_sms(members, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = paging.manual_sms(member=members[0], body="Hello {name}")
    assert row.body == "Hello Person 0"
    assert [m.body for m in gateway.sent] == ["Hello Person 0"]


# --------------------------------------------------------------------------- concurrency
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_send_once(team, shifts, members, gateway):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real race to test")
    schedule_generate(team=team, weeks=1, start=MONDAY)
    paging.pages_queue_due(now=at(0, 8))
    row = SmsMessage.objects.get()
    barrier, outcomes = threading.Barrier(2), []

    def worker():
        from django.db import connections

        barrier.wait()
        outcomes.append(paging.sms_deliver(message_id=row.pk, now=at(0, 8, 1)).status)
        connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(gateway.sent) == 1
    assert sorted(outcomes) == ["sending", "sent"] or sorted(outcomes) == ["sent", "sent"]
    # Queueing from two workers at once also makes one row only.
    barrier2, created = threading.Barrier(2), []

    def queuer():
        from django.db import connections

        barrier2.wait()
        _, new = paging.message_queue(
            team=team, purpose="manual", key="manual:race", phone="+13125550100", name="x", body="x"
        )
        created.append(new)
        connections.close_all()

    threads = [threading.Thread(target=queuer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(created) == [False, True]
    assert SmsMessage.objects.filter(idempotency_key="manual:race").count() == 1
