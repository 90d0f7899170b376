"""The essay checks, not correctness: the default scenario against the essay's figures.

These tests hold the default scenario (``scenarios/seed.yaml``) to what the essay reports of
its own org. They say nothing about whether the model is right: a change to the default's
parameters may move them without any bug. Correctness lives in the other test files; the
scenario is never tuned to make these pass (issue 9, item 6).

30 replications of the 28-day default, the same incidents under every protocol.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scenario_helpers import load_seed

from incsim.experiment import run_experiment
from incsim.metrics import t_interval
from incsim.scenario.schema import Scenario

SEED = 2024


@pytest.fixture(scope="module")
def seed_runs() -> pd.DataFrame:
    """The default scenario as shipped (28 days, the three protocols), 30 replications."""
    return run_experiment(Scenario.model_validate(load_seed()), 30, SEED, log_sample=0).incidents


def per_rep(df: pd.DataFrame, metric: str, protocol: str) -> pd.Series:
    """Mean ``metric`` per incident in each replication of ``protocol``."""
    return df[df["protocol"] == protocol].groupby("replication")[metric].mean()


def ratio(df: pd.DataFrame, metric: str, num: str = "async-first", den: str = "war-room") -> float:
    return per_rep(df, metric, num).mean() / per_rep(df, metric, den).mean()


def test_war_room_spectating_is_several_times_async_first(seed_runs):
    """Essay: "In our old war room model, we were burning 40+ engineer-hours per P1 incident.
    With our current async model, that number is under 10." (a ratio of 4 or more)"""
    r = ratio(seed_runs, "non_essential_hours", "war-room", "async-first")
    assert r >= 4.0, f"war-room / async-first non-essential hours per incident = {r:.2f}"
    war, chan = (
        per_rep(seed_runs, "non_essential_hours", "war-room"),
        per_rep(seed_runs, "non_essential_hours", "async-first"),
    )
    assert (war > chan).all()
    # a finite ratio: the channel's watchers pay to read the updates (reading for free would
    # make the ratio infinite and pass the bound above for the wrong reason)
    assert (chan > 0).all() and r < float("inf")


def test_async_first_costs_fewer_engineer_hours_in_every_replication(seed_runs):
    """Essay: "approximately one-quarter the engineering time investment": in every replication."""
    war, chan = (
        per_rep(seed_runs, "engineer_hours", "war-room"),
        per_rep(seed_runs, "engineer_hours", "async-first"),
    )
    assert (chan < war).all(), f"async-first / war-room per replication:\n{(chan / war).describe()}"


def test_single_service_engineer_hours_drop_by_about_70_percent(seed_runs):
    """Essay: "Engineer-hours per incident dropped by 70%." Checked with ten points of margin
    on the single-service outages ("70% of our incidents") the essay's case is built on."""
    single = seed_runs[seed_runs["category"] == "single-service"]
    r = ratio(single, "engineer_hours")
    assert r <= 0.40, f"single-service engineer-hours, async-first / war-room = {r:.3f} (drop {1 - r:.0%})"


def test_engineer_hours_per_p1_drop_by_about_70_percent(seed_runs):
    """Essay: "Engineer-hours per incident dropped by 70%", over all P1s, ten points of margin."""
    r = ratio(seed_runs, "engineer_hours")
    assert r <= 0.40, f"engineer-hours per P1, async-first / war-room = {r:.3f} (drop {1 - r:.0%})"


def test_single_service_resolution_time_is_not_slower_without_the_room(seed_runs):
    """Essay: an async thread "resolves the incident just as fast"; "resolution times were the
    same or better without the war room spectators"; "In many cases, the war room made things
    slower".

    The essay's claim is one-sided: async-first is not slower. So the test is that async-first's
    single-service TTR is at most 15% above the war room's. It used to be a two-sided band
    [0.85, 1.15]; the default's 13-spectator room (the essay's own description) slows the
    narrating debugger enough that async-first comes out faster (ratio about 0.85), which the
    essay says happens, not a departure from it.
    """
    single = seed_runs[seed_runs["category"] == "single-service"]
    r = ratio(single, "ttr_min")
    assert r <= 1.15, f"single-service TTR, async-first / war-room = {r:.3f}"


def test_war_rooms_win_where_the_essay_says_they_do(seed_runs):
    """Essay: for "True platform-wide emergencies ... war rooms genuinely help because real-time
    coordination is essential"; for security, "Rapid containment decisions ... need real-time
    discussion".

    The essay gives no size for the war room's advantage on platform-wide emergencies, so the
    test is that the advantage is real: the 95% interval of async-first's extra TTR, paired per
    replication, lies above zero (it held a ratio above 1.2 while nights in the channel were
    free and decisions could go ahead without their deciders; with those mended the war room
    still wins, by about 13%)."""
    pw = seed_runs[seed_runs["category"] == "platform-wide"]
    extra = (per_rep(pw, "ttr_min", "async-first") - per_rep(pw, "ttr_min", "war-room")).dropna()
    m, lo, hi = t_interval(extra.to_numpy())
    assert lo > 0, (
        f"platform-wide TTR, async-first - war-room per replication: {m:.0f} [{lo:.0f}, {hi:.0f}] min"
    )
    sec = seed_runs[seed_runs["flags"].str.contains("security")]
    assert len(sec) >= 3 * 10
    e = ratio(sec, "data_exposure")
    assert e > 1.5, f"security exposure, async-first / war-room = {e:.3f}"
