import io

import pytest
from django.utils import timezone

from volunteers import demo
from volunteers.models import (
    AttendanceOverride,
    Event,
    EventStatus,
    PathfulImport,
    PathfulUnmatched,
    TeacherProgress,
    Volunteer,
    VolunteerParticipation,
)
from volunteers.rules import academic_year_of
from volunteers.virtual import progress

pytestmark = pytest.mark.django_db


def test_demo_loads_and_is_idempotent():
    out = io.StringIO()
    demo.load(stdout=out)
    events = Event.objects.filter(pathful__isnull=True)  # Pathful sessions come from the teacher programme's demo
    counts = (Volunteer.objects.count(), events.count(), VolunteerParticipation.objects.count())
    assert counts[0] == 300 and counts[1] == 80 and counts[2] > 200
    demo.load(stdout=out)
    assert (Volunteer.objects.count(), events.count(), VolunteerParticipation.objects.count()) == counts
    assert "already present" in out.getvalue()
    # The bulk path keeps the model's invariants: kinds, denormalised stats, event counts.
    assert set(Volunteer.objects.values_list("kind", flat=True)) == {"volunteer"}
    busiest = Volunteer.objects.order_by("-times_volunteered").first()
    assert busiest.times_volunteered == busiest.participations.filter(status="attended").count()
    event = Event.objects.filter(status=EventStatus.COMPLETED).order_by("pk").first()
    assert event.attended_count == event.volunteer_participations.filter(status="attended").count()
    assert Event.objects.filter(status=EventStatus.CANCELLED, cancellation_reason="").count() == 0


def test_demo_shows_the_teacher_programme(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    out = io.StringIO()
    demo.load(stdout=out)
    log = PathfulImport.objects.get()
    assert (log.status, log.events_created, log.unmatched, log.drafts_skipped, log.rows_other_partner) == (
        "done",
        6,
        2,
        1,
        1,
    )
    assert PathfulUnmatched.objects.count() == 2 and AttendanceOverride.objects.count() == 1
    year = academic_year_of(timezone.localdate())
    rows = progress.progress_rows(progress=TeacherProgress.objects.filter(academic_year=year), academic_year=year)
    assert {r.status for r in rows} == {progress.ACHIEVED, progress.IN_PROGRESS, progress.NOT_STARTED}
    demo.load(stdout=out)
    assert PathfulImport.objects.count() == 1
