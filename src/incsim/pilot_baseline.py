"""The history a pilot is judged against (``History``): historical durations (a CSV or a results folder) or a
lognormal given by its mean and sd."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from incsim.files import OutputError, check_seal
from incsim.pilot_defaults import PilotError

_DURATION_HINTS = ("duration", "ttr")
Z90 = float(sps.norm.ppf(0.95))  # half-width of a central 90% normal interval, in sds


@dataclass(frozen=True)
class History:
    """The TTR history a pilot is simulated against, in minutes: historical durations (a history
    file, a results folder's simulated history) or a lognormal from a mean and spread. Not the
    *baseline*, which is the first protocol of a scenario."""

    source: str
    durations: np.ndarray | None = None  # historical durations (bootstrap-resampled)
    mu_log: float | None = None  # lognormal parameters when durations is None
    sigma_log: float | None = None
    rows: int = 0  # rows read (after exclusions)
    dropped: int = 0  # rows dropped: NaN, non-numeric or non-positive
    excluded: int = 0  # rows removed by an exclusion filter
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def shape(self) -> str:
        """``"empirical"`` or ``"lognormal"``."""
        return "lognormal" if self.durations is None else "empirical"

    def _logs(self) -> np.ndarray:
        if "logs" not in self._cache:
            self._cache["logs"] = np.log(self.durations)
        return self._cache["logs"]

    @property
    def mean(self) -> float:
        """Mean duration (MTTR) in minutes."""
        if self.durations is None:
            return math.exp(self.mu_log + self.sigma_log**2 / 2)
        return float(self.durations.mean())

    @property
    def sd(self) -> float:
        """Standard deviation in minutes (of the resampled population, i.e. ddof=0)."""
        if self.durations is None:
            return self.mean * math.sqrt(math.expm1(self.sigma_log**2))
        return float(self.durations.std())

    @property
    def median(self) -> float:
        """Median duration in minutes."""
        if self.durations is None:
            return math.exp(self.mu_log)
        return float(np.median(self.durations))

    @property
    def geomean(self) -> float:
        """Geometric mean in minutes."""
        if self.durations is None:
            return math.exp(self.mu_log)
        return float(math.exp(self._logs().mean()))

    @property
    def log_sd(self) -> float:
        """Standard deviation of ln(duration)."""
        if self.durations is None:
            return self.sigma_log
        return float(self._logs().std())

    def median_density(self, n: int) -> float:
        """Density at the median (per minute) that governs the median of n draws.

        Lognormal: the exact density. Historical durations: the slope of the empirical CDF over
        the median's own 90% fluctuation range (+-1.645 sd at n), the sd first sized from a
        Gaussian KDE of the log durations (f(m) = f_log(ln m) / m; Scott's bandwidth); the window
        is widened until it holds at least 30 durations. A bootstrap median only sees the data
        near the median on that scale, so this tracks the resampling (ties at round minutes
        included) where a smooth density misses it by 10-20% on real data.
        """
        m = self.median
        if self.durations is None:
            return 1.0 / (m * self.sigma_log * math.sqrt(2 * math.pi))
        logs = self._logs()
        if np.ptp(logs) == 0:
            return math.inf
        smooth = float(sps.gaussian_kde(logs)(math.log(m))[0]) / m
        data = self.durations
        width = Z90 / (2 * smooth * math.sqrt(n))
        count = int(np.sum(np.abs(data - m) <= width))
        while count < min(30, len(data)):
            width *= 2
            count = int(np.sum(np.abs(data - m) <= width))
        return count / (2 * width * len(data))

    def describe(self) -> dict:
        """The baseline's source and summary figures, JSON-ready."""
        return {
            "source": self.source,
            "kind": self.shape,  # the JSON key pilot.json readers know
            "n": int(len(self.durations)) if self.durations is not None else None,
            "rows": self.rows if self.durations is not None else None,
            "dropped": self.dropped,
            "excluded": self.excluded,
            "mean_min": self.mean,
            "median_min": self.median,
            "sd_min": self.sd,
            "geomean_min": self.geomean,
            "log_sd": self.log_sd,
        }

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Durations of the given shape and their logs, in single precision.

        float32 makes the Monte Carlo 3-4 times faster; its rounding (1e-7 relative) is far below
        the sampling noise, and sums are accumulated in float64 by the caller.
        """
        if self.durations is None:
            logs = rng.standard_normal(shape, dtype=np.float32)
            logs *= np.float32(self.sigma_log)
            logs += np.float32(self.mu_log)
            return np.exp(logs), logs
        if "f32" not in self._cache:
            self._cache["f32"] = (self.durations.astype(np.float32), self._logs().astype(np.float32))
        values, logs = self._cache["f32"]
        idx = rng.integers(0, len(values), size=shape, dtype=np.int32)
        return values[idx], logs[idx]


# -- loading the baseline ---------------------------------------------------------------------


def baseline_from_moments(mean: float, sd: float) -> History:
    """A lognormal baseline with the given mean and standard deviation (minutes)."""
    if not (math.isfinite(mean) and mean > 0):
        raise PilotError(f"--mean must be a positive number of minutes, got {mean}")
    if not (math.isfinite(sd) and sd > 0):
        raise PilotError(f"--sd must be a positive number of minutes, got {sd}")
    s2 = math.log1p((sd / mean) ** 2)
    return History(
        source=f"lognormal(mean={mean:g} min, sd={sd:g} min)",
        mu_log=math.log(mean) - s2 / 2,
        sigma_log=math.sqrt(s2),
    )


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PilotError(f"{path}: no such file")
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise PilotError(f"{path}: empty file, expected a CSV with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PilotError(f"{path}: cannot read as CSV: {detail}") from None


def _clean(path: Path, column: str, values: pd.Series, *, rows: int, excluded: int, source: str) -> History:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(numbers) & (numbers > 0)
    if not ok.any():
        raise PilotError(f"{path}: column '{column}' has no positive numeric values")
    return History(
        source=source, durations=numbers[ok], rows=rows, dropped=int((~ok).sum()), excluded=excluded
    )


def _parse_exclusions(path: Path, frame: pd.DataFrame, exclude: Sequence[str]) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for item in exclude:
        col, sep, value = item.partition("=")
        col, value = col.strip(), value.strip()
        if not sep or not col:
            raise PilotError(f"--exclude '{item}': expected COLUMN=VALUE, e.g. impact=maintenance")
        if col not in frame.columns:
            raise PilotError(
                f"{path}: no column '{col}' to exclude on (columns: {', '.join(map(str, frame.columns))})"
            )
        keep &= frame[col].astype(str).str.strip().str.casefold() != value.casefold()
    return keep


def _default_column(path: Path, frame: pd.DataFrame) -> str:
    for col in frame.columns:
        name = str(col).casefold()
        if (
            any(hint in name for hint in _DURATION_HINTS)
            and pd.to_numeric(frame[col], errors="coerce").notna().any()
        ):
            return str(col)
    raise PilotError(
        f"{path}: no numeric column named like 'duration' or 'ttr' "
        f"(columns: {', '.join(map(str, frame.columns))}); pass --column"
    )


def baseline_from_csv(path: Path | str, column: str | None = None, exclude: Sequence[str] = ()) -> History:
    """Historical durations from a CSV column, minus rows matching any ``COLUMN=VALUE`` in ``exclude``.

    The default column is the first numeric one whose name contains ``duration`` or ``ttr``.
    Exclusions compare the stripped text case-insensitively (``impact=maintenance`` drops
    scheduled-maintenance windows). Rows with NaN, non-numeric or non-positive durations are
    dropped and counted in ``History.dropped``.
    """
    path = Path(path)
    frame = _read_csv(path)
    if column is None:
        column = _default_column(path, frame)
    elif column not in frame.columns:
        raise PilotError(f"{path}: no column '{column}' (columns: {', '.join(map(str, frame.columns))})")
    keep = _parse_exclusions(path, frame, exclude)
    kept = frame.loc[keep, column]
    where = f" excluding {', '.join(exclude)}" if exclude else ""
    return _clean(
        path,
        column,
        kept,
        rows=len(kept),
        excluded=int((~keep).sum()),
        source=f"{path} column '{column}'{where}",
    )


def baseline_from_results(results: Path | str, protocol: str | None = None) -> History:
    """A protocol's simulated ``ttr_min`` values from an ``incsim run`` folder (or its incidents.csv).

    ``protocol`` may be omitted when the results hold a single protocol.
    """
    results = Path(results)
    path = results / "incidents.csv" if results.is_dir() else results
    if not results.exists():
        raise PilotError(f"{results}: no such results folder")
    folder = path.parent
    if folder.joinpath("run.json").is_file():  # a results folder: whole and of one run, or refused
        try:
            check_seal(folder, "run.json")
        except OutputError as exc:
            raise PilotError(str(exc)) from None
    elif any(folder.joinpath(n).exists() for n in ("summary.csv", "scenario.yaml", "events")):
        raise PilotError(
            f"{folder}: incomplete results folder, missing run.json (an interrupted or damaged run?)"
        )
    frame = _read_csv(path)
    for col in ("protocol", "ttr_min"):
        if col not in frame.columns:
            raise PilotError(f"{path}: no column '{col}'; is this an incsim run's incidents.csv?")
    available = sorted(frame["protocol"].dropna().astype(str).unique())
    if protocol is None:
        if len(available) != 1:
            raise PilotError(f"{path}: several protocols, pick one with --protocol ({', '.join(available)})")
        protocol = available[0]
    if protocol not in available:
        raise PilotError(f"{path}: no protocol '{protocol}' (protocols: {', '.join(available) or 'none'})")
    kept = frame.loc[frame["protocol"].astype(str) == protocol, "ttr_min"]
    return _clean(path, "ttr_min", kept, rows=len(kept), excluded=0, source=f"{path} protocol '{protocol}'")


def load_baseline(
    mean: float | None,
    sd: float | None,
    durations: Path | None,
    column: str | None,
    exclude: list[str] | None,
    from_results: Path | None,
    protocol: str | None,
) -> History:
    """The baseline named by exactly one of a mean and sd, a CSV of durations, a results folder
    (``incsim pilot``'s --mean/--sd, --durations, --from-results)."""
    given = [
        name
        for name, on in (
            ("--mean/--sd", mean is not None or sd is not None),
            ("--durations", durations is not None),
            ("--from-results", from_results is not None),
        )
        if on
    ]
    if len(given) != 1:
        raise PilotError(
            "give exactly one baseline: --mean M --sd S, --durations FILE.csv, "
            f"or --from-results DIR (got {', '.join(given) or 'none'})"
        )
    if (column is not None or exclude) and durations is None:
        raise PilotError("--column and --exclude apply to --durations only")
    if protocol is not None and from_results is None:
        raise PilotError("--protocol applies to --from-results only")
    if durations is not None:
        return baseline_from_csv(durations, column, exclude or ())
    if from_results is not None:
        return baseline_from_results(from_results, protocol)
    if mean is None or sd is None:
        raise PilotError("a lognormal baseline needs both --mean and --sd (minutes)")
    return baseline_from_moments(mean, sd)
