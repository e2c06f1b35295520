"""The home page's "day at a glance": panels contributed by the apps, found by configuration.

`settings.HOME_PANELS` lists dotted paths to functions `panel(request) -> HomePanel | None`
(one `home.py` per app); `project/` never imports an app, it loads each with `import_string`.
A panel returns None when the user may not see what it shows (the same model permissions as the
page it links to), so each role sees only its panels. Each panel runs a constant number of
queries, whatever the data, one where it can: the page is the first every user opens, and each
query costs more in building and compiling than in running (tests/project/test_home.py counts them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class HomePanel:
    """One panel: a title, the template that draws it, its context and a link to the full page."""

    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    url: str = ""
    link_label: str = ""


@cache
def _panel_functions(paths: tuple[str, ...]) -> list[Callable]:
    return [import_string(path) for path in paths]


def home_panels(request) -> list[HomePanel]:
    """The panels this user may see, in the configured order."""
    panels = []
    for build in _panel_functions(tuple(settings.HOME_PANELS)):
        built = build(request)
        if built is not None:
            panels.append(built)
    return panels
