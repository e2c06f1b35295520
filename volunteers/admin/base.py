"""Shared pieces of the volunteers admin."""

from __future__ import annotations

from django.contrib import admin

from project.admin import AuditedAdmin

from .. import services
from ..models import StudentParticipation, VolunteerParticipation

SYNC_FIELDS = ("salesforce_id", "last_synced_at")


class ParticipationFiguresAdmin(AuditedAdmin):
    """Participations edited inline keep the events' counts and the volunteers' attendance figures
    right, as the services do for every other write."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        volunteers, events, students = set(), set(), False
        for formset in formsets:
            if formset.model not in (VolunteerParticipation, StudentParticipation) or not formset.has_changed():
                continue
            students = students or formset.model is StudentParticipation
            for row in formset.forms:
                events.update(pk for pk in (row.instance.event_id, row.initial.get("event")) if pk)
                volunteers.update(
                    pk for pk in (getattr(row.instance, "volunteer_id", None), row.initial.get("volunteer")) if pk
                )
        if events or volunteers:
            # Student counts only when student rows changed: typed student figures survive otherwise.
            services.participation_figures_refresh(volunteer_ids=volunteers, event_ids=events, students=students)


class ParticipationPageAdmin(AuditedAdmin):
    """A participation edited or deleted on its own page (or deleted from its list) keeps the
    events' counts and the volunteers' attendance figures right, like every other write."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        events = {pk for pk in (obj.event_id, form.initial.get("event")) if pk}
        volunteers = {pk for pk in (getattr(obj, "volunteer_id", None), form.initial.get("volunteer")) if pk}
        services.participation_figures_refresh(
            volunteer_ids=volunteers, event_ids=events, students=isinstance(obj, StudentParticipation)
        )

    def delete_model(self, request, obj):
        services.participations_delete(queryset=type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.participations_delete(queryset=queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
