"""Admin for e-mail templates (edit = new version) and the outbox (read-only, retry failed)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import outbox, templating
from .forms import EmailTemplateForm
from .models import EmailMessage, EmailTemplate


@admin.register(EmailTemplate)
class EmailTemplateAdmin(SimpleHistoryAdmin):
    form = EmailTemplateForm
    list_display = ("purpose", "version", "is_active", "sent_count", "created_by", "created_at")
    list_filter = ("purpose", "is_active")
    search_fields = ("subject", "body_text")
    list_select_related = ("created_by",)
    actions = ["make_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(sent=Count("messages"))

    @admin.display(description="messages", ordering="sent")
    def sent_count(self, obj):
        return getattr(obj, "sent", None)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("preview",)
        return ("purpose", "version", "is_active", "created_by", "created_at", "preview")

    def get_fields(self, request, obj=None):
        base = ["purpose", "subject", "body_text", "preview"]
        return base if obj is None else [*base, "version", "is_active", "created_by", "created_at"]

    @admin.display(description="preview with sample data")
    def preview(self, obj):
        if obj is None or not obj.pk:
            return "Saved templates show a preview here."
        try:
            rendered = templating.template_preview(purpose=obj.purpose, subject=obj.subject, body_text=obj.body_text)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return format_html("<strong>{}</strong><pre>{}</pre>", rendered.subject, rendered.body_text)

    def save_model(self, request, obj, form, change):
        """Never edits a version in place: the edit becomes version n+1 and the active one."""
        new = templating.template_revise(
            purpose=obj.purpose, subject=obj.subject, body_text=obj.body_text, user=request.user
        )
        obj.pk, obj.version, obj.is_active, obj.created_at = new.pk, new.version, True, new.created_at
        if change:
            messages.info(
                request, f"Saved as version {new.version}; earlier versions stay for the e-mails sent with them."
            )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and templating.template_was_sent(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        templating.template_delete(template=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the sent-check
        return actions

    @admin.action(description="Make the selected version active", permissions=["change"])
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        template = templating.template_activate(template=queryset.get())
        self.message_user(request, f"{template} is now active.")


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "purpose", "to_email", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "purpose")
    search_fields = ("to_email", "subject", "idempotency_key", "message_id")
    list_select_related = ("template",)
    date_hierarchy = "created_at"
    actions = ["retry_failed"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in EmailMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed e-mails", permissions=["view"])
    def retry_failed(self, request, queryset):
        retried = sum(outbox.email_retry(message=m) for m in queryset.filter(status=EmailMessage.Status.FAILED))
        self.message_user(request, f"{retried} e-mail(s) queued again.")
