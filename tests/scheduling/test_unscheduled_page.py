"""The unscheduled events page: the soonest due first, a page of 50 at a time, in a bounded
number of queries whatever the page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduling.views.calendars import UNSCHEDULED_PAGE_SIZE

from .factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(db):
    """60 open events, due one day apart, and one of another type."""
    today = timezone.localdate()
    made = [EventFactory(day=today + timedelta(days=2 + i), condition="Unstaffed") for i in range(60)]
    EventFactory(day=today + timedelta(days=100), condition="Unstaffed", event_type="juicer")  # due last
    return made


def test_pages_of_fifty_soonest_first_with_the_type_kept(events, coordinator, django_assert_max_num_queries):
    client = Client()
    client.force_login(coordinator)
    with django_assert_max_num_queries(8):
        first = client.get("/scheduling/unscheduled/").content.decode()
    assert UNSCHEDULED_PAGE_SIZE == 50
    assert first.count("Find someone</a>") == 50
    assert events[49].name in first and events[50].name not in first
    assert first.index(events[0].name) < first.index(events[1].name)
    assert "Page 1 of 2 · 61 results" in first and "page=2" in first
    with django_assert_max_num_queries(8):
        second = client.get("/scheduling/unscheduled/?page=2").content.decode()
    assert second.count("Find someone</a>") == 11 and events[-1].name in second and events[0].name not in second
    juicer = client.get("/scheduling/unscheduled/?type=juicer").content.decode()
    assert juicer.count("Find someone</a>") == 1 and "1 result" in juicer
    assert "type=juicer" in client.get("/scheduling/unscheduled/?type=core").content.decode()  # the filter links
    assert "?type=core&page=2" in client.get("/scheduling/unscheduled/?type=core").content.decode()
