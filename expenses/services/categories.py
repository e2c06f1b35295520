"""Categories (the seven defaults on first use) and tags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from .. import importing
from ..models import Category, Tag
from .ownership import block_if_used, clean_name_unique

DEFAULT_CATEGORIES = [
    ("Restaurants", "#2f6fed"),
    ("Groceries", "#2e9e5b"),
    ("Drinks", "#8e44ad"),
    ("Fast Food", "#e67e22"),
    ("Entertainment", "#c0392b"),
    ("Snacks & Vending", "#d4ac0d"),
    ("Other", "#6c757d"),
]


def category_defaults_ensure(*, user) -> None:
    """The seven default categories, created the first time the user needs categories."""
    if Category.objects.filter(user=user).exists():
        return
    with transaction.atomic():
        for name, color in DEFAULT_CATEGORIES:
            Category.objects.get_or_create(user=user, name=name, defaults={"color": color, "is_default": True})


@transaction.atomic
def category_create(*, user, name: str, color: str = "#6c757d", description: str = "") -> Category:
    name = name.strip()
    clean_name_unique(Category, user=user, name=name)
    category = Category(user=user, name=name, color=color or "#6c757d", description=description)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_update(*, category: Category, name: str, color: str = "", description: str = "") -> Category:
    name = name.strip()
    clean_name_unique(Category, user=category.user, name=name, instance=category)
    category.name, category.description = name, description
    category.color = color or category.color
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    block_if_used(category, "category")
    category.delete()


# --------------------------------------------------------------------------- tags
def tags_resolve(*, user, names: list[str]) -> list[Tag]:
    """Normalised tag names -> the user's Tag rows (created when new), in the given order."""
    wanted = importing.parse_tags(names)
    if not wanted:
        return []
    existing = {
        t.name.lower(): t
        for t in Tag.objects.filter(user=user)
        .annotate(lname=Lower("name"))
        .filter(lname__in=[w.lower() for w in wanted])
    }
    tags = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag.objects.create(user=user, name=name)
            existing[name.lower()] = tag
        tags.append(tag)
    return tags


@transaction.atomic
def tag_create(*, user, name: str, color: str = "#6c757d") -> Tag:
    normalized = importing.normalize_tag(name)
    if not normalized:
        raise ValidationError({"name": "A tag needs at least one letter or digit."})
    clean_name_unique(Tag, user=user, name=normalized)
    tag = Tag(user=user, name=normalized, color=color or "#6c757d")
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, name: str, color: str = "") -> Tag:
    normalized = importing.normalize_tag(name)
    if not normalized:
        raise ValidationError({"name": "A tag needs at least one letter or digit."})
    clean_name_unique(Tag, user=tag.user, name=normalized, instance=tag)
    tag.name = normalized
    tag.color = color or tag.color
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    tag.delete()  # removes only the links; expenses stay
