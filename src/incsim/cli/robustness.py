"""``incsim robustness``: how far the comparison holds over every assumption's plausible range."""

from __future__ import annotations

import json
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


@app.command("robustness")
def robustness(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario YAML file with an uncertainty: section (default: the embedded seed organisation).",
            show_default=False,
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            "--samples",
            min=2,
            help=(
                "Size of the global design: its parameter sets (--method pce), or the Saltelli "
                "design's base samples, samples x (parameters + 2) sets (--method saltelli)."
            ),
        ),
    ] = 64,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="Sensitivity method: pce (a sparse polynomial-chaos surrogate) or saltelli (SALib).",
        ),
    ] = "pce",
    replications: Annotated[
        int, typer.Option("-n", "--replications", min=2, help="Replications of every parameter set.")
    ] = 5,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, max=MAX_SEED, help="Root seed (default: the scenario's, else drawn)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Results folder (default: a new one under results/); a stopped study resumes there.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print robustness.json instead of a table.")
    ] = False,
    jobs: Jobs = None,
    oversubscribe: Oversubscribe = False,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
    force: Annotated[bool, typer.Option("--force", help="Start over in a non-empty results folder.")] = False,
) -> None:
    """Vary every assumption over its range: spread of each difference, its drivers and flip points."""
    from incsim import api, render
    from incsim.files import OutputError
    from incsim.robustness.design import DesignError, build_design
    from incsim.robustness.study import StudyInterrupted, run_study
    from incsim.robustness.words import summary_lines
    from incsim.scenario.loader import ScenarioError

    try:
        loaded = api.load(scenario)
    except ScenarioError as exc:
        fail(exc.problems)
    try:
        total = len(build_design(loaded.scenario, samples, 0, method).sets)
    except DesignError as exc:
        fail([str(exc)])
    out_dir = out if out is not None else api.default_out_dir()
    progress = Progress("studying", total, quiet=quiet, unit="parameter sets")
    try:
        with (
            progress,
            api.executor_for(jobs, scheduler, tasks=total, oversubscribe=oversubscribe) as executor,
        ):
            outcome = run_study(
                loaded,
                samples=samples,
                replications=replications,
                seed=seed,
                out_dir=out_dir,
                method=method,
                force=force,
                executor=executor,
                progress=progress.advance,
            )
    except (OutputError, DesignError, api.UsageError) as exc:
        fail([" ".join(str(exc).split())])
    except StudyInterrupted as exc:
        interrupted(str(exc), exc.cause)
    except KeyboardInterrupt as exc:
        interrupted(
            f"finished parameter sets are kept in {out_dir}; run the same command with -o {out_dir} "
            "to resume",
            exc,
        )
    if as_json:
        typer.echo(json.dumps(outcome.result, indent=2, ensure_ascii=False))
        return
    if not quiet:
        drawn = " (drawn; recorded in manifest.json)" if outcome.seed_was_drawn else ""
        resumed = f", {outcome.resumed} resumed from checkpoints" if outcome.resumed else ""
        render.console(err=True).print(
            f"{loaded.scenario.metadata.name}: {total} parameter sets x {replications} replications, seed "
            f"{outcome.seed}{drawn}; {outcome.computed} sets run in {outcome.wall_time_s:.1f} s{resumed}; "
            f"results in {outcome.out_dir}",
            highlight=False,
            soft_wrap=True,
        )
    for line in summary_lines(outcome.result):
        typer.echo(line)
