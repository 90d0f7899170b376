"""``incsim report``: a self-contained HTML (or Markdown) report from an ``incsim run`` folder."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import app


class Format(str, Enum):
    html = "html"
    md = "md"


@app.command("report")
def report(
    results_dir: Annotated[
        Path,
        typer.Argument(
            help="A folder written by `incsim run -o DIR`.", metavar="RESULTS_DIR", show_default=False
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Report file (default: RESULTS_DIR/report.html, or report.md with --format md).",
        ),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            help="html: one self-contained file; md: Markdown with its charts as SVG files in "
            "<name>_charts/ beside it. Default: from -o's suffix, else html.",
        ),
    ] = None,
    robustness: Annotated[
        Path | None,
        typer.Option(
            "--robustness",
            metavar="DIR",
            help="A folder written by `incsim robustness -o DIR` (of the same "
            "scenario): adds 'What would change the answer' and tornado charts.",
        ),
    ] = None,
) -> None:
    """Write a report a VP can read in five minutes: headline with CIs, charts, assumptions, model."""
    from incsim.report import ReportError, write_report

    try:
        path = write_report(results_dir, out, fmt.value if fmt is not None else None, robustness)
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(str(path))
