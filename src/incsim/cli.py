"""The ``incsim`` command line: each command parses its options, calls one API function, prints."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, NoReturn

import typer

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
        output.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        _fail([f"{output}: cannot write: {exc.strerror or exc}"], code=1)


def main() -> None:
    """Entry point of the ``incsim`` console script."""
    app()
