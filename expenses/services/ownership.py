"""Rules every write shares: another user's objects are not found, names are unique per user
case-insensitively as the database compares them, and used rows are not deleted."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower

from ..models import Expense


def require_owned(user, **objects) -> None:
    """Raise a field-named error for any related object that is not the user's."""
    errors = {}
    for field, obj in objects.items():
        if obj is None:
            continue
        items = obj if isinstance(obj, list | tuple) else [obj]
        if any(item.user_id != user.pk for item in items):
            errors[field] = "Not found."
    if errors:
        raise ValidationError(errors)


def clean_name_unique(model, *, user, name: str, instance=None, field="name") -> None:
    # Lowered by the database on both sides, exactly like the unique index (SQLite's lower() only
    # folds ASCII, so Python's str.lower() missed clashes like "Ë" and "Ë", which then hit the index).
    clash = model.objects.filter(user=user).annotate(lname=Lower("name")).filter(lname=Lower(Value(name)))
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({field: f"You already have a {model._meta.verbose_name} named “{name}”."})


def block_if_used(obj, label: str) -> None:
    # Expenses are never deleted with their restaurant or category: the delete is refused
    # and the message says what to do instead (reassign or delete those expenses first).
    alive = obj.expenses.filter(deleted_at__isnull=True).count()
    trashed = Expense.all_objects.filter(**{label: obj}, deleted_at__isnull=False).count()
    if alive or trashed:
        parts = [f"{alive} expense{'s' if alive != 1 else ''}"]
        if trashed:
            parts.append(f"{trashed} in the trash")
        raise ValidationError(
            f"“{obj}” cannot be deleted: it is used by {' and '.join(parts)}. "
            f"Move those expenses to another {label} (or delete them) first."
        )
