"""Admin for contacts (volunteers, teachers, students), their details and history, organizations,
geography, skills, viewer access and merges."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import render

from project.admin import AuditedAdmin, SoftDeleteAdmin, export_as_csv

from .. import services
from ..models import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    District,
    Organization,
    OrganizationAlias,
    School,
    SchoolAlias,
    SchoolClass,
    Skill,
    Student,
    Teacher,
    ViewerDistrict,
    Volunteer,
    VolunteerMerge,
    VolunteerSkill,
)
from ..salesforce.synced import SyncedModelForm
from ..search import search_text_refresh, volunteers_touched
from .base import SYNC_FIELDS, ParticipationFiguresAdmin
from .events import VolunteerParticipationByVolunteerInline


# --------------------------------------------------------------------------- search text
class SearchTextAdmin:
    """For the models the directory search looks in: once an object and its inlines are saved, or once
    objects are deleted, the search text of the volunteers they touch is recomputed (volunteers.search).
    `search_text_key`: the objects' volunteer, organization or skill (`search_text_refresh` argument);
    `search_text_attr`: the attribute holding its id (the form's initial value is the one before an edit)."""

    search_text_key = "volunteer_ids"
    search_text_attr = "pk"

    def _search_ids(self, objs, form=None) -> dict:
        ids = {getattr(obj, self.search_text_attr) for obj in objs}
        if form is not None and self.search_text_attr != "pk":
            ids.add(form.initial.get(self.search_text_attr.removesuffix("_id")))
        return {self.search_text_key: ids}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        search_text_refresh(**self._search_ids([form.instance], form))

    def delete_model(self, request, obj):
        touched = volunteers_touched(**self._search_ids([obj]))
        super().delete_model(request, obj)
        search_text_refresh(touched)

    def delete_queryset(self, request, queryset):
        touched = volunteers_touched(**self._search_ids(list(queryset)))
        super().delete_queryset(request, queryset)
        search_text_refresh(touched)


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


class HistoryInline(admin.TabularInline):
    model = ContactHistory
    extra = 0
    fields = ("occurred_at", "kind", "subject", "body", "author")
    readonly_fields = ("author",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)


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
class VolunteerAdmin(SearchTextAdmin, ParticipationFiguresAdmin):
    form = SyncedModelForm
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

    def delete_model(self, request, obj):
        services.volunteers_delete(volunteer_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        services.volunteers_delete(volunteer_ids=list(queryset.values_list("pk", flat=True)))

    @admin.display(description="Organization")
    def primary_organization(self, obj):
        for affiliation in obj.affiliations.all():
            if affiliation.is_primary:
                return affiliation.organization.name
        return ""


@admin.register(Teacher)
class TeacherAdmin(AuditedAdmin):
    form = SyncedModelForm
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
    form = SyncedModelForm
    list_display = ("last_name", "first_name", "school", "current_grade", "local_student_id")
    list_filter = ("current_grade", "school__district")
    search_fields = ("first_name", "last_name", "local_student_id", "salesforce_id")
    list_select_related = ("school",)
    autocomplete_fields = ("school", "homeroom_teacher")
    readonly_fields = ("created_at", "updated_at", "kind", *SYNC_FIELDS)
    actions = [export_as_csv]

    def delete_model(self, request, obj):
        services.students_delete(student_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        services.students_delete(student_ids=list(queryset.values_list("pk", flat=True)))


@admin.register(ContactHistory)
class ContactHistoryAdmin(SoftDeleteAdmin):
    form = SyncedModelForm
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
class OrganizationAdmin(SearchTextAdmin, AuditedAdmin):
    search_text_key = "organization_ids"
    form = SyncedModelForm
    list_display = ("name", "kind", "city", "last_activity_date", "salesforce_id")
    list_filter = ("kind",)
    search_fields = ("name", "aliases__name", "salesforce_id")
    readonly_fields = ("created_at", "updated_at", *SYNC_FIELDS)
    inlines = [OrganizationAliasInline]
    actions = [export_as_csv]


@admin.register(OrganizationAlias)
class OrganizationAliasAdmin(SearchTextAdmin, AuditedAdmin):
    search_text_key, search_text_attr = "organization_ids", "organization_id"
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
    form = SyncedModelForm
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
    form = SyncedModelForm
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
class SkillAdmin(SearchTextAdmin, AuditedAdmin):
    search_text_key = "skill_ids"
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Affiliation)
class AffiliationAdmin(SearchTextAdmin, AuditedAdmin):
    search_text_attr = "volunteer_id"
    form = SyncedModelForm
    list_display = ("volunteer", "organization", "role", "is_primary", "status", "start_date", "end_date")
    list_filter = ("status", "is_primary")
    search_fields = ("volunteer__first_name", "volunteer__last_name", "organization__name", "role")
    list_select_related = ("volunteer", "organization")
    autocomplete_fields = ("volunteer", "organization")
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
class VolunteerSkillAdmin(SearchTextAdmin, AuditedAdmin):
    search_text_attr = "volunteer_id"
    list_display = ("volunteer", "skill", "source", "interest_level")
    list_filter = ("source", "skill")
    search_fields = ("volunteer__first_name", "volunteer__last_name", "skill__name")
    list_select_related = ("volunteer", "skill")
    autocomplete_fields = ("volunteer", "skill")


@admin.register(SchoolClass)
class SchoolClassAdmin(AuditedAdmin):
    form = SyncedModelForm
    list_display = ("name", "school", "class_year", "salesforce_id")
    list_filter = ("class_year",)
    search_fields = ("name", "salesforce_id", "school__name")
    autocomplete_fields = ("school",)
