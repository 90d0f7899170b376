"""What every command shares: the Typer app, one-line failures, plural words, progress on stderr."""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from incsim.calibrate.formats import FORMATS as EXPORT_FORMATS
from incsim.clock import duration


def _flag_type_hidden() -> None:
    """Typer's help prints a type beside every option, ``<bool>`` for an on/off flag, which takes
    no value; show the type of options that take one only (one patch, for every command)."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_incsim", False):
        return

    def display_type_rich(self, ctx):  # noqa: ANN001 - Typer's own signature
        return None if getattr(self, "is_flag", False) and self.metavar is None else shown(self, ctx)

    display_type_rich._incsim = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flag_type_hidden()

MAX_SEED = 2**64 - 1
"""The largest ``--seed``: ``scenario.schema.MAX_SEED``, spelled here so that parsing the command
line does not import pydantic (``tests/scenario/test_input_hardening.py`` holds the two equal)."""

# options that several commands take, spelled once
Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Worker processes (default and cap: the machine's cores, and no more than the replications).",
    ),
]
Oversubscribe = Annotated[
    bool, typer.Option("--oversubscribe", help="Allow --jobs above the machine's cores.")
]
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but the results.")]
Calls = Annotated[
    list[Path] | None,
    typer.Option("--calls", metavar="FILE", help="Call attendance report (Zoom, Meet, Teams); repeatable."),
]
"""The call attendance reports of the commands that read people data (calibrate, review, timeline)."""
ChannelPattern = Annotated[
    str, typer.Option("--channel-pattern", metavar="GLOB", help="Incident channels by name pattern.")
]
"""Which Slack channels are incident channels, by name pattern (calibrate, timeline)."""


ExportFormat = Enum("ExportFormat", {f.replace("-", "_"): f for f in EXPORT_FORMATS}, type=str)
ExportFormat.__doc__ = "``--format`` of ``calibrate`` and ``timeline``: which export format to read."

ReadOrPrint = Enum(
    "ReadOrPrint", {f.replace("-", "_"): f for f in ("table", "json", *EXPORT_FORMATS)}, type=str
)
ReadOrPrint.__doc__ = (
    "``--format`` of ``review`` and ``replay``: how to print (``run``'s ``table``, ``json``, "
    "``csv``), or, as ``calibrate --format`` says it, which export format to read."
)


PRINTS = ("table", "json", "csv")


def read_or_print(values: list[ReadOrPrint] | None) -> tuple[str | None, str]:
    """The export format (None: detected) and the output format (``table`` unless given) that one
    or two ``--format`` options name; UsageError-free: a clash is a one-line failure."""
    export = [v.value for v in values or [] if v.value not in PRINTS]
    shown = [v.value for v in values or [] if v.value in PRINTS]
    if len(export) > 1 or len(shown) > 1:
        fail([f"--format given twice for the same thing: {', '.join(v.value for v in values or [])}"])
    return (export[0] if export else None), (shown[0] if shown else "table")


FormatOption = Annotated[
    list[ReadOrPrint] | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="How to print (table, json or csv, as for `run`), and/or the export's format "
        "(default: detected); may be given twice, e.g. --format gcloud --format json.",
    ),
]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Incident-response simulator: the war-room, async-first and hybrid protocols compared.",
)


@app.callback()
def _before_every_command() -> None:
    print_old_spellings()


def print_old_spellings() -> None:
    """Print each ``OldSpellingWarning`` a loader issues as its one line on stderr, once per place
    (per command); every other warning is shown as before."""
    previous = getattr(warnings.showwarning, "previous", warnings.showwarning)
    printed: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        from incsim.scenario.yamlread import OldSpellingWarning  # loaded already: a loader issued it

        if not issubclass(category, OldSpellingWarning):
            previous(message, category, filename, lineno, file, line)
        elif str(message) not in printed:
            printed.add(str(message))
            typer.echo(str(message), err=True)

    show.previous = previous  # type: ignore[attr-defined]
    warnings.showwarning = show


PROGRESS_EVERY_S = 5.0
"""Off a terminal, a progress line at most this often (and at least this often while work runs)."""


def fail(problems: Iterable[object], code: int = 2) -> NoReturn:
    """Print each problem as one line on stderr and exit with ``code``; a control character or
    bidirectional override the problem quotes from a file is shown as U+FFFD (``safe_text``)."""
    from incsim.drill.feed import safe_text

    for problem in problems:
        typer.echo(safe_text(str(problem)), err=True)
    raise typer.Exit(code)


def interrupted(message: str, exc: BaseException) -> NoReturn:
    """Report an interruption (``message``, naming the signal) and exit with 128 + the signal."""
    from incsim import signals

    name = getattr(exc, "name", "SIGINT")
    signals.mark_reported()
    by = "" if name == "SIGINT" else f" by {name}"  # a Ctrl-C needs no naming
    fail([f"interrupted{by}: {message}"], code=signals.exit_code(exc))


def plural(n: int, word: str) -> str:
    """``1 team``, ``2 teams``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Progress:
    """Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise, nothing
    when ``quiet``. Use as a context manager; ``advance`` counts work done, ``note`` prints a line."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        quiet: bool = False,
        unit: str = "replications",
        every: float = PROGRESS_EVERY_S,
    ) -> None:
        from incsim import render

        self.label, self.total, self.quiet, self.unit, self.every = label, total, quiet, unit, every
        self.done = 0
        self.console = render.console(err=True)
        self.tty = sys.stderr.isatty()
        self._bar = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()

    def __enter__(self) -> Progress:
        self._t0 = time.monotonic()
        if self.quiet:
            return self
        if self.tty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as Bar,
            )

            self._bar = Bar(
                TextColumn(self.label),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.unit, total=self.total)
        else:
            self._thread = threading.Thread(target=self._tick, name="incsim-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._line()

    def _line(self) -> None:
        with self._lock:
            done, total = self.done, self.total
        elapsed = time.monotonic() - self._t0
        left = f", about {duration(elapsed * (total - done) / done)} left" if 0 < done < total else ""
        pct = f" ({100 * done / total:.0f}%)" if total else ""
        print(
            f"{self.label}: {done}/{total} {self.unit}{pct}, {duration(elapsed)} elapsed{left}",
            file=sys.stderr,
            flush=True,
        )

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        with self._lock:
            self.done += n
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def note(self, message: str) -> None:
        """Print ``message`` on stderr (above the bar on a terminal); nothing when quiet."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(message, highlight=False, soft_wrap=True)
        else:
            print(message, file=sys.stderr, flush=True)
