"""Admin for events, participations and recruitment notes."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from project.admin import AuditedAdmin, export_as_csv

from .. import services
from ..models import Event, RecruitmentNote, StudentParticipation, TeacherParticipation, VolunteerParticipation
from ..salesforce.synced import SyncedFieldsFormMixin, SyncedModelForm
from .base import SYNC_FIELDS, ParticipationFiguresAdmin, ParticipationPageAdmin


class VolunteerParticipationInline(admin.TabularInline):
    model = VolunteerParticipation
    extra = 0
    autocomplete_fields = ("event", "volunteer")
    fields = ("event", "volunteer", "status", "status_source", "delivery_hours", "role")
    readonly_fields = ("status_source",)


class VolunteerParticipationByVolunteerInline(VolunteerParticipationInline):
    fk_name = "volunteer"
    fields = ("event", "status", "status_source", "delivery_hours", "role")


class StudentParticipationInline(admin.TabularInline):
    model = StudentParticipation
    extra = 0
    autocomplete_fields = ("student",)
    fields = ("student", "status", "status_source", "delivery_hours")
    readonly_fields = ("status_source",)


class TeacherParticipationInline(admin.TabularInline):
    model = TeacherParticipation
    extra = 0
    autocomplete_fields = ("teacher",)
    fields = ("teacher", "status", "status_source", "is_simulcast", "notes")
    readonly_fields = ("status_source",)


# --------------------------------------------------------------------------- events
class EventAdminForm(SyncedFieldsFormMixin, forms.ModelForm):
    """Runs the service rules (transitions, cancellation, counts) so the admin cannot bypass them."""

    class Meta:
        model = Event
        fields = "__all__"  # noqa: DJ007 - the admin's own fieldsets choose what is shown

    def clean(self):
        cleaned = super().clean()
        previous = (
            Event.objects.filter(pk=self.instance.pk).values_list("status", flat=True).first()
            if self.instance.pk
            else None
        )
        probe = Event(
            **{
                f: cleaned.get(f, getattr(self.instance, f))
                for f in (
                    "status",
                    "cancellation_reason",
                    "cancellation_notes",
                    "attended_count",
                    "registered_count",
                    "start",
                    "end",
                )
            }
        )
        errors = services.events._event_rule_errors(probe, previous_status=previous)
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned


@admin.register(Event)
class EventAdmin(ParticipationFiguresAdmin):
    form = EventAdminForm
    list_display = ("title", "start", "event_type", "format", "status", "school", "registered_count", "attended_count")
    list_filter = ("status", "event_type", "format", "districts")
    search_fields = ("title", "location", "school__name", "salesforce_id")
    list_select_related = ("school",)
    autocomplete_fields = ("school", "districts", "skills")
    date_hierarchy = "start"
    readonly_fields = (
        "created_at",
        "updated_at",
        "status_source",
        "event_type_source",
        "cancellation_set_by",
        "cancellation_set_at",
        *SYNC_FIELDS,
    )
    inlines = [VolunteerParticipationInline, StudentParticipationInline, TeacherParticipationInline]
    actions = [export_as_csv]


@admin.register(VolunteerParticipation)
class VolunteerParticipationAdmin(ParticipationPageAdmin):
    form = SyncedModelForm
    list_display = ("volunteer", "event", "status", "status_source", "delivery_hours")
    list_filter = ("status",)
    search_fields = ("volunteer__first_name", "volunteer__last_name", "event__title", "status_source")
    list_select_related = ("volunteer", "event")
    autocomplete_fields = ("volunteer", "event")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    actions = [export_as_csv]


@admin.register(StudentParticipation)
class StudentParticipationAdmin(ParticipationPageAdmin):
    form = SyncedModelForm
    list_display = ("student", "event", "status", "status_source", "delivery_hours")
    list_filter = ("status",)
    search_fields = ("student__first_name", "student__last_name", "event__title")
    list_select_related = ("student", "event")
    autocomplete_fields = ("student", "event")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    actions = [export_as_csv]


@admin.register(TeacherParticipation)
class TeacherParticipationAdmin(AuditedAdmin):
    list_display = ("teacher", "event", "status", "status_source", "is_simulcast")
    list_filter = ("status", "is_simulcast")
    search_fields = ("teacher__first_name", "teacher__last_name", "event__title")
    list_select_related = ("teacher", "event")
    autocomplete_fields = ("teacher", "event")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    actions = [export_as_csv]


@admin.register(RecruitmentNote)
class RecruitmentNoteAdmin(AuditedAdmin):
    list_display = ("created_at", "volunteer", "event", "outcome", "author")
    list_filter = ("outcome",)
    search_fields = ("note", "volunteer__first_name", "volunteer__last_name")
    list_select_related = ("volunteer", "event", "author")
    autocomplete_fields = ("volunteer", "event")
    actions = [export_as_csv]
