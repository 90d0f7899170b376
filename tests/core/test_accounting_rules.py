"""The accounting's rules one at a time, on logs small enough to work out by hand: who is idle,
where the horizon cuts, what a double booking reads like, how a logged record comes back from
JSON. Every expected figure is arithmetic on the log written in the test."""

from __future__ import annotations

import pytest
from event_helpers import ev

from incsim.accounting import (
    Accounting,
    Span,
    check_one_place,
    minutes_by_state,
    off_hours_minutes,
    state_of,
)
from incsim.metrics import time_accounting
from incsim.model.events import Interrupted, Joined, Kind, Resolved, event_from_dict
from incsim.model.people import Roster
from incsim.scenario.schema import Scenario

DAY = 1440.0


def joined(t, who, role, incident=0, **data):
    return ev(t, Kind.JOINED, who, incident, role=role, **data)


def left(t, who, role, incident=0, refocus=0.0):
    return ev(t, Kind.LEFT, who, incident, role=role, refocus_min=refocus)


def spans_of(acct: Accounting, who: str) -> list[tuple[int, str, str, float, float]]:
    return [(s.incident, s.state, s.role, s.start, s.end) for s in acct.by_person().get(who, [])]


@pytest.fixture
def roster() -> Roster:
    """Three engineers of one team working 09:00-17:00 UTC, Monday to Friday (t=0 is a Monday)."""
    scn = Scenario.model_validate(
        {
            "apiVersion": "incsim/v1",
            "kind": "Scenario",
            "metadata": {"name": "three people"},
            "org": {
                "teams": [{"name": "app", "size": 3, "duties": ["ic"]}],
                "services": [{"name": "web", "team": "app"}],
            },
            "incidents": {"categories": {"single-service": {"diagnosis": 10, "fix": None}}},
            "protocols": [{"name": "war-room", "kind": "war-room"}],
        }
    )
    return Roster(scn)


# -- state_of and the claims -----------------------------------------------------------------
def test_non_essential_roles_spectate_and_every_other_role_responds():
    assert [state_of(r) for r in ("spectator", "watcher")] == ["spectating", "spectating"]
    assert [state_of(r) for r in ("debugger", "ic", "expert", "stakeholder", "")] == ["responding"] * 5


def test_a_role_change_ends_one_claim_and_starts_the_next():
    """Spectating 0-10, then debugging 10-25 in the same incident, then 5 minutes refocusing."""
    log = [
        joined(0, "a-1", "spectator"),
        joined(10, "a-1", "debugger", change=True),
        left(25, "a-1", "debugger", refocus=5.0),
    ]
    assert spans_of(Accounting(log), "a-1") == [
        (0, "spectating", "spectator", 0, 10),
        (0, "responding", "debugger", 10, 25),
        (0, "refocusing", "debugger", 25, 30),
    ]


def test_a_leave_without_a_join_is_ignored_and_the_log_goes_on():
    log = [left(5, "a-1", "debugger", refocus=50.0), joined(10, "b-1", "ic"), left(20, "b-1", "ic")]
    acct = Accounting(log)
    assert spans_of(acct, "a-1") == []
    assert spans_of(acct, "b-1") == [(0, "responding", "ic", 10, 20)]


def test_a_zero_refocus_or_answer_is_no_time():
    log = [
        joined(0, "a-1", "ic"),
        ev(10, Kind.LEFT, "a-1", 0, role="ic"),
        ev(20, Kind.INTERRUPTED, "b-1", 0, role="watcher", engaged=False, answer_min=0.0, refocus_min=0.0),
        ev(30, Kind.INTERRUPTED, "c-1", 0, role="watcher", engaged=False, answer_min=3.0),
    ]
    acct = Accounting(log)
    assert spans_of(acct, "a-1") == [(0, "responding", "ic", 0, 10)]
    assert spans_of(acct, "b-1") == []
    assert spans_of(acct, "c-1") == [(0, "spectating", "watcher", 30, 33)]


def test_an_interruption_of_nobody_claims_nothing():
    log = [
        joined(0, "a-1", "ic"),
        ev(5, Kind.INTERRUPTED, "", 0, role="watcher", engaged=False, answer_min=4.0, refocus_min=6.0),
        left(10, "a-1", "ic"),
    ]
    acct = Accounting(log)
    assert [s.who for s in acct.spans] == ["a-1"]


