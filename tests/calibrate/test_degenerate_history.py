"""A history whose incidents all last the same time: a fit at the edge of its family (a Weibull
whose shape grows without bound) is a fit, not an overflow."""

from __future__ import annotations

import math

from typer.testing import CliRunner

from incsim.calibrate.fit import fit_durations
from incsim.cli import app


def test_identical_durations_fit_without_overflow():
    # before: Nelder-Mead walked the Weibull's log-shape past 709 and math.exp raised OverflowError
    fits = fit_durations([90.0] * 6)
    assert fits, "every family is fitted or left out, none raises"
    for f in fits:
        assert all(math.isfinite(v) for v in f.params.values()), f
    lognormal = next(f for f in fits if f.family == "lognormal")
    assert abs(math.exp(lognormal.params["mu"]) - 90) < 1e-6


def test_calibrate_reads_a_history_of_identical_durations(tmp_path):
    csv_path, cols = tmp_path / "h.csv", tmp_path / "cols.yaml"
    rows = ["began,ended"] + [
        f"2026-01-{i + 1:02d}T10:00:00Z,2026-01-{i + 1:02d}T11:30:00Z" for i in range(6)
    ]
    csv_path.write_text("\n".join(rows) + "\n")
    cols.write_text("start: began\nend: ended\n")
    res = CliRunner().invoke(app, ["calibrate", str(csv_path), "--mapping", str(cols), "--json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
