"""Shared pieces of the volunteers admin."""

from __future__ import annotations

from django.contrib import admin

from project.admin import AuditedAdmin

from ..models import StudentParticipation, VolunteerParticipation
from ..salesforce.sync import participation_side_effects

SYNC_FIELDS = ("salesforce_id", "last_synced_at")


class ParticipationFiguresAdmin(AuditedAdmin):
    """Participations edited inline keep the events' counts and the volunteers' attendance figures
    right, as the services do for every other write."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        volunteers, events = set(), set()
        for formset in formsets:
            if formset.model not in (VolunteerParticipation, StudentParticipation) or not formset.has_changed():
                continue
            for row in formset.forms:
                events.update(pk for pk in (row.instance.event_id, row.initial.get("event")) if pk)
                volunteers.update(
                    pk for pk in (getattr(row.instance, "volunteer_id", None), row.initial.get("volunteer")) if pk
                )
        participation_side_effects(volunteer_ids=volunteers, event_ids=events)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
