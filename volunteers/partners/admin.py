"""Admin: partner districts, their API keys (created here, shown once, revocable) and sign-ups."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from project.admin import AuditedAdmin

from . import services
from .models import DistrictPartner, PartnerApiKey, PublicSignup


class ApiKeyInline(admin.TabularInline):
    model = PartnerApiKey
    fields = ("name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class NewKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who will use it, e.g. “district website”.")


@admin.register(DistrictPartner)
class DistrictPartnerAdmin(AuditedAdmin):
    list_display = ("slug", "district", "is_active", "signup_enabled", "key_count", "new_key_link")
    list_filter = ("is_active", "signup_enabled")
    search_fields = ("slug", "district__name")
    list_select_related = ("district",)
    autocomplete_fields = ("district",)
    inlines = [ApiKeyInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("api_keys")

    @admin.display(description="active keys")
    def key_count(self, obj):
        return sum(1 for k in obj.api_keys.all() if k.revoked_at is None)

    @admin.display(description="")
    def new_key_link(self, obj):
        return format_html(
            '<a href="{}">New API key</a>', reverse("admin:partners_districtpartner_new_key", args=[obj.pk])
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.new_key_view)
        return [path("<int:pk>/new-key/", view, name="partners_districtpartner_new_key"), *super().get_urls()]

    def new_key_view(self, request, pk: int):
        """Create a key and show it once; only its hash is kept."""
        if not request.user.has_perm("partners.add_partnerapikey"):
            raise PermissionDenied
        partner = get_object_or_404(DistrictPartner, pk=pk)
        form = NewKeyForm(request.POST or None)
        context = {**self.admin_site.each_context(request), "partner": partner, "form": form, "raw_key": None}
        context["title"] = f"New API key for {partner}"
        context["opts"] = self.model._meta
        if request.method == "POST" and form.is_valid():
            try:
                key, raw = services.api_key_create(partner=partner, name=form.cleaned_data["name"], user=request.user)
            except ValidationError as exc:
                form.add_error("name", exc.messages)
            else:
                context.update(raw_key=raw, key=key)
        return TemplateResponse(request, "partners/admin_new_key.html", context)


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "partner", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("partner__slug", admin.AllValuesFieldListFilter), "revoked_at")
    search_fields = ("name", "prefix", "partner__slug")
    list_select_related = ("partner__district",)
    readonly_fields = ("partner", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # from the partner's "New API key" page, which shows the key once

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.", messages.SUCCESS)

    def response_change(self, request, obj):
        return redirect("admin:partners_partnerapikey_changelist")


@admin.register(PublicSignup)
class PublicSignupAdmin(AuditedAdmin):
    date_hierarchy = "created_at"
    list_display = ("created_at", "event", "volunteer", "email", "status", "confirmed_at", "cancelled_at")
    list_filter = ("status", ("partner__slug", admin.AllValuesFieldListFilter))
    search_fields = ("email", "volunteer__last_name", "event__title")
    list_select_related = ("event", "volunteer", "partner")
    readonly_fields = (
        "event",
        "volunteer",
        "partner",
        "participation",
        "status",
        "email",
        "confirmed_at",
        "cancelled_at",
        "created_at",
        "updated_at",
    )
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False
