"""The ``incsim`` command line: each command parses its options, calls one API function, prints."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, NoReturn

import typer

import json
import sys
from enum import Enum

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from incsim import api, render
from incsim import verify as verification
from incsim.output import OutputError, atomic_write, csv_text
from incsim.pilot_cli import pilot
from incsim.report_cli import report
from incsim.sweep_cli import sweep
from incsim.scenario.jsonschema import scenario_json_schema
from incsim.scenario.loader import LocatedProblem, ScenarioError, load_scenario

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Incident-response simulator: war rooms, async-first and hybrids compared.")


def _fail(problems: Iterable[LocatedProblem | str], code: int = 2) -> NoReturn:
    """Print each problem as one line on stderr and exit with ``code``."""
    for problem in problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(code)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file to check.", show_default=False)],
) -> None:
    """Check a scenario file; print FILE:LINE:COL for every problem (exit 2) or a summary."""
    try:
        scn = load_scenario(file)
    except ScenarioError as exc:
        _fail(exc.problems)
    summary = ", ".join([scn.metadata.name, _plural(len(scn.org.teams), "team"),
                         _plural(len(scn.org.services), "service"),
                         _plural(len(scn.protocols), "protocol")])
    typer.echo(f"{file}: ok ({summary})")


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors and CI)."""
    text = scenario_json_schema()
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        atomic_write(output, text)
    except OSError as exc:
        _fail([f"{output}: cannot write: {exc.strerror or exc}"], code=1)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def run(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario YAML file (default: the embedded seed organisation).", show_default=False)] = None,
    replications: Annotated[int | None, typer.Option("-n", "--replications", min=1,
                                                     help="Replications (default: the scenario's).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0,
                                             help="Root seed (default: the scenario's, else drawn).")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out",
                                             help="Output folder (default: a new one under results/).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="How to print the comparison.")] = Format.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but the results.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty output folder.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1,
                                             help="Worker processes (default: the machine's cores).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler",
                                                  help="Dask scheduler address, e.g. tcp://host:8786.")] = None,
    precision: Annotated[float | None, typer.Option(
        "--precision", min=0.0, help="Add replications until the main paired difference's 95% half-width "
                                     "is under this % of its mean.")] = None,
    max_replications: Annotated[int, typer.Option("--max-replications", min=2,
                                                  help="Cap for --precision.")] = 1000,
) -> None:
    """Simulate every protocol of a scenario and compare them (writes CSVs, run.json, event logs)."""
    try:
        loaded = api.load(scenario)
    except ScenarioError as exc:
        _fail(exc.problems)
    err = render.console(err=True)
    reps = replications if replications is not None else loaded.scenario.simulation.replications
    progress = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=err, transient=True, disable=quiet or not sys.stderr.isatty())
    problem: tuple[str, int] | None = None
    try:
        with progress, api.executor_for(jobs, scheduler, tasks=None if precision else reps) as executor:
            task = progress.add_task("replications", total=max_replications if precision else reps)
            outcome = api.run_scenario(loaded, replications=reps, seed=seed, out_dir=out, force=force,
                                       command=["incsim", *sys.argv[1:]], executor=executor,
                                       precision_pct=precision, max_replications=max_replications,
                                       progress=lambda n: progress.advance(task, n))
    except (OutputError, api.UsageError) as exc:
        problem = (str(exc), 2)
    except KeyboardInterrupt:
        problem = ("interrupted: no results were written", 130)
    if problem is not None:  # reported once the progress bar has cleared its line
        _fail([problem[0]], code=problem[1])
    if not quiet:
        drawn = " (drawn; pass --seed to repeat)" if outcome.seed_was_drawn else ""
        err.print(f"seed {outcome.seed}{drawn}; {outcome.result.replications} replications, "
                  f"{len(outcome.result.incidents)} incident runs in {outcome.wall_time_s:.1f} s; "
                  f"results in {outcome.out_dir}", highlight=False)
        p = outcome.precision
        if p is not None:
            verdict = (f"stopped by the cap of {max_replications} replications"
                       if p.stopped_by_cap else "target met")
            err.print(f"precision: {p.difference} {p.metric} = {p.mean:.3g} ± {p.half_width:.3g} "
                      f"({p.achieved_pct:.1f}% of the mean; target {p.target_pct:g}%): {verdict}",
                      highlight=False)
    protocols = outcome.result.protocols
    if fmt is Format.json:
        typer.echo(json.dumps({"scenario": loaded.scenario.metadata.name, "seed": outcome.seed,
                               "replications": outcome.result.replications, "out_dir": str(outcome.out_dir),
                               "summary": render.summary_records(outcome.summary)}, indent=2))
    elif fmt is Format.csv:
        typer.echo(csv_text(outcome.summary), nl=False)
    else:
        con = render.console()
        con.print(render.comparison_table(outcome.summary, protocols,
                                          title=f"{loaded.scenario.metadata.name}: protocol comparison "
                                                f"(mean [95% CI] per incident)"))
        con.print(render.differences_table(outcome.summary))
        con.print(render.category_table(outcome.summary, protocols))


