"""The essay checks, not correctness: on the default scenario each protocol wins where the essay says.

Nothing here is tuned into the code or the scenario; these are emergent results of the default
parameters, held to the essay's sentences quoted in each test. Comparisons pair the same
incident under two protocols (common random numbers) and ask that the 95% CI of the paired
difference lies on the expected side of zero, or that a ratio of means lands in a stated band.
40 replications of the 28-day default: ~1,400 incidents.
"""

from __future__ import annotations

import pandas as pd
import pytest

from incsim.api import load
from incsim.experiment import run_experiment
from incsim.metrics import t_interval

SEED = 20261127


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    scn = load(None).scenario
    return run_experiment(scn, 40, SEED, log_sample=0).incidents


def paired(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per (replication, incident), one column per protocol."""
    return df.pivot_table(index=["replication", "incident_id"], columns="protocol", values=metric)


def diff_ci(df: pd.DataFrame, metric: str, b: str, a: str) -> tuple[float, float, float]:
    wide = paired(df, metric)
    return t_interval((wide[b] - wide[a]).to_numpy())


def test_war_room_beats_async_on_platform_wide_ttr(incidents):
    """Essay: platform-wide emergencies are "where war rooms genuinely help because real-time
    coordination is essential"."""
    pw = incidents[incidents["category"] == "platform-wide"]
    assert pw["incident_id"].nunique() >= 10
    m, lo, hi = diff_ci(pw, "ttr_min", "async-first", "war-room")
    assert lo > 0, f"async-first - war-room TTR on platform-wide: {m:.0f} [{lo:.0f}, {hi:.0f}] min"


def test_war_room_beats_async_on_security_exposure(incidents):
    """Essay: "Async doesn't work when you need to make rapid containment decisions.\""""
    sec = incidents[incidents["flags"].fillna("").str.contains("security")]
    assert len(sec) >= 30
    m, lo, hi = diff_ci(sec, "data_exposure", "async-first", "war-room")
    assert lo > 0, f"async-first - war-room exposure on security incidents: {m:.0f} [{lo:.0f}, {hi:.0f}]"


def test_async_costs_far_fewer_engineer_hours_on_single_service(incidents):
    """Essay: single-service outages: "The audience adds nothing — they're spectating.\""""
    ss = incidents[incidents["category"] == "single-service"]
    means = ss.groupby("protocol")["engineer_hours"].mean()
    ratio = means["async-first"] / means["war-room"]
    assert ratio < 0.5, f"async/war-room engineer-hours on single-service = {ratio:.2f}"
    _, _, hi = diff_ci(ss, "engineer_hours", "async-first", "war-room")
    assert hi < 0


def test_single_service_ttr_not_slower_without_the_room(incidents):
    """Essay: "resolves the incident just as fast"; "resolution times were the same or better
    without the war room spectators".

    One-sided, as the essay's claim is: async-first at most 15% slower than the war room on
    single-service incidents. Faster is what the essay also reports ("In many cases, the war
    room made things slower"), so it is not a failure.
    """
    ss = incidents[incidents["category"] == "single-service"]
    means = ss.groupby("protocol")["ttr_min"].mean()
    ratio = means["async-first"] / means["war-room"]
    assert ratio < 1.15, f"async/war-room single-service TTR = {ratio:.2f}"


def test_hybrid_close_to_async_engineer_hours_overall(incidents):
    """Essay (hybrid reply): triage calls only for security, with "a strict 3-person limit", so
    the hybrid costs about what async-first does."""
    means = incidents.groupby("protocol")["engineer_hours"].mean()
    assert abs(means["hybrid"] / means["async-first"] - 1) < 0.2, means.to_dict()
    assert means["hybrid"] < 0.7 * means["war-room"], means.to_dict()


def test_hybrid_close_to_war_room_where_the_war_room_wins(incidents):
    """Essay (hybrid reply): "security incidents have a containment phase that's fundamentally
    synchronous"; escalation for "cascading failure across 3+ services, customer data at risk"."""
    platform = incidents[incidents["category"] == "platform-wide"]
    pw = paired(platform, "ttr_min").mean()
    assert pw["hybrid"] < 1.15 * pw["war-room"], pw.to_dict()
    # the hybrid escalates platform-wide emergencies to a call, so it beats async-first there:
    # the paired interval lies below zero (no size is claimed; it was 20% or more before the
    # channel paid for its nights, and about 17% after)
    m, lo, hi = diff_ci(platform, "ttr_min", "hybrid", "async-first")
    assert hi < 0, f"hybrid - async-first TTR on platform-wide: {m:.0f} [{lo:.0f}, {hi:.0f}] min"
    sec = paired(incidents[incidents["flags"].fillna("").str.contains("security")], "data_exposure").mean()
    assert sec["hybrid"] < 1.5 * sec["war-room"], sec.to_dict()
    assert sec["hybrid"] < 0.6 * sec["async-first"], sec.to_dict()
