"""The Salesforce sync end to end through the real simple-salesforce client (`responses`)."""

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import pytest
from django.utils import timezone

from integrations.salesforce.fake import sf_datetime
from volunteers.models import (
    Affiliation,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    DataQualityFlag,
    District,
    Event,
    Organization,
    PendingParticipation,
    School,
    SchoolClass,
    Student,
    StudentParticipation,
    SyncRun,
    Teacher,
    Volunteer,
    VolunteerParticipation,
)
from volunteers.salesforce import mapping as sfm
from volunteers.salesforce.sync import SyncBusy, lock_acquire, lock_release, sync_all, sync_object

pytestmark = pytest.mark.django_db

SF_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def counts(summary):
    return {
        row["object"]: (row["created"], row["updated"], row["unchanged"], row["skipped"], row["failed"], row["queued"])
        for row in summary
    }


def contact(sf_server, sf_id):
    return next(r for r in sf_server.data["Contact"] if r["Id"] == sf_id)


def touch(sf_server, sobject, sf_id, **changes):
    row = next(r for r in sf_server.data[sobject] if r["Id"] == sf_id)
    row.update(changes, LastModifiedDate=sf_datetime(datetime.now(UTC)))
    return row


def test_full_sync_in_dependency_order_then_nothing_new(sf_server, sf_client):
    first = sync_all(client=sf_client, mode="full")
    assert [r["object"] for r in first] == list(sfm.ORDER)
    assert counts(first) == {
        "districts": (3, 0, 0, 0, 0, 0),
        "schools": (6, 0, 0, 0, 0, 0),
        "organizations": (8, 0, 0, 0, 0, 0),
        "classes": (12, 0, 0, 0, 0, 0),
        "volunteers": (60, 0, 0, 0, 0, 0),
        "teachers": (18, 0, 0, 0, 0, 0),
        "students": (90, 0, 0, 0, 0, 0),
        "affiliations": (60, 0, 0, 0, 0, 0),
        "events": (24, 0, 0, 0, 0, 0),
        "volunteer_participations": (120, 0, 0, 0, 0, 1),
        "student_participations": (144, 0, 0, 0, 0, 0),
        "tasks": (40, 0, 0, 0, 0, 0),
        "emails": (20, 0, 0, 0, 0, 0),
    }
    assert (District.objects.count(), School.objects.count(), Organization.objects.count()) == (3, 6, 8)
    assert (Volunteer.objects.count(), Teacher.objects.count(), Student.objects.count()) == (60, 18, 90)
    assert SchoolClass.objects.count() == 12 and Student.objects.filter(school_class__isnull=False).count() == 90
    assert VolunteerParticipation.objects.count() == 120 and StudentParticipation.objects.count() == 144
    assert ContactHistory.objects.count() == 60
    assert all(r["status"] == "success" for r in first)

    # The same full sync again creates nothing and changes nothing.
    second = sync_all(client=sf_client, mode="full")
    assert all(c[0] == 0 and c[1] == 0 for c in counts(second).values())
    assert counts(second)["volunteers"] == (0, 0, 60, 0, 0, 0)
    assert Volunteer.objects.count() == 60 and ContactEmail.objects.count() == first_emails()
    # A delta right after finds only the last hour's buffer window (none of the old demo rows).
    third = sync_all(client=sf_client, mode="delta")
    assert all(c == (0, 0, 0, 0, 0, c[5]) for c in counts(third).values())


def first_emails():
    return ContactEmail.objects.count()


def test_event_fields_and_counts(sf_server, sf_client):
    sync_all(client=sf_client, mode="full")
    event = Event.objects.get(salesforce_id="a0S000000000000000")
    assert event.title == "Career Speaker at Riverside High" and event.event_type == "career_speaker"
    assert event.status == "completed" and event.status_source == "Completed"
    assert event.school.name == "Riverside High" and [d.name for d in event.districts.all()] == ["Riverside Unified"]
    assert event.duration_minutes == 90
    # 5 volunteer participants: Attended, Completed, No-Show, Registered, Successfully Completed
    assert (event.registered_count, event.attended_count) == (5, 3)
    assert (event.registered_student_count, event.attended_student_count) == (6, 6)
    cancelled = Event.objects.get(salesforce_id="a0S000000000000003")
    assert cancelled.status == "cancelled" and cancelled.cancellation_reason == "weather"
    volunteer = Volunteer.objects.get(salesforce_id="003V00000000000000")
    assert (
        volunteer.times_volunteered
        == VolunteerParticipation.objects.filter(volunteer=volunteer, status="attended").count()
    )


