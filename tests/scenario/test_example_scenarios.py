"""Every example scenario in ``scenarios/`` loads, runs every protocol and category, and runs from the CLI.

The files are found by glob, so a scenario added to ``scenarios/`` is covered without editing
this module.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.cli import app
from incsim.experiment import run_experiment
from incsim.scenario.loader import ScenarioError, load_scenario
from incsim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
REPLICATIONS = 3
RAREST_EXPECTED = 10.0
"""Incidents of the rarest category expected over all replications (P(none) = e^-10)."""
MAX_HORIZON_DAYS = 730.0

runner = CliRunner()
params = pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])


def test_there_are_example_scenarios():
    names = {p.name for p in SCENARIOS}
    assert {"seed.yaml", "startup.yaml", "large-org.yaml", "fintech.yaml"} <= names


@params
def test_loads_without_problems(path: Path):
    try:
        scn = load_scenario(path)
    except ScenarioError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"{path.name} does not validate:\n{exc}")
    assert scn.protocols


@params
def test_starts_with_a_documenting_comment(path: Path):
    first = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[:3]
    assert first and all(line.startswith("#") for line in first), (
        f"{path.name} should open with a comment block saying what it models and its sources"
    )


def _categories(scn: Scenario) -> set[str]:
    """Categories the scenario can produce: a non-zero share in the mix, or a scripted incident."""
    inc = scn.incidents
    cats = {s.category for s in inc.scripted}
    if inc.arrivals is not None:
        cats |= {c for c, p in inc.mix.items() if p > 0}
    return cats


def _short(scn: Scenario) -> Scenario:
    """``scn`` with a horizon just long enough to meet every category across the replications."""
    inc = scn.incidents
    days = scn.simulation.horizon_days
    if inc.arrivals is not None:
        per_week = inc.arrivals.rate_per_week * (len(scn.org.services) if inc.arrivals.per_service else 1)
        rarest = min((p for p in inc.mix.values() if p > 0), default=1.0)
        weeks = RAREST_EXPECTED / (per_week * rarest * REPLICATIONS)
        days = 7.0 * weeks
    if inc.scripted:
        days = max(days, max(s.at_min for s in inc.scripted) / 1440.0 + 1.0)
    days = min(max(days, 7.0), MAX_HORIZON_DAYS)
    sim = scn.simulation.model_copy(update={"horizon_days": days})
    return scn.model_copy(update={"simulation": sim})


@pytest.fixture(scope="module")
def short_runs():
    cache = {}

    def get(path: Path):
        if path not in cache:
            scn = _short(load_scenario(path))
            cache[path] = (scn, run_experiment(scn, REPLICATIONS, seed=1, log_sample=0))
        return cache[path]

    return get


@params
def test_short_run_covers_every_protocol_and_category(path: Path, short_runs):
    scn, res = short_runs(path)
    inc = res.incidents
    assert not inc.empty, f"{path.name}: no incidents in {scn.simulation.horizon_days:.0f} days"
    assert set(inc["protocol"]) == {p.name for p in scn.protocols}
    # common random numbers: every protocol meets the same incidents
    counts = inc.groupby("protocol").size()
    assert counts.nunique() == 1, counts.to_dict()
    assert set(inc["category"]) == _categories(scn)
    assert inc["ttr_min"].map(math.isfinite).all(), "an incident never resolved"
    assert (inc["ttr_min"] > 0).all() and (inc["engineer_hours"] > 0).all()


@params
def test_cli_run_json(path: Path, tmp_path: Path):
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        ["run", str(path), "-n", "2", "--seed", "1", "-o", str(out), "--format", "json", "-q"],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["replications"] == 2 and doc["seed"] == 1
    assert (out / "incidents.csv").is_file() and (out / "summary.csv").is_file()
