"""One table component for the tables pages write in Python: the long lists (directory, events,
expenses), the expense analytics tables and the on-call dashboard's next two weeks.

Their rows are written out in Python: drawn by the template engine, a 25-row page cost about
4 ms (a variable lookup, a filter and an autoescape per cell, a tag per link and badge); written
here it costs a tenth of that, with the same markup and the same escaping. A cell is text
(escaped here) or a SafeString built with format_html (`link`, `badges`, a status badge);
nothing else is trusted.

    table = Table(
        [Column("Name"), Column("Times", numeric=True)],
        [[link(url, name), times] for …],
        empty="No volunteer matches these filters.",
    )
    {{ table }}   in the template: the whole <table>, rows or the empty state
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from project.templatetags import crewbase_format


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False  # right-aligned figures (class="num")


@dataclass
class Table:
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]  # one cell per column: text, a number, or a SafeString
    empty: str | SafeString = "Nothing here yet."  # the message when there is no row (escaped unless safe)

    def __html__(self) -> str:
        opening = ['<td class="num">' if column.numeric else "<td>" for column in self.columns]
        head = "".join(
            ('<th class="num">' if column.numeric else "<th>") + f"{conditional_escape(column.label)}</th>"
            for column in self.columns
        )
        lines = ['<table class="table">', f"  <thead><tr>{head}</tr></thead>", "  <tbody>"]
        for row in self.rows:
            cells = "".join(f"{td}{cell_html(cell)}</td>" for td, cell in zip(opening, row, strict=True))
            lines.append(f"    <tr>{cells}</tr>")
        if not self.rows:
            lines.append(
                f'    <tr><td colspan="{len(self.columns)}"><div class="empty-state">'
                f"<p>{conditional_escape(self.empty)}</p></div></td></tr>"
            )
        lines += ["  </tbody>", "</table>"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return mark_safe(self.__html__())  # noqa: S308 - every cell and label is escaped above # nosec B308 B703


def cell_html(value: object) -> str:
    """A cell's markup: a SafeString as it is, a number as `{{ value }}` shows it (localized),
    anything else as escaped text (None is empty). Plain text is escaped by `html.escape`, which is
    what Django's `escape` calls, without its check for lazy arguments (a third of the cell's cost)."""
    if type(value) is str:
        return html.escape(value)
    if value is None:
        return ""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return localize(value)
    return conditional_escape(value)


@functools.cache
def _choice_labels(model: type, field_name: str) -> dict:
    return dict(model._meta.get_field(field_name).flatchoices)


def choice_label(instance, field_name: str) -> object:
    """`instance.get_<field>_display()`, without rebuilding the field's choices on every call (Django
    does, which for a page of rows cost more than the rest of the cell): the label, or the stored
    value when it has none."""
    value = getattr(instance, field_name)
    return force_str(_choice_labels(type(instance), field_name).get(value, value), strings_only=True)


def link(href: str, text: object) -> SafeString:
    return format_html('<a href="{}">{}</a>', href, text)


def badges(names: Iterable[object]) -> SafeString:
    """Plain badges, each followed by a space (a list of skills or tags)."""
    return mark_safe("".join(f'<span class="badge">{cell_html(name)}</span> ' for name in names))  # noqa: S308 - escaped # nosec B308 B703


def day(value: date | None) -> str:
    """`{{ value|as_day }}`: an aware datetime in the current time zone."""
    return crewbase_format.as_day(template_localtime(value))


def day_and_time(value: date | None) -> str:
    """`{{ value|as_datetime }}`."""
    return crewbase_format.as_datetime(template_localtime(value))


def day_and_time_short(value: date | None) -> str:
    """`{{ value|as_datetime_short }}`."""
    return crewbase_format.as_datetime_short(template_localtime(value))


def time_of_day(value) -> str:
    """`{{ value|as_time }}`."""
    return crewbase_format.as_time(template_localtime(value))
