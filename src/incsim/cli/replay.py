"""``incsim replay``: the real incidents of the last quarter, under each protocol of a scenario."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.calibrate import ExportFormat
from incsim.cli.common import app, fail


@app.command("replay")
def replay(
    export: Annotated[Path, typer.Argument(help="Incident export (JSON, JSON Lines or CSV).", metavar="EXPORT",
                                           show_default=False)],
    scenario: Annotated[Path, typer.Option("--scenario", help="The organisation and protocols to replay under.",
                                           show_default=False)],
    days: Annotated[float, typer.Option("--days", min=1.0, help="Replay the export's last DAYS days.")] = 91.0,
    replications: Annotated[int, typer.Option("-n", "--replications", min=2, help="Replications.")] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed.")] = 1,
    fmt: Annotated[ExportFormat | None, typer.Option("--format", help="Export format (default: detected).")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", metavar="COLS.YAML",
                                                 help="Column mapping for a CSV export.")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out",
                                             help="Results folder (default: a new one under results/).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty output folder.")] = False,
) -> None:
    """Replay real incidents (start times, durations) under each protocol; writes what `incsim run` writes."""
    from incsim import api, render
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError
    from incsim.calibrate.replay import headline, replay_scenario_text, warnings_for
    from incsim.calibrate.replay import replay as run_replay
    from incsim.output import OutputError, prepare_dir, write_results
    from incsim.scenario.loader import ScenarioError

    try:
        loaded = api.load(scenario)
    except ScenarioError as exc:
        fail(exc.problems)
    target = out if out is not None else api.default_out_dir()
    try:
        data = read_export(export, fmt.value if fmt else None, mapping=mapping)
        prepare_dir(target, force)
        t0 = time.perf_counter()
        result, win = run_replay(loaded.scenario, data, days=days, replications=replications, seed=seed)
        summary = result.summary()
        write_results(result, target, scenario_text=replay_scenario_text(loaded.text, win, data),
                      scenario_source=loaded.source, command=["incsim", *sys.argv[1:]],
                      wall_time_s=time.perf_counter() - t0, force=True, summary=summary,
                      extra={"replay": {"export": str(export), "days": days, "incidents": len(win.incidents),
                                        "open_not_replayed": win.skipped_open,
                                        "window_start": win.start.isoformat()}})
    except (ExportError, OutputError) as exc:
        fail([exc])
    except KeyboardInterrupt:
        fail(["interrupted: no results were written"], code=130)
    err = render.console(err=True)
    for w in warnings_for(win):
        err.print(f"warning: {w}", highlight=False)
    err.print(f"seed {seed}; {replications} replications of {len(win.incidents)} real incidents; results in {target}",
              highlight=False)
    protocols = result.protocols
    con = render.console()
    for other in protocols[1:]:
        con.print(headline(summary, protocols[0], other, len(win.incidents), days), highlight=False)
    con.print(render.comparison_table(summary, protocols, title=f"{loaded.scenario.metadata.name}: replay of "
                                                                f"{Path(str(export)).name} (mean [95% CI] per incident)"))
    con.print(render.differences_table(summary))