def test_an_engaged_interruption_leaves_one_unbroken_span():
    """Its refocus (20-27) lies inside the engagement (0-60): one span, not three pieces."""
    log = [
        joined(0, "a-1", "debugger"),
        ev(18, Kind.INTERRUPTED, "a-1", 0, role="debugger", engaged=True, answer_min=2.0, refocus_min=7.0),
        left(60, "a-1", "debugger"),
    ]
    assert spans_of(Accounting(log), "a-1") == [(0, "responding", "debugger", 0, 60)]


def test_an_answer_and_its_refocus_outside_any_engagement():
    """Someone not engaged answers for 4 minutes at 100 and refocuses for 6: 100-104, 104-110."""
    log = [ev(100, Kind.INTERRUPTED, "a-1", 3, role="expert", engaged=False, answer_min=4.0, refocus_min=6.0)]
    assert spans_of(Accounting(log), "a-1") == [
        (3, "responding", "expert", 100, 104),
        (3, "refocusing", "expert", 104, 110),
    ]


def test_open_engagements_run_to_the_last_event_or_to_open_until():
    log = [joined(5, "a-1", "debugger"), ev(40, Kind.UPDATE, "b-1", 1), ev(30, Kind.UPDATE, "b-1", 1)]
    assert spans_of(Accounting(log), "a-1") == [(0, "responding", "debugger", 5, 40)]
    assert spans_of(Accounting(log, open_until=90.0), "a-1") == [(0, "responding", "debugger", 5, 90)]
    # a horizon before the join gives nothing rather than a negative span
    assert spans_of(Accounting(log, open_until=2.0), "a-1") == []


def test_between_equal_claims_that_start_together_the_lower_incident_wins():
    """Two answers asked of one person at the same minute: incident 2 takes 10-15, incident 7
    only the minutes after it (15-20); their refocus follows."""
    log = [
        ev(10, Kind.INTERRUPTED, "a-1", 7, role="expert", engaged=False, answer_min=10.0, refocus_min=0.0),
        ev(10, Kind.INTERRUPTED, "a-1", 2, role="expert", engaged=False, answer_min=5.0, refocus_min=0.0),
    ]
    assert spans_of(Accounting(log), "a-1") == [
        (2, "responding", "expert", 10, 15),
        (7, "responding", "expert", 15, 20),
    ]


def test_a_claim_ending_where_another_starts_hands_over_at_that_minute():
    log = [
        joined(0, "a-1", "spectator", 0),
        left(10, "a-1", "spectator", 0),
        joined(10, "a-1", "spectator", 1),
        left(20, "a-1", "spectator", 1),
    ]
    assert spans_of(Accounting(log), "a-1") == [
        (0, "spectating", "spectator", 0, 10),
        (1, "spectating", "spectator", 10, 20),
    ]


def test_people_come_out_in_name_order_and_the_end_is_the_last_span():
    log = [
        joined(0, "c-1", "ic"),
        joined(1, "a-1", "ic"),
        left(7, "c-1", "ic"),
        left(3, "a-1", "ic", refocus=9.0),
    ]
    acct = Accounting(log)
    assert [s.who for s in acct.spans] == ["a-1", "a-1", "c-1"]
    assert acct.end == 12.0
    assert Accounting([]).end == 0.0


def test_minutes_by_state_adds_each_state_and_starts_from_zero():
    spans = [
        Span("a", 0, "responding", "ic", 0, 10),
        Span("b", 0, "responding", "ic", 5, 8),
        Span("a", 0, "refocusing", "ic", 10, 14),
    ]
    assert minutes_by_state(spans) == {"responding": 13.0, "spectating": 0.0, "refocusing": 4.0}
    assert minutes_by_state([]) == {"responding": 0.0, "spectating": 0.0, "refocusing": 0.0}


# -- off hours -----------------------------------------------------------------------------
def test_off_hours_skip_people_outside_the_roster_and_add_up_the_rest(roster):
    """app-1 works 09-17 on Monday: 16:00-18:00 has one off hour, 20:00-20:30 is all off; a span
    of someone not on the roster, and an empty span, count nothing."""
    spans = [
        Span("ghost", 0, "responding", "ic", 0, 600),
        Span("app-1", 0, "responding", "ic", 16 * 60, 18 * 60),
        Span("app-1", 0, "refocusing", "ic", 30, 30),
        Span("app-1", 1, "responding", "ic", 20 * 60, 20 * 60 + 30),
    ]
    assert off_hours_minutes(spans, roster.engineers) == pytest.approx(60 + 30)


