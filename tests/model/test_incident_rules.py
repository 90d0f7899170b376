"""Incident generation rules that the arrival tests leave open: scripted incidents beside the
Poisson arrivals, whatever shape the arrival rate has, and overlapping burst windows.

A scripted incident takes no draw from the ``arrivals`` stream (it is read from the scenario),
so adding one to a scenario leaves every random arrival where it was: the list gains exactly
that incident, at its minute, and nothing else moves. Expected values follow from that rule,
not from an earlier run."""

from __future__ import annotations

import numpy as np
import pytest

from incsim.model.incidents import HOURS_PER_WEEK, ArrivalRate, generate_incidents, profile_weights
from incsim.model.people import WEEK
from incsim.model.streams import Streams
from incsim.scenario.loader import load_scenario_text
from incsim.scenario.schema import ArrivalProfile, Burst

SCENARIO = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: scripted}
org:
  teams:
    - {name: app, size: 4, duties: [ic]}
  services:
    - {name: api, team: app}
    - {name: web, team: app}
incidents:
  ARRIVALS
  SCRIPTED
  mix: {single-service: 1.0}
  categories:
    single-service: {diagnosis: 40, fix: 15}
protocols:
  - {name: war-room, kind: war-room}
"""

# a flat rate (plain Poisson draws), an hour-of-week profile and a burst (both thinned)
RATES = {
    "flat": "arrivals: {rate_per_week: 20}",
    "profile": "arrivals: {rate_per_week: 20, profile: {timezone: utc, weekday: [3, 3, 3, 3, 3, 1, 1]}}",
    "burst": "arrivals: {rate_per_week: 20, bursts: [{at_min: 2000, duration_min: 600, factor: 4}]}",
}
SCRIPTED_AT = 1234.5


def incidents(arrivals: str, scripted: bool):
    text = SCENARIO.replace("ARRIVALS", arrivals).replace(
        "SCRIPTED", f"scripted: [{{at_min: {SCRIPTED_AT}, service: web}}]" if scripted else "scripted: []"
    )
    scn = load_scenario_text(text, "scripted.yaml")
    return generate_incidents(scn, Streams(7, 0), 2 * WEEK)


@pytest.mark.parametrize("rate", sorted(RATES))
def test_a_scripted_incident_is_added_to_the_random_arrivals_and_moves_none(rate):
    without = incidents(RATES[rate], scripted=False)
    with_one = incidents(RATES[rate], scripted=True)
    assert len(without) > 10  # 20 a week over two weeks: the comparison has arrivals to keep
    assert len(with_one) == len(without) + 1
    scripted = [i for i in with_one if i.at == SCRIPTED_AT]
    assert [(i.roots, i.category) for i in scripted] == [(("web",), "single-service")]
    assert sorted((i.at, i.roots) for i in with_one if i is not scripted[0]) == sorted(
        (i.at, i.roots) for i in without
    )
    # ids follow arrival order
    assert [i.id for i in with_one] == list(range(len(with_one)))
    assert [i.at for i in with_one] == sorted(i.at for i in with_one)


def test_a_burst_not_yet_begun_does_not_hide_one_listed_after_it():
    """Two windows listed latest first: ×3 from minute 1000 to 1100, ×2 from 0 to 500. At
    minute 100 only the second is open (×2); at 1050 both are, and the larger applies (×3);
    at 700 neither (×1)."""
    rate = ArrivalRate(
        weights=np.ones(168),
        offsets={"api": 0.0},
        bursts=(
            Burst(at_min=1000.0, duration_min=100.0, factor=3.0),
            Burst(at_min=0.0, duration_min=500.0, factor=2.0),
        ),
    )
    assert [rate.burst(t) for t in (100.0, 1050.0, 700.0)] == [2.0, 3.0, 1.0]
    assert rate.factor("api", 100.0) == 2.0


@pytest.mark.parametrize("part", ["weekday", "hour"])
def test_a_compact_profile_missing_a_part_is_flat_in_that_part(part):
    """Only weekdays given (3 on Monday to Friday, 1 at the weekend; mean 17/7): every hour of a
    weekday weighs 3 / (17/7) = 21/17 and every weekend hour 7/17, 24 hours a day, 168 in all.
    Only hours given (3 in the afternoon, 1 before; mean 2): 1/2 and 3/2 on every one of the 7
    days."""
    if part == "weekday":
        w = profile_weights(ArrivalProfile(weekday=[3, 3, 3, 3, 3, 1, 1]))
        expected = np.repeat([21 / 17] * 5 + [7 / 17] * 2, 24)
    else:
        w = profile_weights(ArrivalProfile(hour=[1] * 12 + [3] * 12))
        expected = np.tile([0.5] * 12 + [1.5] * 12, 7)
    assert w.shape == (HOURS_PER_WEEK,)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
