"""The winner follows the parameters, not the code: change what makes a room win and it loses.

(Whether the default scenario matches the essay's figures is calibration, in
``tests/essay/test_essay_honesty.py``.)
"""

from __future__ import annotations

import pandas as pd

from incsim.api import load
from incsim.experiment import run_experiment
from incsim.metrics import t_interval
from incsim.scenario.durations import Constant

SEED = 20261127


def paired(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per (replication, incident), one column per protocol."""
    return df.pivot_table(index=["replication", "incident_id"], columns="protocol", values=metric)


def diff_ci(df: pd.DataFrame, metric: str, b: str, a: str) -> tuple[float, float, float]:
    wide = paired(df, metric)
    return t_interval((wide[b] - wide[a]).to_numpy())


def test_the_winner_follows_the_parameters_not_the_code():
    """With instant replies and no reading, the channel loses nothing: the war room's edge on
    platform-wide TTR disappears (its narration and spectators then make it the slower one)."""
    base = load(None).scenario
    b = base.behaviour
    instant = b.model_copy(
        update={
            "reply_latency": b.reply_latency.model_copy(
                update={k: Constant(value=0.1) for k in ("engaged", "working", "off_hours")}
            ),
            "read_thread": None,
            "channel_rounds": 1,
        }
    )
    scn = base.model_copy(update={"behaviour": instant})
    df = run_experiment(scn, 20, SEED, log_sample=0).incidents
    pw = df[df["category"] == "platform-wide"]
    m, lo, hi = diff_ci(pw, "ttr_min", "async-first", "war-room")
    assert hi < 0, f"async-first - war-room TTR with instant replies: {m:.0f} [{lo:.0f}, {hi:.0f}] min"
