"""A replication keeps its incident rows by column until the replications are joined: the table
they make must be the one pandas makes of the same rows, value for value and type for type."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scenario_helpers import load_seed, variant

from incsim.experiment import ReplicationResult, incident_frame
from incsim.metrics import INCIDENT_COLUMNS, incident_records
from incsim.model.incidents import generate_incidents
from incsim.model.streams import Streams
from incsim.model.world import simulate
from incsim.scenario.schema import Scenario


def plain(replications: list[list[dict]]) -> pd.DataFrame:
    """The table as pandas makes it: a frame per replication with incidents, joined."""
    frames = [pd.DataFrame(rows, columns=INCIDENT_COLUMNS) for rows in replications if rows]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=INCIDENT_COLUMNS)


def row(i: int, **values) -> dict:
    base = {c: 1.5 for c in INCIDENT_COLUMNS}
    base.update(
        replication=0,
        protocol="war-room",
        incident_id=i,
        category="single-service",
        flags="",
        services_affected=1,
        interruptions=0,
        peak_participants=2,
        escalated=False,
    )
    base.update(values)
    return base


@pytest.mark.parametrize(
    "column, per_replication",
    [
        ("customer_impact_min", [[0, 0], [1.5, 0]]),  # whole numbers in one, a fraction in another
        ("customer_impact_min", [[0, 0], [0]]),  # whole numbers only
        ("engaged_at_min", [[math.nan, 3.0], [4.0]]),  # not engaged
        ("escalated", [[True, False], [False]]),
        ("flags", [["", "security;data-loss"], ["pii"]]),
        ("ttr_min", [[np.float64(2.5), 3], [np.int64(4)]]),  # NumPy's numbers
        ("interruptions", [[np.int64(2), 3], [0]]),
        ("decision_wait_min", [[None, 1.0], [2.0]]),  # a None
        ("war_room_minutes", [[True, 2], [0.5]]),  # truths mixed with numbers
        ("cost_usd", [[1.0], [], [2.0]]),  # a replication without incidents
        # kinds the model does not write, which pandas still reads its own way
        ("escalated", [[True], [1]]),  # truths in one, numbers in another
        ("cost_usd", [[1], [True]]),
        ("flags", [["a"], [None]]),
        ("flags", [["a"], [1]]),
        ("cost_usd", [[np.float32(1.1)], [np.float32(2.0)]]),
        ("cost_usd", [[np.uint64(3)]]),
        ("cost_usd", [[2**63]]),  # past int64
        ("cost_usd", [[1.5], [pd.NA]]),
    ],
)
def test_rows_kept_by_column_make_the_table_pandas_makes_of_them(column, per_replication):
    reps = [[row(i, **{column: v}) for i, v in enumerate(values)] for values in per_replication]
    results = [ReplicationResult.of_rows(r, rows, []) for r, rows in enumerate(reps)]
    got, want = incident_frame(results), plain(reps)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)
    for res, rows in zip(results, reps, strict=True):
        assert len(res) == len(rows)
        pd.testing.assert_frame_equal(res.rows, plain([rows]), check_exact=True)


def test_no_incidents_at_all_is_an_empty_table_with_the_columns():
    got = incident_frame([ReplicationResult.of_rows(0, [], []), ReplicationResult.of_rows(1, [], [])])
    assert list(got.columns) == INCIDENT_COLUMNS and len(got) == 0


def test_a_key_left_out_of_a_row_is_nan_as_in_a_table_of_the_rows():
    rows = [row(0), {k: v for k, v in row(1).items() if k != "cost_usd"}]
    got = ReplicationResult.of_rows(0, rows, []).rows
    pd.testing.assert_frame_equal(got, plain([rows]), check_exact=True)
    assert math.isnan(got["cost_usd"][1])


def test_the_model_s_own_rows_make_the_table_pandas_makes_of_them():
    """The seed organisation over two weeks, two replications: the rows as the model writes them
    (``incident_records``' dicts, with replication and protocol), kept by column and joined, are
    pandas' own table of those dicts."""
    scn = Scenario.model_validate(variant(load_seed(), "simulation.horizon_days", 14))
    horizon = scn.simulation.horizon_days * 1440.0
    reps = []
    for r in range(2):
        incidents = generate_incidents(scn, Streams(5, r), horizon)
        rows = []
        for proto in scn.protocols:
            events = simulate(scn, proto.name, Streams(5, r), incidents, horizon).log.events
            rows += [
                {"replication": r, "protocol": proto.name, **rec}
                for rec in incident_records(events, scn.costs)
            ]
        reps.append(rows)
    assert sum(map(len, reps)) > 6
    results = [ReplicationResult.of_rows(r, rows, []) for r, rows in enumerate(reps)]
    pd.testing.assert_frame_equal(incident_frame(results), plain(reps), check_exact=True)
