"""The typed event records: one per kind, documented once, and their versioned JSON Lines form
read back into the same records."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from scenario_helpers import load_seed, variant

from incsim.drill.engine import DrillSession
from incsim.model import events as ev
from incsim.model.events import RECORDS, SCHEMA_VERSION, Kind, event_from_dict, record
from incsim.model.incidents import generate_incidents
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.output import events_jsonl
from incsim.report.results import ReportError, read_protocol_events
from incsim.scenario.drill import load_drill
from incsim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]

# one record of every kind, the optional fields both set and left at their defaults
SAMPLES = [
    ev.Detected(
        10.5,
        3,
        category="cascading",
        flags=("security", "data-loss"),
        roots=("api", "db"),
        diagnosis_min=42.25,
        fix_min=12.0,
        exposure_per_min=3.5,
    ),
    ev.Affected(10.5, 3, service="api", via="", customer_facing=True),
    ev.Affected(11.0, 3, service="web", via="api", customer_facing=False),
    ev.Paged(10.5, 3, "app-1", role="debugger", team="app"),
    ev.Joined(12.0, 3, "app-1", role="debugger", off_hours=True, team="app"),
    ev.Joined(13.0, 3, "app-2", role="spectator", off_hours=False, team="app"),
    ev.Joined(14.0, 3, "app-2", role="expert", change=True),
    ev.Left(60.0, 3, "app-2", role="expert", refocus_min=22.5),
    ev.Question(20.0, 3, "app-1", to="db-1", medium="channel", topic="consult"),
    ev.Question(21.0, 3, "leadership", to="ops-1", medium="room", topic="any updates?"),
    ev.Answer(30.0, 3, "db-1", to="app-1", medium="channel", wait_min=10.0),
    ev.Interrupted(
        30.0, 3, "db-1", answer_min=2.0, refocus_min=5.0, reason="consult", role="expert", engaged=False
    ),
    ev.Interrupted(
        31.0,
        3,
        "app-1",
        answer_min=3.0,
        refocus_min=0.0,
        reason="brief late joiner",
        role="debugger",
        engaged=True,
        by="app-3",
    ),
    ev.Update(
        25.0,
        3,
        "ops-1",
        channel="incident",
        status="investigating",
        impact=("api",),
        next_steps="diagnose",
        write_min=3.0,
    ),
    ev.Update(
        26.0,
        3,
        "ops-1",
        channel="incident",
        status="mitigated",
        impact=(),
        next_steps="fix",
        eta_min=15.0,
        write_min=3.0,
    ),
    ev.Update(25.0, 3, "ops-1", channel="executive", status="investigating", write_min=1.5),
    ev.Update(
        27.0, 0, "ops-1", channel="status", status="investigating", text="Failing over.", write_min=2.0
    ),
    ev.DecisionRequested(15.0, 3, name="containment", stakeholders=("sec-1", "ops-1")),
    ev.Decision(18.0, 3, name="containment", medium="room", wait_min=3.0, containment=True),
    ev.Decision(
        18.0, 0, "oncall", name="containment: isolate", medium="drill", wait_min=0.0, containment=True
    ),
    ev.RoomOpened(12.0, 3, reason="triage", limit=3),
    ev.RoomOpened(12.0, 4, reason="protocol: every P1 gets a war room", limit=None),
    ev.RoomClosed(40.0, 3),
    ev.Overran(22.0, 3, planned_min=10.0, waiting_for=("containment",)),
    ev.Escalated(35.0, 3, reason="no progress for 60 min"),
    ev.Fixed(50.0, 3, service="api"),
    ev.Recovered(51.0, 3, service="api"),
    ev.Mitigated(51.0, 3),
    ev.Resolved(60.0, 3),
    ev.Injected(5.0, 7, what="incident"),
    ev.Injected(6.0, 3, what="escalation"),
    ev.Injected(7.0, 0, "support lead", what="inject", id="customers"),
    ev.Injected(
        8.0, 0, "oncall", what="decision", id="failover", option="fail-over", by="room", wait_min=0.0
    ),
    ev.Injected(9.0, 0, "oncall", what="fail_over", remaining_work=0.25, extra_min=5.0),
    ev.Busy(16.0, 3, "db-1", role="owner", elsewhere=(1, 2)),
]


def line(e: ev.Event) -> str:
    return json.dumps(record(e, replication=4, protocol="hybrid"))


def test_every_kind_has_one_record_type_and_a_sample_here():
    assert set(RECORDS) == set(Kind)
    assert all(RECORDS[k].kind is k for k in Kind)
    assert {e.kind for e in SAMPLES} == set(Kind)


@pytest.mark.parametrize("e", SAMPLES, ids=lambda e: e.kind.value)
def test_a_record_reads_back_from_its_json_line_as_the_same_record(e):
    back = event_from_dict(json.loads(line(e)))
    assert type(back) is type(e) and back == e
    assert line(back) == line(e)


@pytest.mark.parametrize("e", SAMPLES, ids=lambda e: e.kind.value)
def test_a_json_line_is_flat_and_versioned(e):
    d = json.loads(line(e))
    assert list(d)[:7] == ["v", "replication", "protocol", "t", "incident", "kind", "who"]
    assert d["v"] == SCHEMA_VERSION and d["kind"] == e.kind.value
    assert not any(isinstance(v, dict) for v in d.values())
    own = [f.name for f in dataclasses.fields(e) if f.name not in ("t", "incident", "who")]
    # every field without a default is written; an optional one only when it is not its default
    for f in dataclasses.fields(e):
        if f.name in own:
            written = f.default is dataclasses.MISSING or getattr(e, f.name) != f.default
            assert (f.name in d) == written, f.name
    assert list(d)[7:] == [n for n in own if n in d]


def test_every_field_is_documented_in_its_record_type():
    for cls in RECORDS.values():
        doc = cls.__doc__ or ""
        for f in dataclasses.fields(cls):
            if f.name not in ("t", "incident", "who"):
                assert f"``{f.name}``" in doc, (cls.__name__, f.name)


def test_records_are_frozen_and_slotted():
    e = SAMPLES[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.category = "other"  # type: ignore[misc]
    assert not hasattr(e, "__dict__")


def test_a_line_without_a_version_reads_as_version_1():
    d = json.loads(line(SAMPLES[4]))
    del d["v"]
    assert event_from_dict(d) == SAMPLES[4]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(v=2), "version 2"),
        (lambda d: d.update(kind="exploded"), "unknown event kind 'exploded'"),
        (lambda d: d.pop("kind"), "without a 'kind'"),
        (lambda d: d.update(mood="calm"), "unknown field(s) mood"),
        (lambda d: d.pop("role"), "missing field(s) role"),
        (lambda d: d.pop("t"), "missing field(s) t"),
        (lambda d: d.update(role="bystander"), "role is 'bystander'"),
    ],
)
def test_a_record_that_is_not_one_is_refused_with_a_reason(change, message):
    d = json.loads(line(SAMPLES[4]))
    change(d)
    with pytest.raises(ValueError, match=re.escape(message)):
        event_from_dict(d)


def test_the_report_names_the_line_of_a_bad_event(tmp_path):
    path = tmp_path / "replication-000.jsonl"
    good = line(SAMPLES[0])
    path.write_text(good + "\n" + good.replace('"category"', '"categry"') + "\n")
    with pytest.raises(
        ReportError, match=re.escape(f"{path}:2: not an event record (detected: unknown field(s) categry")
    ):
        read_protocol_events(path)


def test_the_logs_of_a_simulation_and_a_drill_read_back_as_the_same_records():
    scn = Scenario.model_validate(variant(load_seed(), "simulation.horizon_days", 14))
    streams = Streams(3, 0)
    incidents = generate_incidents(scn, streams, 14 * 1440.0)
    logs = {}
    for proto in scn.protocols:
        world = World(scn, proto.name, Streams(3, 0), incidents)
        world.run()
        logs[proto.name] = world.log.events
    drill = DrillSession(load_drill(ROOT / "scenarios" / "drills" / "db-failover.yaml"), 2)
    drill.play_out()
    logs["drill"] = drill.world.log.events
    seen = set()
    for proto, events in logs.items():
        text = events_jsonl({proto: events}, 0)
        lines = text.splitlines()
        assert len(lines) == len(events) > 0
        for e, raw in zip(events, lines):
            back = event_from_dict(json.loads(raw))
            assert back == dataclasses.replace(e, t=round(e.t, 6)), raw
            seen.add(e.kind)
        assert events_jsonl({proto: [event_from_dict(json.loads(raw)) for raw in lines]}, 0) == text
    assert {Kind.DETECTED, Kind.JOINED, Kind.INTERRUPTED, Kind.UPDATE, Kind.INJECTED, Kind.RESOLVED} <= seen
