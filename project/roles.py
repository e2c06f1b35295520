"""Roles are Django groups. This module is the single source of their permissions;
docs/permissions.md documents the same matrix and tests keep the two in sync."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ADMINISTRATOR, COORDINATOR, STAFF, VIEWER = "Administrator", "Coordinator", "Staff", "Viewer"
ROLES = (ADMINISTRATOR, COORDINATOR, STAFF, VIEWER)
# Roles that may use the Django admin (is_staff).
ADMIN_ROLES = {ADMINISTRATOR, COORDINATOR}

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)

# Per role: app label -> actions on every model of that app. Expenses are private to their
# owner and reached only through owner-scoped pages and API, so no role gets them here.
# Admin-only platform models: tokens, credentials, axes lockouts and beat schedules.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ADMINISTRATOR: {
        "auth": ALL,
        "project": ALL,
        "axes": ALL,
        "otp_totp": ALL,
        "otp_static": ALL,
        "django_celery_beat": ALL,
        "volunteers": ALL,
        "scheduling": ALL,
        "oncall": ALL,
        "partners": ALL,
    },
    COORDINATOR: {
        "partners": VIEW,
        "volunteers": ALL,
        "scheduling": ALL,
        "oncall": ALL,
        "django_celery_beat": ("view", "change"),
    },
    STAFF: {
        "volunteers": VIEW,
        "scheduling": VIEW,
        "oncall": VIEW,
    },
    VIEWER: {
        "volunteers": VIEW,
        "oncall": VIEW,
    },
}
# Models (`app.model`) or single permissions (`app.codename`) a role does not get although their
# app is granted (nor their history): Viewers read
# neither the SMS log (phone numbers, message texts) nor Salesforce sync runs, like the pages
# that show them, which are for Staff and up.
ROLE_WITHHELD: dict[str, set[str]] = {
    VIEWER: {
        "oncall.smsmessage",
        "volunteers.syncrun",
        # the teacher programme's raw rows, teachers' messages and sign-in links
        "volunteers.pathfulimport",
        "volunteers.pathfulsession",
        "volunteers.pathfulunmatched",
        "volunteers.teacherissue",
        "volunteers.magiclink",
        # one permission rather than a model: the pages and endpoints that show people
        "volunteers.view_contact_details",
        # ... and every district's figures: a Viewer sees the districts assigned to them
        "volunteers.view_all_districts",
    }
}


def _permissions_for(role: str, permission_model=Permission):
    grants = ROLE_PERMISSIONS[role]
    withheld = ROLE_WITHHELD.get(role, set())
    perms = permission_model.objects.filter(content_type__app_label__in=grants).select_related("content_type")
    chosen = []
    for perm in perms:
        action, _, model = perm.codename.partition("_")
        ct = perm.content_type
        # History rows are an audit trail: viewable, never editable by hand.
        if model.startswith("historical") and action != "view":
            continue
        if f"{ct.app_label}.{model.removeprefix('historical')}" in withheld:
            continue
        if f"{ct.app_label}.{perm.codename}" in withheld:
            continue
        if action in grants[ct.app_label]:
            chosen.append(perm)
    return chosen


def sync_roles(group_model=Group, permission_model=Permission) -> None:
    """Create the role groups and set exactly the permissions of ROLE_PERMISSIONS."""
    with transaction.atomic():
        for role in ROLES:
            group, _ = group_model.objects.get_or_create(name=role)
            group.permissions.set(_permissions_for(role, permission_model))


def sync_roles_after_migrate(sender, **kwargs):
    if kwargs.get("using", "default") == "default":
        sync_roles()


def user_set_role(*, user, role: str) -> None:
    """Give `user` exactly one role; admin access (is_staff) follows the role."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        user.groups.set([Group.objects.get(name=role)])
        user.is_staff = role in ADMIN_ROLES or user.is_superuser
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_crewbase_roles", None)


def user_roles(user) -> set[str]:
    """The user's roles, read once per user object (a request's user asks several times); like
    Django's permission cache, a group change shows on the next request's user."""
    if not user.is_authenticated:
        return set()
    if "_crewbase_roles" not in user.__dict__:
        names = {g.name for g in user.groups.all() if g.name in ROLES}
        user.__dict__["_crewbase_roles"] = frozenset(names | ({ADMINISTRATOR} if user.is_superuser else set()))
    return set(user.__dict__["_crewbase_roles"])


def user_has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))
