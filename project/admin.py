"""Admin bases for every app, and the platform's own models."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .authentication import api_token_create, api_token_revoke
from .bugreports import admin as bugreports_admin  # noqa: F401 - registers BugReport
from .csv import csv_response
from .email import admin as email_admin  # noqa: F401 - registers the e-mail models
from .history import admin_change_reason, change_reason
from .models import ApiToken, IntegrationCredential, Job, PeriodicTaskStatus


# --------------------------------------------------------------------------- bases
class AuditedAdmin(SimpleHistoryAdmin):
    """Base for domain models: history view, read-only timestamps."""

    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        reason = admin_change_reason(model=self.model, changed=list(form.changed_data), adding=not change)
        with change_reason(reason):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with change_reason("Deleted in the admin"):
            super().delete_model(request, obj)


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted"), ("all", "All")]

    def choices(self, changelist):
        # "Not deleted" is the default, so the unfiltered choice is relabelled.
        for choice in super().choices(changelist):
            if choice["display"] == "All" and self.value() is None:
                continue
            yield choice

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "no":
            return queryset.filter(deleted_at__isnull=True)
        if value == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.action(description="Soft-delete selected (can be restored)", permissions=["change"])
def soft_delete_selected(modeladmin, request, queryset):
    count = 0
    with change_reason("Deleted in the admin"):
        for obj in queryset.filter(deleted_at__isnull=True):
            obj.soft_delete()
            count += 1
    modeladmin.message_user(request, f"{count} deleted. Use the “Deleted” filter and “Restore” to undo.")


@admin.action(description="Restore selected", permissions=["change"])
def restore_selected(modeladmin, request, queryset):
    count = 0
    with change_reason("Restored in the admin"):
        for obj in queryset.filter(deleted_at__isnull=False):
            obj.restore()
            count += 1
    modeladmin.message_user(request, f"{count} restored.")


class SoftDeleteAdmin(AuditedAdmin):
    """Admin for SoftDeleteModel: hides deleted rows by default, deletes softly, restores."""

    actions = [soft_delete_selected, restore_selected]
    readonly_fields = ("created_at", "updated_at", "deleted_at")

    def get_queryset(self, request):
        return self.model.all_objects.get_queryset()

    def get_list_filter(self, request):
        return (DeletedFilter, *super().get_list_filter(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        with change_reason("Deleted in the admin"):
            obj.soft_delete()

    def delete_queryset(self, request, queryset):
        with change_reason("Deleted in the admin"):
            for obj in queryset:
                obj.soft_delete()


def export_as_csv(modeladmin, request, queryset):
    """Admin action: the selected rows' list_display columns as CSV."""
    fields = [f for f in modeladmin.get_list_display(request) if f != "action_checkbox"]

    def cells(obj):
        for name in fields:
            value = getattr(modeladmin, name, None)
            value = value(obj) if callable(value) else getattr(obj, name, "")
            yield value() if callable(value) else value

    return csv_response(modeladmin.model._meta.model_name, fields, (list(cells(obj)) for obj in queryset))


export_as_csv.short_description = "Export selected to CSV"


# --------------------------------------------------------------------------- platform
@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("kind", "status", "progress", "message", "created_by", "created_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("kind", "message", "error")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name", "expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at", "active")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @admin.display(boolean=True)
    def active(self, obj):
        return obj.is_active

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "expires_at")
        return ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, raw = api_token_create(user=obj.user, name=obj.name, expires_at=obj.expires_at)
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(request, format_html("Copy this token now, it will not be shown again: <code>{}</code>", raw))

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
        self.message_user(request, "Revoked.")


@admin.register(PeriodicTaskStatus)
class PeriodicTaskStatusAdmin(admin.ModelAdmin):
    list_display = ("name", "last_success_at", "last_failure_at", "runs", "last_started_at", "last_catch_up_at")
    search_fields = ("name",)
    readonly_fields = (
        "name",
        "registered_at",
        "last_enqueued_at",
        "last_catch_up_at",
        "last_started_at",
        "last_success_at",
        "last_failure_at",
        "last_error",
        "runs",
    )

    def has_add_permission(self, request):
        return False


class CredentialForm(forms.ModelForm):
    """The stored value is never rendered; leaving the field blank keeps it."""

    value = forms.CharField(
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        help_text="Stored encrypted. Leave blank to keep the current value.",
    )

    class Meta:
        model = IntegrationCredential
        fields = ("system", "key", "value")

    def clean_value(self):
        value = self.cleaned_data["value"]
        if not value and not (self.instance and self.instance.pk):
            raise forms.ValidationError("Enter the secret value.")
        return value


@admin.register(IntegrationCredential)
class IntegrationCredentialAdmin(SimpleHistoryAdmin):
    form = CredentialForm
    list_display = ("system", "key", "is_set", "updated_at", "updated_by")
    list_filter = ("system",)
    search_fields = ("key",)
    list_select_related = ("updated_by",)

    @admin.display(description="value")
    def is_set(self, obj):
        return "•••••• (set)" if obj.value else "— (empty)"

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("value"):
            obj.value = IntegrationCredential.objects.get(pk=obj.pk).value
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
