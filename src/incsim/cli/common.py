"""What every command shares: the Typer app, one-line failures, plural words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Incident-response simulator: war rooms, async-first and hybrids compared.")


def fail(problems: Iterable[object], code: int = 2) -> NoReturn:
    """Print each problem as one line on stderr and exit with ``code``."""
    for problem in problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(code)


def plural(n: int, word: str) -> str:
    """``1 team``, ``2 teams``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
