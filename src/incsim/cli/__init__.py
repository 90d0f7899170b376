"""The ``incsim`` command line: one module per command, each parsing options, calling the API, printing.

Commands import their heavy libraries inside the command, so ``incsim --help`` stays quick.
"""

from __future__ import annotations

from incsim.cli import (  # noqa: F401  (each registers its command)
    calibrate,
    drill,
    pilot,
    present,
    replay,
    report,
    review,
    robustness,
    run,
    sweep,
    timeline,
    validate,
    verify,
)
from incsim.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``incsim`` console script."""
    app()