verify_app = typer.Typer(help="Check the simulator against queueing theory (Erlang C, machine repair, Little's law).")
app.add_typer(verify_app, name="verify")

Replications = Annotated[int | None, typer.Option("--replications", "-n", min=2, help="Replications per case.")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Root seed.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the records as JSON.")]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: cores).")]
# 99% by default: per-replication means of a heavily loaded queue are skewed, so a 95% t-interval
# covers only about 90% of the time there and a correct simulator would "fail" one run in ten.
Level = Annotated[float, typer.Option("--level", min=0.5, max=0.9999, help="Confidence level of the CIs.")]


def _show_verification(records: list[dict], as_json: bool, level: float) -> None:
    if as_json:
        typer.echo(json.dumps(records, indent=2))
    else:
        con = render.console()
        con.print(render.verification_table(records, level))
        bad = [r["case"] for r in records if not r["passed"]]
        con.print("verdict: " + ("PASS: every analytic value lies in the simulation's CI"
                                 if not bad else f"FAIL: {', '.join(bad)}"), highlight=False)
    if any(not r["passed"] for r in records):
        raise typer.Exit(1)


@verify_app.callback(invoke_without_command=True)
def verify(ctx: typer.Context, replications: Replications = None, seed: Seed = verification.DEFAULT_SEED,
           as_json: AsJson = False, jobs: Jobs = None, level: Level = 0.99) -> None:
    """Run the standard cases: M/M/c at several loads (incl. rho >= 0.8) and a machine-repair model."""
    if ctx.invoked_subcommand is not None:
        return
    with api.executor_for(jobs) as ex:
        records = verification.verify_standard(replications, seed, executor=ex, level=level)
    _show_verification(records, as_json, level)


@verify_app.command("mmc")
def verify_mmc(
    servers: Annotated[int, typer.Option("--servers", min=1, help="Engineers c.")],
    utilization: Annotated[float, typer.Option("--utilization", min=0.01, max=0.99, help="rho = lambda/(c mu).")],
    work_mean: Annotated[float, typer.Option("--work-mean", min=0.1, help="Mean work per incident, minutes.")] = 60.0,
    horizon_days: Annotated[float, typer.Option("--horizon-days", min=1.0)] = 28.0,
    replications: Replications = None, seed: Seed = verification.DEFAULT_SEED, as_json: AsJson = False,
    jobs: Jobs = None, level: Level = 0.99,
) -> None:
    """One M/M/c case: simulated mean wait, TTR and P(wait) against Erlang C."""
    with api.executor_for(jobs) as ex:
        rec = verification.verify_mmc(servers, utilization, work_mean, horizon_days,
                                      replications=replications or 20, seed=seed, executor=ex, level=level)
    _show_verification([rec], as_json, level)


@verify_app.command("repair")
def verify_repair(
    services: Annotated[int, typer.Option("--services", min=1, help="Services N, each failing while up.")],
    engineers: Annotated[int, typer.Option("--engineers", min=1, help="Engineers r.")],
    fail_rate: Annotated[float, typer.Option("--fail-rate", min=1e-6, help="Failures per hour per service.")],
    repair_rate: Annotated[float, typer.Option("--repair-rate", min=1e-6, help="Repairs per hour per engineer.")],
    horizon_days: Annotated[float, typer.Option("--horizon-days", min=1.0)] = 28.0,
    replications: Replications = None, seed: Seed = verification.DEFAULT_SEED, as_json: AsJson = False,
    jobs: Jobs = None, level: Level = 0.99,
) -> None:
    """One machine-repair case (finite source): simulated against the closed form."""
    with api.executor_for(jobs) as ex:
        rec = verification.verify_repair(services, engineers, fail_rate, repair_rate, horizon_days,
                                         replications=replications or 20, seed=seed, executor=ex, level=level)
    _show_verification([rec], as_json, level)


app.command("pilot")(pilot)
app.command("sweep")(sweep)
app.command("report")(report)


def main() -> None:
    """Entry point of the ``incsim`` console script."""
    app()
