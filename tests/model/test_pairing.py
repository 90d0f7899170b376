"""Pairing of per-service failures: the j-th failure of service S meets the same work under
every protocol, although incident ids follow arrival order and arrival order follows each
protocol's time to resolve."""

from __future__ import annotations

import numpy as np
import pytest

from incsim.model.events import Kind
from incsim.model.incidents import generate_incidents
from incsim.model.people import WEEK
from incsim.model.streams import Streams, failure_stream_id
from incsim.model.world import World
from incsim.scenario.loader import load_scenario_text

FLEET = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: fleet}
org:
  teams:
    - {name: core, size: 6, duties: [ic], oncall: {per_shift: 1}}
    - {name: edge, size: 6, duties: [ic], oncall: {per_shift: 1}}
  services:
    - {name: a, team: core}
    - {name: b, team: core, depends_on: [a]}
    - {name: c, team: edge, depends_on: [b]}
    - {name: d, team: edge}
incidents:
  arrivals: {rate_per_week: 2, per_service: true PROFILE}
  mix: {single-service: 0.7, cascading: 0.3}
  categories:
    single-service:
      diagnosis: {dist: lognormal, median: 40, sigma: 0.8}
      fix: {dist: lognormal, median: 15, sigma: 0.6}
      consults_mean: 0.5
    cascading:
      diagnosis: {dist: lognormal, median: 70, sigma: 0.8}
      fix: {dist: lognormal, median: 25, sigma: 0.6}
      consults_mean: 1.5
      cascade_probability: 0.5
  flags:
    security: {probability: 0.2}
protocols:
  - name: war-room
    kind: war-room
    room: {invite: {rule: fixed-size, size: 8}, stay_probability: 0.9}
  - {name: async-first, kind: async-first}
"""


def fleet(profile: str = ""):
    """The four-service finite-source scenario, optionally with an arrival profile."""
    return load_scenario_text(FLEET.replace(" PROFILE", profile), "fleet.yaml")


def failures(scn, protocol: str, replication: int) -> dict[tuple[str, int], dict]:
    """What each service's j-th failure was under ``protocol``: its id, key and drawn work."""
    world = World(
        scn,
        protocol,
        Streams(5, replication),
        generate_incidents(scn, Streams(5, replication), 8 * WEEK),
        horizon=8 * WEEK,
    )
    world.run()
    index = {s.name: i for i, s in enumerate(scn.org.services)}
    out: dict[tuple[str, int], dict] = {}
    seen: dict[str, int] = {}
    for ev in world.log.events:
        if ev.kind is not Kind.DETECTED:
            continue
        spec = world.live[ev.incident].spec
        root = spec.roots[0]
        j = seen.get(root, 0)
        seen[root] = j + 1
        out[(root, j)] = {
            "id": spec.id,
            "key": spec.key,
            "expected_key": failure_stream_id(index[root], j),
            "work": (
                spec.category,
                spec.flags,
                spec.diagnosis,
                spec.fix,
                spec.consults,
                spec.consult_teams,
                tuple((s.service, s.delay) for s in spec.spread),
            ),
        }
    return out


@pytest.fixture(scope="module")
def paired() -> list[tuple[dict, dict]]:
    scn = fleet()
    return [(failures(scn, "war-room", r), failures(scn, "async-first", r)) for r in range(6)]


def test_the_jth_failure_of_a_service_meets_the_same_work_under_every_protocol(paired):
    common = 0
    for war, asyn in paired:
        both = war.keys() & asyn.keys()
        common += len(both)
        for k in both:
            assert war[k]["work"] == asyn[k]["work"], k
    assert common > 100


def test_ids_follow_arrival_order_so_they_differ_between_protocols(paired):
    """Without this the test above could not tell keying by id from keying by failure."""
    moved = sum(war[k]["id"] != asyn[k]["id"] for war, asyn in paired for k in war.keys() & asyn.keys())
    assert moved >= 10


def test_every_failure_draws_under_its_service_and_number(paired):
    for war, asyn in paired:
        for run in (war, asyn):
            assert all(v["key"] == v["expected_key"] for v in run.values())
            assert sorted(v["id"] for v in run.values()) == list(range(len(run)))


def test_failure_keys_never_meet_arrival_ordered_ids():
    keys = {failure_stream_id(s, j) for s in range(50) for j in range(1000)}
    assert len(keys) == 50 * 1000
    assert min(keys) > 10**9
    with pytest.raises(ValueError):
        failure_stream_id(0, -1)


def test_per_service_failures_follow_the_arrival_profile():
    only_ten = [0] * 10 + [1] + [0] * 13  # failures start only at 10:xx local time
    scn = fleet(", profile: {timezone: owner, hour: %s}" % only_ten)
    world = World(scn, "async-first", Streams(5, 0), [], horizon=8 * WEEK)
    world.run()
    starts = np.array([e.t for e in world.log.events if e.kind is Kind.DETECTED])
    assert len(starts) > 20
    assert set((starts // 60).astype(int) % 24) == {10}
