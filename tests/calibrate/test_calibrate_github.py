"""The importers and fits on GitHub's real status-page history, and ``scenarios/github.yaml``
checked against it (skipped where the shared data folder is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from incsim.calibrate.calibration import calibrate
from incsim.calibrate.check import check
from incsim.calibrate.readers import read_export
from incsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("INCSIM_SHARED", ROOT.parent / "shared"))  # ../shared beside the repository
HISTORY = SHARED / "data" / "github-status" / "incidents.jsonl"
KS_BOUND = 0.15
"""Largest KS distance accepted between the history and github.yaml's simulated times to resolve.
Sampling noise alone at these sizes (772 vs ~236) is about 0.10 at the 95% level."""

pytestmark = pytest.mark.skipif(not HISTORY.is_file(), reason=f"GitHub status history not found at {HISTORY}")


@pytest.fixture(scope="module")
def history():
    return read_export(HISTORY)


def test_real_history_imports_with_its_drops_accounted(history):
    raw = sum(1 for line in HISTORY.read_text(encoding="utf-8").splitlines() if line.strip())
    assert history.format == "statuspage" and not history.problems
    assert len(history.incidents) + sum(history.dropped.values()) == raw  # nothing vanishes silently
    assert history.dropped["maintenance"] > 0
    assert all(i.resolved > i.start for i in history.incidents)


def test_real_history_fit_matches_its_own_logs(history):
    cal = calibrate(history)
    g = cal["groups"][0]
    d, _ = history.durations()
    logs = np.log(d)
    assert g["best_family"] == "lognormal"  # heavy-tailed, as incident durations are reported to be
    assert g["median_min"] == pytest.approx(float(np.exp(logs.mean())), rel=1e-4)
    assert g["log_sd"] == pytest.approx(float(logs.std()), rel=1e-4)
    assert g["gof"]["statistic"] < 0.05
    assert cal["updates"]["gap_median_min"] > 0
    assert 2.0 < cal["arrivals"]["per_week"] < 5.0


def test_github_scenario_reproduces_the_history(history):
    scn = load_scenario(ROOT / "scenarios" / "github.yaml")
    result, _, _ = check(scn, history, replications=5, seed=1)
    for proto, r in result["protocols"].items():
        assert r["n"] > 150, proto
        assert r["ks_distance"] < KS_BOUND, (proto, r["ks_distance"])
        # and not by luck in the middle only: the median within 20% of the history's
        assert r["quantiles_min"]["0.5"] == pytest.approx(result["history"]["quantiles_min"]["0.5"], rel=0.2)
