"""Integration credentials: stored encrypted in the database (admin), else the environment."""

import os

from .models import IntegrationCredential


def credential_get(*, system: str, key: str, default: str = "") -> str:
    """The secret for (system, key): the admin-managed value wins over `<SYSTEM>_<KEY>` env."""
    row = IntegrationCredential.objects.filter(system=system, key=key).only("value").first()
    if row is not None and row.value:
        return row.value
    return os.environ.get(f"{system}_{key}".upper(), default)


def credential_set(*, system: str, key: str, value: str, user=None) -> IntegrationCredential:
    row, _ = IntegrationCredential.objects.update_or_create(
        system=system, key=key, defaults={"value": value, "updated_by": user}
    )
    return row
