"""A large sweep is checked quickly: each point's scenario costs about one validation (no copy of
the whole scenario, no simulation), so ``incsim validate`` on a grid of thousands of points takes
seconds, not minutes."""

from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path

import pytest
from bounds import bounded
from typer.testing import CliRunner

from incsim.cli import app
from incsim.model.world import World
from incsim.scenario.loader import load_scenario_text, validate_data
from incsim.scenario.overrides import apply_override
from incsim.sweep.loading import load_sweep, point_data

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "seed.yaml"

GRID = f"""\
apiVersion: incsim/v1
kind: Sweep
metadata: {{name: large-grid}}
scenario: {SEED}
mode: grid
parameters:
  - path: behaviour.reply_latency.working.median
    values: {{from: 5, to: 160, steps: 15, scale: log}}
  - path: behaviour.reply_latency.off_hours.median
    values: {{from: 10, to: 320, steps: 10, scale: log}}
  - path: costs.customer_impact_usd_per_min
    values: {{from: 0, to: 19, steps: 20}}
"""
POINTS = 15 * 10 * 20


def _seed_data() -> dict:
    return point_data(load_scenario_text(SEED.read_text(), str(SEED)))


def test_an_override_copies_only_the_way_to_its_value():
    data = _seed_data()
    before = copy.deepcopy(data)
    out = apply_override(data, "costs.customer_impact_usd_per_min", 12.5)
    assert out["costs"]["customer_impact_usd_per_min"] == 12.5
    assert data == before, "the input is left unchanged"
    assert out["costs"] is not data["costs"]
    assert all(out[k] is data[k] for k in data if k != "costs"), "the rest is shared, not copied"
    # through a list: the list and the item on the way are new, the other items shared
    out = apply_override(data, "protocols.0.name", "renamed")
    assert out["protocols"][0]["name"] == "renamed" and data == before
    assert out["protocols"] is not data["protocols"]
    assert all(a is b for a, b in zip(out["protocols"][1:], data["protocols"][1:], strict=True))
    # a value set is the setter's own: changing it later does not reach the scenario data
    value = {"dist": "lognormal", "median": 7.0, "sigma": 0.5}
    out = apply_override(data, "behaviour.reply_latency.working", value)
    value["median"] = 99.0
    assert out["behaviour"]["reply_latency"]["working"]["median"] == 7.0


def test_a_grid_of_3000_points_costs_about_one_validation_a_point(tmp_path, monkeypatch):
    # before: each point copied the whole scenario three times (once per parameter) and the
    # collector walked every scenario kept so far: 2.2 ms of CPU a point, eleven validations' worth
    def no_simulation(*args, **kwargs):
        raise AssertionError("checking a sweep simulated")

    monkeypatch.setattr(World, "__init__", no_simulation)
    data = _seed_data()
    one = []
    for _ in range(30):
        t0 = time.process_time()
        validate_data(data)
        one.append(time.process_time() - t0)
    path = tmp_path / "grid.yaml"
    path.write_text(GRID)
    t0 = time.process_time()
    with bounded(30.0):
        sweep = load_sweep(path)
    per_point = (time.process_time() - t0) / POINTS
    assert len(sweep.points) == POINTS
    last = sweep.points[-1]
    assert last.scenario.costs.customer_impact_usd_per_min == 19
    assert last.scenario.behaviour.reply_latency.working.median == pytest.approx(160)
    assert sweep.points[0].scenario.costs.customer_impact_usd_per_min == 0
    assert per_point < 6 * statistics.median(one), (per_point, statistics.median(one))


def test_incsim_validate_reports_a_large_grid(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(GRID.replace("steps: 20", "steps: 2"))
    with bounded(10.0):
        res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert "300 points" in res.output
