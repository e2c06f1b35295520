"""Demo expenses for the demo users "staff" and "admin": restaurants, categories, tags and a
year and a bit of meals, so the list, analytics charts and import review have something to
show. Idempotent: a user who already has restaurants is left alone."""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from . import services
from .models import Category, Expense, ExpenseTag, Restaurant

DEMO_USERS = {"staff": 320, "admin": 260}
RESTAURANTS = [
    # name, location, city, cuisine, service level, price level, usual category, usual meal
    ("Joe's Tacos", "Downtown", "Austin", "Mexican", "fast_casual", 1, "Restaurants", "lunch"),
    ("Joe's Tacos", "North", "Austin", "Mexican", "fast_casual", 1, "Restaurants", "dinner"),
    ("Burger Barn", "", "Austin", "American", "quick_service", 1, "Fast Food", "lunch"),
    ("Pho & Co", "", "Austin", "Vietnamese", "casual_dining", 1, "Restaurants", "dinner"),
    ("Golden Wok", "", "Austin", "Chinese", "casual_dining", 2, "Restaurants", "dinner"),
    ("Olive & Vine", "", "Round Rock", "Italian", "fine_dining", 3, "Restaurants", "dinner"),
    ("Sunrise Diner", "", "Austin", "Breakfast", "casual_dining", 1, "Restaurants", "breakfast"),
    ("Bean There Coffee", "", "Austin", "Cafe", "quick_service", 1, "Drinks", "snacks"),
    ("The Tap Room", "", "Austin", "Pub", "casual_dining", 2, "Drinks", "drinks"),
    ("Green Market", "", "Austin", "Grocery", "quick_service", 1, "Groceries", "groceries"),
    ("Slice Pizza", "South", "Austin", "Pizza", "fast_casual", 1, "Fast Food", "dinner"),
    ("Slice Pizza", "Airport", "Austin", "Pizza", "quick_service", 2, "Fast Food", "lunch"),
    ("Sakura Sushi", "", "Cedar Park", "Japanese", "casual_dining", 3, "Restaurants", "dinner"),
    ("Smoke Ridge BBQ", "", "Lockhart", "Barbecue", "casual_dining", 2, "Restaurants", "lunch"),
    ("Cinema Snacks", "", "Austin", "Snacks", "quick_service", 1, "Entertainment", "snacks"),
    ("Vending Corner", "Office", "Austin", "", "quick_service", 0, "Snacks & Vending", "snacks"),
    ("Curry House", "", "Austin", "Indian", "casual_dining", 2, "Restaurants", "dinner"),
    ("Sweet Spot Bakery", "", "Austin", "Bakery", "quick_service", 1, "Restaurants", "dessert"),
]
TAGS = ["work", "date-night", "team-lunch", "travel", "family", "client", "birthday"]
ORDER_TYPES = ["dine_in", "dine_in", "dine_in", "takeout", "delivery", "drive_thru"]


def load(*, stdout) -> None:
    User = get_user_model()
    for username, count in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None or Restaurant.objects.filter(user=user).exists():
            continue
        _load_user(user, count)
        stdout.write(f"  expenses: {count} demo expenses for {username}")


def _load_user(user, count: int) -> None:
    rng = random.Random(f"crewbase-expenses-{user.username}")  # noqa: S311 - seeded demo data, not security
    services.category_defaults_ensure(user=user)
    categories = {c.name: c for c in Category.objects.filter(user=user)}
    restaurants = []
    for name, location, city, cuisine, level, price, category, meal in RESTAURANTS:
        restaurant = services.restaurant_create(
            user=user,
            name=name,
            location_name=location,
            city=city,
            state="TX",
            cuisine=cuisine,
            service_level=level,
            price_level=price,
            rating=rng.randint(3, 5),
        )
        restaurants.append((restaurant, categories[category], meal, price))
    tags = {t.name: t for t in services.tags_resolve(user=user, names=TAGS)}
    today = timezone.localdate()
    expenses, tag_names = [], []
    for i in range(count):
        restaurant, category, meal, price = rng.choice(restaurants)
        day = today - timedelta(days=rng.randint(0, 420))
        party = rng.choice([1, 1, 1, 2, 2, 3, 4, 6])
        base = {0: 2, 1: 12, 2: 25, 3: 55}[price]
        amount = (Decimal(base) * party * Decimal(rng.uniform(0.6, 1.6))).quantize(Decimal("0.01"))
        expenses.append(
            Expense(
                user=user,
                amount=max(amount, Decimal("1.00")),
                date=day,
                time=time(rng.choice([8, 12, 13, 18, 19, 20]), rng.choice([0, 15, 30, 45]))
                if rng.random() < 0.7
                else None,
                cleared_date=day + timedelta(days=rng.randint(0, 3)) if rng.random() < 0.6 else None,
                restaurant=restaurant,
                category=category,
                meal_type=meal,
                order_type=rng.choice(ORDER_TYPES),
                party_size=party,
                notes=rng.choice(["", "", "", "Great service", "Expensed to project", "Split the bill"]),
            )
        )
        tag_names.append(rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2])))
        if i % 40 == 39:  # an occasional refund
            expenses.append(
                Expense(
                    user=user,
                    kind=Expense.Kind.REFUND,
                    amount=Decimal("5.00"),
                    date=day + timedelta(days=2),
                    restaurant=restaurant,
                    category=category,
                    notes="Refund for a missing item",
                )
            )
            tag_names.append([])
    for expense in expenses:
        expense.full_clean(exclude=["user", "restaurant", "category"])
    # Bulk insert with history rows, so the demo loads in a moment and still has an audit trail.
    created = bulk_create_with_history(expenses, Expense, batch_size=500)
    if any(e.pk is None for e in created):  # backends without RETURNING: read the ids back
        created = list(Expense.objects.filter(user=user).order_by("id"))
    ExpenseTag.objects.bulk_create(
        [
            ExpenseTag(expense=expense, tag=tags[name], position=position)
            for expense, names in zip(created, tag_names, strict=True)
            for position, name in enumerate(names)
        ]
    )
