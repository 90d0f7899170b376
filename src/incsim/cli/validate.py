"""``incsim validate`` and ``incsim schema``: check an input file, print the JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import app, fail, plural


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario YAML file to check.", show_default=False)],
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="A drill: also print its run sheet (injects, "
                                                                   "decisions, milestones) for this seed.")] = None,
) -> None:
    """Check a scenario or drill file; print FILE:LINE:COL for every problem (exit 2) or a summary."""
    from incsim.scenario.drill import is_drill_text, load_drill
    from incsim.scenario.loader import ScenarioError, load_scenario, read_scenario_text

    try:
        if is_drill_text(read_scenario_text(file)):
            loaded = load_drill(file)
            d = loaded.drill
            typer.echo(f"{file}: ok (drill '{d.metadata.title}', {plural(len(d.injects), 'inject')}, "
                       f"{plural(len(d.decisions), 'decision')})")
            if seed is not None:
                from incsim.drill.runsheet import run_sheet

                typer.echo(run_sheet(loaded, seed), nl=False)
            return
        scn = load_scenario(file)
    except ScenarioError as exc:
        fail(exc.problems)
    summary = ", ".join([scn.metadata.name, plural(len(scn.org.teams), "team"),
                         plural(len(scn.org.services), "service"),
                         plural(len(scn.protocols), "protocol")])
    typer.echo(f"{file}: ok ({summary})")


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write to this file instead of stdout.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="scenario or drill.")] = "scenario",
) -> None:
    """Print the JSON Schema of scenario (or --kind drill) files (for editors and CI)."""
    from incsim.output import atomic_write
    from incsim.scenario.drill import drill_json_schema
    from incsim.scenario.jsonschema import scenario_json_schema

    schemas = {"scenario": scenario_json_schema, "drill": drill_json_schema}
    if kind not in schemas:
        fail([f"--kind: unknown kind '{kind}'; expected one of: {', '.join(schemas)}"])
    text = schemas[kind]()
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        atomic_write(output, text)
    except OSError as exc:
        fail([f"{output}: cannot write: {exc.strerror or exc}"], code=1)
