"""Report charts as SVG, drawn on the server (for the PDFs and e-mails, where no JavaScript runs).

A chart is the dict a `Report` carries (`{"id", "type", "title", "labels", "values"}`, the same
that the report page hands to Chart.js). `bar` draws horizontal bars (long names stay readable),
`line` a polyline with its points, `doughnut` a ring of arcs with a legend. Every mark carries
its label and value (`data-label`, `data-value`, and a visible figure), so what the page shows
is what the PDF prints."""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")
WIDTH = 480
FONT = 'font-family="sans-serif" font-size="9"'


def _figure(value) -> str:
    """A value as the chart prints it: whole numbers without decimals, others with up to two."""
    number = float(value) if isinstance(value, Decimal | int | float) else 0.0
    return f"{number:.0f}" if number == int(number) else f"{number:.2f}".rstrip("0").rstrip(".")


def _numbers(values) -> list[float]:
    return [float(v) if isinstance(v, Decimal | int | float) else 0.0 for v in values]


def _svg(height: int, body: list[str], *, chart: dict) -> SafeString:
    title = escape(chart.get("title", ""))
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{escape(chart.get("type", ""))}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
    )
    # Built from escaped labels and titles and formatted numbers only.
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - labels escaped above # nosec B308 B703


def bar_svg(chart: dict) -> SafeString:
    labels, values = list(chart.get("labels", [])), _numbers(chart.get("values", []))
    top, row, label_width = 8, 18, 170
    height = top * 2 + row * max(len(values), 1)
    scale = (WIDTH - label_width - 50) / max(max(values, default=0), 1e-9)
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = top + i * row
        text = escape(str(label))
        body.append(
            f'<g class="mark" data-label="{text}" data-value="{_figure(value)}">'
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end" {FONT}>{text[:40]}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{max(value * scale, 0):.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + max(value * scale, 0) + 4:.1f}" y="{y + 12}" {FONT}>{_figure(value)}</text>'
            "</g>"
        )
    if not values:
        body.append(f'<text x="{WIDTH / 2}" y="{top + 12}" text-anchor="middle" {FONT}>No data</text>')
    return _svg(height, body, chart=chart)


def line_svg(chart: dict) -> SafeString:
    labels, values = list(chart.get("labels", [])), _numbers(chart.get("values", []))
    height, left, bottom, top = 180, 36, 30, 12
    plot_w, plot_h = WIDTH - left - 12, height - top - bottom
    peak = max(max(values, default=0), 1e-9)
    step = plot_w / max(len(values) - 1, 1)
    points = [(left + i * step, top + plot_h - v / peak * plot_h) for i, v in enumerate(values)]
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 12}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" {FONT}>{_figure(peak if values else 0)}</text>',
    ]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for (x, y), label, value in zip(points, labels, values, strict=False):
        text = escape(str(label))
        body.append(
            f'<g class="mark" data-label="{text}" data-value="{_figure(value)}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[0]}"/>'
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" {FONT}>{_figure(value)}</text>'
            f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" {FONT}>{text[:12]}</text>'
            "</g>"
        )
    if not values:
        body.append(f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle" {FONT}>No data</text>')
    return _svg(height, body, chart=chart)


def doughnut_svg(chart: dict) -> SafeString:
    labels, values = list(chart.get("labels", [])), _numbers(chart.get("values", []))
    total = sum(v for v in values if v > 0)
    height, cx, cy, outer, inner = 150, 75, 75, 65, 38
    body = []
    angle = -math.pi / 2
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        text, colour = escape(str(label)), PALETTE[i % len(PALETTE)]
        share = value / total if total and value > 0 else 0.0
        mark = f'<g class="mark" data-label="{text}" data-value="{_figure(value)}">'
        if share >= 0.9999:  # one slice: a full ring (an arc cannot start and end at one point)
            mark += (
                f'<circle cx="{cx}" cy="{cy}" r="{(outer + inner) / 2}" fill="none" stroke="{colour}" '
                f'stroke-width="{outer - inner}"/>'
            )
        elif share > 0:
            end = angle + share * 2 * math.pi
            large = 1 if share > 0.5 else 0
            p = [
                (cx + outer * math.cos(angle), cy + outer * math.sin(angle)),
                (cx + outer * math.cos(end), cy + outer * math.sin(end)),
                (cx + inner * math.cos(end), cy + inner * math.sin(end)),
                (cx + inner * math.cos(angle), cy + inner * math.sin(angle)),
            ]
            mark += (
                f'<path d="M{p[0][0]:.1f},{p[0][1]:.1f} A{outer},{outer} 0 {large} 1 {p[1][0]:.1f},{p[1][1]:.1f} '
                f'L{p[2][0]:.1f},{p[2][1]:.1f} A{inner},{inner} 0 {large} 0 {p[3][0]:.1f},{p[3][1]:.1f} Z" '
                f'fill="{colour}"/>'
            )
            angle = end
        y = 20 + i * 16
        mark += (
            f'<rect x="170" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="186" y="{y}" {FONT}>{text[:40]}: {_figure(value)}</text></g>'
        )
        body.append(mark)
    if not total:
        body.append(f'<text x="{cx}" y="{cy + 3}" text-anchor="middle" {FONT}>No data</text>')
    return _svg(max(height, 28 + 16 * len(values)), body, chart=chart)


RENDERERS = {"bar": bar_svg, "line": line_svg, "doughnut": doughnut_svg, "pie": doughnut_svg}


def chart_svg(chart: dict) -> SafeString:
    """One report chart as inline SVG (an unknown type is drawn as bars)."""
    return RENDERERS.get(chart.get("type", "bar"), bar_svg)(chart)
