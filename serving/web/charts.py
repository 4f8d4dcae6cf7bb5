"""Inline SVG charts for the pages, with no script: a line chart, a bar chart and a forecast
chart (history, forecast mean and its prediction interval as a shaded band).

Each chart is a ``<figure class="chart">`` holding an ``<svg role="img">`` named by its
``<title>`` and ``<desc>``, and a ``<details>`` with the same numbers as a table, for
readers who cannot see the picture. Texts (titles, column headings) come translated from
the caller; values arrive already formatted for the table (``Point.shown``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 12, 30
FONT = 13
INK, GRID, LINE, FORECAST, BAND = "#1f2933", "#d9dee3", "#0b5cad", "#8a4b00", "#f6d7a7"


@dataclass(frozen=True)
class Point:
    """One x label with its value (``shown``: the value as the table shows it)."""

    label: str
    value: float
    shown: str = ""


@dataclass(frozen=True)
class BandPoint:
    """A forecast day: the mean and the interval around it (None: no interval)."""

    label: str
    mean: float
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Texts:
    """What a chart says: its title and description, the table's summary and headings."""

    title: str
    desc: str
    table: str
    x: str
    y: str
    empty: str = "—"


def _num(value: float) -> str:
    """An axis value, short enough for the left margin: 52.5, 7500, 75k, 1.2M."""
    if value != value:  # NaN
        return "0"
    for size, suffix in ((1_000_000, "M"), (10_000, "k")):
        if abs(value) >= size:
            scaled = value / (size if suffix == "M" else 1_000)
            return f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _scale(top: float) -> float:
    """A round upper bound for the y axis (at least 1)."""
    if top <= 0:
        return 1.0
    step = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // step) + 1) * step)


def _axes(top: float, labels: Sequence[str]) -> list[str]:
    """Horizontal grid lines with their values, and a few x labels."""
    parts: list[str] = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')  # fmt: skip
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT}" '
                     f'fill="{INK}">{_num(value)}</text>')  # fmt: skip
    if labels:
        picks = sorted({0, len(labels) - 1, len(labels) // 2})
        for i in picks:
            x = _x(i, len(labels))
            anchor = "start" if i == 0 else "end" if i == len(labels) - 1 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
                         f'font-size="{FONT}" fill="{INK}">{escape(labels[i])}</text>')  # fmt: skip
    return parts


def _x(i: int, n: int) -> float:
    plot_w = WIDTH - LEFT - RIGHT
    return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * max(value, 0.0) / top


def _svg(chart_id: str, texts: Texts, body: Sequence[str]) -> str:
    return (
        f'<svg role="img" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(texts.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(texts.desc)}</desc>' + "".join(body) + "</svg>"
    )


def _empty(chart_id: str, texts: Texts) -> Markup:
    body = [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="14" '
            f'fill="{INK}">{escape(texts.empty)}</text>']  # fmt: skip
    return Markup(f'<figure class="chart">{_svg(chart_id, texts, body)}</figure>')


def _table(texts: Texts, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    num = ' class="num"'
    head = "".join(
        f'<th scope="col"{num if i else ""}>{escape(h)}</th>' for i, h in enumerate(headings)
    )
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(r[0])}</th>'
        + "".join(f'<td class="num">{escape(c)}</td>' for c in r[1:]) + "</tr>"
        for r in rows
    )  # fmt: skip
    return (
        f"<details><summary>{escape(texts.table)}</summary>"
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></details>"
    )


def _figure(chart_id: str, texts: Texts, body: Sequence[str], table: str) -> Markup:
    return Markup(f'<figure class="chart">{_svg(chart_id, texts, body)}{table}</figure>')


