import pytest

from volunteers.models import ViewerDistrict

from .factories import DistrictFactory


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
