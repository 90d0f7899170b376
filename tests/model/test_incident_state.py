"""An incident run is state: it holds no reference to the world that simulates it."""

from __future__ import annotations

import ast
from pathlib import Path

from scenario_helpers import load_seed, variant

from incsim.model import live_incident
from incsim.model.incidents import generate_incidents
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.schema import Scenario


def test_the_live_incident_module_does_not_know_the_world():
    tree = ast.parse(Path(live_incident.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(
        m and (m.endswith(".world") or m.endswith(".staffing") or m.endswith(".participation"))
        for m in imported
    ), imported


def test_no_live_incident_holds_the_world_after_a_simulation():
    scn = Scenario.model_validate(variant(load_seed(), "simulation.horizon_days", 14))
    incidents = generate_incidents(scn, Streams(4, 0), 14 * 1440.0)
    world = World(scn, "war-room", Streams(4, 0), incidents)
    world.run()
    assert world.live
    for run in world.live.values():
        values = [getattr(run, name) for name in vars(run)]
        assert not any(isinstance(v, World) for v in values)
