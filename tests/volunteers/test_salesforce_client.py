"""The live Salesforce client (real simple-salesforce) against an emulated REST endpoint."""

import pytest
import requests

from integrations.base import AuthenticationError, PermanentError, TransientError
from integrations.salesforce.live import LiveSalesforceClient

from .conftest import SF_INSTANCE

pytestmark = pytest.mark.django_db

INVALID_SESSION = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]


def teachers(client):
    return client.query_pages(sobject="Contact", fields=("FirstName", "LastName"), where="Contact_Type__c = 'Teacher'")


def test_pages_through_next_records_url_lazily(sf_server, sf_client):
    sf_server.page_size = 5
    pages = teachers(sf_client)
    first = next(pages)
    assert len(first.records) == 5 and first.total_size == 18 and not first.done
    assert len(sf_server.requests) <= 2  # a generator: at most the next page is fetched ahead
    second = next(pages)
    assert len(second.records) == 5 and len(sf_server.requests) <= 3
    rest = [second, *pages]
    assert [len(p.records) for p in rest] == [5, 5, 3]
    assert len(sf_server.requests) == 4
    assert all("/query/01g" in url for url in sf_server.requests[1:])
    record = first.records[0]
    assert record.sobject == "Contact" and record.id.startswith("003T") and record.get("LastName")
    assert "attributes" not in record.fields and record.last_modified is not None


def test_soql_has_watermark_filter_and_order():
    from datetime import UTC, datetime

    from integrations.salesforce.interface import build_soql

    soql = build_soql(
        sobject="Session__c",
        fields=("Name",),
        where="Session_Status__c != 'Draft'",
        modified_after=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert soql == (
        "SELECT Id, LastModifiedDate, Name FROM Session__c WHERE (Session_Status__c != 'Draft') "
        "AND LastModifiedDate > 2026-01-02T03:04:05Z ORDER BY LastModifiedDate, Id"
    )


def test_expired_session_reauthenticates_once(sf_server, sf_client):
    sf_server.fail_next(401, INVALID_SESSION)
    assert sum(len(p.records) for p in teachers(sf_client)) == 18
    assert sf_server.tokens_seen[0] == "Bearer token-1"
    assert sf_server.tokens_seen[1] == "Bearer token-2"  # a fresh token after the 401


def test_session_rejected_twice_is_an_authentication_error(sf_server, sf_client):
    sf_server.fail_next(401, INVALID_SESSION, times=2)
    with pytest.raises(AuthenticationError):
        list(teachers(sf_client))
    assert len(sf_server.requests) == 2  # re-authenticated once, not in a loop


@pytest.mark.parametrize(
    "status, body",
    [
        (503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]),
        (500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}]),
        (403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]),
    ],
)
def test_transient_errors_are_retried(sf_server, sf_client, status, body):
    sf_server.fail_next(status, body, times=2)
    assert sum(len(p.records) for p in teachers(sf_client)) == 18
    assert len(sf_server.requests) == 3


def test_transient_errors_give_up_after_the_attempts(sf_server, sf_client):
    sf_server.fail_next(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}], times=4)
    with pytest.raises(TransientError):
        list(teachers(sf_client))
    assert len(sf_server.requests) == 4


def test_timeouts_are_transient(sf_server):
    sf_server.mock.replace("GET", sf_server.mock.registered()[0].url, body=requests.Timeout("read timed out"))
    client = LiveSalesforceClient(instance_url=SF_INSTANCE, access_token="t", sleep=lambda s: None, attempts=2)
    with pytest.raises(TransientError):
        list(teachers(client))


def test_malformed_query_is_permanent_and_not_retried(sf_server, sf_client):
    sf_server.fail_next(400, [{"errorCode": "MALFORMED_QUERY", "message": "unexpected token: FORM"}])
    with pytest.raises(PermanentError) as exc:
        list(teachers(sf_client))
    assert exc.value.code == "MALFORMED_QUERY"
    assert len(sf_server.requests) == 1


def test_count(sf_server, sf_client):
    assert sf_client.count(sobject="Session__c", where="Session_Status__c != 'Draft'") == 24


def test_missing_credentials():
    with pytest.raises(AuthenticationError):
        LiveSalesforceClient(instance_url="", access_token="")


def test_get_client_uses_instance_url_and_token(settings, monkeypatch):
    from integrations.salesforce import get_client

    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "salesforce": {"mode": "live", "base_url": SF_INSTANCE, "domain": "login"},
    }
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", "tok")
    client = get_client()
    assert isinstance(client, LiveSalesforceClient)
    assert client.instance_url == SF_INSTANCE and client.access_token == "tok"
