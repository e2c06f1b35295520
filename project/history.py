"""Change reasons for history rows.

`with change_reason("Demo data"):` labels every history row written inside the block whose code
gave no reason of its own (`obj._change_reason`). A row written outside any block keeps an empty
reason (NULL), which the admin's history page shows blank — never the word "None".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_LENGTH = 100  # django-simple-history's history_change_reason column

_reason: ContextVar[str | None] = ContextVar("crewbase_change_reason", default=None)


@contextmanager
def change_reason(reason: str) -> Iterator[None]:
    token = _reason.set(reason[:MAX_LENGTH] or None)
    try:
        yield
    finally:
        _reason.reset(token)


def fill_change_reason(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record receiver: the block's reason where the code gave none."""
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = _reason.get()


def admin_change_reason(*, model, changed: list[str], adding: bool) -> str:
    """ "Added in the admin" or "Changed in the admin: name, email" (fields by verbose name)."""
    if adding:
        return "Added in the admin"
    names = []
    for name in changed:
        try:
            names.append(str(model._meta.get_field(name).verbose_name))
        except Exception:
            names.append(name)
    reason = "Changed in the admin" + (": " + ", ".join(names) if names else "")
    return reason if len(reason) <= MAX_LENGTH else reason[: MAX_LENGTH - 1] + "…"
