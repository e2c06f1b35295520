from datetime import UTC, datetime

import pytest
from django.utils import timezone

from volunteers.models import ViewerDistrict

from .factories import DistrictFactory

# The instant `frozen_now` pins: a few weeks after the factories' October 2025 events.
FROZEN_NOW = datetime(2025, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch):
    """Pin the clock the code reads (`timezone.now()`, and `timezone.localdate()` through it), so a
    test about "recent" or "this year" means the same on any day it runs."""
    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW


@pytest.fixture
def district(db):
    return DistrictFactory(name="Northside")


@pytest.fixture
def scoped_viewer(viewer, district):
    ViewerDistrict.objects.create(user=viewer, district=district)
    return viewer


# --------------------------------------------------------------------------- Salesforce over HTTP
SF_INSTANCE = "https://sf.test"


@pytest.fixture
def sf_server():
    """The real simple-salesforce client talking to an emulated REST endpoint through `responses`."""
    import re

    import responses

    from integrations.salesforce.fake import demo_dataset
    from integrations.salesforce.http_fake import SalesforceHttpFake

    server = SalesforceHttpFake(demo_dataset(), page_size=50)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:

        def callback(request):
            auth = request.headers.get("Authorization", "")
            server.tokens_seen.append(auth)
            status, body = server.handle(request.url)
            return status, {"Content-Type": "application/json"}, body

        server.tokens_seen = []
        mock.add_callback("GET", re.compile(re.escape(SF_INSTANCE) + r"/services/data/.*"), callback=callback)
        server.mock = mock
        yield server


@pytest.fixture
def sf_client(sf_server):
    from integrations.salesforce.live import LiveSalesforceClient

    tokens = iter(f"token-{n}" for n in range(1, 100))
    return LiveSalesforceClient(
        instance_url=SF_INSTANCE, token_provider=lambda: next(tokens), sleep=lambda s: None, backoff_base=0.0
    )
