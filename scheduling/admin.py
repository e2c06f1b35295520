"""Coordinators work here: every model has a real ModelAdmin; actions call services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from project.admin import AuditedAdmin, export_as_csv
from project.jobs import JobNotQueued, job_start

from . import runs, services
from .forms import SettingsForm
from .models import (
    Attendance,
    CompanyHoliday,
    CrossmarkAccount,
    DateAvailability,
    EdrReport,
    Employee,
    Event,
    RotationAssignment,
    RotationException,
    Schedule,
    ScheduleProposal,
    SchedulerRun,
    SchedulingSettings,
    SyncRun,
    TimeOff,
    WeeklyAvailability,
)
from .tasks import crossmark_sync_job


class WeeklyAvailabilityInline(admin.StackedInline):
    model = WeeklyAvailability
    extra = 0
    max_num = 1


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ("start_date", "end_date", "reason")


@admin.register(Employee)
class EmployeeAdmin(AuditedAdmin):
    list_display = (
        "name",
        "job_title",
        "is_active",
        "termination_date",
        "crossmark_rep_id",
        "crossmark_employee_id",
        "phone",
        "email",
    )
    list_filter = ("job_title", "is_active")
    search_fields = ("name", "crossmark_rep_id", "crossmark_employee_id", "mv_employee_number", "email")
    inlines = [WeeklyAvailabilityInline, TimeOffInline]
    actions = [export_as_csv]
    list_select_related = ("weekly_availability",)


@admin.action(description="Mark type as set by hand (sync keeps it)")
def lock_type(modeladmin, request, queryset):
    modeladmin.message_user(request, f"{queryset.update(type_edited=True)} events locked.")


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    list_display = (
        "name",
        "mplan_id",
        "event_type",
        "sub_type",
        "event_number",
        "start_at",
        "due_at",
        "condition",
        "missing_since",
    )
    list_filter = (
        "event_type",
        "sub_type",
        "condition",
        "type_edited",
        "auto_schedule_excluded",
        ("missing_since", admin.EmptyFieldListFilter),
    )
    search_fields = ("name", "mplan_id", "event_number", "store_name")
    date_hierarchy = "start_at"
    readonly_fields = (
        "mplan_id",
        "name",
        "start_at",
        "due_at",
        "condition",
        "store_id",
        "store_number",
        "store_name",
        "sales_tool_url",
        "missing_since",
        "last_synced_at",
        "created_at",
        "updated_at",
    )
    actions = [lock_type, export_as_csv]

    def save_model(self, request, obj, form, change):
        if {"event_type", "sub_type"} & set(form.changed_data):
            obj.type_edited = True
        super().save_model(request, obj, form, change)


@admin.action(description="Unschedule in Crossmark and here (Cores take their Supervisor along)")
def unschedule_selected(modeladmin, request, queryset):
    done = 0
    for schedule in queryset.select_related("event", "employee"):
        try:
            services.schedule_unschedule(schedule=schedule, user=request.user)
            done += 1
        except (ValidationError, services.CrossmarkFailed) as exc:
            modeladmin.message_user(request, f"{schedule}: {exc}", messages.ERROR)
    modeladmin.message_user(request, f"{done} unscheduled.")


@admin.register(Schedule)
class ScheduleAdmin(AuditedAdmin):
    """Posted schedules change only through the services (Crossmark first), never by hand."""

    list_display = ("event", "employee", "start_at", "crossmark_schedule_id", "from_sync", "override_reason")
    list_filter = ("from_sync", "event__event_type")
    search_fields = ("event__name", "employee__name", "crossmark_schedule_id")
    list_select_related = ("event", "employee")
    autocomplete_fields = ("event", "employee")
    date_hierarchy = "start_at"
    actions = [unschedule_selected, export_as_csv]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ("employee", "start_date", "end_date", "reason")


@admin.register(TimeOff)
class TimeOffAdmin(AuditedAdmin):
    date_hierarchy = "start_date"
    form = TimeOffForm
    list_display = ("employee", "start_date", "end_date", "reason")
    list_filter = ("start_date",)
    search_fields = ("employee__name", "reason")
    autocomplete_fields = ("employee",)
    list_select_related = ("employee",)


@admin.register(DateAvailability)
class DateAvailabilityAdmin(AuditedAdmin):
    date_hierarchy = "date"
    list_display = ("employee", "date", "is_available", "reason")
    list_filter = ("is_available",)
    search_fields = ("employee__name",)
    autocomplete_fields = ("employee",)
    list_select_related = ("employee",)


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(AuditedAdmin):
    list_display = ("employee", *WeeklyAvailability.DAYS)
    search_fields = ("employee__name",)
    autocomplete_fields = ("employee",)
    list_select_related = ("employee",)


@admin.register(RotationAssignment)
class RotationAssignmentAdmin(AuditedAdmin):
    list_display = ("rotation_type", "weekday", "employee")
    list_filter = ("rotation_type", "weekday")
    autocomplete_fields = ("employee",)
    list_select_related = ("employee",)


@admin.register(RotationException)
class RotationExceptionAdmin(AuditedAdmin):
    list_display = ("date", "rotation_type", "employee", "reason")
    list_filter = ("rotation_type",)
    autocomplete_fields = ("employee",)
    list_select_related = ("employee",)
    date_hierarchy = "date"


@admin.register(CompanyHoliday)
class CompanyHolidayAdmin(AuditedAdmin):
    date_hierarchy = "date"
    list_display = ("name", "date", "is_recurring", "is_active")
    list_filter = ("is_recurring", "is_active")
    search_fields = ("name",)


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdmin):
    list_display = ("employee", "date", "status", "recorded_by")
    list_filter = ("status",)
    search_fields = ("employee__name", "notes")
    autocomplete_fields = ("employee",)
    list_select_related = ("employee", "recorded_by")
    date_hierarchy = "date"
    actions = [export_as_csv]


@admin.register(SchedulingSettings)
class SchedulingSettingsAdmin(SimpleHistoryAdmin):
    form = SettingsForm  # the page's form: the same fields, slot lists and minutes boxes
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        # The one write path (blank passwords keep the current ones). The form already checked
        # every field; anything the service still refuses is a bug worth a loud error.
        saved = services.settings_update(**form.settings_changes())
        obj.pk, obj.crossmark_password, obj.edr_password = saved.pk, saved.crossmark_password, saved.edr_password

    def has_add_permission(self, request):
        return not SchedulingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CrossmarkAccount)
class CrossmarkAccountAdmin(SimpleHistoryAdmin):
    list_display = ("user", "username", "session_started_at")
    search_fields = ("user__username", "username")
    readonly_fields = ("session_started_at", "created_at", "updated_at")
    exclude = ("session_id",)
    list_select_related = ("user",)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["password"].widget = forms.PasswordInput(render_value=False)
        return form

    # An account acts in Crossmark as its user: a coordinator manages only their own, so nobody
    # can point a colleague's account at another login. Superusers manage all of them.
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.action(description="Sync Crossmark now")
def sync_now(modeladmin, request, queryset):
    try:
        job = job_start(
            kind="scheduling.crossmark_sync",
            task=crossmark_sync_job,
            user=request.user,
            params={"user_id": request.user.pk},
            queue="sync",
        )
        modeladmin.message_user(request, f"Sync started (job {job.pk}).")
    except JobNotQueued:
        modeladmin.message_user(request, "The sync could not be queued: the task broker is down.", messages.ERROR)


@admin.register(SyncRun)
class SyncRunAdmin(AuditedAdmin):
    date_hierarchy = "started_at"
    list_display = (
        "started_at",
        "kind",
        "status",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "vanished",
        "skipped",
        "schedules_imported",
    )
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    list_select_related = ("triggered_by",)
    actions = [sync_now]

    def has_add_permission(self, request):
        return False


@admin.register(EdrReport)
class EdrReportAdmin(AuditedAdmin):
    date_hierarchy = "fetched_at"
    list_display = ("event_number", "fetched_at")
    search_fields = ("event_number",)
    readonly_fields = ("event_number", "payload", "fetched_at", "created_at", "updated_at")


# --------------------------------------------------------------------------- auto-scheduler
class ProposalInline(admin.TabularInline):
    model = ScheduleProposal
    fk_name = "run"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("event", "kind", "status", "employee", "start_at", "failure_reason", "submit_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event", "employee")


@admin.action(description="Approve: submit open proposals to Crossmark (submitted rows are never re-sent)")
def approve_runs(modeladmin, request, queryset):
    for run in queryset:
        try:
            result = runs.run_approve(run=run, user=request.user)
        except (ValidationError, services.CrossmarkFailed) as exc:
            modeladmin.message_user(request, f"{run}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR)
            continue
        modeladmin.message_user(request, f"{run}: {result['submitted']} submitted, {result['failed']} failed.")


@admin.action(description="Reject: drop open proposals (events and schedules stay as they are)")
def reject_runs(modeladmin, request, queryset):
    for run in queryset:
        try:
            runs.run_reject(run=run, user=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{run}: {' '.join(exc.messages)}", messages.ERROR)
            continue
        modeladmin.message_user(request, f"{run}: rejected.")


@admin.action(description="Close: keep what is posted, drop the rows still open (partly approved runs)")
def close_runs(modeladmin, request, queryset):
    for run in queryset:
        try:
            runs.run_close(run=run, user=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{run}: {' '.join(exc.messages)}", messages.ERROR)
            continue
        modeladmin.message_user(request, f"{run}: closed.")


@admin.register(SchedulerRun)
class SchedulerRunAdmin(AuditedAdmin):
    list_display = (
        "id",
        "started_at",
        "trigger",
        "status",
        "candidates",
        "proposed",
        "failed",
        "moves",
        "compute_ms",
        "started_by",
    )
    list_filter = ("status", "trigger")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in SchedulerRun._meta.fields]
    inlines = [ProposalInline]
    actions = [approve_runs, reject_runs, close_runs, export_as_csv]
    list_select_related = ("started_by",)

    def has_add_permission(self, request):
        return False  # runs are started from the page or the API (as a job)


@admin.register(ScheduleProposal)
class ScheduleProposalAdmin(AuditedAdmin):
    date_hierarchy = "start_at"
    list_display = ("event", "run", "kind", "status", "employee", "start_at", "failure_reason", "submit_error")
    list_filter = ("status", "kind", "event__event_type")
    search_fields = ("event__name", "event__mplan_id", "employee__name", "failure_reason")
    readonly_fields = [f.name for f in ScheduleProposal._meta.fields]
    list_select_related = ("event", "employee", "run")
    actions = [export_as_csv]

    def has_add_permission(self, request):
        return False
