"""Private meal-expense tracking. Every row belongs to exactly one user (`user`); reads go
through the owner-scoped selectors in selectors.py, writes through services.py."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from project.models import AuditedModel, SoftDeleteModel

MAX_AMOUNT = Decimal("100000.00")
MIN_AMOUNT = Decimal("0.01")


class MealType(models.TextChoices):
    BREAKFAST = "breakfast", "Breakfast"
    BRUNCH = "brunch", "Brunch"
    LUNCH = "lunch", "Lunch"
    DINNER = "dinner", "Dinner"
    SNACKS = "snacks", "Snacks"
    DRINKS = "drinks", "Drinks"
    DESSERT = "dessert", "Dessert"
    LATE_NIGHT = "late_night", "Late night"
    GROCERIES = "groceries", "Groceries"
    OTHER = "other", "Other"


class OrderType(models.TextChoices):
    DINE_IN = "dine_in", "Dine in"
    TAKEOUT = "takeout", "Takeout"
    DELIVERY = "delivery", "Delivery"
    DRIVE_THRU = "drive_thru", "Drive-thru"
    CATERING = "catering", "Catering"
    OTHER = "other", "Other"


class ServiceLevel(models.TextChoices):
    FINE_DINING = "fine_dining", "Fine dining"
    CASUAL_DINING = "casual_dining", "Casual dining"
    FAST_CASUAL = "fast_casual", "Fast casual"
    QUICK_SERVICE = "quick_service", "Quick service"


class ExpenseProfile(models.Model):
    """Per-user expense preferences: the timezone in which local dates/times are entered."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expense_profile")
    timezone = models.CharField(
        max_length=64, default="", blank=True, help_text="IANA name; blank means the site timezone."
    )
    bank_match_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(60)],
        help_text="A bank row matches an expense visited up to this many days before it cleared.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(bank_match_days__lte=60), name="expense_profile_bank_days_max_60"),
        ]

    def __str__(self):
        return f"{self.user} · {self.timezone or settings.TIME_ZONE}"


class Category(AuditedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expense_categories")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    color = models.CharField(max_length=7, default="#6c757d")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="expense_category_unique_name_per_user"),
            models.CheckConstraint(condition=~Q(name=""), name="expense_category_name_not_blank"),
        ]

    def __str__(self):
        return self.name


class Tag(AuditedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expense_tags")
    name = models.CharField(max_length=50, help_text="Normalised: letters, digits and hyphens.")
    color = models.CharField(max_length=7, default="#6c757d")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="expense_tag_unique_name_per_user"),
            models.CheckConstraint(condition=~Q(name=""), name="expense_tag_name_not_blank"),
        ]

    def __str__(self):
        return self.name


class MerchantCategory(models.TextChoices):
    STANDARD_RESTAURANT = "standard_restaurant", "Restaurant"
    FAST_FOOD = "fast_food_unit", "Fast food"
    DINER = "diner", "Diner"
    BUFFET = "buffet_cafeteria", "Buffet / cafeteria"
    DELI_CAFE = "deli_cafe", "Deli / café"
    BAKERY = "bakery_specialty", "Bakery / specialty"
    CONVENIENCE = "convenience_gas_station", "Convenience / gas station"
    FOOD_COURT = "mall_food_court", "Food court"
    FOOD_TRUCK = "food_truck_mobile", "Food truck"
    PUB = "pub_tavern_bar", "Pub / bar"
    OTHER = "other", "Other"


LITERAL_NOTHING = ("none", "null", "n/a")