def test_normalisation_at_the_edge(sf_server, sf_client):
    sync_all(client=sf_client, mode="full")
    shouty = Volunteer.objects.get(salesforce_id="003V00000000000003")  # i % 15 == 3 → ALL CAPS in Salesforce
    assert (shouty.first_name, shouty.last_name) == ("Maria", "Hopper")
    flag = DataQualityFlag.objects.get(
        entity_type="volunteer", entity_key=shouty.salesforce_id, issue_type="all_caps_name"
    )
    assert flag.status == "open" and flag.entity_id == shouty.pk
    # "None" is never stored as an email or a phone
    assert not ContactEmail.objects.filter(email__iexact="none").exists()
    assert not ContactPhone.objects.filter(number__iexact="none").exists()
    none_email = Volunteer.objects.get(salesforce_id="003V00000000000005")  # Email "None"
    assert not none_email.emails.exists()
    assert Student.objects.filter(emails__isnull=False).count() == 0
    assert Volunteer.objects.get(salesforce_id="003V00000000000001").phones.get().number == "+18165551001"
    # unknown picklist values: kept raw, flagged, never silently mapped
    robot = Event.objects.get(event_type_source="Robot Showcase", salesforce_id="a0S000000000000007")
    assert robot.event_type == "other"
    assert DataQualityFlag.objects.filter(
        entity_type="event",
        entity_key=robot.salesforce_id,
        issue_type="unknown_picklist",
        details__raw="Robot Showcase",
    ).exists()
    partner = Organization.objects.get(name="Blue River Energy")
    assert (partner.kind, partner.kind_source) == ("other", "Corporate Partner")
    no_type = Organization.objects.get(name="Gateway Logistics")
    assert DataQualityFlag.objects.filter(entity_key=no_type.salesforce_id, issue_type="null_org_type").exists()


def test_flag_auto_resolves_when_salesforce_fixes_the_name(sf_server, sf_client):
    sync_object(key="volunteers", client=sf_client, mode="full")
    touch(sf_server, "Contact", "003V00000000000003", FirstName="Maria", LastName="Hopper")
    run = sync_object(key="volunteers", client=sf_client, mode="delta")
    assert (run.updated, run.unchanged) == (0, 1)  # the stored values were already title-cased
    flag = DataQualityFlag.objects.get(entity_key="003V00000000000003", issue_type="all_caps_name")
    assert flag.status == "auto_resolved"


def test_delta_watermark_and_buffers(sf_server, sf_client):
    first = sync_object(key="events", client=sf_client, mode="delta")
    assert first.mode == "full" and first.modified_since is None and first.requested_mode == "delta"
    second = sync_object(key="events", client=sf_client, mode="delta")
    assert second.mode == "delta" and second.modified_since == first.watermark - timedelta(hours=1)
    assert "LastModifiedDate > " in unquote_plus(sf_server.requests[-1])
    assert second.watermark > first.watermark and second.created + second.updated + second.unchanged == 0

    # Salesforce down for the whole run: failed, watermark still advances, next run widens to 48 h
    sf_server.fail_next(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}], times=4)
    failed = sync_object(key="events", client=sf_client, mode="delta")
    assert failed.status == "failed" and failed.watermark > second.watermark
    assert failed.errors[0]["message"].startswith("Salesforce error 503")
    after = sync_object(key="events", client=sf_client, mode="delta")
    assert after.modified_since == min(failed.watermark - timedelta(hours=48), failed.modified_since)
    assert after.status == "success"

    # A record modified after the watermark comes in on the next delta
    touch(sf_server, "Session__c", "a0S000000000000001", Name="Renamed session")
    delta = sync_object(key="events", client=sf_client, mode="delta")
    assert (delta.created, delta.updated) == (0, 1)
    assert Event.objects.get(salesforce_id="a0S000000000000001").title == "Renamed session"


