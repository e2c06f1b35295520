"""Demo data for the platform: one user per role. Apps add theirs in <app>/demo.py."""

from django.conf import settings
from django.contrib.auth import get_user_model

from .roles import ADMINISTRATOR, COORDINATOR, STAFF, VIEWER, sync_roles, user_set_role

DEMO_USERS = [
    # username, role, superuser, first name, last name
    ("admin", ADMINISTRATOR, True, "Ada", "Admin"),
    ("coordinator", COORDINATOR, False, "Cora", "Coordinator"),
    ("staff", STAFF, False, "Sam", "Staff"),
    ("viewer", VIEWER, False, "Vic", "Viewer"),
]


def load(*, stdout) -> None:
    sync_roles()
    User = get_user_model()
    for username, role, superuser, first, last in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
            stdout.write(f"  created demo user {username} ({role})")
        user_set_role(user=user, role=role)
