"""``incsim sweep``: run a sweep file, print its break-even statements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import Jobs, Oversubscribe, Progress, Quiet, Scheduler, app, fail, interrupted


def _fail(lines: list[str], code: int = 2) -> None:
    fail([" ".join(str(line).split()) for line in lines], code)


@app.command("sweep")
def sweep(
    sweep_file: Annotated[
        Path, typer.Argument(metavar="SWEEP.yaml", help="Sweep file (kind: Sweep).", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Results folder (default: a new one under "
            "results/); an interrupted sweep resumes "
            "in the same folder.",
        ),
    ] = None,
    jobs: Jobs = None,
    oversubscribe: Oversubscribe = False,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
    force: Annotated[bool, typer.Option("--force", help="Start over in a non-empty results folder.")] = False,
) -> None:
    """Run a scenario at every point of a parameter sweep; write sweep.csv, charts and break-even points."""
    from incsim import api, render
    from incsim.files import OutputError
    from incsim.scenario.loader import ScenarioError
    from incsim.sweep.loading import load_sweep
    from incsim.sweep.writing import SweepInterrupted, run_sweep

    try:
        spec = load_sweep(sweep_file)
    except ScenarioError as exc:
        _fail([str(p) for p in exc.problems])
    out_dir = out if out is not None else api.default_out_dir()
    err = render.console(err=True)
    total = len(spec.points) * spec.replications
    progress = Progress("sweeping", total, quiet=quiet)
    try:
        with (
            progress,
            api.executor_for(jobs, scheduler, tasks=total, oversubscribe=oversubscribe) as executor,
        ):
            outcome = run_sweep(
                spec, out_dir=out_dir, force=force, executor=executor, progress=progress.advance
            )
    except (OutputError, api.UsageError) as exc:
        _fail([str(exc)])
    except SweepInterrupted as exc:
        interrupted(str(exc).removeprefix("interrupted: "), exc.cause)
    except KeyboardInterrupt as exc:
        interrupted(
            f"finished points are kept in {out_dir}; run the same command with -o {out_dir} to resume", exc
        )
    if not quiet:
        drawn = " (drawn; recorded in sweep.json)" if outcome.seed_was_drawn else ""
        resumed = f", {outcome.resumed} resumed from checkpoints" if outcome.resumed else ""
        err.print(
            f"{spec.name}: {len(spec.points)} points x {spec.replications} replications, seed {outcome.seed}"
            f"{drawn}; {outcome.computed} points run in {outcome.wall_time_s:.1f} s{resumed}; "
            f"results in {outcome.out_dir}",
            highlight=False,
            soft_wrap=True,
        )
    for sentence in outcome.sentences:
        typer.echo(sentence)
