import io

import pytest

from volunteers import demo
from volunteers.models import Event, EventStatus, Volunteer, VolunteerParticipation

pytestmark = pytest.mark.django_db


def test_demo_loads_and_is_idempotent():
    out = io.StringIO()
    demo.load(stdout=out)
    counts = (Volunteer.objects.count(), Event.objects.count(), VolunteerParticipation.objects.count())
    assert counts[0] == 300 and counts[1] == 80 and counts[2] > 200
    demo.load(stdout=out)
    assert (Volunteer.objects.count(), Event.objects.count(), VolunteerParticipation.objects.count()) == counts
    assert "already present" in out.getvalue()
    # The bulk path keeps the model's invariants: kinds, denormalised stats, event counts.
    assert set(Volunteer.objects.values_list("kind", flat=True)) == {"volunteer"}
    busiest = Volunteer.objects.order_by("-times_volunteered").first()
    assert busiest.times_volunteered == busiest.participations.filter(status="attended").count()
    event = Event.objects.filter(status=EventStatus.COMPLETED).order_by("pk").first()
    assert event.attended_count == event.volunteer_participations.filter(status="attended").count()
    assert Event.objects.filter(status=EventStatus.CANCELLED, cancellation_reason="").count() == 0
