"""Admin for expenses. Expenses are private: no role gets model permissions on this app
(project/roles.py), so only superusers see these pages — read-only, for support, with the owner
shown. Changes go through the owner's pages and API, whose services keep every relation inside
one user's data (an admin form would let an expense point at another user's restaurant)."""

from django.contrib import admin
from django.db.models import Count

from project.admin import AuditedAdmin, SoftDeleteAdmin, export_as_csv

from .models import (
    Category,
    Expense,
    ExpenseProfile,
    ExpenseTag,
    ImportDraft,
    LoyaltyAccount,
    Merchant,
    Restaurant,
    Tag,
)


class SupportReadOnly:
    """View only, for superusers too."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Restaurant)
class RestaurantAdmin(SupportReadOnly, AuditedAdmin):
    list_display = (
        "name",
        "location_name",
        "city",
        "merchant",
        "user",
        "cuisine",
        "price_level",
        "rating",
        "google_place_id",
    )
    list_filter = ("service_level", "price_level", "rating")
    search_fields = ("name", "location_name", "city", "user__username", "google_place_id")
    list_select_related = ("user", "merchant")
    autocomplete_fields = ("user",)
    actions = [export_as_csv]

    # Deleting goes through Django's confirmation page, which lists the PROTECTed expenses
    # and refuses, exactly like services.restaurant_delete does for pages and API.


@admin.register(Merchant)
class MerchantAdmin(SupportReadOnly, AuditedAdmin):
    """Merchants are per user (docs/expenses.md): shown here read-only, owner included; each
    user curates their own catalogue on /expenses/merchants/."""

    list_display = ("name", "short_name", "website", "category", "restaurant_count", "user")
    list_filter = ("category",)
    search_fields = ("name", "short_name", "website", "user__username")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    actions = [export_as_csv]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(restaurant_total=Count("restaurants"))

    @admin.display(description="restaurants", ordering="restaurant_total")
    def restaurant_count(self, obj) -> int:
        return obj.restaurant_total


@admin.register(LoyaltyAccount)
class LoyaltyAccountAdmin(SupportReadOnly, AuditedAdmin):
    list_display = ("program", "merchant", "tier", "points", "user")
    search_fields = ("program", "merchant__name", "user__username")
    list_select_related = ("user", "merchant")
    autocomplete_fields = ("user", "merchant")


@admin.register(Category)
class CategoryAdmin(SupportReadOnly, AuditedAdmin):
    list_display = ("name", "user", "color", "is_default", "created_at")
    list_filter = ("is_default",)
    search_fields = ("name", "user__username")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(Tag)
class TagAdmin(SupportReadOnly, AuditedAdmin):
    list_display = ("name", "user", "color", "created_at")
    search_fields = ("name", "user__username")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


class ExpenseTagInline(SupportReadOnly, admin.TabularInline):
    model = ExpenseTag
    extra = 0
    autocomplete_fields = ("tag",)
    ordering = ("position",)


@admin.register(Expense)
class ExpenseAdmin(SupportReadOnly, SoftDeleteAdmin):
    list_display = ("date", "time", "user", "restaurant", "kind", "amount", "category", "meal_type", "party_size")
    list_filter = ("kind", "meal_type", "order_type", "date")
    search_fields = ("restaurant__name", "notes", "user__username", "category__name")
    list_select_related = ("user", "restaurant", "category")
    autocomplete_fields = ("user", "restaurant", "category")
    date_hierarchy = "date"
    inlines = [ExpenseTagInline]
    actions = [*SoftDeleteAdmin.actions, export_as_csv]


@admin.register(ImportDraft)
class ImportDraftAdmin(SupportReadOnly, admin.ModelAdmin):
    date_hierarchy = "created_at"
    list_display = ("filename", "user", "status", "row_count", "created_at", "applied_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("filename", "user__username")
    list_select_related = ("user",)
    readonly_fields = (
        "id",
        "user",
        "filename",
        "status",
        "row_count",
        "missing_categories",
        "result",
        "rows",
        "created_at",
        "updated_at",
        "applied_at",
        "expires_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("rows")


@admin.register(ExpenseProfile)
class ExpenseProfileAdmin(SupportReadOnly, admin.ModelAdmin):
    list_display = ("user", "timezone")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
