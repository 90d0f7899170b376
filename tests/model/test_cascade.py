"""Cascading failures over a service graph: cycles are legal and terminate; damage needs a fix."""

from __future__ import annotations

import pytest

from incsim.model.events import Kind
from incsim.model.incidents import draw_incident
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.loader import ScenarioError, load_scenario_text

CYCLIC = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: ring}
org:
  teams:
    - {name: a, size: 4, duties: [ic]}
    - {name: b, size: 4}
    - {name: c, size: 4}
  services:
    - {name: s1, team: a, depends_on: [s3]}
    - {name: s2, team: b, depends_on: [s1]}
    - {name: s3, team: c, depends_on: [s2]}
incidents:
  arrivals: {rate_per_week: 1}
  mix: {cascading: 1.0}
  categories:
    cascading:
      diagnosis: 60
      fix: 20
      consults_mean: 0
      cascade_probability: 1.0
      cascade_delay: 5
      recovery: 7
      damage_probability: DAMAGE
      damage_fix: 30
protocols:
  - {name: war-room, kind: war-room}
  - {name: async-first, kind: async-first}
"""


def _world(damage: float, protocol: str = "async-first") -> World:
    scn = load_scenario_text(CYCLIC.replace("DAMAGE", str(damage)), "ring.yaml")
    spec = draw_incident(0, 600.0, "cascading", (), "s1", scn, Streams(1, 0))
    world = World(scn, protocol, Streams(1, 0), [spec], horizon=1440.0)
    world.run()
    return world


@pytest.mark.parametrize("protocol", ["war-room", "async-first"])
def test_a_cycle_spreads_to_each_service_once_and_ends(protocol):
    world = _world(0.0, protocol)
    affected = [e.service for e in world.log.events if e.kind is Kind.AFFECTED]
    assert sorted(affected) == ["s1", "s2", "s3"]  # s1 -> s2 -> s3 -> (s1 again: ignored)
    assert [e.kind for e in world.log.events].count(Kind.RESOLVED) == 1
    # each newly affected service paged its own team
    paged = {e.team for e in world.log.events if e.kind is Kind.PAGED}
    assert {"a", "b", "c"} <= paged


def test_dependents_recover_after_the_root_is_fixed():
    ev = _world(0.0).log.events
    fixed_root = next(e.t for e in ev if e.kind is Kind.FIXED and e.service == "s1")
    for svc in ("s2", "s3"):
        rec = next(e.t for e in ev if e.kind is Kind.RECOVERED and e.service == svc)
        assert rec == pytest.approx(fixed_root + 7)  # their own recovery time, after the root


def test_damage_needs_the_dependent_owners_own_fix():
    ev = _world(1.0).log.events
    fixed = {e.service: e.t for e in ev if e.kind is Kind.FIXED}
    assert set(fixed) == {"s1", "s2", "s3"}
    assert all(fixed[s] >= fixed["s1"] + 30 for s in ("s2", "s3"))
    resolved = next(e.t for e in ev if e.kind is Kind.RESOLVED)
    assert resolved >= max(fixed.values())


def test_unknown_baseline_protocol_is_located():
    text = CYCLIC.replace("DAMAGE", "0") + "simulation: {baseline: war-rom}\n"
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text, "ring.yaml")
    line = str(err.value)
    n = text.splitlines().index("simulation: {baseline: war-rom}") + 1
    assert line.startswith(f"ring.yaml:{n}:14: simulation.baseline: unknown protocol 'war-rom'")
    assert "did you mean 'war-room'" in line
