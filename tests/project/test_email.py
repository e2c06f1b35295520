"""The platform e-mail outbox: one row per (purpose, recipient, subject of record), claimed
before sending, retried on transient errors with a capped backoff, failed fast on permanent
ones, never sent twice; versioned templates; the staff outbox page; the signed webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.utils import timezone

from project.email import outbox, templating
from project.email.models import EmailMessage, EmailTemplate
from project.email.tasks import email_send as email_send_task
from project.email.tasks import outbox_dispatch
from project.outbox import STALE_CLAIM


def queue(**overrides) -> EmailMessage:
    args = {
        "purpose": "admin_alert",
        "to": "Ops@Example.org",
        "subject_of_record": "sync:1",
        "context": {"title": "Sync failed", "message": "Timeout <b>after</b> 30 s & more"},
    }
    args.update(overrides)
    return outbox.email_send(**args)


class FailingBackend(BaseEmailBackend):
    """A mail backend whose next sends raise the given exceptions, then succeed."""

    errors: list[Exception] = []
    sent: list = []
    opened = 0

    def open(self):
        FailingBackend.opened += 1

    def send_messages(self, messages):
        if FailingBackend.errors:
            raise FailingBackend.errors.pop(0)
        FailingBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture
def failing(settings):
    settings.EMAIL_BACKEND = "tests.project.test_email.FailingBackend"
    FailingBackend.errors, FailingBackend.sent, FailingBackend.opened = [], [], 0
    return FailingBackend


# --------------------------------------------------------------------------- queueing and sending
@pytest.mark.django_db(transaction=True)
def test_queued_email_is_sent_once_by_the_task_with_text_and_escaped_html():
    row = queue(to_name="Ops Team")
    row.refresh_from_db()
    assert row.status == EmailMessage.Status.SENT
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["Ops Team <ops@example.org>"]
    assert sent.subject == "[Crewbase] Sync failed"
    assert "Timeout <b>after</b> 30 s & more" in sent.body  # plain text as written
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert "Timeout &lt;b&gt;after&lt;/b&gt; 30 s &amp; more" in html
    assert "<b>" not in html
    assert sent.extra_headers["Message-ID"] == row.message_id
    # Running the task again (a redelivery) sends nothing more.
    assert email_send_task.delay(row.pk).get() == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_purpose_recipient_and_subject_of_record_is_one_row_and_one_email():
    first = queue()
    again = queue(to="ops@example.org", context={"title": "Changed", "message": "x"})
    assert again.pk == first.pk
    assert EmailMessage.objects.count() == 1
    assert len(mail.outbox) == 1
    other = queue(subject_of_record="sync:2")
    assert other.pk != first.pk
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_email_send_does_not_send_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = queue()
    assert len(mail.outbox) == 0 and len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to": "not-an-address"}, "to"),
        ({"to": "a@example.org\r\nBcc: victim@example.org"}, "to"),
        ({"to_name": "Eve\r\nBcc: victim@example.org"}, "to_name"),
        ({"context": {"title": "Hi\nBcc: victim@example.org", "message": "x"}}, "subject"),
        ({"context": {"title": "x", "message": "y" * 100_001}}, "body"),
        ({"purpose": "no_such_purpose"}, "purpose"),
        ({"subject_of_record": "  "}, "subject_of_record"),
    ],
)
@pytest.mark.django_db
def test_bad_input_names_the_field_and_queues_nothing(overrides, field):
    with pytest.raises(ValidationError) as caught:
        queue(**overrides)
    assert field in caught.value.message_dict
    assert EmailMessage.objects.count() == 0
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_transient_smtp_errors_retry_with_capped_backoff_then_send(failing):
    row = queue(enqueue=False)
    now = timezone.now()
    failing.errors = [smtplib.SMTPServerDisconnected("gone"), smtplib.SMTPResponseException(451, b"try later")]
    first = outbox.email_deliver(message_id=row.pk, now=now)
    assert first.status == "pending"
    assert 0 <= first.retry_in <= outbox.BACKOFF_BASE_SECONDS
    row.refresh_from_db()
    assert row.attempts == 1 and row.next_attempt_at == now + timedelta(seconds=first.retry_in)
    # Not due yet: nobody can claim it early.
    assert outbox.email_deliver(message_id=row.pk, now=now).status == "pending"
    assert row.pk not in outbox.outbox_due(now=now)
    later = now + timedelta(hours=1)
    second = outbox.email_deliver(message_id=row.pk, now=later)
    assert second.status == "pending" and second.retry_in <= outbox.BACKOFF_BASE_SECONDS * 2
    row.refresh_from_db()
    assert row.error_code == "451"
    third = outbox.email_deliver(message_id=row.pk, now=later + timedelta(hours=1))
    assert third.status == "sent"
    assert len(failing.sent) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error_message) == ("sent", 3, "")


def test_backoff_is_capped():
    delays = [
        outbox.backoff_delay(n, base=outbox.BACKOFF_BASE_SECONDS, cap=outbox.BACKOFF_CAP_SECONDS, jitter=False)
        for n in (1, 2, 20)
    ]
    assert delays == [30.0, 60.0, outbox.BACKOFF_CAP_SECONDS]


@pytest.mark.error_log_expected("project.email.outbox")
@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"ops@example.org": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected"),
        ValueError("bad header"),
    ],
)
@pytest.mark.django_db
def test_permanent_errors_fail_at_once(failing, error):
    row = queue(enqueue=False)
    failing.errors = [error]
    assert outbox.email_deliver(message_id=row.pk).status == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1 and row.error_message
    # A failed row is not picked up again by the dispatcher.
    assert outbox.outbox_due(now=timezone.now() + timedelta(days=1)) == []


@pytest.mark.error_log_expected("project.email.outbox")
@pytest.mark.django_db
def test_transient_errors_fail_after_the_attempt_budget(failing, settings):
    settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 3
    row = queue(enqueue=False)
    failing.errors = [TimeoutError("slow")] * 5
    when = timezone.now()
    statuses = []
    for _ in range(3):
        statuses.append(outbox.email_deliver(message_id=row.pk, now=when).status)
        when += timedelta(hours=2)
    assert statuses == ["pending", "pending", "failed"]
    assert failing.sent == []


@pytest.mark.django_db
def test_stale_sending_rows_are_failed_not_resent():
    row = queue(enqueue=False)
    claimed_at = timezone.now() - STALE_CLAIM - timedelta(minutes=1)
    EmailMessage.objects.filter(pk=row.pk).update(status="sending", claimed_at=claimed_at)
    assert outbox.outbox_release_stale() == 1
    row.refresh_from_db()
    assert row.status == "failed" and "unknown" in row.error_message
    assert outbox.email_deliver(message_id=row.pk).status == "failed"
    assert len(mail.outbox) == 0


@pytest.mark.error_log_expected("project.email.outbox")
@pytest.mark.django_db
def test_dispatcher_sends_rows_left_pending_and_a_retry_of_a_failed_row_sends_it(failing):
    rows = [queue(subject_of_record=f"sync:{n}", enqueue=False) for n in range(3)]
    failing.errors = [smtplib.SMTPRecipientsRefused({"x": (550, b"no")})]
    result = outbox_dispatch.delay().get()
    assert result == {"sent": 2, "stale": 0}
    failed = EmailMessage.objects.get(status="failed")
    assert outbox.email_retry(message=failed) is True
    assert outbox.email_retry(message=failed) is False  # only failed rows
    assert outbox.email_deliver(message_id=failed.pk).status == "sent"
    assert len(failing.sent) == 3 and {r.pk for r in rows} == set(EmailMessage.objects.values_list("pk", flat=True))


@pytest.mark.error_log_expected("project.email.outbox")
@pytest.mark.django_db
def test_dispatcher_batch_claims_sends_over_one_connection_and_records_each_outcome(failing):
    rows = [queue(subject_of_record=f"b:{n}", to=f"u{n}@example.org", enqueue=False) for n in range(5)]
    failing.errors = [smtplib.SMTPRecipientsRefused({"u0@example.org": (550, b"no")}), TimeoutError("slow")]
    counts = outbox.outbox_send_due()
    assert counts == {"sent": 3, "pending": 1, "failed": 1}
    assert failing.opened == 1  # one connection for the batch
    statuses = dict(EmailMessage.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in rows] == ["failed", "pending", "sent", "sent", "sent"]
    assert EmailMessage.objects.filter(status="sent", sent_at__isnull=True).count() == 0
    assert outbox.outbox_send_due() == {"sent": 0, "pending": 0, "failed": 0}  # the retry is not due yet
    assert len(failing.sent) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real race to test")
    row = queue(enqueue=False)
    barrier, outcomes = threading.Barrier(2), []

    def sender():
        from django.db import connections  # lazy: each thread closes its own connection

        barrier.wait()
        outcomes.append(outbox.email_deliver(message_id=row.pk).status)
        connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mail.outbox) == 1
    assert sorted(outcomes) in (["sending", "sent"], ["sent", "sent"])
    # Two dispatchers claiming batches at once: every row is sent by exactly one of them.
    for n in range(40):
        queue(subject_of_record=f"batch:{n}", enqueue=False)
    barrier3, counts = threading.Barrier(2), []

    def dispatcher():
        from django.db import connections  # lazy: each thread closes its own connection

        barrier3.wait()
        counts.append(outbox.outbox_send_due()["sent"])
        connections.close_all()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 40 and len(mail.outbox) == 41
    assert len({m.to[0] + m.subject + m.extra_headers["Message-ID"] for m in mail.outbox}) == 41
    # Queueing the same e-mail from two workers at once makes one row only.
    barrier2, rows = threading.Barrier(2), []

    def queuer():
        from django.db import connections  # lazy: each thread closes its own connection

        barrier2.wait()
        rows.append(queue(subject_of_record="race", enqueue=False).pk)
        connections.close_all()

    threads = [threading.Thread(target=queuer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(rows)) == 1
    assert EmailMessage.objects.filter(subject_of_record="race").count() == 1


# --------------------------------------------------------------------------- templates
@pytest.mark.django_db
def test_first_use_creates_version_one_from_the_default():
    template = templating.template_active(purpose="thank_you")
    assert (template.version, template.is_active) == (1, True)
    assert templating.template_active(purpose="thank_you").pk == template.pk


@pytest.mark.django_db
def test_editing_makes_version_n_plus_one_active_and_deactivates_the_previous(admin_user):
    v1 = templating.template_active(purpose="thank_you")
    v2 = templating.template_revise(
        purpose="thank_you", subject="Thanks, {{ recipient_name }}", body_text="{{ hours }} hours", user=admin_user
    )
    v3 = templating.template_revise(purpose="thank_you", subject="Thanks!", body_text="{{ events }} events")
    assert [v2.version, v3.version] == [2, 3]
    active = EmailTemplate.objects.filter(purpose="thank_you", is_active=True)
    assert list(active.values_list("version", flat=True)) == [3]
    v1.refresh_from_db()
    assert v1.is_active is False and v1.subject == "Thank you from {{ site_name }}"  # never edited in place
    templating.template_activate(template=v2)
    assert list(
        EmailTemplate.objects.filter(purpose="thank_you", is_active=True).values_list("version", flat=True)
    ) == [2]
    row = outbox.email_send(
        purpose="thank_you", to="v@example.org", subject_of_record="ty:1", context={"hours": 4}, enqueue=False
    )
    assert (row.template_id, row.subject, row.body_text) == (v2.pk, "Thanks, there", "4 hours")


@pytest.mark.parametrize(
    ("subject", "body", "field", "named"),
    [
        ("Hi {{ event_title }}", "ok", "subject", "event_title"),
        ("Hi", "Dear {{ recipient_name }}, {{ secret_token }}", "body_text", "secret_token"),
        ("Hi", "{% load static %}", "body_text", "{%"),
        ("Hi", "{{ hours|safe }}", "body_text", "{{ hours|safe }}"),
        ("Two\nlines", "ok", "subject", "one line"),
        ("", "ok", "subject", "required"),
    ],
)
@pytest.mark.django_db
def test_placeholders_are_validated_on_save_naming_the_unknown_one(subject, body, field, named):
    with pytest.raises(ValidationError) as caught:
        templating.template_revise(purpose="thank_you", subject=subject, body_text=body)
    assert named in caught.value.message_dict[field][0]
    assert not EmailTemplate.objects.filter(version__gt=1).exists()


@pytest.mark.django_db
def test_a_sent_template_cannot_be_deleted_an_unsent_one_can():
    sent = templating.template_active(purpose="admin_alert")
    queue(enqueue=False)
    with pytest.raises(ValidationError):
        templating.template_delete(template=sent)
    unsent = templating.template_revise(purpose="admin_alert", subject="{{ title }}", body_text="{{ message }}")
    templating.template_delete(template=unsent)
    sent.refresh_from_db()
    assert sent.is_active  # the newest remaining version became active again
    assert EmailTemplate.objects.filter(purpose="admin_alert").count() == 1


@pytest.mark.django_db
def test_preview_uses_sample_data_and_escapes_the_html_part():
    rendered = templating.template_preview(
        purpose="signup_confirmation",
        subject="Confirm {{ event_title }}",
        body_text="<b>{{ recipient_name }}</b> {{ confirm_url }}",
    )
    assert rendered.subject == "Confirm Career Day"
    assert rendered.body_text == "<b>Jordan Lee</b> https://crew.example.org/s/abc/confirm/"
    assert "&lt;b&gt;Jordan Lee&lt;/b&gt;" in rendered.body_html
    assert '<a href="https://crew.example.org/s/abc/confirm/"' in rendered.body_html


# --------------------------------------------------------------------------- admin
@pytest.mark.django_db
def test_admin_edit_saves_a_new_version_and_refuses_an_unknown_placeholder(admin_user):
    client = Client()
    client.force_login(admin_user)
    v1 = templating.template_active(purpose="report_delivery")
    url = f"/admin/project/emailtemplate/{v1.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "Report ready: District year-end 2025-26" in page.content.decode()
    refused = client.post(url, {"subject": "Ready", "body_text": "{{ report_titel }}"})
    assert refused.status_code == 200 and "Unknown placeholder “report_titel”" in refused.content.decode()
    saved = client.post(url, {"subject": "Ready: {{ report_title }}", "body_text": "{{ link }}"})
    assert saved.status_code == 302
    versions = list(EmailTemplate.objects.filter(purpose="report_delivery").values_list("version", "is_active"))
    assert versions == [(2, True), (1, False)]
    # A version that sent something has no delete button and refuses the delete page.
    outbox.email_send(purpose="report_delivery", to="a@example.org", subject_of_record="r:1", enqueue=False)
    current = EmailTemplate.objects.get(purpose="report_delivery", is_active=True)
    assert client.get(f"/admin/project/emailtemplate/{current.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_admin_changelists_run_a_constant_number_of_queries(admin_user, django_assert_max_num_queries):
    client = Client()
    client.force_login(admin_user)
    for n in range(30):
        queue(subject_of_record=f"q:{n}", enqueue=False)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/project/emailmessage/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/admin/project/emailtemplate/").status_code == 200


# --------------------------------------------------------------------------- the outbox page
@pytest.mark.django_db
def test_outbox_page_shows_rendered_bodies_escaped_to_coordinators_only(coordinator, staff_user, viewer):
    queue(enqueue=False, to_name="<i>Ops</i>")
    client = Client()
    for user, status in ((staff_user, 403), (viewer, 403), (coordinator, 200)):
        client.force_login(user)
        assert client.get("/email/outbox/").status_code == status
    body = client.get("/email/outbox/").content.decode()
    assert "Timeout &lt;b&gt;after&lt;/b&gt; 30 s &amp; more" in body
    assert "&lt;i&gt;Ops&lt;/i&gt;" in body and "<i>Ops</i>" not in body
    anonymous = Client().get("/email/outbox/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_outbox_page_filters_and_runs_a_constant_number_of_queries(coordinator, django_assert_max_num_queries):
    for n in range(40):
        queue(subject_of_record=f"q:{n}", to=f"user{n}@example.org", enqueue=False)
    EmailMessage.objects.filter(to_email="user3@example.org").update(status="failed")
    client = Client()
    client.force_login(coordinator)
    with django_assert_max_num_queries(10):
        page = client.get("/email/outbox/")
    assert page.context["page"].paginator.count == 40
    failed = client.get("/email/outbox/", {"status": "failed"})
    assert [m.to_email for m in failed.context["page"]] == ["user3@example.org"]
    by_to = client.get("/email/outbox/", {"to": "user1"})
    assert by_to.context["page"].paginator.count == 11  # user1, user10..user19
    bad = client.get("/email/outbox/", {"status": "nonsense"})
    assert bad.status_code == 200 and "status" in bad.context["form"].errors


@pytest.mark.django_db
def test_template_preview_page_renders_without_saving(coordinator):
    client = Client()
    client.force_login(coordinator)
    assert client.get("/email/templates/preview/?purpose=magic_link").status_code == 200
    response = client.post(
        "/email/templates/preview/",
        {"purpose": "magic_link", "subject": "Link", "body_text": "<script>{{ link }}</script>"},
    )
    text = response.content.decode()
    assert "&lt;script&gt;https://crew.example.org/t/abc123/&lt;/script&gt;" in text
    bad = client.post("/email/templates/preview/", {"purpose": "magic_link", "subject": "x", "body_text": "{{ nope }}"})
    assert "Unknown placeholder “nope”" in bad.content.decode()
    assert EmailTemplate.objects.filter(version__gt=1).count() == 0


# --------------------------------------------------------------------------- delivery webhook
@pytest.fixture
def received_events():
    received = []

    def record(sender, message, event, **kwargs):
        received.append((message.pk, event))

    outbox.delivery_problem.connect(record, weak=False, dispatch_uid="test-received")
    yield received
    outbox.delivery_problem.disconnect(dispatch_uid="test-received")


def _signed(body: bytes, secret: str = "hook-secret") -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_signed_bounce_marks_the_message_and_signals_apps(settings, received_events):
    settings.EMAIL_WEBHOOK_SECRET = "hook-secret"
    row = queue()
    row.refresh_from_db()
    received = received_events
    body = json.dumps({"message_id": row.message_id, "event": "bounce", "detail": "550 mailbox unknown"}).encode()
    client = Client()
    url = "/email/webhooks/delivery/"
    response = client.post(url, body, content_type="application/json", HTTP_X_CREWBASE_SIGNATURE=_signed(body))
    assert response.status_code == 200 and response.json() == {"updated": 1}
    row.refresh_from_db()
    assert row.status == "bounced" and row.error_message == "550 mailbox unknown"
    assert received == [(row.pk, "bounce")]
    again = client.post(url, body, content_type="application/json", HTTP_X_CREWBASE_SIGNATURE=_signed(body))
    assert again.json() == {"updated": 0}


@pytest.mark.django_db
def test_webhook_refuses_bad_signatures_and_bad_input(settings):
    client, url = Client(), "/email/webhooks/delivery/"
    body = json.dumps({"message_id": "<x@y>", "event": "bounce"}).encode()
    assert client.post(url, body, content_type="application/json").status_code == 404  # not configured
    settings.EMAIL_WEBHOOK_SECRET = "hook-secret"
    assert client.post(url, body, content_type="application/json").status_code == 403
    wrong = _signed(body, "other")
    assert client.post(url, body, content_type="application/json", HTTP_X_CREWBASE_SIGNATURE=wrong).status_code == 403
    for bad, field in (
        (b"not json", None),
        (json.dumps({"event": "bounce"}).encode(), "message_id"),
        (json.dumps({"message_id": "<x@y>", "event": "opened"}).encode(), "event"),
    ):
        response = client.post(url, bad, content_type="application/json", HTTP_X_CREWBASE_SIGNATURE=_signed(bad))
        assert response.status_code == 400
        if field:
            assert field in response.json()["errors"]
    assert client.get(url).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_admin_alerts_go_to_every_admin_once_per_subject_of_record(settings):
    settings.ADMINS = [("Ops", "ops@example.org"), ("Lead", "lead@example.org")]
    for _ in range(2):  # a retried job raising the same alert
        outbox.admin_alert(title="Sync failed", message="Timeout", subject_of_record="sync_failed:7")
    assert sorted(m.to[0] for m in mail.outbox) == ["Lead <lead@example.org>", "Ops <ops@example.org>"]
    assert {m.subject for m in mail.outbox} == {"[Crewbase] Sync failed"}
