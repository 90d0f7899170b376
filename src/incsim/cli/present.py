"""``incsim present``: a deck for the meeting with leadership, from the folders incsim writes."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import app, fail


class Audience(str, Enum):
    exec = "exec"
    engineering = "engineering"


@app.command("present")
def present(
    folders: Annotated[
        list[Path],
        typer.Argument(
            help="A run folder (`incsim run -o DIR`, required) and any of: a review folder (`incsim review -o`), "
            "a calibration folder (`incsim calibrate -o`), a pilot (pilot.json or its folder), "
            "a robustness study's folder.",
            metavar="DIR",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="deck.pptx (editable slides) or deck.html (one page to present); "
            "default: RUN_DIR/deck.pptx.",
        ),
    ] = None,
    audience: Annotated[
        Audience,
        typer.Option(
            "--audience",
            help="exec: the story in ten slides; engineering: the technical slides added and expanded.",
        ),
    ] = Audience.exec,
) -> None:
    """Write a deck whose every number is read from the folders, with speaker notes on every slide."""
    from incsim.present import PresentError, write_deck

    try:
        path = write_deck(folders, out, audience.value)
    except PresentError as exc:
        fail([exc])
    typer.echo(str(path))
