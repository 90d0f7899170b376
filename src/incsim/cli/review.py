"""``incsim review``: the monthly incident review, each change against its noise band."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.calibrate import MappingOption
from incsim.cli.common import Calls, FormatOption, Quiet, app, fail, read_or_print


@app.command("review")
def review(
    export: Annotated[
        Path,
        typer.Argument(
            help="Incident export (JSON, JSON Lines or CSV).", metavar="EXPORT", show_default=False
        ),
    ],
    months: Annotated[int, typer.Option("--months", min=1, help="Months to show (the most recent).")] = 6,
    formats: FormatOption = None,
    mapping: MappingOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first malformed record.")] = False,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Folder for review.html, review.md and review.json.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the review as JSON.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty results folder.")] = False,
    slack: Annotated[
        Path | None,
        typer.Option("--slack", metavar="DIR|ZIP", help="Slack workspace export: people figures per month."),
    ] = None,
    calls: Calls = None,
    quiet: Quiet = False,
) -> None:
    """Per month MTTR, median, p90, engineer-hours, customer impact and categories, against the noise."""
    from incsim import render
    from incsim.calibrate.csvmap import split_mappings
    from incsim.calibrate.folder import dumps, write_folder
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError
    from incsim.calibrate.review import review as monthly
    from incsim.files import OutputError

    fmt, output = read_or_print(formats)
    as_json = as_json or output == "json"
    try:
        mapping, calls_mapping = split_mappings(mapping)
        data = read_export(export, fmt, strict=strict, mapping=mapping)
        result = monthly(data, months)
        if calls and slack is None:
            fail(
                ["--calls needs --slack: a call belongs to the incident whose channel is open when it starts"]
            )
        if slack is not None:
            from incsim.calibrate import people as pm
            from incsim.calibrate.review import with_people

            _, incidents, _ = pm.read_people(slack, calls or [], calls_mapping=calls_mapping, export=data)
            result = with_people(result, incidents)
        if out is not None:
            from incsim.calibrate.report import review_pages

            write_folder(
                out,
                {"review.json": dumps(result), **review_pages(result)},
                force,
                ["incsim", *sys.argv[1:]],
                kind="review",
            )
    except (ExportError, OutputError) as exc:
        fail([exc])
    if as_json:
        typer.echo(dumps(result), nl=False)
        return
    if output == "csv":
        _months_csv(result["months"])
        return
    from rich.table import Table

    def cell(x, unit="", sign=False):
        return "–" if x is None else (f"{x:+.0f}{unit}" if sign else f"{x:.0f}{unit}")

    con = render.console()
    for w in [] if quiet else result["warnings"]:
        render.console(err=True).print(f"warning: {w}", highlight=False)
    table = Table(title=f"{Path(result['export']).name}: monthly review (minutes)")
    for col in ("month", "incidents", "MTTR", "median", "p90", "change", "noise ±", "verdict"):
        table.add_column(col, justify="left" if col in ("month", "verdict") else "right")
    for m in result["months"]:
        table.add_row(
            m["month"],
            str(m["incidents"]),
            cell(m["mttr_min"]),
            cell(m["median_min"]),
            cell(m["p90_min"]),
            cell(m["change_min"], sign=True),
            cell(m["noise_band_min"]),
            m["verdict"],
        )
    con.print(table)
    if result.get("has_people"):
        con.print(_people_table(result), highlight=False)
    if out is not None and not quiet:
        render.console(err=True).print(f"written to {out}", highlight=False)


def _people_table(result):
    """The essay's people figures per month, beside MTTR."""
    from rich.table import Table

    from incsim.calibrate.review import PEOPLE_COLUMNS, people_band_note, people_cell

    table = Table(
        title="people per month (from the incident channels and calls)", caption=people_band_note(result)
    )
    for heading in ("month", "MTTR min", *(h for _, h, _ in PEOPLE_COLUMNS)):
        table.add_column(heading, justify="left" if heading == "month" else "right")
    for m in result["months"]:
        table.add_row(
            m["month"],
            "–" if m["mttr_min"] is None else f"{m['mttr_min']:.0f}",
            *(people_cell(m.get("people"), k, f) for k, _, f in PEOPLE_COLUMNS),
        )
    return table


def _months_csv(months: list[dict]) -> None:
    """The monthly rows as CSV on stdout (their scalar fields, as ``--format json`` names them)."""
    import csv
    import io

    cols = [k for k, v in months[0].items() if not isinstance(v, (dict, list))] if months else ["month"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(months)
    typer.echo(buf.getvalue(), nl=False)
