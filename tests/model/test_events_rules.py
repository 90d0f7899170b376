"""The event records' JSON form, field by field, on hand-written lines: what the writer leaves
out, how the strict reader converts and what it refuses, and the log's listeners.

Each expected line or message is written out by hand from the format documented in
``incsim.model.events`` (and in the README), not produced by the code under test."""

from __future__ import annotations

import re
from typing import Literal

import pytest

from incsim.model import events as ev
from incsim.model.events import SCHEMA_VERSION, Log, allowed_values, event_from_dict, record


# -- the writer -------------------------------------------------------------------------------
def test_a_line_is_the_version_then_the_context_then_the_record():
    e = ev.Escalated(35.0, 3, reason="no progress for 60 min")
    assert list(record(e, replication=4, protocol="hybrid").items()) == [
        ("v", 1),
        ("replication", 4),
        ("protocol", "hybrid"),
        ("t", 35.0),
        ("incident", 3),
        ("kind", "escalated"),
        ("who", ""),
        ("reason", "no progress for 60 min"),
    ]
    assert SCHEMA_VERSION == 1


def test_times_are_rounded_to_a_millionth_of_a_minute():
    assert ev.Mitigated(10.1234564, 1).as_dict()["t"] == 10.123456
    assert ev.Mitigated(10.1234566, 1).as_dict()["t"] == 10.123457


def test_tuples_are_written_as_lists():
    d = ev.DecisionRequested(1.0, 2, name="containment", stakeholders=("sec-1", "ops-1")).as_dict()
    assert d == {
        "t": 1.0,
        "incident": 2,
        "kind": "decision_requested",
        "who": "",
        "name": "containment",
        "stakeholders": ["sec-1", "ops-1"],
    }


def test_optional_fields_at_their_default_are_left_out_and_any_other_value_is_written():
    first = ev.Joined(1.0, 2, "a", role="debugger", off_hours=False, team="app").as_dict()
    assert first == {
        "t": 1.0,
        "incident": 2,
        "kind": "joined",
        "who": "a",
        "role": "debugger",
        "off_hours": False,
        "team": "app",
    }  # change=False left out; off_hours=False is not None
    change = ev.Joined(2.0, 2, "a", role="ic", change=True).as_dict()
    assert change == {"t": 2.0, "incident": 2, "kind": "joined", "who": "a", "role": "ic", "change": True}
    busy = ev.Busy(3.0, 2, "b", role="owner", elsewhere=(1,), waits=True).as_dict()
    assert busy == {
        "t": 3.0,
        "incident": 2,
        "kind": "busy",
        "who": "b",
        "role": "owner",
        "elsewhere": [1],
        "waits": True,
    }


def test_a_required_field_is_written_even_when_it_looks_empty():
    d = ev.Affected(0.0, 0, service="api", via="", customer_facing=False).as_dict()
    assert d == {
        "t": 0.0,
        "incident": 0,
        "kind": "affected",
        "who": "",
        "service": "api",
        "via": "",
        "customer_facing": False,
    }
    assert ev.RoomOpened(0.0, 1, reason="x", limit=None).as_dict()["limit"] is None


# -- the reader -------------------------------------------------------------------------------
def test_the_reader_converts_the_common_fields_and_lists():
    e = event_from_dict({"t": 7, "incident": "4", "kind": "busy", "role": "owner", "elsewhere": [1, 2]})
    assert e == ev.Busy(7.0, 4, "", role="owner", elsewhere=(1, 2))
    assert type(e.t) is float and type(e.incident) is int and e.elsewhere == (1, 2)
    assert event_from_dict({"t": 1.5, "incident": 0, "kind": "mitigated", "who": None}).who == ""


def test_the_reader_leaves_optional_fields_left_out_at_their_default():
    e = event_from_dict(
        {
            "v": 1,
            "replication": 0,
            "protocol": "p",
            "t": 1.0,
            "incident": 2,
            "kind": "joined",
            "who": "a",
            "role": "watcher",
        }
    )
    assert (e.change, e.off_hours, e.team) == (False, None, None)


def test_every_unknown_field_is_named_sorted():
    line = {
        "v": 1,
        "replication": 0,
        "protocol": "p",
        "t": 1.0,
        "incident": 2,
        "kind": "fixed",
        "who": "",
        "service": "api",
    }
    assert event_from_dict(line) == ev.Fixed(1.0, 2, service="api")  # the context is not a field
    with pytest.raises(ValueError, match=re.escape("fixed: unknown field(s) color, mood")):
        event_from_dict({**line, "mood": 1, "color": 2})


def test_every_missing_field_is_named_common_ones_first():
    with pytest.raises(ValueError, match=re.escape("left: missing field(s) t, incident, role, refocus_min")):
        event_from_dict({"kind": "left"})


def test_a_literal_field_is_checked_and_the_message_lists_what_it_may_hold():
    line = {"t": 1.0, "incident": 2, "kind": "question", "to": "b", "medium": "pigeon", "topic": "consult"}
    with pytest.raises(
        ValueError, match=re.escape("question: medium is 'pigeon', not one of 'room', 'channel', 'drill'")
    ):
        event_from_dict(line)
    for medium in ("room", "channel", "drill"):
        assert event_from_dict({**line, "medium": medium}).medium == medium


def test_a_field_of_any_value_is_not_checked():
    e = event_from_dict({"t": 1.0, "incident": 2, "kind": "escalated", "reason": "anything at all"})
    assert e.reason == "anything at all"


def test_the_values_a_field_may_hold():
    assert allowed_values(Literal["a", "b"]) == ("a", "b")
    assert allowed_values(Literal["a", "b"] | None) == ("a", "b", None)
    assert allowed_values(Literal["a"] | Literal["b"] | int) == ("a", "b")
    assert allowed_values(str) is None
    assert allowed_values(int | None) is None
    assert allowed_values(tuple[str, ...]) is None


def test_a_version_the_code_does_not_know_is_named():
    with pytest.raises(
        ValueError, match=re.escape("event schema version 0: this version of incsim reads version 1")
    ):
        event_from_dict({"v": 0, "t": 1.0, "incident": 2, "kind": "mitigated"})


# -- the log ----------------------------------------------------------------------------------
def test_the_log_keeps_every_event_in_order_and_tells_each_listener_from_when_it_subscribed():
    log = Log()
    heard_a: list = []
    heard_b: list = []
    first, second, third = ev.Mitigated(1.0, 1), ev.Resolved(2.0, 1), ev.RoomClosed(3.0, 2)
    assert log.add(first) is first
    log.subscribe(heard_a.append)
    log.add(second)
    log.subscribe(heard_b.append)
    log.add(third)
    assert log.events == [first, second, third] and len(log) == 3
    assert heard_a == [second, third] and heard_b == [third]


@pytest.mark.parametrize(
    "line, message",
    [
        ({"t": 1.0, "incident": 2}, "an event without a 'kind'"),
        ({"t": 1.0, "incident": 2, "kind": "exploded"}, "unknown event kind 'exploded'"),
        (
            {"v": "1", "t": 1.0, "incident": 2, "kind": "mitigated"},
            "event schema version '1': this version of incsim reads version 1",
        ),
    ],
)
def test_the_whole_message_of_a_refusal(line, message):
    with pytest.raises(ValueError) as err:
        event_from_dict(line)
    assert str(err.value) == message
