from datetime import date
from decimal import Decimal

import factory

from expenses.models import Category, Expense, Restaurant, Tag


class RestaurantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Restaurant

    name = factory.Sequence(lambda n: f"Diner {n}")
    city = "Austin"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class ExpenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expense

    amount = Decimal("10.00")
    date = date(2025, 3, 1)
    restaurant = factory.LazyAttribute(lambda o: RestaurantFactory(user=o.user))