# -- the time table --------------------------------------------------------------------------
def test_idle_people_have_their_own_rows_named_and_filled(roster):
    """Two of three take no part: each still has a full row of own work and off hours."""
    log = [joined(600, "app-2", "debugger"), left(660, "app-2", "debugger")]
    table = time_accounting(log, roster, DAY)
    assert table["engineer"].tolist() == ["app-1", "app-2", "app-3"]
    assert table["team"].tolist() == ["app", "app", "app"]
    rows = table.set_index("engineer")
    for idle in ("app-1", "app-3"):
        assert rows.loc[
            idle, ["own_work", "responding", "spectating", "refocusing", "off", "after_horizon"]
        ].tolist() == [480.0, 0.0, 0.0, 0.0, 960.0, 0.0]
    assert rows.loc["app-2", ["own_work", "responding", "off"]].tolist() == [420.0, 60.0, 960.0]


def test_the_horizon_cuts_at_both_ends_and_the_rest_is_after_it(roster):
    """Responding 0-30 (night) and 1400-1500 past a one-day horizon: 30 + 40 inside, 60 after."""
    log = [
        joined(0, "app-1", "debugger"),
        left(30, "app-1", "debugger"),
        joined(1400, "app-1", "ic", 1),
        left(1500, "app-1", "ic", 1, refocus=10.0),
    ]
    row = time_accounting(log, roster, DAY).set_index("engineer").loc["app-1"]
    assert row["responding"] == pytest.approx(30 + 40)
    assert row["refocusing"] == 0.0
    assert row["after_horizon"] == pytest.approx(60 + 10)
    assert row["off"] == pytest.approx(960 - 70)
    assert row["own_work"] == pytest.approx(480)


# -- double bookings -------------------------------------------------------------------------
def test_a_double_booking_is_reported_with_both_incidents_and_times():
    """Debugging 0 from 0 to 30; IC of 1 from 5 to 10 and of 2 from 20 to 25: two overlaps, both
    with incident 0; incidents 1 and 2 do not overlap each other."""
    log = [
        joined(0, "a-1", "debugger", 0),
        joined(5, "a-1", "ic", 1),
        left(10, "a-1", "ic", 1),
        joined(20, "a-1", "ic", 2),
        left(25, "a-1", "ic", 2),
        left(30, "a-1", "debugger", 0),
    ]
    assert check_one_place(log) == [
        "a-1: incident 0 until 30.0 and incident 1 from 5.0",
        "a-1: incident 0 until 30.0 and incident 2 from 20.0",
    ]


def test_half_a_minute_of_overlap_is_a_double_booking():
    log = [
        joined(0, "a-1", "debugger", 0),
        left(10, "a-1", "debugger", 0),
        joined(9.5, "a-1", "debugger", 1),
        left(20, "a-1", "debugger", 1),
    ]
    assert check_one_place(log) == ["a-1: incident 0 until 10.0 and incident 1 from 9.5"]


def test_only_the_listed_roles_count_after_a_role_change():
    """Spectating 0 from 0 to 10 is not a listed role; debugging it from 10 is, and does not meet
    the IC role in 1 (5-8). With every role listed, the spectating does meet it."""
    log = [
        joined(0, "a-1", "spectator", 0),
        joined(10, "a-1", "debugger", 0, change=True),
        joined(5, "a-1", "ic", 1),
        left(8, "a-1", "ic", 1),
        left(20, "a-1", "debugger", 0),
    ]
    assert check_one_place(log) == []
    assert check_one_place(log, roles=None) == ["a-1: incident 0 until 10.0 and incident 1 from 5.0"]


def test_engagements_still_open_end_at_the_last_event():
    """Debugging 0 from 0 and IC of 1 from 5, neither left: they overlap until the log's end (12).
    A spectator still open is not a listed role."""
    log = [joined(0, "a-1", "debugger", 0), joined(5, "a-1", "ic", 1), ev(12, Kind.UPDATE, "", 1)]
    assert check_one_place(log) == ["a-1: incident 0 until 12.0 and incident 1 from 5.0"]
    log = [joined(0, "b-1", "spectator", 0), joined(5, "b-1", "ic", 1), left(9, "b-1", "ic", 1)]
    assert check_one_place(log) == []
    assert check_one_place(log, roles=None) == ["b-1: incident 0 until 9.0 and incident 1 from 5.0"]


