from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import render

from project.admin import AuditedAdmin, SoftDeleteAdmin, export_as_csv

from . import paging, services
from .forms import ManualSmsForm
from .models import Assignment, EscalationContact, Member, Override, PhoneVerification, ShiftPattern, SmsMessage, Team


class EscalationContactInline(admin.TabularInline):
    model = EscalationContact
    extra = 0
    fields = ("position", "name", "phone")


class ShiftPatternInline(admin.TabularInline):
    model = ShiftPattern
    extra = 0
    fields = ("name", "weekday", "start_time", "duration_hours", "active")


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = (
        "name",
        "timezone",
        "notification_time",
        "escalation_enabled",
        "weekly_summary_enabled",
        "auto_renew_enabled",
        "confirm_within_minutes",
    )
    list_filter = ("escalation_enabled", "weekly_summary_enabled", "auto_renew_enabled")
    search_fields = ("name",)
    inlines = [EscalationContactInline, ShiftPatternInline]
    readonly_fields = ("created_at", "updated_at", "feed_token")


@admin.action(description="Send an SMS to the selected members")
def send_manual_sms(modeladmin, request, queryset):
    form = ManualSmsForm(request.POST if "body" in request.POST else None)
    if form.is_valid():
        sent = 0
        for member in queryset.select_related("team"):
            try:
                paging.manual_sms(member=member, body=form.cleaned_data["body"], user=request.user)
                sent += 1
            except ValidationError as exc:
                modeladmin.message_user(request, f"{member}: {'; '.join(exc.messages)}", messages.ERROR)
        modeladmin.message_user(request, f"{sent} SMS queued; see the notification log for delivery.")
        return None
    return render(
        request,
        "oncall/admin_manual_sms.html",
        {
            **modeladmin.admin_site.each_context(request),  # the admin's header, navigation and branding
            "form": form,
            "members": queryset,
            "opts": modeladmin.model._meta,
            "action": "send_manual_sms",
            "title": "Send an SMS",
        },
    )


@admin.register(Member)
class MemberAdmin(SoftDeleteAdmin):
    list_display = ("name", "team", "phone", "secondary_phone", "active", "rotation_order", "sms_opt_out")
    list_filter = ("team", "active", "sms_opt_out")
    list_select_related = ("team",)
    search_fields = ("name", "phone", "secondary_phone", "email")
    autocomplete_fields = ("team",)
    readonly_fields = ("created_at", "updated_at", "deleted_at", "feed_token")
    actions = [*SoftDeleteAdmin.actions, send_manual_sms, export_as_csv]

    def save_model(self, request, obj, form, change):
        services.member_update(member=obj)  # full_clean + save, also for new rows


@admin.register(ShiftPattern)
class ShiftPatternAdmin(AuditedAdmin):
    list_display = ("label", "team", "weekday", "start_time", "duration_hours", "active")
    list_filter = ("team", "weekday", "active")
    list_select_related = ("team",)
    search_fields = ("name", "team__name")
    autocomplete_fields = ("team",)

    def save_model(self, request, obj, form, change):
        services.shift_save(shift=obj)


class OverrideInline(admin.TabularInline):
    model = Override
    fk_name = "assignment"
    extra = 0
    fields = ("member", "original_member", "reason", "status", "created_by")
    readonly_fields = fields
    can_delete = False


@admin.register(Assignment)
class AssignmentAdmin(AuditedAdmin):
    list_display = ("occurrence_date", "shift", "member", "starts_at", "ends_at", "team")
    list_filter = ("team", "shift__weekday")
    list_select_related = ("team", "shift", "member")
    search_fields = ("member__name",)
    date_hierarchy = "occurrence_date"
    autocomplete_fields = ("member", "shift", "team")
    readonly_fields = ("created_at", "updated_at", "starts_at", "ends_at")
    inlines = [OverrideInline]


@admin.action(description="Cancel the selected active overrides")
def cancel_overrides(modeladmin, request, queryset):
    count = 0
    for override in queryset.filter(status=Override.Status.ACTIVE):
        services.override_cancel(override=override)
        count += 1
    modeladmin.message_user(request, f"{count} overrides cancelled.")


@admin.register(Override)
class OverrideAdmin(AuditedAdmin):
    list_display = ("assignment", "member", "original_member", "status", "reason", "created_by", "created_at")
    list_filter = ("status", "assignment__team")
    list_select_related = ("assignment__shift", "assignment__member", "member", "original_member", "created_by")
    search_fields = ("member__name", "original_member__name", "reason")
    autocomplete_fields = ("assignment", "member", "original_member")
    readonly_fields = ("created_at", "updated_at", "cancelled_at", "completed_at", "created_by")
    actions = [cancel_overrides]


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "purpose",
        "recipient_name",
        "recipient_phone",
        "status",
        "attempts",
        "sent_at",
        "error_code",
    )
    list_filter = ("status", "purpose", "team")
    list_select_related = ("team",)
    search_fields = ("recipient_name", "recipient_phone", "provider_sid", "idempotency_key")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SmsMessage._meta.fields]
    actions = [export_as_csv]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(admin.ModelAdmin):
    date_hierarchy = "sent_at"
    list_display = ("member", "phone", "sent_at", "attempts", "verified_at")
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("member__name", "phone")
    list_select_related = ("member",)
    autocomplete_fields = ("member",)
    readonly_fields = ("code_hash", "sent_at", "attempts", "verified_at")