class Merchant(AuditedModel):
    """A brand (Chili's, Starbucks) in the user's own catalogue: merchants are per user, like
    every other expenses row, so nobody edits or deletes a brand someone else relies on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expense_merchants")
    name = models.CharField(max_length=100)
    short_name = models.CharField(max_length=60, blank=True, help_text="Shown before the location, e.g. “Chili's”.")
    website = models.URLField(max_length=300, blank=True, help_text="Restaurants on this host link automatically.")
    category = models.CharField(max_length=30, choices=MerchantCategory.choices, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="expense_merchant_unique_name_per_user"),
            models.CheckConstraint(condition=~Q(name=""), name="expense_merchant_name_not_blank"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.short_name or self.name


class LoyaltyAccount(AuditedModel):
    """A loyalty programme membership (programme + account in one row: one account per programme),
    optionally linked to a merchant so it shows on that merchant's restaurants."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expense_loyalty")
    program = models.CharField(max_length=100)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.SET_NULL, null=True, blank=True, related_name="loyalty_accounts"
    )
    number = models.CharField(max_length=100, blank=True, help_text="Membership or account number.")
    tier = models.CharField(max_length=60, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    portal_url = models.URLField(max_length=300, blank=True)

    class Meta:
        ordering = ["program"]
        constraints = [
            models.UniqueConstraint("user", Lower("program"), name="expense_loyalty_unique_program_per_user"),
            models.CheckConstraint(condition=~Q(program=""), name="expense_loyalty_program_not_blank"),
        ]

    def __str__(self):
        return self.program


class Restaurant(AuditedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restaurants")
    # SET_NULL: deleting a merchant keeps its restaurants, unlinked.
    merchant = models.ForeignKey(Merchant, on_delete=models.SET_NULL, null=True, blank=True, related_name="restaurants")
    name = models.CharField(max_length=100)
    location_name = models.CharField(max_length=100, blank=True, help_text="Branch, e.g. “Downtown”.")
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(max_length=300, blank=True)
    cuisine = models.CharField(max_length=60, blank=True)
    service_level = models.CharField(max_length=20, choices=ServiceLevel.choices, blank=True)
    price_level = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(4)])
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="Your own, 1–5."
    )
    google_place_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULL means "not linked"; the unique constraint must ignore it
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "location_name"]
        constraints = [
            models.UniqueConstraint(
                "user",
                Lower("name"),
                Lower("location_name"),
                Lower("city"),
                name="restaurant_unique_name_location_city_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "google_place_id"],
                condition=Q(google_place_id__isnull=False),
                name="restaurant_unique_place_id_per_user",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="restaurant_name_not_blank"),
            models.CheckConstraint(condition=~Q(google_place_id=""), name="restaurant_place_id_null_not_blank"),
            models.CheckConstraint(
                condition=Q(price_level__isnull=True) | Q(price_level__lte=4), name="restaurant_price_level_0_4"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="restaurant_rating_1_5"
            ),
        ]
        indexes = [models.Index(fields=["user", "name"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """Merchant short name + " - " + location when the merchant is loaded (selectors load it
        with the restaurant; never a query per row), else name + " - " + location. A literal
        "None"/"null"/"n/a" location is no location."""
        location = "" if self.location_name.strip().lower() in LITERAL_NOTHING else self.location_name.strip()
        merchant = self.merchant if self.merchant_id and Restaurant.merchant.is_cached(self) else None
        base = merchant.label if merchant else self.name
        return f"{base} - {location}" if location else base

    @property
    def address(self) -> str:
        return ", ".join(
            p for p in (self.address_line_1, self.address_line_2, self.city, self.state, self.postal_code) if p
        )


def receipt_upload_to(instance, filename: str) -> str:
    # Random names: the file is only ever served through the owner-checked download view.
    return f"expenses/receipts/{instance.user_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class Expense(SoftDeleteModel):
    class Kind(models.TextChoices):
        EXPENSE = "expense", "Expense"
        REFUND = "refund", "Refund"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EXPENSE)
    amount = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(MIN_AMOUNT), MaxValueValidator(MAX_AMOUNT)],
        help_text="Always positive; `kind` says whether money went out or came back.",
    )
    date = models.DateField(help_text="Local date in the owner's timezone.")
    time = models.TimeField(null=True, blank=True, help_text="Optional local time.")
    cleared_date = models.DateField(null=True, blank=True)
    meal_type = models.CharField(max_length=20, choices=MealType.choices, blank=True)
    order_type = models.CharField(max_length=20, choices=OrderType.choices, blank=True)
    party_size = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(50)])
    # PROTECT: a restaurant or category with expenses cannot be deleted (see docs/expenses.md).
    restaurant = models.ForeignKey(Restaurant, on_delete=models.PROTECT, related_name="expenses")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="expenses")
    tags = models.ManyToManyField(Tag, through="ExpenseTag", related_name="expenses", blank=True)
    notes = models.TextField(blank=True)
    receipt = models.FileField(upload_to=receipt_upload_to, blank=True, max_length=300)

    class Meta:
        ordering = ["-date", "-time", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount__lte=MAX_AMOUNT), name="expense_amount_positive_capped"
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1, party_size__lte=50), name="expense_party_size_1_50"),
            models.CheckConstraint(condition=Q(kind__in=["expense", "refund"]), name="expense_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["user", "date", "time", "created_at", "id"], name="expense_list_order"),
            models.Index(fields=["user", "amount"]),
            # Covers the analytics GROUP BYs (index-only scans, grouping in index order).
            models.Index(
                fields=[
                    "user",
                    "date",
                    "category",
                    "meal_type",
                    "kind",
                    "amount",
                    "party_size",
                    "restaurant",
                    "deleted_at",
                ],
                name="expense_analytics_cover",
            ),
        ]

    def __str__(self):
        sign = "-" if self.kind == self.Kind.REFUND else ""
        return f"{self.date} {sign}{self.amount} ({self.restaurant_id})"

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == self.Kind.REFUND else self.amount


class ExpenseTag(models.Model):
    """Ordered tag link: `position` keeps the order the user gave the tags in."""

    expense = models.ForeignKey(Expense, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="expense_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["expense", "tag"], name="expense_tag_unique_link")]

    def __str__(self) -> str:
        return f"{self.expense_id} · {self.tag_id} (#{self.position})"


class ImportDraft(models.Model):
    """A reviewed import kept in the database (not a temp file) until applied or expired.

    Not an AuditedModel on purpose: a history row would copy the whole `rows` document on
    every save; the expenses it creates carry their own history."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Awaiting review"
        APPLIED = "applied", "Applied"

    class Kind(models.TextChoices):
        EXPENSES = "expenses", "Expenses"
        RESTAURANTS = "restaurants", "Restaurants"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expense_imports")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EXPENSES)
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    rows = models.JSONField(default=list, help_text="Parsed rows with candidates, duplicates and defaults.")
    row_count = models.PositiveIntegerField(default=0)
    missing_categories = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(applied_at__isnull=False), name="import_applied_has_timestamp"
            ),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"
