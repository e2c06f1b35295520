"""Admin for events, participations and recruitment notes."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from project.admin import AuditedAdmin, export_as_csv

from .. import services
from ..models import Event, RecruitmentNote, StudentParticipation, TeacherParticipation, VolunteerParticipation
from ..salesforce.synced import SyncedFieldsFormMixin, SyncedModelForm
from ..virtual import progress
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

    # Teacher-progress counts follow an event corrected here (status, date, teachers).
    def save_related(self, request, form, formsets, change):
        teachers = {
            pk
            for formset in formsets
            if formset.model is TeacherParticipation
            for row in formset.forms
            for pk in (row.instance.teacher_id, row.initial.get("teacher"))
            if pk
        }
        super().save_related(request, form, formsets, change)
        progress.progress_counts_refresh_for(teacher_ids=teachers, event_ids=[form.instance.pk])

    def delete_model(self, request, obj):
        touched = progress.progress_ids_for(event_ids=[obj.pk])
        super().delete_model(request, obj)
        progress.progress_counts_refresh(progress_ids=touched)

    def delete_queryset(self, request, queryset):
        touched = progress.progress_ids_for(event_ids=list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        progress.progress_counts_refresh(progress_ids=touched)


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

    # An admin correction changes what counts for the teacher's progress (before and after).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        progress.progress_counts_refresh_for(
            teacher_ids={pk for pk in (obj.teacher_id, form.initial.get("teacher")) if pk}
        )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        progress.progress_counts_refresh_for(teacher_ids=[obj.teacher_id])

    def delete_queryset(self, request, queryset):
        teachers = set(queryset.values_list("teacher_id", flat=True))
        super().delete_queryset(request, queryset)
        progress.progress_counts_refresh_for(teacher_ids=teachers)


@admin.register(RecruitmentNote)
class RecruitmentNoteAdmin(AuditedAdmin):
    list_display = ("created_at", "volunteer", "event", "outcome", "author")
    list_filter = ("outcome",)
    search_fields = ("note", "volunteer__first_name", "volunteer__last_name")
    list_select_related = ("volunteer", "event", "author")
    autocomplete_fields = ("volunteer", "event")
    actions = [export_as_csv]
