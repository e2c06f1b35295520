import pytest

from integrations.crossmark import FakeCrossmarkClient


@pytest.fixture
def fake_crossmark():
    return FakeCrossmarkClient(events=[])
