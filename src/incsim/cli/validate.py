"""``incsim validate`` and ``incsim schema``: check an input file, print the JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import MAX_SEED, app, fail, plural


@app.command()
def validate(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            show_default=False,
            help="Scenario, drill, sweep or drill transcript YAML file to check.",
        ),
    ],
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            max=MAX_SEED,
            help="A drill: also print its run sheet (injects, decisions, milestones) for this seed.",
        ),
    ] = None,
) -> None:
    """Check a scenario, drill, sweep or transcript file (by its kind:); print FILE:LINE:COL for
    every problem (exit 2) or a summary."""
    from incsim.inputs import load_input
    from incsim.scenario.loader import ScenarioError

    try:
        found = load_input(file)
    except ScenarioError as exc:
        fail(exc.problems)
    from incsim.drill.feed import safe_text  # a name from the file reaches the terminal neutralised

    typer.echo(safe_text(f"{file}: ok ({_summary(found.kind, found.value)})"))
    if seed is not None:
        if found.kind != "Drill":
            fail([f"{file}: --seed prints a drill's run sheet; this is a {found.kind.lower()} file"])
        from incsim.drill.runsheet import run_sheet

        typer.echo(safe_text(run_sheet(found.value, seed)), nl=False)


def _summary(kind: str, value) -> str:
    """What a valid input file holds, in a few words."""
    if kind == "Drill":
        d = value.drill
        return (
            f"drill '{d.metadata.title}', {plural(len(d.injects), 'inject')}, "
            f"{plural(len(d.decisions), 'decision')}"
        )
    if kind == "Sweep":
        return (
            f"sweep '{value.name}', {plural(len(value.points), 'point')}, "
            f"{plural(value.replications, 'replication')} each"
        )
    if kind == "DrillTranscript":
        return (
            f"drill transcript of '{value.drill}', {plural(len(value.actions), 'action')}, seed {value.seed}"
        )
    return ", ".join(
        [
            value.metadata.name,
            plural(len(value.org.teams), "team"),
            plural(len(value.org.services), "service"),
            plural(len(value.protocols), "protocol"),
        ]
    )


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="scenario, drill, sweep or transcript.")] = "scenario",
) -> None:
    """Print the JSON Schema of scenario (or --kind drill, sweep, transcript) files (for editors and CI)."""
    from incsim.files import atomic_write
    from incsim.inputs import SCHEMA_KINDS, json_schema

    if kind not in SCHEMA_KINDS:
        fail([f"--kind: unknown kind '{kind}'; expected one of: {', '.join(SCHEMA_KINDS)}"])
    text = json_schema(kind)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        atomic_write(output, text)
    except OSError as exc:
        fail([f"{output}: cannot write: {exc.strerror or exc}"], code=1)