def test_a_full_run_that_failed_is_followed_by_a_full_run():
    mode, since = sfm.delta_since(
        last_watermark=SF_NOW, last_status="failed", last_since=None, last_mode="full", requested="delta"
    )
    assert (mode, since) == ("full", None)
    assert sfm.delta_since(
        last_watermark=None, last_status=None, last_since=None, last_mode=None, requested="delta"
    ) == ("full", None)
    assert sfm.delta_since(
        last_watermark=SF_NOW, last_status="partial", last_since=None, last_mode="full", requested="delta"
    ) == ("delta", SF_NOW - timedelta(hours=1))
    assert sfm.delta_since(
        last_watermark=SF_NOW, last_status="success", last_since=None, last_mode="delta", requested="full"
    ) == ("full", None)


def test_outage_mid_sync_keeps_what_was_saved(sf_server, sf_client):
    sf_server.page_size = 20
    sync_object(key="districts", client=sf_client, mode="full")
    sync_object(key="schools", client=sf_client, mode="full")
    # page 1 succeeds, page 2 fails through every retry
    original = sf_server.handle
    calls = []

    def flaky(url):
        calls.append(url)
        if len(calls) >= 2:
            return 503, '[{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]'
        return original(url)

    sf_server.handle = flaky
    run = sync_object(key="students", client=sf_client, mode="full")
    assert run.status == "failed" and run.created == 20 and Student.objects.count() == 20
    sf_server.handle = original
    again = sync_object(key="students", client=sf_client, mode="delta")
    assert again.mode == "full"  # the failed run was a full one: load everything again
    assert (again.created, again.unchanged) == (70, 20) and Student.objects.count() == 90


def test_pending_queue_then_created_and_flag_auto_resolved(sf_server, sf_client):
    sync_all(client=sf_client, mode="full")
    pending = PendingParticipation.objects.get()
    assert (pending.salesforce_id, pending.missing, pending.contact_salesforce_id) == (
        "a0P000000000009999",
        "volunteer",
        "003V00000000009999",
    )
    flag = DataQualityFlag.objects.get(entity_type="participation", entity_key=pending.salesforce_id)
    assert flag.issue_type == "unmatched_sf_participation" and flag.status == "open"
    # The volunteer reaches Salesforce's Contact object later
    sf_server.data["Contact"].append(
        {
            **contact(sf_server, "003V00000000000001"),
            "Id": "003V00000000009999",
            "Email": "late@example.org",
            "LastModifiedDate": sf_datetime(datetime.now(UTC)),
        }
    )
    summary = counts(sync_all(client=sf_client, mode="delta", objects=["volunteers", "volunteer_participations"]))
    assert summary["volunteers"][0] == 1
    assert summary["volunteer_participations"][0] == 1  # from the queue (the participation itself did not change)
    assert not PendingParticipation.objects.exists()
    assert VolunteerParticipation.objects.filter(
        salesforce_id="a0P000000000009999", volunteer__salesforce_id="003V00000000009999"
    ).exists()
    flag.refresh_from_db()
    assert flag.status == "auto_resolved" and flag.resolved_at is not None


def test_pending_becomes_likely_orphan_after_ten_runs(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["volunteers", "events"])
    for _ in range(10):
        sync_object(key="volunteer_participations", client=sf_client, mode="full")
    pending = PendingParticipation.objects.get()
    assert pending.attempts >= 10 and pending.likely_orphan


def test_one_bad_record_never_stops_the_batch(sf_server, sf_client):
    touch(sf_server, "Contact", "003V00000000000002", LastName=None)
    touch(sf_server, "Contact", "003V00000000000004", Birthdate="31/02/2020")
    run = sync_object(key="volunteers", client=sf_client, mode="full")
    assert run.status == "partial" and (run.created, run.failed) == (58, 2)
    assert {(e["code"], e["salesforce_id"]) for e in run.errors} == {
        ("MISSING_FIELD", "003V00000000000002"),
        ("INVALID_DATE", "003V00000000000004"),
    }


def test_database_rejection_is_isolated_to_the_record(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["organizations", "volunteers"])
    # Two Salesforce affiliations for the same volunteer and organization: the second one cannot be stored.
    sf_server.data["npe5__Affiliation__c"].append(
        {**sf_server.data["npe5__Affiliation__c"][0], "Id": "a05000000000000999", "npe5__Primary__c": False}
    )
    run = sync_object(key="affiliations", client=sf_client, mode="full")
    assert run.status == "partial" and (run.created, run.failed) == (60, 1)
    assert run.errors[0]["code"] == "DB_REJECTED" and run.errors[0]["salesforce_id"] == "a05000000000000999"
    assert Affiliation.objects.count() == 60


