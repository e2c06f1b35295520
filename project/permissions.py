"""Page permissions: one decorator for every server-rendered page, on Django model permissions.

The API checks the same permissions (DjangoModelPermissions and explicit `has_perm` calls), so a
role or a custom group gets one answer on the page and on the endpoint. Roles are groups of
model permissions (project/roles.py); a page never asks for a role by name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def permission_required_page(*perms: str) -> Callable:
    """Anonymous users are sent to the login page; a signed-in user without every one of
    `perms` gets a 403 page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            permission_require(request.user, *perms)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_require(user, *perms: str) -> None:
    """Inside a view, for a second check (e.g. POST needs `change` where GET needed `view`)."""
    if not user.has_perms(perms):
        raise PermissionDenied
