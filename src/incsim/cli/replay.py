"""``incsim replay``: the real incidents of the last quarter, under each protocol of a scenario."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import (
    MAX_SEED,
    FormatOption,
    Jobs,
    Oversubscribe,
    Progress,
    Quiet,
    app,
    fail,
    read_or_print,
)


@app.command("replay")
def replay(
    export: Annotated[
        Path,
        typer.Argument(
            help="Incident export (JSON, JSON Lines or CSV).", metavar="EXPORT", show_default=False
        ),
    ],
    scenario: Annotated[
        Path,
        typer.Option(
            "--scenario", help="The organisation and protocols to replay under.", show_default=False
        ),
    ],
    days: Annotated[
        float, typer.Option("--days", min=1.0, help="Replay the export's last DAYS days.")
    ] = 91.0,
    replications: Annotated[int, typer.Option("-n", "--replications", min=2, help="Replications.")] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Root seed.")] = 1,
    formats: FormatOption = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", metavar="COLS.YAML", help="Column mapping for a CSV export.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Results folder (default: a new one under results/).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty results folder.")] = False,
    quiet: Quiet = False,
    jobs: Jobs = None,
    oversubscribe: Oversubscribe = False,
) -> None:
    """Replay real incidents (start times, durations) under each protocol; writes what `incsim run` writes."""
    from incsim import api, render
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError
    from incsim.calibrate.replay import check_size, headline, replay_scenario_text, warnings_for, window
    from incsim.calibrate.replay import replay as run_replay
    from incsim.output import OutputError, csv_text, prepare_dir, write_results
    from incsim.scenario.loader import ScenarioError

    fmt, output = read_or_print(formats)
    try:
        loaded = api.load(scenario)
    except ScenarioError as exc:
        fail(exc.problems)
    target = out if out is not None else api.default_out_dir()
    problem = None
    try:
        data = read_export(export, fmt, mapping=mapping)
        size = check_size(loaded.scenario, window(data, days), replications)  # refused before any work
        prepare_dir(target, force)
        progress = Progress("replaying", replications, quiet=quiet)
        progress.note(size)
        t0 = time.perf_counter()
        with (
            progress,
            api.executor_for(jobs, None, tasks=replications, oversubscribe=oversubscribe) as executor,
        ):
            result, win = run_replay(
                loaded.scenario,
                data,
                days=days,
                replications=replications,
                seed=seed,
                progress=progress.advance,
                executor=executor,
            )
        summary = result.summary()
        write_results(
            result,
            target,
            scenario_text=replay_scenario_text(loaded.text, win, data),
            scenario_source=loaded.source,
            command=["incsim", *sys.argv[1:]],
            wall_time_s=time.perf_counter() - t0,
            force=True,
            summary=summary,
            extra={
                "replay": {
                    "export": str(export),
                    "days": days,
                    "incidents": len(win.incidents),
                    "open_not_replayed": win.skipped_open,
                    "window_start": win.start.isoformat(),
                }
            },
        )
    except (ExportError, OutputError, api.UsageError) as exc:
        problem = str(exc)
    except KeyboardInterrupt:
        fail(["interrupted: no results were written"], code=130)
    if problem is not None:  # reported once the progress bar has cleared its line
        fail([problem])
    err = render.console(err=True)
    if not quiet:
        for w in warnings_for(win):
            err.print(f"warning: {w}", highlight=False)
        err.print(
            f"seed {seed}; {replications} replications of {len(win.incidents)} real incidents; "
            f"results in {target}",
            highlight=False,
        )
    protocols = result.protocols
    if output == "json":
        typer.echo(
            json.dumps(
                {
                    "scenario": loaded.scenario.metadata.name,
                    "seed": seed,
                    "replications": replications,
                    "out_dir": str(target),
                    "export": str(export),
                    "days": days,
                    "incidents": len(win.incidents),
                    "warnings": warnings_for(win),
                    "summary": render.summary_records(summary),
                },
                indent=2,
            )
        )
        return
    if output == "csv":
        typer.echo(csv_text(summary), nl=False)
        return
    con = render.console()
    for other in protocols[1:]:
        con.print(headline(summary, protocols[0], other, len(win.incidents), days), highlight=False)
    con.print(
        render.comparison_table(
            summary,
            protocols,
            title=f"{loaded.scenario.metadata.name}: replay of "
            f"{Path(str(export)).name} (mean [95% CI] per incident)",
        )
    )
    con.print(render.differences_table(summary))
