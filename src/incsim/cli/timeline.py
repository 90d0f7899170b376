"""``incsim timeline``: a post-incident timeline per incident channel, in Markdown and HTML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.calibrate import ExportFormat, MappingOption
from incsim.cli.common import Calls, ChannelPattern, app, fail


@app.command("timeline")
def timeline(
    slack: Annotated[
        Path, typer.Option("--slack", metavar="DIR|ZIP", help="Slack workspace export.", show_default=False)
    ],
    export: Annotated[
        Path | None,
        typer.Argument(
            help="Incident export, for each incident's start and resolution (optional).",
            metavar="EXPORT",
            show_default=False,
        ),
    ] = None,
    calls: Calls = None,
    incident: Annotated[
        str | None,
        typer.Option(
            "--incident",
            metavar="CHANNEL|ID",
            help="One incident, by channel name or export id (default: all).",
        ),
    ] = None,
    channel_pattern: ChannelPattern = "incident-*",
    fmt: Annotated[
        ExportFormat | None, typer.Option("--format", help="Export format (default: detected).")
    ] = None,
    mapping: MappingOption = None,
    include_text: Annotated[bool, typer.Option("--include-text", help="Include message text.")] = False,
    real_names: Annotated[
        bool, typer.Option("--real-names", help="Name people (default: stable pseudonyms).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="Folder for CHANNEL.md and CHANNEL.html (default: Markdown on stdout)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty results folder.")] = False,
) -> None:
    """Timelines of incidents from their channels, calls and export: updates, joins, questions, decisions."""
    from incsim.calibrate import people as pm
    from incsim.calibrate import timeline as tl
    from incsim.calibrate.folder import write_folder
    from incsim.calibrate.records import ExportError
    from incsim.files import OutputError

    try:
        from incsim.calibrate.csvmap import split_mappings

        mapping, calls_mapping = split_mappings(mapping)
        data = None
        if export is not None:
            from incsim.calibrate.readers import read_export

            data = read_export(export, fmt.value if fmt else None, mapping=mapping)
        ws, incidents, _ = pm.read_people(
            slack, calls or [], calls_mapping=calls_mapping, pattern=channel_pattern, export=data
        )
        if incident is not None:
            incidents = [i for i in incidents if incident in (i.channel.name, i.incident_id)]
            if not incidents:
                raise ExportError(
                    f"{slack}: no incident channel named {incident!r} "
                    f"(nor one matched to an export incident of that id)"
                )
        kw = {"include_text": include_text, "real_names": real_names, "export": data}
        if out is None:
            typer.echo("\n".join(tl.markdown(i, ws, **kw) for i in incidents), nl=False)
            return
        files = {}
        for inc in incidents:
            files[f"{inc.channel.name}.md"] = tl.markdown(inc, ws, **kw)
            files[f"{inc.channel.name}.html"] = tl.html_page(inc, ws, **kw)
        write_folder(out, files, force, ["incsim", *sys.argv[1:]], kind="timeline")
    except (ExportError, OutputError) as exc:
        fail([exc])
    typer.echo(f"{len(incidents)} timeline(s) written to {out}", err=True)
