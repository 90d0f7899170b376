"""A deck's parts as plain data (series, chart, table, slide, deck): what ``slides`` and its
wording build and what the writers (``pptx_writer``, ``html_writer``, ``svg``) lay out.

They live apart from ``slides`` so that the wording modules can build tables and charts without
importing the module that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Series:
    """One named series of a chart: a value per category (NaN where there is none)."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A chart's data: ``bar`` (clustered columns), ``hbar`` (clustered bars, for long category
    names) or ``line``; values are the folder's numbers."""

    kind: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    digits: int = 0
    x: tuple[float, ...] | None = None
    """For a line over a numeric axis (months): each point's x; the categories are its labels."""

    @property
    def number_format(self) -> str:
        """The Excel number format of the values (as shown on the slide): dollars for a ``$`` unit."""
        if self.unit.startswith("$"):
            return '"$"#,##0'
        return "#,##0" if self.digits == 0 else "#,##0." + "0" * self.digits


@dataclass(frozen=True)
class Table:
    """A small table: a header row and rows of text."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Slide:
    """One slide: title, the message in a sentence, supporting points, an optional table and chart,
    and the speaker notes (what the numbers mean and what they do not)."""

    key: str
    title: str
    lead: str
    notes: str
    points: tuple[str, ...] = ()
    table: Table | None = None
    chart: Chart | None = None
    technical: bool = False


@dataclass
class Deck:
    """The slides, in order, with the title of the deck."""

    title: str
    audience: str
    protocols: list[str]
    slides: list[Slide] = field(default_factory=list)
