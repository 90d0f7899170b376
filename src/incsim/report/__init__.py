"""``incsim report``: one self-contained HTML (or Markdown) report from an ``incsim run`` folder.

``build`` gathers the figures as plain data, ``charts`` draws them as SVG, and the Jinja2
templates in ``templates/`` lay them out. HTML is autoescaped; Markdown escapes every value
taken from a scenario or results (``md_escape``), so a ``<script>`` in a scenario name is text.

Markdown charts: the Markdown report refers to its charts as separate SVG files in a folder
next to it (``<stem>_charts/``); ``render_report`` returns them with the text and the command
line writes them. ``build_report(dir, "md")`` gives the text alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from incsim.clock import weekday_time
from incsim.files import atomic_write
from incsim.report import build, changes, charts, wording
from incsim.report.description import STRESS_CITATION
from incsim.report.markdown import md_escape
from incsim.report.results import ReportError

FORMATS = ("html", "md")


@dataclass
class Report:
    """A rendered report: its text and, for Markdown, the chart files to write beside it."""

    text: str
    attachments: dict[str, str] = field(default_factory=dict)  # relative path -> SVG text


def _finalize_md(value: object) -> object:
    if value is None:
        return ""
    return value if isinstance(value, Markup) else md_escape(value)


def _pct(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _md_number(fn):
    """A number formatter for Markdown: its output holds no scenario text, only ``$`` needs escaping
    (GitHub reads ``$...$`` as maths), so it is marked safe rather than fully escaped."""

    def wrapped(*args, **kwargs) -> Markup:
        return Markup(str(fn(*args, **kwargs)).replace("$", "\\$"))

    return wrapped


def _filters(env: Environment, markdown: bool = False) -> Environment:
    numbers = {
        "num": wording.num,
        "money": lambda x: wording.num(x, 0, money=True),
        "money_short": wording.money_short,
        "mean_ci": wording.mean_ci,
        "ci": wording.ci_text,
        "money_ci": wording.money_ci,
        "pct": _pct,
        "clock": weekday_time,
    }
    env.filters.update({k: _md_number(f) for k, f in numbers.items()} if markdown else numbers)
    env.globals.update(
        plural=lambda n, word: f"{n} {word}" if n == 1 else f"{n} {word}s",
        STRESS_CITATION=STRESS_CITATION,
        STATE_LABELS=charts.STATE_LABELS,
        STATISTIC_LABELS=wording.STATISTIC_LABELS,
    )
    return env


def _environment(fmt: str) -> Environment:
    loader = PackageLoader("incsim.report", "templates")
    if fmt == "html":
        env = Environment(
            loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
        )
        return _filters(env)
    env = Environment(
        loader=loader,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize_md,
    )
    return _filters(env, markdown=True)


def chart_svgs(data: build.ReportData, inline: bool) -> dict[str, str]:
    """Every chart of the report as SVG text, by name (charts without data are left out)."""
    protocols = data.results.protocols
    colours = charts.protocol_colours(protocols)
    figs = {
        "ttr-ecdf": (
            charts.ecdf_figure(data.ecdf_all, colours),
            "Time to resolve, cumulative share of incidents per protocol",
        ),
        "ttr-ecdf-by-category": (
            charts.ecdf_grid_figure(data.ecdf_by_category, colours),
            "Time to resolve by incident category",
        ),
        "hours": (
            charts.hours_figure(data.key_numbers, colours),
            "Engineer-hours and non-essential hours per incident with 95% confidence intervals",
        ),
        "cost": (
            charts.cost_figure(data.key_numbers, colours, data.per_year),
            "Cost per incident and per year with 95% confidence intervals",
        ),
    }
    if data.timelines:
        figs["who-was-busy"] = (
            charts.busy_figure(data.timelines, colours),
            "Who was busy during one representative incident, per protocol",
        )
    if data.pilot is not None:
        figs["pilot-power"] = (charts.power_figure(data.pilot), "Chance a pilot detects the gain, by months")
    if data.changes is not None:
        from incsim.sweep.charts import tornado_figure

        for metric, bars in data.changes.tornado.items():
            title = (
                f"How far each assumption alone moves the difference in {metric} (ends of its range; "
                f"the {changes.TORNADO_BARS} widest)"
            )
            figs[f"tornado-{metric}"] = (
                tornado_figure(title, protocols[0], metric, bars, data.changes.at_scenario.get(metric, {})),
                title,
            )
    return {name: charts.svg(fig, name, title, inline=inline) for name, (fig, title) in figs.items()}


def render_report(
    results_dir: Path | str,
    fmt: str = "html",
    charts_dir: str = "report_charts",
    robustness_dir: Path | None = None,
) -> Report:
    """The report on ``results_dir`` as ``fmt`` (html or md); Markdown charts go to ``charts_dir``/.
    A robustness study (``robustness_dir``, or one inside ``results_dir``) adds "What would change the answer"."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown format '{fmt}' (html or md)")
    data = build.gather(results_dir, robustness_dir)
    svgs = chart_svgs(data, inline=fmt == "html")
    protocols = data.results.protocols
    run = data.results.run
    versions = run.get("versions") if isinstance(run.get("versions"), dict) else {}
    context = {
        "d": data,
        "r": data.results,
        "run": run,
        "protocols": protocols,
        "baseline": protocols[0],
        "colours": charts.protocol_colours(protocols),
        "scenario": data.results.scenario,
        "version": versions.get("incsim", ""),
    }
    if fmt == "html":
        text = (
            _environment("html")
            .get_template("report.html.j2")
            .render(charts={k: Markup(v) for k, v in svgs.items()}, **context)
        )
        return Report(text)
    files = {f"{charts_dir}/{name}.svg": body for name, body in svgs.items()}
    images = {name: Markup(f"{charts_dir}/{name}.svg") for name in svgs}
    text = _environment("md").get_template("report.md.j2").render(charts=images, **context)
    return Report(re.sub(r"\n{3,}", "\n\n", text), files)


def build_report(results_dir: Path | str, fmt: str = "html", robustness_dir: Path | None = None) -> str:
    """The report on an ``incsim run`` results folder as text (html or md)."""
    return render_report(results_dir, fmt, robustness_dir=robustness_dir).text


def output_path(results_dir: Path, out: Path | None, fmt: str) -> Path:
    """Where the report goes: ``out`` or ``results_dir/report.<fmt>``."""
    return out if out is not None else results_dir / f"report.{fmt}"


def write_report(
    results_dir: Path, out: Path | None = None, fmt: str | None = None, robustness_dir: Path | None = None
) -> Path:
    """Render the report on ``results_dir`` and write it (with its chart files, for Markdown) atomically."""
    if fmt is None:
        fmt = "md" if out is not None and out.suffix.lower() in (".md", ".markdown") else "html"
    if fmt not in FORMATS:
        raise ReportError(f"unknown format '{fmt}' (html or md)")
    path = output_path(results_dir, out, fmt)
    report = render_report(
        results_dir, fmt, charts_dir=f"{path.stem}_charts", robustness_dir=robustness_dir
    )  # bad results fail first
    if path.is_dir():
        raise ReportError(f"{path}: is a folder; give a file name with -o")
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: no such folder for the report")
    try:
        for rel, body in report.attachments.items():
            atomic_write(path.parent / rel, body, make_parents=True)
        atomic_write(path, report.text)
    except OSError as exc:
        raise ReportError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


__all__ = ["FORMATS", "Report", "ReportError", "build_report", "md_escape", "render_report", "write_report"]
