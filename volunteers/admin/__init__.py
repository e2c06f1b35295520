"""Admin for coordinators: every model, with search, filters, autocomplete, inlines and actions
that call services; one module per subsystem (importing them registers the ModelAdmins)."""

from ..virtual import admin as virtual
from . import events, imports, people, quality, sync

__all__ = ["events", "imports", "people", "quality", "sync", "virtual"]