def line_chart(chart_id: str, points: Sequence[Point], texts: Texts) -> Markup:
    """A line over ``points`` (in order), with a dot per point."""
    if not points:
        return _empty(chart_id, texts)
    top = _scale(max(p.value for p in points))
    n = len(points)
    coords = [(_x(i, n), _y(p.value, top)) for i, p in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    body = _axes(top, [p.label for p in points])
    body.append(f'<polyline class="series" points="{path}" fill="none" stroke="{LINE}" '
                f'stroke-width="2"/>')  # fmt: skip
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{LINE}"/>' for x, y in coords]
    rows = [(p.label, p.shown or _num(p.value)) for p in points]
    return _figure(chart_id, texts, body, _table(texts, (texts.x, texts.y), rows))


def bar_chart(chart_id: str, points: Sequence[Point], texts: Texts) -> Markup:
    """Vertical bars, one per point, with the label under the first, middle and last."""
    if not points:
        return _empty(chart_id, texts)
    top = _scale(max(p.value for p in points))
    n = len(points)
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / n
    bar = max(slot * 0.7, 1.0)
    body = _axes(top, [])
    for i, p in enumerate(points):
        x = LEFT + slot * i + (slot - bar) / 2
        y = _y(p.value, top)
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                    f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{LINE}"/>')  # fmt: skip
    for i in sorted({0, n // 2, n - 1}):
        x = LEFT + slot * i + slot / 2
        anchor = "middle" if n < 6 else "start" if i == 0 else "end" if i == n - 1 else "middle"
        label = points[i].label if len(points[i].label) <= 14 else points[i].label[:13] + "…"
        body.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="{FONT}" '
                    f'fill="{INK}">{escape(label)}</text>')  # fmt: skip
    rows = [(p.label, p.shown or _num(p.value)) for p in points]
    return _figure(chart_id, texts, body, _table(texts, (texts.x, texts.y), rows))


def band_chart(
    chart_id: str, history: Sequence[Point], forecast: Sequence[BandPoint], texts: Texts,
    *, headings: Sequence[str],
) -> Markup:  # fmt: skip
    """History as a solid line, then the forecast mean dashed inside its interval (a shaded
    band from lower to upper). ``headings``: the table's (day, actual, mean, lower, upper)."""
    if not history and not forecast:
        return _empty(chart_id, texts)
    values = [p.value for p in history] + [f.mean for f in forecast]
    values += [f.upper for f in forecast if f.upper is not None]
    top = _scale(max(values))
    labels = [p.label for p in history] + [f.label for f in forecast]
    n = len(labels)
    body = _axes(top, labels)
    banded = [(i, f) for i, f in enumerate(forecast, start=len(history))
              if f.lower is not None and f.upper is not None]  # fmt: skip
    if banded:
        upper = [f"{_x(i, n):.1f},{_y(float(f.upper or 0), top):.1f}" for i, f in banded]
        lower = [f"{_x(i, n):.1f},{_y(float(f.lower or 0), top):.1f}" for i, f in banded]
        body.append(f'<polygon class="band" points="{" ".join(upper + lower[::-1])}" '
                    f'fill="{BAND}" stroke="none"/>')  # fmt: skip
    if history:
        path = " ".join(f"{_x(i, n):.1f},{_y(p.value, top):.1f}" for i, p in enumerate(history))
        body.append(f'<polyline class="history" points="{path}" fill="none" stroke="{LINE}" '
                    f'stroke-width="2"/>')  # fmt: skip
    if forecast:
        start = len(history)
        path = " ".join(f"{_x(i, n):.1f},{_y(f.mean, top):.1f}"
                        for i, f in enumerate(forecast, start=start))  # fmt: skip
        body.append(f'<polyline class="mean" points="{path}" fill="none" stroke="{FORECAST}" '
                    f'stroke-width="2" stroke-dasharray="6 4"/>')  # fmt: skip
    rows = [(p.label, p.shown or _num(p.value), "", "", "") for p in history]
    rows += [(f.label, "", _num(f.mean), _opt(f.lower), _opt(f.upper)) for f in forecast]
    return _figure(chart_id, texts, body, _table(texts, headings, rows))


def _opt(value: float | None) -> str:
    return "—" if value is None else _num(value)
