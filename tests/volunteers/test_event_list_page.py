"""The event list: a text search gets its total with the page's rows (one scan, not two), shows
the same pages and totals as a plain list would, and its query count does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import DistrictFactory, EventFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(db):
    district = DistrictFactory()
    school = SchoolFactory(name="Riverside High", district=district)
    riverside = [EventFactory(title=f"Career day {i}", school=school) for i in range(20)]
    riverside += [EventFactory(title=f"Riverside fair {i}") for i in range(10)]
    others = [EventFactory(title=f"Science night {i}") for i in range(5)]
    for event in riverside + others:
        event.districts.add(district)
    return riverside, others


def page(client, **params):
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/volunteers/events/", params).content.decode()
    return html, len(queries)


def test_a_search_pages_and_counts_like_the_plain_list(events, staff_user, client):
    client.force_login(staff_user)
    first, searched_queries = page(client, q="riverside")
    assert "Page 1 of 2 · 30 results" in first and first.count("/volunteers/events/") >= 25
    assert "Science night" not in first
    second, _ = page(client, q="riverside", page=2)
    assert "Page 2 of 2 · 30 results" in second and "q=riverside&page=1" in second
    beyond, _ = page(client, q="riverside", page=9)  # past the last page: the last page
    assert "Page 2 of 2 · 30 results" in beyond
    nothing, _ = page(client, q="no such event")
    assert "No events match." in nothing and "0 results" in nothing
    plain, plain_queries = page(client)
    assert "Page 1 of 2 · 35 results" in plain
    # The search counts with the page's rows: one query fewer than the list's COUNT(*) + rows.
    assert searched_queries == plain_queries - 1
