"""The honesty check: on the default scenario, each protocol wins where the essay says it should.

Nothing here is tuned into the code; these are emergent results of the default parameters.
Comparisons pair the same incident under two protocols (common random numbers) and ask that
the 95% CI of the paired difference lies on the expected side of zero, or that a ratio of
means lands in a stated band. 40 replications of the 28-day default: ~1,400 incidents.
"""

from __future__ import annotations

import pandas as pd
import pytest

from incsim.api import load
from incsim.experiment import run_experiment
from incsim.metrics import t_interval
from incsim.scenario.durations import Fixed

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
    pw = incidents[incidents["category"] == "platform-wide"]
    assert pw["incident_id"].nunique() >= 10
    m, lo, hi = diff_ci(pw, "ttr_min", "async-first", "war-room")
    assert lo > 0, f"async-first - war-room TTR on platform-wide: {m:.0f} [{lo:.0f}, {hi:.0f}] min"


def test_war_room_beats_async_on_security_exposure(incidents):
    sec = incidents[incidents["flags"].fillna("").str.contains("security")]
    assert len(sec) >= 30
    m, lo, hi = diff_ci(sec, "data_exposure", "async-first", "war-room")
    assert lo > 0, f"async-first - war-room exposure on security incidents: {m:.0f} [{lo:.0f}, {hi:.0f}]"


def test_async_costs_far_fewer_engineer_hours_on_single_service(incidents):
    ss = incidents[incidents["category"] == "single-service"]
    means = ss.groupby("protocol")["engineer_hours"].mean()
    ratio = means["async-first"] / means["war-room"]
    assert ratio < 0.5, f"async/war-room engineer-hours on single-service = {ratio:.2f}"
    m, lo, hi = diff_ci(ss, "engineer_hours", "async-first", "war-room")
    assert hi < 0


def test_single_service_ttr_about_the_same(incidents):
    ss = incidents[incidents["category"] == "single-service"]
    means = ss.groupby("protocol")["ttr_min"].mean()
    ratio = means["async-first"] / means["war-room"]
    assert 0.85 < ratio < 1.15, f"async/war-room single-service TTR = {ratio:.2f}"


def test_hybrid_close_to_async_engineer_hours_overall(incidents):
    means = incidents.groupby("protocol")["engineer_hours"].mean()
    assert abs(means["hybrid"] / means["async-first"] - 1) < 0.2, means.to_dict()
    assert means["hybrid"] < 0.7 * means["war-room"], means.to_dict()


def test_hybrid_close_to_war_room_where_the_war_room_wins(incidents):
    pw = paired(incidents[incidents["category"] == "platform-wide"], "ttr_min").mean()
    assert pw["hybrid"] < 1.15 * pw["war-room"], pw.to_dict()
    assert pw["hybrid"] < 0.8 * pw["async-first"], pw.to_dict()
    sec = paired(incidents[incidents["flags"].fillna("").str.contains("security")], "data_exposure").mean()
    assert sec["hybrid"] < 1.5 * sec["war-room"], sec.to_dict()
    assert sec["hybrid"] < 0.6 * sec["async-first"], sec.to_dict()


def test_the_winner_follows_the_parameters_not_the_code():
    """With instant replies and no reading, the channel loses nothing: the war room's edge on
    platform-wide TTR disappears (its narration and spectators then make it the slower one)."""
    base = load(None).scenario
    b = base.behaviour
    instant = b.model_copy(update={
        "reply_latency": b.reply_latency.model_copy(update={k: Fixed(value=0.1) for k in ("engaged", "working", "off_hours")}),
        "read_thread": None, "channel_rounds": 1,
    })
    scn = base.model_copy(update={"behaviour": instant})
    df = run_experiment(scn, 20, SEED, log_sample=0).incidents
    pw = df[df["category"] == "platform-wide"]
    m, lo, hi = diff_ci(pw, "ttr_min", "async-first", "war-room")
    assert hi < 0, f"async-first - war-room TTR with instant replies: {m:.0f} [{lo:.0f}, {hi:.0f}] min"
