"""``incsim verify``: the simulator against queueing theory (Erlang C, machine repair, Little's law)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from incsim.cli.common import MAX_SEED, app

verify_app = typer.Typer(
    help="Check the simulator against queueing theory (Erlang C, machine repair, Little's law)."
)
app.add_typer(verify_app, name="verify")

Replications = Annotated[
    int | None, typer.Option("--replications", "-n", min=2, help="Replications per case.")
]
Seed = Annotated[
    int | None,
    typer.Option("--seed", min=0, max=MAX_SEED, help="Root seed (default: the standard cases' own)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the records as JSON.")]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: cores).")]
# 99% by default: per-replication means of a heavily loaded queue are skewed, so a 95% t-interval
# covers only about 90% of the time there and a correct simulator would "fail" one run in ten.
Level = Annotated[float, typer.Option("--level", min=0.5, max=0.9999, help="Confidence level of the CIs.")]


def _show_verification(records: list[dict], as_json: bool, level: float) -> None:
    from incsim import render

    if as_json:
        typer.echo(json.dumps(records, indent=2))
    else:
        con = render.console()
        con.print(render.verification_table(records, level))
        bad = [r["case"] for r in records if not r["passed"]]
        con.print(
            "verdict: "
            + (
                "PASS: every analytic value lies in the simulation's CI"
                if not bad
                else f"FAIL: {', '.join(bad)}"
            ),
            highlight=False,
        )
    if any(not r["passed"] for r in records):
        raise typer.Exit(1)


@verify_app.callback(invoke_without_command=True)
def verify(
    ctx: typer.Context,
    replications: Replications = None,
    seed: Seed = None,
    as_json: AsJson = False,
    jobs: Jobs = None,
    level: Level = 0.99,
) -> None:
    """Run the standard cases: M/M/c at several loads (incl. rho >= 0.8) and a machine-repair model."""
    from incsim import api
    from incsim import verify as verification

    seed = verification.DEFAULT_SEED if seed is None else seed

    if ctx.invoked_subcommand is not None:
        return
    with api.executor_for(jobs) as ex:
        records = verification.verify_standard(replications, seed, executor=ex, level=level)
    _show_verification(records, as_json, level)


@verify_app.command("mmc")
def verify_mmc(
    servers: Annotated[int, typer.Option("--servers", min=1, help="Engineers c.")],
    utilization: Annotated[
        float, typer.Option("--utilization", min=0.01, max=0.99, help="rho = lambda/(c mu).")
    ],
    work_mean: Annotated[
        float, typer.Option("--work-mean", min=0.1, help="Mean work per incident, minutes.")
    ] = 60.0,
    horizon_days: Annotated[float, typer.Option("--horizon-days", min=1.0)] = 28.0,
    replications: Replications = None,
    seed: Seed = None,
    as_json: AsJson = False,
    jobs: Jobs = None,
    level: Level = 0.99,
) -> None:
    """One M/M/c case: simulated mean wait, TTR and P(wait) against Erlang C."""
    from incsim import api
    from incsim import verify as verification

    seed = verification.DEFAULT_SEED if seed is None else seed

    with api.executor_for(jobs) as ex:
        rec = verification.verify_mmc(
            servers,
            utilization,
            work_mean,
            horizon_days,
            replications=replications or 20,
            seed=seed,
            executor=ex,
            level=level,
        )
    _show_verification([rec], as_json, level)


@verify_app.command("repair")
def verify_repair(
    services: Annotated[int, typer.Option("--services", min=1, help="Services N, each failing while up.")],
    engineers: Annotated[int, typer.Option("--engineers", min=1, help="Engineers r.")],
    fail_rate: Annotated[float, typer.Option("--fail-rate", min=1e-6, help="Failures per hour per service.")],
    repair_rate: Annotated[
        float, typer.Option("--repair-rate", min=1e-6, help="Repairs per hour per engineer.")
    ],
    horizon_days: Annotated[float, typer.Option("--horizon-days", min=1.0)] = 28.0,
    replications: Replications = None,
    seed: Seed = None,
    as_json: AsJson = False,
    jobs: Jobs = None,
    level: Level = 0.99,
) -> None:
    """One machine-repair case (finite source): simulated against the closed form."""
    from incsim import api
    from incsim import verify as verification

    seed = verification.DEFAULT_SEED if seed is None else seed

    with api.executor_for(jobs) as ex:
        rec = verification.verify_repair(
            services,
            engineers,
            fail_rate,
            repair_rate,
            horizon_days,
            replications=replications or 20,
            seed=seed,
            executor=ex,
            level=level,
        )
    _show_verification([rec], as_json, level)
