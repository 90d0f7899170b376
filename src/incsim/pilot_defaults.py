"""The pilot analysis's names and defaults, without its libraries: the command line reads them for
``--help``, and ``incsim.pilot`` (numpy, pandas, scipy) uses the same ones."""

from __future__ import annotations

STATISTICS = ("mttr", "median", "geomean")
"""Keys of the per-statistic figures: mean (MTTR), median, geometric mean."""

DEFAULT_TRIALS = 10_000
DEFAULT_THRESHOLD = 0.1


class PilotError(Exception):
    """Bad input for a pilot analysis; the message is one line naming the file or column."""
