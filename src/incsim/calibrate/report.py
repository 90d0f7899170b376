"""HTML (and Markdown) pages for a calibration, a check and a review: Jinja2 with autoescape,
charts as inline SVG, no script and no external resource."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from incsim.calibrate import charts, fit
from incsim.calibrate.records import Export
from incsim.report import charts as rc
from incsim.report.markdown import md_escape


def environment(markdown: bool = False) -> Environment:
    """The templates' environment: HTML autoescaped; Markdown escaping every value."""
    loader = PackageLoader("incsim.calibrate", "templates")
    if markdown:
        return Environment(
            loader=loader,
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=lambda v: "" if v is None else (v if isinstance(v, Markup) else md_escape(v)),
        )
    return Environment(
        loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


class _Obj(dict):
    """A dict whose keys read as attributes in templates, missing ones as None."""

    def __getattr__(self, key: str):
        value = self.get(key)
        return _wrap(value)


def _wrap(value):
    if isinstance(value, dict) and not isinstance(value, _Obj):
        return _Obj(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def calibration_html(calib: dict, export: Export) -> str:
    """The calibration report as one self-contained HTML page."""
    svgs = {}
    for i, g in enumerate(calib["groups"]):
        d, c = export.durations(calib["by"], g["group"] if calib["by"] else None)
        svgs[f"fit-{i}"] = rc.svg(charts.fit_figure(g, d, c), f"fit-{i}", f"Fits for {g['group']}")
    svgs["hour-of-week"] = rc.svg(
        charts.hour_of_week_figure(calib["arrivals"]["hour_of_week"]),
        "hour-of-week",
        "Share of incidents by hour of the week",
    )
    c = _wrap({**calib, "export_name": Path(calib["export"]).name})
    return (
        environment()
        .get_template("calibration.html.j2")
        .render(c=c, families=fit.FAMILIES, charts={k: Markup(v) for k, v in svgs.items()})
    )


def tidy_md(text: str) -> str:
    """Markdown with runs of blank lines collapsed."""
    return re.sub(r"\n{3,}", "\n\n", text)


def check_html(result: dict, history, simulated) -> str:
    """The check (history vs simulation) as one self-contained HTML page."""
    svg = rc.svg(
        charts.check_figure(history, simulated), "check-ecdf", "Time to resolve: history and simulation"
    )
    return (
        environment()
        .get_template("check.html.j2")
        .render(r=_wrap({**result, "export_name": Path(result["export"]).name}), chart=Markup(svg))
    )


def _fmt(x, unit: str = " min", sign: bool = False) -> Markup:
    """A figure for a table cell: rounded, with its unit; a dash when missing."""
    if x is None:
        return Markup("&ndash;")
    return Markup(f"{x:+.0f}{unit}" if sign else f"{x:.0f}{unit}")


def review_pages(result: dict) -> dict[str, str]:
    """The review as ``review.html`` (self-contained), ``review.md`` and its chart file."""
    fig = charts.review_figure(result["months"])
    inline = rc.svg(fig, "review-mttr", "MTTR per month with the noise band")
    standalone = rc.svg(fig, "review-mttr", "MTTR per month with the noise band", inline=False)
    r = _wrap({**result, "export_name": Path(result["export"]).name})
    from incsim.calibrate.review import PEOPLE_COLUMNS, people_band_note, people_cell

    people = {
        "people_columns": PEOPLE_COLUMNS,
        "people_cell": people_cell,
        "people_note": people_band_note(result),
    }
    html = environment().get_template("review.html.j2").render(r=r, chart=Markup(inline), fmt=_fmt, **people)
    md_env = environment(markdown=True)
    md = md_env.get_template("review.md.j2").render(
        r=r,
        chart=Markup("review_charts/mttr.svg"),
        fmt=lambda *a: Markup(str(_fmt(*a)).replace("&ndash;", "–")),
        **people,
    )
    return {"review.html": html, "review.md": tidy_md(md), "review_charts/mttr.svg": standalone}
