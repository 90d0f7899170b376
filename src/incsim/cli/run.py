"""``incsim run``: simulate every protocol of a scenario and print the comparison."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import (
    MAX_SEED,
    Jobs,
    Oversubscribe,
    Progress,
    Quiet,
    Scheduler,
    app,
    fail,
    interrupted,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def run(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario YAML file (default: the embedded seed organisation).", show_default=False
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option("-n", "--replications", min=1, help="Replications (default: the scenario's)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, max=MAX_SEED, help="Root seed (default: the scenario's, else drawn)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Results folder (default: a new one under results/).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="How to print the comparison.")] = Format.table,
    quiet: Quiet = False,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty results folder.")] = False,
    jobs: Jobs = None,
    oversubscribe: Oversubscribe = False,
    scheduler: Scheduler = None,
    precision: Annotated[
        float | None,
        typer.Option(
            "--precision",
            min=0.0,
            help="Add replications until the main paired difference's 95% half-width "
            "is under this % of its mean.",
        ),
    ] = None,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=2, help="Cap for --precision.")
    ] = 1000,
    with_tornado: Annotated[
        bool,
        typer.Option(
            "--tornado/--no-tornado",
            envvar="INCSIM_TORNADO",
            help="Write tornado.json: each uncertain parameter alone at its range's ends, for the "
            "report's tornado chart (INCSIM_TORNADO=0 makes --no-tornado the default).",
        ),
    ] = True,
    tornado_replications: Annotated[
        int | None,
        typer.Option(
            "--tornado-replications", min=2, help="Replications of each end for tornado.json (default 2)."
        ),
    ] = None,
) -> None:
    """Simulate every protocol of a scenario and compare them (writes CSVs, run.json, event logs)."""
    from incsim import api, render
    from incsim.output import OutputError, csv_text
    from incsim.robustness.ends import TORNADO_REPLICATIONS, run_files
    from incsim.scenario.loader import ScenarioError

    try:
        loaded = api.load(scenario)
    except ScenarioError as exc:
        fail(exc.problems)
    err = render.console(err=True)
    reps = replications if replications is not None else loaded.scenario.simulation.replications
    progress = Progress("simulating", max_replications if precision else reps, quiet=quiet)
    problem: tuple[str, int] | None = None
    try:
        with (
            progress,
            api.executor_for(
                jobs, scheduler, tasks=max_replications if precision else reps, oversubscribe=oversubscribe
            ) as executor,
        ):
            outcome = api.run_scenario(
                loaded,
                replications=reps,
                seed=seed,
                out_dir=out,
                force=force,
                command=["incsim", *sys.argv[1:]],
                executor=executor,
                precision_pct=precision,
                max_replications=max_replications,
                progress=progress.advance,
                notice=progress.note,
                also=None
                if not with_tornado
                else run_files(loaded, tornado_replications or TORNADO_REPLICATIONS, progress.note),
            )
    except (OutputError, api.UsageError) as exc:
        problem = (str(exc), 2)
    except KeyboardInterrupt as exc:
        done = getattr(exc, "published", None)
        interrupted(f"the results were already written to {done}" if done else "no results were written", exc)
    if problem is not None:  # reported once the progress bar has cleared its line
        fail([problem[0]], code=problem[1])
    if not quiet:
        drawn = " (drawn; pass --seed to repeat)" if outcome.seed_was_drawn else ""
        err.print(
            f"seed {outcome.seed}{drawn}; {outcome.result.replications} replications, "
            f"{len(outcome.result.incidents)} incident runs in {outcome.wall_time_s:.1f} s; "
            f"results in {outcome.out_dir}",
            highlight=False,
        )
        p = outcome.precision
        if p is not None:
            verdict = (
                f"stopped by the cap of {max_replications} replications" if p.stopped_by_cap else "target met"
            )
            err.print(
                f"precision: {p.difference} {p.metric} = {p.mean:.3g} ± {p.half_width:.3g} "
                f"({p.achieved_pct:.1f}% of the mean; target {p.target_pct:g}%): {verdict}",
                highlight=False,
            )
    protocols = outcome.result.protocols
    if fmt is Format.json:
        typer.echo(
            json.dumps(
                {
                    "scenario": loaded.scenario.metadata.name,
                    "seed": outcome.seed,
                    "replications": outcome.result.replications,
                    "out_dir": str(outcome.out_dir),
                    "summary": render.summary_records(outcome.summary),
                },
                indent=2,
            )
        )
    elif fmt is Format.csv:
        typer.echo(csv_text(outcome.summary), nl=False)
    else:
        con = render.console()
        con.print(
            render.comparison_table(
                outcome.summary,
                protocols,
                title=f"{loaded.scenario.metadata.name}: protocol comparison "
                f"({render.MEANS}; {render.SPREAD})",
            )
        )
        con.print(render.differences_table(outcome.summary))
        con.print(render.category_table(outcome.summary, protocols))