def test_a_log_within_the_first_minute_ends_where_its_last_event_is():
    """Both open, the second from the log's last minute (0.5): they touch but do not overlap."""
    log = [joined(0, "a-1", "debugger", 0), joined(0.5, "a-1", "ic", 1)]
    assert check_one_place(log) == []


# -- records from JSON -------------------------------------------------------------------------
def test_an_event_comes_back_from_its_json_form():
    d = {
        "t": 3,
        "incident": "2",
        "kind": "joined",
        "who": "a-1",
        "protocol": "war-room",
        "role": "ic",
        "off_hours": False,
    }
    e = event_from_dict(d)
    assert e == Joined(3.0, 2, "a-1", role="ic", off_hours=False)
    assert isinstance(e.t, float) and isinstance(e.incident, int)
    assert event_from_dict({"t": 1.5, "incident": 0, "kind": "resolved", "who": None}) == Resolved(1.5, 0, "")
    assert event_from_dict({"t": 1.5, "incident": 0, "kind": "resolved"}).who == ""
    original = ev(7.25, Kind.INTERRUPTED, "b-2", 4, answer_min=2.0, role="watcher")
    assert isinstance(original, Interrupted)
    assert event_from_dict(original.as_dict()) == original


# -- claims of the weaker states never beat a stronger one -------------------------------------
def test_spectating_loses_to_responding_whichever_came_first():
    """a responds to incident 1 from 0 to 30; spectates incident 0 from 10 (a watcher from 20,
    leaving at 25); b the same, but still spectating when the log is cut at 30: every minute is
    incident 1's. c spectates until the cut, unopposed."""
    log = [
        joined(0, "a-1", "expert", 1),
        joined(10, "a-1", "spectator", 0),
        joined(20, "a-1", "watcher", 0, change=True),
        left(25, "a-1", "watcher", 0),
        left(30, "a-1", "expert", 1),
        joined(0, "b-1", "expert", 1),
        joined(10, "b-1", "spectator", 0),
        left(30, "b-1", "expert", 1),
        joined(5, "c-1", "spectator", 2),
    ]
    acct = Accounting(log, open_until=30.0)
    assert spans_of(acct, "a-1") == [(1, "responding", "expert", 0, 30)]
    assert spans_of(acct, "b-1") == [(1, "responding", "expert", 0, 30)]
    assert spans_of(acct, "c-1") == [(2, "spectating", "spectator", 5, 30)]


def test_a_log_inside_its_first_minute_is_cut_at_its_last_event():
    log = [joined(0, "a-1", "ic"), ev(0.5, Kind.UPDATE, "", 0)]
    assert spans_of(Accounting(log), "a-1") == [(0, "responding", "ic", 0, 0.5)]


def test_a_double_booking_is_found_only_in_the_roles_asked_about():
    log = [joined(0, "a-1", "expert", 0), joined(5, "a-1", "expert", 1), ev(9, Kind.UPDATE, "", 1)]
    assert check_one_place(log, roles=("expert",)) == ["a-1: incident 0 until 9.0 and incident 1 from 5.0"]
    assert check_one_place(log, roles=("debugger", "ic")) == []


def test_off_hours_from_the_first_minute_and_teams_of_idle_people():
    """A team at UTC+10 working 09-17 there works 00:00-07:00 and 23:00-24:00 UTC on Monday: 480
    minutes of a one-day horizon, from minute 0. Idle people of two teams with the same hours
    keep their own team."""
    scn = Scenario.model_validate(
        {
            "apiVersion": "incsim/v1",
            "kind": "Scenario",
            "metadata": {"name": "far"},
            "org": {
                "teams": [
                    {"name": "syd", "size": 1, "utc_offset_hours": 10, "duties": ["ic"]},
                    {"name": "mel", "size": 1, "utc_offset_hours": 10},
                ],
                "services": [{"name": "web", "team": "syd"}],
            },
            "incidents": {"categories": {"single-service": {"diagnosis": 10, "fix": None}}},
            "protocols": [{"name": "war-room", "kind": "war-room"}],
        }
    )
    table = time_accounting([], Roster(scn), DAY)
    assert table["team"].tolist() == ["syd", "mel"]
    assert table["own_work"].tolist() == [480.0, 480.0] and table["off"].tolist() == [960.0, 960.0]