def test_salesforce_wins_but_local_fields_are_kept(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["volunteers"])
    volunteer = Volunteer.objects.get(salesforce_id="003V00000000000001")
    Volunteer.objects.filter(pk=volunteer.pk).update(
        notes="Prefers mornings",
        exclude_from_reports=True,
        local_status="local",
        additional_volunteer_count=4,
        title="Edited locally",
    )
    touch(sf_server, "Contact", "003V00000000000001", Title="Chief Nurse")
    run = sync_object(key="volunteers", client=sf_client, mode="delta")
    assert run.updated == 1
    volunteer.refresh_from_db()
    assert volunteer.title == "Chief Nurse"  # Salesforce wins for synced fields
    assert (
        volunteer.notes,
        volunteer.exclude_from_reports,
        volunteer.local_status,
        volunteer.additional_volunteer_count,
    ) == ("Prefers mornings", True, "local", 4)
    assert volunteer.last_synced_at >= run.started_at


def test_primary_affiliation_moves(sf_server, sf_client):
    sync_all(client=sf_client, mode="full", objects=["organizations", "volunteers", "affiliations"])
    first = sf_server.data["npe5__Affiliation__c"][0]
    touch(sf_server, "npe5__Affiliation__c", first["Id"], npe5__Primary__c=False)
    sf_server.data["npe5__Affiliation__c"].append(
        {
            **first,
            "Id": "a05000000000000777",
            "npe5__Primary__c": True,
            "npe5__Organization__c": "001O00000000000003",
            "LastModifiedDate": sf_datetime(datetime.now(UTC)),
        }
    )
    run = sync_object(key="affiliations", client=sf_client, mode="delta")
    assert run.status == "success" and (run.created, run.updated) == (1, 1)
    volunteer = Volunteer.objects.get(salesforce_id=first["npe5__Contact__c"])
    assert volunteer.affiliations.get(is_primary=True).organization.name == "City of Riverside"


def test_two_syncs_of_one_object_never_run_at_once(sf_client):
    token = lock_acquire("volunteers")
    with pytest.raises(SyncBusy):
        sync_object(key="volunteers", client=sf_client, mode="full")
    summary = sync_all(client=sf_client, mode="full", objects=["districts", "volunteers"])
    assert [r["status"] for r in summary] == ["success", "busy"]
    lock_release("volunteers", token)
    assert sync_object(key="volunteers", client=sf_client, mode="full").status == "success"
    assert SyncRun.objects.filter(object_name="volunteers").count() == 1


def test_expired_lock_is_free(sf_client):
    from volunteers.models import SyncLock

    assert lock_acquire("events")
    SyncLock.objects.filter(name="events").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert lock_acquire("events") is not None
    assert lock_acquire("events") is None


def test_a_participation_moved_to_another_volunteer_and_event_recounts_the_ones_it_left(sf_server, sf_client):
    sync_all(client=sf_client, mode="full")
    row = next(
        r
        for r in sf_server.data["Session_Participant__c"]
        if r["Participant_Type__c"] == "Volunteer" and r["Status__c"] == "Attended"
    )
    left_volunteer = Volunteer.objects.get(salesforce_id=row["Contact__c"])
    left_event = Event.objects.get(salesforce_id=row["Session__c"])
    joined_volunteer = Volunteer.objects.exclude(pk=left_volunteer.pk).order_by("pk").first()
    joined_event = Event.objects.exclude(pk=left_event.pk).order_by("pk").first()
    before = (left_volunteer.times_volunteered, left_event.attended_count)
    touch(
        sf_server,
        "Session_Participant__c",
        row["Id"],
        Contact__c=joined_volunteer.salesforce_id,
        Session__c=joined_event.salesforce_id,
    )

    run = sync_object(key="volunteer_participations", client=sf_client, mode="delta")

    assert run.status == "success" and run.updated == 1
    for volunteer in (left_volunteer, joined_volunteer):
        volunteer.refresh_from_db()
        attended = VolunteerParticipation.objects.filter(volunteer=volunteer, status="attended").count()
        assert volunteer.times_volunteered == attended
    for event in (left_event, joined_event):
        event.refresh_from_db()
        assert event.attended_count == VolunteerParticipation.objects.filter(event=event, status="attended").count()
    assert (left_volunteer.times_volunteered, left_event.attended_count) == (before[0] - 1, before[1] - 1)
