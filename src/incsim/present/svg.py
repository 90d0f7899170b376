"""A deck chart (``slides.Chart``) as inline SVG for the HTML deck: clustered columns or lines,
drawn from the same values the PowerPoint chart holds, every label escaped.

Only presentation attributes are used (no ``style``), so the page's Content-Security-Policy can
forbid inline styles except its own sheet. Colours: a protocol keeps the report's colour
(``report.charts.protocol_colours``); other series take the same palette in order.
"""

from __future__ import annotations

import math
from html import escape

from incsim.present.deck import Chart
from incsim.report.wording import num

W, H = 640.0, 420.0
LEFT, RIGHT, TOP, BOTTOM = 62.0, 12.0, 40.0, 92.0


def _nice_top(hi: float) -> float:
    if hi <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(hi))
    for step in (1, 2, 2.5, 5, 10):
        if step * mag >= hi:
            return step * mag
    return 10 * mag


def _tick(x: float, digits: int) -> str:
    if abs(x) >= 10_000:
        return num(x / 1000) + "k"
    return num(x, digits if abs(x) < 10 else 0)


def _colours(chart: Chart, protocol_colours: dict[str, str]) -> list[str]:
    from incsim.report.charts import PALETTE

    return [protocol_colours.get(s.name, PALETTE[i % len(PALETTE)]) for i, s in enumerate(chart.series)]


def _label(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def chart_svg(chart: Chart, protocol_colours: dict[str, str]) -> str:
    """The chart as an ``<svg>`` element (its data also in ``data-values`` on each mark, for checking)."""
    values = [v for s in chart.series for v in s.values if math.isfinite(v)]
    low, high = min([0.0, *values]), max([0.0, *values])
    lo = -_nice_top(-low) if low < 0 else 0.0
    top = 1.0 if chart.unit == "power" else (_nice_top(high) if high > 0 or lo == 0 else 0.0)
    span = (top - lo) or 1.0
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + plot_h * (top - v) / span

    colours = _colours(chart, protocol_colours)
    out = [
        f'<svg class="chart" viewBox="0 0 {W:.0f} {H:.0f}" role="img" aria-label="{escape(chart.title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<text x="{W / 2:.0f}" y="22" text-anchor="middle" font-size="17" font-weight="600" '
        f'fill="#222">{escape(_label(chart.title, 60))}</text>',
    ]
    for k in range(5):
        v = lo + span * k / 4
        out.append(
            f'<line x1="{LEFT:.0f}" x2="{W - RIGHT:.0f}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6:.0f}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#555">{escape(_tick(v, chart.digits))}</text>'
        )
    out.append(
        f'<text x="14" y="{TOP + plot_h / 2:.0f}" font-size="12" fill="#555" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2:.0f})">{escape(chart.unit)}</text>'
    )
    n_cat, n_ser = len(chart.categories), max(1, len(chart.series))
    slot = plot_w / max(1, n_cat)
    if chart.kind == "line":
        xs = chart.x if chart.x is not None else tuple(float(i) for i in range(n_cat))
        x_lo, x_hi = (min(xs), max(xs)) if xs else (0.0, 1.0)

        def px(x: float) -> float:
            return LEFT + 8 + (plot_w - 16) * ((x - x_lo) / ((x_hi - x_lo) or 1.0))

        for s, colour in zip(chart.series, colours, strict=True):
            pts = [(px(x), y(v)) for x, v in zip(xs, s.values, strict=True) if math.isfinite(v)]
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            out.append(
                f'<polyline class="mark" data-series="{escape(s.name)}" '
                f'data-values="{escape(",".join(repr(v) for v in s.values))}" points="{path}" '
                f'fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        if chart.x is not None:  # ticks at round values of a numeric axis
            step = _nice_top((x_hi - x_lo) / 6) if x_hi > x_lo else 1.0
            ticks = [k * step for k in range(math.ceil(x_lo / step), math.floor(x_hi / step) + 1)]
            labels = [(px(t), num(t)) for t in ticks]
        else:
            every = max(1, math.ceil(n_cat / 12))
            labels = [(px(float(i)), c) for i, c in enumerate(chart.categories) if i % every == 0]
        for at, text in labels:
            out.append(
                f'<text x="{at:.1f}" y="{TOP + plot_h + 18:.0f}" font-size="12" '
                f'text-anchor="middle" fill="#333">{escape(_label(text, 10))}</text>'
            )
    else:
        bar = slot * 0.8 / n_ser
        for j, (s, colour) in enumerate(zip(chart.series, colours, strict=True)):
            for i, v in enumerate(s.values):
                if not math.isfinite(v):
                    continue
                x = LEFT + slot * i + slot * 0.1 + bar * j
                y0, y1 = sorted((y(0.0), y(v)))
                out.append(
                    f'<rect class="mark" data-series="{escape(s.name)}" data-category="'
                    f'{escape(chart.categories[i])}" data-value="{v!r}" x="{x:.1f}" y="{y0:.1f}" '
                    f'width="{bar:.1f}" height="{max(y1 - y0, 0.5):.1f}" fill="{colour}"/>'
                )
                if n_cat * n_ser <= 12:
                    at = y0 - 4 if v >= 0 else y1 + 14
                    out.append(
                        f'<text x="{x + bar / 2:.1f}" y="{at:.1f}" font-size="12" text-anchor="middle" '
                        f'fill="#222">{escape(_tick(v, chart.digits))}</text>'
                    )
        for i, c in enumerate(chart.categories):
            out.append(
                f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{TOP + plot_h + 18:.0f}" font-size="13" '
                f'text-anchor="middle" fill="#333">{escape(_label(c, max(8, int(slot / 8))))}</text>'
            )
    if len(chart.series) > 1:
        x = LEFT
        for s, colour in zip(chart.series, colours, strict=True):
            name = _label(s.name, 24)
            out.append(
                f'<rect x="{x:.0f}" y="{H - 34:.0f}" width="12" height="12" fill="{colour}"/>'
                f'<text x="{x + 17:.0f}" y="{H - 24:.0f}" font-size="13" fill="#222">{escape(name)}</text>'
            )
            x += 30 + 7.5 * len(name)
    out.append("</svg>")
    return "".join(out)
