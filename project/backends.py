"""Authentication backend: Django's ModelBackend with the permissions of each set of groups kept
in memory, because every page and API call checks permissions and Crewbase grants them through
role groups (project/roles.py) that change only on `migrate` or when an Administrator edits a
group.

What stays live on every request: the user (active, superuser), their groups — so giving or
taking a role applies at once — and whether they hold any permission directly (then those are
read as Django reads them). What is kept: the permission names of a set of groups, per process,
for GROUP_PERMISSIONS_TTL seconds; a change to any group's permissions (or to groups or
permissions themselves) empties this process's copy at once, and another process's copy within
the TTL."""

from __future__ import annotations

import threading
import time

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .roles import user_groups, user_has_direct_permissions

GROUP_PERMISSIONS_TTL = 30.0
ALL = "*"  # the key of "every permission" (superusers)

_lock = threading.Lock()
_kept: dict[tuple, tuple[float, frozenset[str]]] = {}


def _permission_names(permissions) -> frozenset[str]:
    return frozenset(f"{app}.{codename}" for app, codename in
                     permissions.values_list("content_type__app_label", "codename").order_by())


def group_permissions(key: tuple) -> frozenset[str]:
    """The permission names of the groups in `key` (sorted ids), or of every permission (ALL)."""
    now = time.monotonic()
    with _lock:
        kept = _kept.get(key)
    if kept and now - kept[0] < GROUP_PERMISSIONS_TTL:
        return kept[1]
    names = _permission_names(Permission.objects.all() if key == (ALL,) else
                              Permission.objects.filter(group__in=key).distinct())
    with _lock:
        _kept[key] = (now, names)
    return names


def clear() -> None:
    with _lock:
        _kept.clear()


def forget_group_permissions(**kwargs) -> None:
    """Now, and again when the change commits (a request in between may have read the old rows)."""
    clear()
    transaction.on_commit(clear)


m2m_changed.connect(forget_group_permissions, sender=Group.permissions.through,
                    dispatch_uid="crewbase_forget_group_permissions")
for _model in (Group, Permission):
    for _signal in (post_save, post_delete):
        _signal.connect(forget_group_permissions, sender=_model,
                        dispatch_uid=f"crewbase_forget_group_permissions_{_signal}_{_model.__name__}")


class RoleModelBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):
            if user_obj.is_superuser:
                perms = set(group_permissions((ALL,)))
            elif from_name == "group":
                perms = set(group_permissions(tuple(pk for pk, _ in user_groups(user_obj))))
            elif user_has_direct_permissions(user_obj):  # rare: read as Django does
                return super()._get_permissions(user_obj, obj, from_name)
            else:
                perms = set()
            setattr(user_obj, cache_name, perms)
        return getattr(user_obj, cache_name)
