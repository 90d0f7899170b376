"""``incsim calibrate``: fit an incident export (or, with ``--check``, test a scenario against it)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import app, fail


class GroupBy(str, Enum):
    service = "service"
    team = "team"
    severity = "severity"
    category = "category"


class ExportFormat(str, Enum):
    pagerduty = "pagerduty"
    incidentio = "incidentio"
    statuspage = "statuspage"
    gcloud = "gcloud"
    aws_shd = "aws-shd"
    rootly = "rootly"
    firehydrant = "firehydrant"
    csv = "csv"


@app.command("calibrate")
def calibrate(
    export: Annotated[Path, typer.Argument(help="Incident export (JSON, JSON Lines or CSV).", metavar="EXPORT",
                                           show_default=False)],
    fmt: Annotated[ExportFormat | None, typer.Option("--format", help="Export format (default: detected).")] = None,
    by: Annotated[GroupBy | None, typer.Option("--by", help="Fit each group separately.")] = None,
    base: Annotated[Path | None, typer.Option("--base", metavar="SCENARIO",
                                              help="Write a scenario: this one with the fitted parameters.")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Folder for calibration.json, report.html "
                                                                 "(and scenario.yaml with --base).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the fits as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first malformed record.")] = False,
    mapping: Annotated[Path | None, typer.Option("--mapping", metavar="COLS.YAML",
                                                 help="Column mapping for a CSV export.")] = None,
    responses: Annotated[Path | None, typer.Option("--responses", metavar="FILE",
                                                   help="PagerDuty responses JSON for the same incidents.")] = None,
    check: Annotated[Path | None, typer.Option("--check", metavar="SCENARIO",
                                               help="Run SCENARIO and compare its times to resolve with EXPORT.")] = None,
    replications: Annotated[int, typer.Option("-n", "--replications", min=1, help="Replications for --check.")] = 10,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed for --check.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty output folder.")] = False,
) -> None:
    """Fit durations, arrivals and response delays from a real incident export."""
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError
    from incsim.output import OutputError

    try:
        data = read_export(export, fmt.value if fmt else None, strict=strict, mapping=mapping, responses=responses)
        if check is not None:
            _check(check, data, replications, seed, out, as_json, force)
            return
        _calibrate(data, by.value if by else None, base, out, as_json, force)
    except (ExportError, OutputError) as exc:
        fail([exc])
    except KeyboardInterrupt:
        fail(["interrupted: nothing was written"], code=130)


def _calibrate(data, by, base, out, as_json, force) -> None:
    from incsim import render
    from incsim.calibrate.calibration import calibrate as fit_export
    from incsim.calibrate.calibration import calibrated_scenario
    from incsim.calibrate.folder import dumps, write_folder
    from incsim.calibrate.records import ExportError
    from incsim.scenario.loader import ScenarioError, read_scenario_text

    calib = fit_export(data, by)
    files: dict[str, str] = {}
    if base is not None:
        try:
            files["scenario.yaml"] = calibrated_scenario(read_scenario_text(base), base.name, calib)
        except ScenarioError as exc:
            raise ExportError(str(exc.problems[0])) from None
    if out is not None:
        from incsim.calibrate.report import calibration_html
        files = {"calibration.json": dumps(calib), "report.html": calibration_html(calib, data), **files}
        write_folder(out, files, force, ["incsim", *sys.argv[1:]])
    elif base is not None:
        raise ExportError("--base writes a scenario: give -o DIR for it")
    if as_json:
        text = dumps({k: v for k, v in calib.items()})
        typer.echo(text, nl=False)
        return
    from rich.table import Table
    con = render.console()
    for w in calib["warnings"]:
        con.print(f"warning: {w}", highlight=False)
    table = Table(title=f"{Path(calib['export']).name}: {calib['n']} incidents ({calib['format']})")
    for col in ("group", "n", "open", "best fit", "median", "mean", "log-sd", "KS"):
        table.add_column(col, justify="left" if col in ("group", "best fit") else "right")
    for g in calib["groups"]:
        table.add_row(g["group"], str(g["n"]), str(g["censored"]), g["best_family"], f"{g['median_min']:.0f} min",
                      f"{g['mean_min']:.0f} min", f"{g['log_sd']:.2f}", f"{g['gof']['statistic']:.3f}")
    con.print(table)
    con.print(f"read as {calib['format']}: {calib['detected']}", highlight=False)
    a = calib["arrivals"]
    con.print(f"arrivals: {a['per_week']:.2f}/week, weekday share {a['weekday_share']:.0%}, weekly counts "
              f"{'over-dispersed' if a['weekly_counts']['overdispersed'] else 'Poisson-like'}", highlight=False)
    if "updates" in calib:
        con.print(f"status updates: median gap {calib['updates']['gap_median_min']:.0f} min", highlight=False)
    dropped = ", ".join(f"{k}: {v}" for k, v in calib["dropped"].items()) or "nothing"
    con.print(f"dropped: {dropped}", highlight=False)
    if out is not None:
        con.print(f"written to {out}", highlight=False)


def _check(scenario_path, data, replications, seed, out, as_json, force) -> None:
    from incsim import api, render
    from incsim.calibrate.check import check as run_check
    from incsim.calibrate.folder import dumps, write_folder
    from incsim.scenario.loader import ScenarioError

    try:
        loaded = api.load(scenario_path)
    except ScenarioError as exc:
        fail(exc.problems)
    result, history, simulated = run_check(loaded.scenario, data, replications=replications, seed=seed)
    if out is not None:
        from incsim.calibrate.report import check_html
        write_folder(out, {"check.json": dumps(result), "check.html": check_html(result, history, simulated)},
                     force, ["incsim", *sys.argv[1:]])
    if as_json:
        typer.echo(dumps(result), nl=False)
        return
    from rich.table import Table
    qs = list(result["history"]["quantiles_min"])
    table = Table(title=f"{result['scenario']} vs {Path(result['export']).name}: time to resolve (min)")
    table.add_column("")
    table.add_column("n", justify="right")
    for q in qs:
        table.add_column(f"p{round(float(q) * 100)}", justify="right")
    table.add_column("KS distance", justify="right")
    h = result["history"]
    table.add_row("history", str(h["n"]), *(f"{h['quantiles_min'][q]:.0f}" for q in qs), "")
    for p, r in result["protocols"].items():
        table.add_row(p, str(r["n"]), *(f"{r['quantiles_min'].get(q, float('nan')):.0f}" for q in qs),
                      "" if r["ks_distance"] is None else f"{r['ks_distance']:.3f}")
    con = render.console()
    con.print(table)
    ratios = [r["median_ratio"] for r in result["protocols"].values() if r.get("median_ratio")]
    if ratios:
        mean_ratio = sum(ratios) / len(ratios)
        if abs(mean_ratio - 1) > 0.1:  # coordination adds to the work: say how far off the middle is
            change = "shorten" if mean_ratio > 1 else "lengthen"
            con.print(f"simulated medians are {mean_ratio:.2f}x the history's: {change} the diagnosis "
                      f"medians and check again", highlight=False)
