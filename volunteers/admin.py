"""Admin for coordinators: every model, with search, filters, autocomplete, inlines and actions
that call services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import render

from project.admin import AuditedAdmin, SoftDeleteAdmin, export_as_csv

from . import services
from .models import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    District,
    Event,
    Organization,
    OrganizationAlias,
    RecruitmentNote,
    School,
    SchoolAlias,
    Skill,
    Student,
    StudentParticipation,
    Teacher,
    TeacherParticipation,
    ViewerDistrict,
    Volunteer,
    VolunteerMerge,
    VolunteerParticipation,
    VolunteerSkill,
)
from .quality_services import flag_close
from .sync_services import participation_side_effects
from .tasks import salesforce_sync_job

SYNC_FIELDS = ("salesforce_id", "last_synced_at")


# --------------------------------------------------------------------------- inlines
class EmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0
    fields = ("email", "kind", "is_primary")


class PhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0
    fields = ("number", "kind", "is_primary")


class AddressInline(admin.TabularInline):
    model = ContactAddress
    extra = 0
    fields = ("street", "city", "state", "postal_code", "kind", "is_primary")


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ("organization",)
    fields = ("organization", "role", "is_primary", "status", "start_date", "end_date")


class VolunteerSkillInline(admin.TabularInline):
    model = VolunteerSkill
    extra = 0
    autocomplete_fields = ("skill",)
    fields = ("skill", "source", "interest_level")


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


class HistoryInline(admin.TabularInline):
    model = ContactHistory
    extra = 0
    fields = ("occurred_at", "kind", "subject", "body", "author")
    readonly_fields = ("author",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)


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


# --------------------------------------------------------------------------- actions
@admin.action(description="Exclude selected from reports", permissions=["change"])
def exclude_from_reports(modeladmin, request, queryset):
    count = services.volunteers_exclude_from_reports(volunteer_ids=queryset.values_list("pk", flat=True))
    modeladmin.message_user(request, f"{count} volunteer(s) now excluded from reports.")


@admin.action(description="Include selected in reports again", permissions=["change"])
def include_in_reports(modeladmin, request, queryset):
    count = services.volunteers_exclude_from_reports(volunteer_ids=queryset.values_list("pk", flat=True), exclude=False)
    modeladmin.message_user(request, f"{count} volunteer(s) included in reports again.")


class MergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Volunteer.objects.none(),
        widget=forms.RadioSelect,
        help_text="Keeps its record; the others move into it and are removed.",
    )


@admin.action(description="Merge selected duplicates into one volunteer", permissions=["delete"])
def merge_volunteers(modeladmin, request, queryset):
    volunteers = list(queryset.order_by("pk"))
    if len(volunteers) < 2:
        modeladmin.message_user(request, "Select at least two volunteers to merge.", messages.WARNING)
        return None
    form = MergeForm(request.POST if "confirm" in request.POST else None)
    form.fields["survivor"].queryset = queryset
    if "confirm" in request.POST and form.is_valid():
        survivor = form.cleaned_data["survivor"]
        try:
            for duplicate in volunteers:
                if duplicate.pk != survivor.pk:
                    services.volunteers_merge(survivor=survivor, duplicate=duplicate, user=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return None
        modeladmin.message_user(
            request, f"Merged {len(volunteers) - 1} duplicate(s) into {survivor}.", messages.SUCCESS
        )
        return None
    return render(
        request,
        "admin/volunteers/merge_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Merge duplicate volunteers",
            "form": form,
            "volunteers": volunteers,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


# --------------------------------------------------------------------------- contacts
@admin.register(Volunteer)
class VolunteerAdmin(ParticipationFiguresAdmin):
    list_display = (
        "last_name",
        "first_name",
        "primary_organization",
        "title",
        "status",
        "local_status",
        "times_volunteered",
        "last_volunteered_on",
        "exclude_from_reports",
    )
    list_filter = (
        "status",
        "local_status",
        "exclude_from_reports",
        "do_not_contact",
        "email_opt_out",
        ("skills", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "first_name",
        "last_name",
        "middle_name",
        "title",
        "department",
        "emails__email",
        "affiliations__organization__name",
        "salesforce_id",
    )
    readonly_fields = (
        "created_at",
        "updated_at",
        "kind",
        "times_volunteered",
        "first_volunteered_on",
        "last_volunteered_on",
        "local_status_updated_at",
        *SYNC_FIELDS,
    )
    inlines = [
        EmailInline,
        PhoneInline,
        AddressInline,
        AffiliationInline,
        VolunteerSkillInline,
        VolunteerParticipationByVolunteerInline,
        HistoryInline,
    ]
    actions = [export_as_csv, exclude_from_reports, include_in_reports, merge_volunteers]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("affiliations__organization")

    @admin.display(description="Organization")
    def primary_organization(self, obj):
        for affiliation in obj.affiliations.all():
            if affiliation.is_primary:
                return affiliation.organization.name
        return ""


@admin.register(Teacher)
class TeacherAdmin(AuditedAdmin):
    list_display = ("last_name", "first_name", "school", "status", "deactivated_manually")
    list_filter = ("status", "deactivated_manually", "school__district")
    search_fields = ("first_name", "last_name", "emails__email", "school__name", "salesforce_id")
    list_select_related = ("school",)
    autocomplete_fields = ("school",)
    readonly_fields = ("created_at", "updated_at", "kind", *SYNC_FIELDS)
    inlines = [EmailInline, PhoneInline, HistoryInline]
    actions = [export_as_csv]


@admin.register(Student)
class StudentAdmin(AuditedAdmin):
    list_display = ("last_name", "first_name", "school", "current_grade", "local_student_id")
    list_filter = ("current_grade", "school__district")
    search_fields = ("first_name", "last_name", "local_student_id", "salesforce_id")
    list_select_related = ("school",)
    autocomplete_fields = ("school", "homeroom_teacher")
    readonly_fields = ("created_at", "updated_at", "kind", *SYNC_FIELDS)
    actions = [export_as_csv]


@admin.register(ContactHistory)
class ContactHistoryAdmin(SoftDeleteAdmin):
    list_display = ("occurred_at", "contact", "kind", "subject", "author")
    list_filter = ("kind",)
    search_fields = ("subject", "body", "contact__first_name", "contact__last_name")
    list_select_related = ("contact", "author")
    autocomplete_fields = ("contact",)
    date_hierarchy = "occurred_at"
    readonly_fields = ("created_at", "updated_at", "deleted_at", *SYNC_FIELDS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions["export_as_csv"] = (export_as_csv, "export_as_csv", export_as_csv.short_description)
        return actions


@admin.register(RecruitmentNote)
class RecruitmentNoteAdmin(AuditedAdmin):
    list_display = ("created_at", "volunteer", "event", "outcome", "author")
    list_filter = ("outcome",)
    search_fields = ("note", "volunteer__first_name", "volunteer__last_name")
    list_select_related = ("volunteer", "event", "author")
    autocomplete_fields = ("volunteer", "event")
    actions = [export_as_csv]


# Contact is the MTI base; registered so autocomplete on history can search it.
@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ("last_name", "first_name", "kind")
    list_filter = ("kind",)
    search_fields = ("first_name", "last_name")

    def has_add_permission(self, request):
        return False


# --------------------------------------------------------------------------- organizations, geography
class OrganizationAliasInline(admin.TabularInline):
    model = OrganizationAlias
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "city", "last_activity_date", "salesforce_id")
    list_filter = ("kind",)
    search_fields = ("name", "aliases__name", "salesforce_id")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    inlines = [OrganizationAliasInline]
    actions = [export_as_csv]


@admin.register(OrganizationAlias)
class OrganizationAliasAdmin(AuditedAdmin):
    list_display = ("name", "organization", "is_auto_generated")
    list_filter = ("is_auto_generated",)
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)


class SchoolInline(admin.TabularInline):
    model = School
    extra = 0
    fields = ("name", "level", "code")
    show_change_link = True


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    list_display = ("name", "code", "salesforce_id")
    search_fields = ("name", "code", "salesforce_id")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    inlines = [SchoolInline]
    actions = [export_as_csv]


class SchoolAliasInline(admin.TabularInline):
    model = SchoolAlias
    extra = 0


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ("name", "district", "level", "code")
    list_filter = ("level", "district")
    search_fields = ("name", "aliases__name", "code", "salesforce_id")
    list_select_related = ("district",)
    autocomplete_fields = ("district",)
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    inlines = [SchoolAliasInline]
    actions = [export_as_csv]


@admin.register(SchoolAlias)
class SchoolAliasAdmin(AuditedAdmin):
    list_display = ("name", "school")
    search_fields = ("name", "school__name")
    list_select_related = ("school",)
    autocomplete_fields = ("school",)


@admin.register(Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Affiliation)
class AffiliationAdmin(AuditedAdmin):
    list_display = ("volunteer", "organization", "role", "is_primary", "status", "start_date", "end_date")
    list_filter = ("status", "is_primary")
    search_fields = ("volunteer__first_name", "volunteer__last_name", "organization__name", "role")
    list_select_related = ("volunteer", "organization")
    autocomplete_fields = ("volunteer", "organization")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    actions = [export_as_csv]


# --------------------------------------------------------------------------- events
class EventAdminForm(forms.ModelForm):
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
        errors = services._event_rule_errors(probe, previous_status=previous)
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
class VolunteerParticipationAdmin(AuditedAdmin):
    list_display = ("volunteer", "event", "status", "status_source", "delivery_hours")
    list_filter = ("status",)
    search_fields = ("volunteer__first_name", "volunteer__last_name", "event__title", "status_source")
    list_select_related = ("volunteer", "event")
    autocomplete_fields = ("volunteer", "event")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    actions = [export_as_csv]


@admin.register(StudentParticipation)
class StudentParticipationAdmin(AuditedAdmin):
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


# --------------------------------------------------------------------------- access and audit
@admin.register(ViewerDistrict)
class ViewerDistrictAdmin(AuditedAdmin):
    list_display = ("user", "district")
    list_filter = ("district",)
    search_fields = ("user__username", "district__name")
    list_select_related = ("user", "district")
    autocomplete_fields = ("user", "district")


@admin.register(VolunteerMerge)
class VolunteerMergeAdmin(admin.ModelAdmin):
    list_display = ("merged_at", "merged_name", "survivor", "merged_by")
    search_fields = ("merged_name", "merged_salesforce_id", "survivor__last_name")
    list_select_related = ("survivor", "merged_by")
    date_hierarchy = "merged_at"
    readonly_fields = [f.name for f in VolunteerMerge._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------- contact details
@admin.register(ContactEmail)
class ContactEmailAdmin(AuditedAdmin):
    list_display = ("email", "contact", "kind", "is_primary")
    list_filter = ("kind", "is_primary")
    search_fields = ("email", "contact__first_name", "contact__last_name")
    list_select_related = ("contact",)
    autocomplete_fields = ("contact",)
    actions = [export_as_csv]


@admin.register(ContactPhone)
class ContactPhoneAdmin(AuditedAdmin):
    list_display = ("number", "contact", "kind", "is_primary")
    list_filter = ("kind", "is_primary")
    search_fields = ("number", "contact__first_name", "contact__last_name")
    list_select_related = ("contact",)
    autocomplete_fields = ("contact",)
    actions = [export_as_csv]


@admin.register(ContactAddress)
class ContactAddressAdmin(AuditedAdmin):
    list_display = ("contact", "street", "city", "postal_code", "kind", "is_primary")
    list_filter = ("kind", "is_primary", "state")
    search_fields = ("postal_code", "city", "street", "contact__first_name", "contact__last_name")
    list_select_related = ("contact",)
    autocomplete_fields = ("contact",)
    actions = [export_as_csv]


@admin.register(VolunteerSkill)
class VolunteerSkillAdmin(AuditedAdmin):
    list_display = ("volunteer", "skill", "source", "interest_level")
    list_filter = ("source", "skill")
    search_fields = ("volunteer__first_name", "volunteer__last_name", "skill__name")
    list_select_related = ("volunteer", "skill")
    autocomplete_fields = ("volunteer", "skill")


# --------------------------------------------------------------------------- Salesforce sync, quality, roster
from django.shortcuts import redirect  # noqa: E402 - the sync-admin section keeps its own imports (moves with the admin split)
from django.urls import path, reverse  # noqa: E402 - the sync-admin section keeps its own imports (moves with the admin split)

from project.jobs import JobNotQueued, job_start  # noqa: E402 - the sync-admin section keeps its own imports (moves with the admin split)

from .models import (  # noqa: E402 - the sync-admin section keeps its own imports (moves with the admin split)
    DataQualityFlag,
    PendingParticipation,
    QualityCheck,
    QualityRun,
    RosterImport,
    SchoolClass,
    SyncRun,
)


@admin.register(SchoolClass)
class SchoolClassAdmin(AuditedAdmin):
    list_display = ("name", "school", "class_year", "salesforce_id")
    list_filter = ("class_year",)
    search_fields = ("name", "salesforce_id", "school__name")
    autocomplete_fields = ("school",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    """Run history; "Sync now" (delta or full) starts a job and opens its live progress page."""

    change_list_template = "volunteers/admin/syncrun_change_list.html"
    list_display = (
        "object_name",
        "mode",
        "status",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
        "queued",
        "error_count",
        "watermark",
    )
    list_filter = ("status", "object_name", "mode")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def get_urls(self):
        return [
            path("sync-now/", self.admin_site.admin_view(self.sync_now), name="volunteers_syncrun_sync_now"),
            *super().get_urls(),
        ]

    def sync_now(self, request):
        if request.method != "POST" or not request.user.has_perm("volunteers.add_syncrun"):
            messages.error(request, "Starting a sync needs the Coordinator or Administrator role.")
            return redirect(reverse("admin:volunteers_syncrun_changelist"))

        mode = "full" if request.POST.get("mode") == "full" else "delta"
        try:
            job = job_start(
                kind="volunteers.salesforce_sync", task=salesforce_sync_job, user=request.user, params={"mode": mode}
            )
        except JobNotQueued:
            messages.error(request, "The sync could not be queued: the task broker is unreachable. Try again later.")
            return redirect(reverse("admin:volunteers_syncrun_changelist"))
        messages.success(request, f"Salesforce {mode} sync started.")
        return redirect(reverse("job_detail", args=[job.pk]))


@admin.register(PendingParticipation)
class PendingParticipationAdmin(ReadOnlyAdmin):
    list_display = (
        "salesforce_id",
        "kind",
        "missing",
        "contact_salesforce_id",
        "event_salesforce_id",
        "attempts",
        "likely_orphan",
        "updated_at",
    )
    list_filter = ("kind", "likely_orphan", "missing")
    search_fields = ("salesforce_id", "contact_salesforce_id", "event_salesforce_id")
    actions = [export_as_csv]


@admin.action(description="Dismiss selected flags (not a problem)", permissions=["change"])
def dismiss_flags(modeladmin, request, queryset):

    n = 0
    for flag in queryset.filter(status=DataQualityFlag.Status.OPEN):
        flag_close(flag=flag, status=DataQualityFlag.Status.DISMISSED, user=request.user)
        n += 1
    messages.success(request, f"{n} flag(s) dismissed.")


@admin.action(description="Mark selected flags resolved", permissions=["change"])
def resolve_flags(modeladmin, request, queryset):

    n = 0
    for flag in queryset.filter(status=DataQualityFlag.Status.OPEN):
        flag_close(flag=flag, status=DataQualityFlag.Status.RESOLVED, user=request.user)
        n += 1
    messages.success(request, f"{n} flag(s) resolved.")


@admin.register(DataQualityFlag)
class DataQualityFlagAdmin(AuditedAdmin):
    list_display = ("entity_type", "entity_key", "issue_type", "severity", "status", "message", "updated_at")
    list_filter = ("status", "severity", "entity_type", "issue_type", "source")
    search_fields = ("entity_key", "message")
    readonly_fields = (
        "entity_type",
        "entity_key",
        "entity_id",
        "issue_type",
        "severity",
        "source",
        "message",
        "details",
        "resolved_at",
        "resolved_by",
    )
    actions = [dismiss_flags, resolve_flags, export_as_csv]


class QualityCheckInline(admin.TabularInline):
    model = QualityCheck
    extra = 0
    can_delete = False
    fields = ("entity", "dimension", "name", "severity", "score", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QualityRun)
class QualityRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "status", "overall_score", "started_by")
    inlines = [QualityCheckInline]
    readonly_fields = ("started_at", "finished_at", "status", "overall_score", "scores", "error", "started_by")


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "source",
        "sheet_id",
        "filename",
        "rows",
        "added",
        "updated",
        "deactivated",
        "flagged",
        "skipped",
        "imported_by",
    )
    list_filter = ("source",)
    readonly_fields = [f.name for f in RosterImport._meta.fields]
