"""ICS calendar feeds (team and member) at secret, resettable URLs."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Member, Team
from .selectors import assignment_effective_member, assignment_list

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 370


def _calendar(name: str, assignments, *, only_member: Member | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Crewbase//On-call//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for a in assignments:
        member = assignment_effective_member(a)
        if only_member is not None and member.pk != only_member.pk:
            continue
        event = Event()
        event.add("uid", f"oncall-{a.shift_id}-{a.occurrence_date.isoformat()}@crewbase")
        event.add("dtstamp", stamp)
        # A re-imported or refreshed file updates the event when its person changed.
        event.add("sequence", a.sequence)
        event.add("last-modified", a.updated_at)
        event.add("dtstart", a.starts_at)
        event.add("dtend", a.ends_at)
        covering = f" (covering for {a.member.name})" if member.pk != a.member_id else ""
        event.add("summary", f"On call: {member.name}{covering}")
        event.add("description", f"{a.team.name} · {a.shift.label}")
        cal.add_component(event)
    return cal.to_ical()


def _window():
    today = timezone.localdate()
    return today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)


def _response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def team_feed(request, token: str):
    team = Team.objects.filter(feed_token=token).first()
    if team is None:
        raise Http404("Unknown calendar.")
    start, end = _window()
    rows = assignment_list(team=team, start=start, end=end).select_related("team")
    return _response(_calendar(f"On call · {team.name}", rows), "oncall.ics")


def member_feed(request, token: str):
    member = Member.objects.filter(feed_token=token).select_related("team").first()
    if member is None:
        raise Http404("Unknown calendar.")
    start, end = _window()
    rows = assignment_list(member=member, start=start, end=end).select_related("team")
    return _response(_calendar(f"On call · {member.name}", rows, only_member=member), "oncall-me.ics")
