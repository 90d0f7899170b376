"""``incsim pilot``: how monthly MTTR, median and geometric mean will look during a pilot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from incsim.cli.common import MAX_SEED, app
from incsim.pilot_defaults import DEFAULT_THRESHOLD, DEFAULT_TRIALS, STATISTICS, PilotError

if TYPE_CHECKING:
    from rich.table import Table

_LABELS = {"mttr": "MTTR (mean)", "median": "median", "geomean": "geometric mean"}


def _pct(p: float) -> str:
    return f"{p * 100:.1f}%"


def _months(fig: dict, cap: int, per_month: float | None, cap_n: int | None) -> str:
    if per_month is not None:
        m = fig["months_for_80pct_power"]
        return f"> {cap}" if m is None else str(m)
    n = fig["incidents_per_arm_for_80pct_power"]
    return f"> {cap_n} inc." if n is None else f"{n} inc."


def report_table(report: dict) -> Table:
    """Per statistic, Monte Carlo figures with the normal approximation in brackets."""
    from rich.markup import escape
    from rich.table import Table

    base = report["baseline"]
    table = Table(
        title=escape(
            f"Pilot of {report['n_per_arm']} incidents per arm, real improvement "
            f"{report['improvement'] * 100:g}% (Monte Carlo [normal approx.])"
        ),
        caption=escape(
            f"baseline {base['source']}: mean {base['mean_min']:.0f} min, median "
            f"{base['median_min']:.0f} min, sd {base['sd_min']:.0f} min; "
            f"{report['trials']} trials, seed {report['seed']}"
        ),
    )
    unit = "months" if report["per_month"] is not None else "per arm"
    table.add_column("statistic", style="bold")
    table.add_column("P(pilot looks worse)", justify="right")
    table.add_column(f"P(phantom gain >= {report['threshold'] * 100:g}%)", justify="right")
    table.add_column("90% half-width, min", justify="right")
    table.add_column("power", justify="right")
    table.add_column(f"80% power ({unit})", justify="right")
    for name in STATISTICS:
        fig, approx = report[name], report[name]["analytic"]
        cap, cap_n, rate = report["max_months"], report["max_incidents_per_arm"], report["per_month"]
        table.add_row(
            *map(
                escape,
                [
                    _LABELS[name],
                    f"{_pct(fig['p_worse'])} [{_pct(approx['p_worse'])}]",
                    f"{_pct(fig['p_phantom'])} [{_pct(approx['p_phantom'])}]",
                    f"{fig['ci90_halfwidth_min']:.1f} [{approx['ci90_halfwidth_min']:.1f}]",
                    f"{_pct(fig['power'])} [{_pct(approx['power'])}]",
                    f"{_months(fig, cap, rate, cap_n)} [{_months(approx, cap, rate, cap_n)}]",
                ],
            )
        )
    return table


@app.command("pilot")
def pilot(
    mean: Annotated[
        float | None, typer.Option("--mean", help="Baseline mean TTR, minutes (lognormal).")
    ] = None,
    sd: Annotated[
        float | None, typer.Option("--sd", help="Baseline TTR standard deviation, minutes.")
    ] = None,
    durations: Annotated[
        Path | None,
        typer.Option("--durations", help="CSV of historical durations (minutes), resampled as the baseline."),
    ] = None,
    column: Annotated[
        str | None,
        typer.Option(
            "--column", help="Duration column (default: first numeric column named like duration/ttr)."
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Drop rows where COLUMN=VALUE (case-insensitive; repeatable), e.g. impact=maintenance.",
        ),
    ] = None,
    from_results: Annotated[
        Path | None,
        typer.Option(
            "--from-results", help="An incsim run results folder; its incidents.csv ttr_min is the baseline."
        ),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="Protocol to take from --from-results (optional if only one)."),
    ] = None,
    improvement: Annotated[
        float,
        typer.Option("--improvement", help="Real relative TTR reduction in the pilot arm, e.g. 0.1 for 10%."),
    ] = 0.1,
    per_arm: Annotated[int | None, typer.Option("--per-arm", min=1, help="Incidents per arm.")] = None,
    per_month: Annotated[
        float | None, typer.Option("--per-month", help="Incidents per month per arm (with --months).")
    ] = None,
    months: Annotated[
        int | None,
        typer.Option("--months", min=1, help="Pilot length in months (default 3 with --per-month)."),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="Smallest observed relative gain counted as a phantom improvement."),
    ] = DEFAULT_THRESHOLD,
    trials: Annotated[int, typer.Option("--trials", min=100, help="Monte Carlo trials.")] = DEFAULT_TRIALS,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, max=MAX_SEED, help="Seed (default: drawn and printed).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Also write DIR/pilot.json (the figures plus power month by month), "
            "e.g. into a results folder for `incsim report`.",
        ),
    ] = None,
) -> None:
    """How often a pilot's monthly MTTR / median / geometric mean mislead, and months to 80% power."""
    from incsim.pilot import answer_sentence, pilot_report, write_pilot_json
    from incsim.pilot_baseline import load_baseline

    try:
        baseline = load_baseline(mean, sd, durations, column, exclude, from_results, protocol)
        report = pilot_report(
            baseline,
            improvement=improvement,
            per_arm=per_arm,
            per_month=per_month,
            months=months,
            threshold=threshold,
            trials=trials,
            seed=seed,
        )
        if out is not None:
            write_pilot_json(out, baseline, report)
    except PilotError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    from incsim import render

    console = render.console()
    base = report["baseline"]
    if base["dropped"] or base["excluded"]:
        console.print(
            f"baseline: {base['n']} durations used; {base['excluded']} rows excluded, "
            f"{base['dropped']} dropped (missing, non-numeric or non-positive)",
            highlight=False,
        )
    console.print(report_table(report))
    drawn = " (drawn; pass --seed to repeat)" if report["seed_was_drawn"] else ""
    console.print(f"seed {report['seed']}{drawn}", highlight=False)
    console.print(answer_sentence(report), highlight=False)
