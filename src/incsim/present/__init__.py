"""``incsim present``: a deck for the meeting with leadership, as editable slides or one HTML page.

``folders`` tells the given folders apart and checks each (a run folder exactly as ``incsim
report`` does); ``slides`` gathers each slide's figures, sentences and speaker notes as plain
data (``words`` and ``robust`` spell them with the report's wording); ``pptx_writer`` writes native
PowerPoint (charts, text boxes, notes) and ``html_writer`` one self-contained page with a presenter view.
"""

from __future__ import annotations

from pathlib import Path

from incsim.files import atomic_write
from incsim.present.folders import Inputs, PresentError, gather_inputs
from incsim.present.slides import AUDIENCES, Deck, build_deck

FORMATS = ("pptx", "html")


def deck_format(out: Path) -> str:
    """``pptx`` or ``html`` from the output file's suffix; ``PresentError`` for any other."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise PresentError(f"{out}: give a .pptx or .html file name with -o")
    return fmt


def render_deck(deck: Deck, fmt: str) -> bytes:
    """The deck as the bytes of a ``.pptx`` or ``.html`` file."""
    if fmt == "pptx":
        from incsim.present.pptx_writer import pptx_bytes

        return pptx_bytes(deck)
    from incsim.present.html_writer import html_text

    return html_text(deck).encode("utf-8")


def write_deck(folders: list[Path], out: Path | None = None, audience: str = "exec") -> Path:
    """Build the deck from ``folders`` and write it atomically to ``out`` (default: RUN/deck.pptx)."""
    if audience not in AUDIENCES:
        raise PresentError(f"unknown audience '{audience}' (exec or engineering)")
    if out is not None:
        deck_format(out)  # a wrong name fails before any folder is read
    inputs = gather_inputs(folders)
    path = out if out is not None else inputs.run.results.path / "deck.pptx"
    fmt = deck_format(path)
    if path.is_dir():
        raise PresentError(f"{path}: is a folder; give a file name with -o")
    if not path.parent.is_dir():
        raise PresentError(f"{path.parent}: no such folder for the deck")
    data = render_deck(build_deck(inputs, audience), fmt)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise PresentError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


__all__ = [
    "AUDIENCES",
    "FORMATS",
    "Deck",
    "Inputs",
    "PresentError",
    "build_deck",
    "gather_inputs",
    "render_deck",
    "write_deck",
]
