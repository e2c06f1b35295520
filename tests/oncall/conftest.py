import pytest

from integrations.twilio.fake import FAKE_GATEWAY

from .factories import MemberFactory, TeamFactory, default_pattern


@pytest.fixture(autouse=True)
def _fake_gateway():
    FAKE_GATEWAY.reset()
    yield FAKE_GATEWAY
    FAKE_GATEWAY.reset()


@pytest.fixture
def gateway():
    return FAKE_GATEWAY


@pytest.fixture
def team(db):
    return TeamFactory(name="Ops")


@pytest.fixture
def shifts(team):
    return default_pattern(team)


@pytest.fixture
def members(team):
    return [MemberFactory(team=team, name=f"Person {i}", rotation_order=i) for i in range(5)]
