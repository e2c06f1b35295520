"""Expenses: create, update, soft delete and restore, with their ordered tags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Expense, ExpenseTag, Tag
from .categories import tags_resolve
from .ownership import require_owned

EXPENSE_FIELDS = (
    "kind",
    "amount",
    "date",
    "time",
    "cleared_date",
    "meal_type",
    "order_type",
    "party_size",
    "restaurant",
    "category",
    "notes",
    "receipt",
)


def _expense_set_tags(expense: Expense, tags: list[Tag]) -> None:
    ExpenseTag.objects.filter(expense=expense).delete()
    ExpenseTag.objects.bulk_create([ExpenseTag(expense=expense, tag=tag, position=i) for i, tag in enumerate(tags)])


def _coerce_tags(user, tags) -> list[Tag] | None:
    if tags is None:
        return None
    if all(isinstance(t, Tag) for t in tags):
        require_owned(user, tags=list(tags))
        return list(tags)
    return tags_resolve(user=user, names=[str(t) for t in tags])


@transaction.atomic
def expense_create(*, user, tags=None, **fields) -> Expense:
    unknown = set(fields) - set(EXPENSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown expense fields {sorted(unknown)}")
    require_owned(user, restaurant=fields.get("restaurant"), category=fields.get("category"))
    expense = Expense(user=user, **fields)
    expense.full_clean()
    expense.save()
    _expense_set_tags(expense, _coerce_tags(user, tags) or [])
    return expense


@transaction.atomic
def expense_update(*, expense: Expense, user, tags=None, **fields) -> Expense:
    if expense.user_id != user.pk:
        raise ValidationError("Not found.")
    for name, value in fields.items():
        if name not in EXPENSE_FIELDS:
            raise TypeError(f"unknown expense field {name}")
        setattr(expense, name, value)
    require_owned(user, restaurant=expense.restaurant, category=expense.category)
    expense.full_clean()
    expense.save()
    resolved = _coerce_tags(user, tags)
    if resolved is not None:
        _expense_set_tags(expense, resolved)
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense) -> None:
    expense.soft_delete()


@transaction.atomic
def expense_restore(*, expense: Expense) -> None:
    expense.restore()
