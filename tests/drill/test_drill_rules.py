"""The drill's scoring, outcomes and counterfactual wording on the db-failover drill, each figure
worked out from the drill file: an expectation's points are its score times 1, 0.5 or 0 (met,
partial, missed), one never reached counts for nothing, and the facilitator's mark overrides
the event log."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from incsim.drill.aar import gather
from incsim.drill.engine import DrillSession
from incsim.scenario.drill import load_drill

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"


@pytest.fixture(scope="module")
def failover():
    return load_drill(FAILOVER)


def _rows(data) -> dict[str, dict]:
    return {e["id"]: e for o in data.objectives for e in o["expectations"]}


def test_a_late_acknowledgement_is_partial_and_scores_half(failover):
    s = DrillSession(failover, 7)
    s.advance(9)
    s.decide("failover", "failover")
    s.advance(3)
    s.act("oncall", "ack")  # T+12: two minutes past ack-5's ten
    assert s.outcome("ack-5") == ("partial", pytest.approx(12.0))
    assert s.outcome("update-30") == (None, None)  # its inject has not fired
    assert [x[2] for x in s.expectations()] == ["partial", None]
    s.play_out()
    data = gather(s, replications=0)
    rows = _rows(data)
    # ack-5 (score 2) partial: 1 point; update-30 (score 1) missed: nobody posted
    assert data.score == (pytest.approx(1.0), pytest.approx(3.0))
    ack, upd = rows["ack-5"], rows["update-30"]
    assert (ack["outcome"], ack["points"], ack["score"], ack["how"]) == ("partial", 1.0, 2.0, "event log")
    assert (ack["fired"], ack["by"], ack["when"]) == ("T+00:00", "T+10:00", "T+12:00")
    assert (upd["outcome"], upd["points"], upd["how"], upd["when"]) == ("missed", 0.0, "event log", "—")
    assert (upd["fired"], upd["by"]) == ("T+30:00", "T+40:00")
    failover_row, status_row = data.decisions
    assert failover_row["choice"] == "Fail over to the replica" and failover_row["followed"] is True
    assert (failover_row["asked"], failover_row["decided"], failover_row["by"]) == (
        "T+09:00",
        "T+09:00",
        "the room",
    )
    assert failover_row["time_to_decide"] == "0.0 min"
    assert status_row["by"] == "default (timed out)" and status_row["followed"] is False
    assert status_row["time_to_decide"] == "5.0 min" and status_row["choice"] == "Wait until the fix is in"


def test_the_facilitators_mark_overrides_the_log(failover):
    s = DrillSession(failover, 7)
    s.advance(9)
    s.decide("failover", "debug", real_s=95)
    s.mark("update-30", "partial")  # marked before its inject fires: the mark stands
    s.play_out()
    assert s.outcome("update-30") == ("partial", pytest.approx(9.0))
    assert s.outcome("ack-5") == ("missed", None)  # nobody plays the on-call: never joined
    data = gather(s, replications=0)
    rows = _rows(data)
    assert data.score == (pytest.approx(0.5), pytest.approx(3.0))
    assert (rows["update-30"]["points"], rows["update-30"]["how"]) == (0.5, "facilitator")
    assert rows["update-30"]["when"] == "T+09:00"
    assert (rows["ack-5"]["outcome"], rows["ack-5"]["points"]) == ("missed", 0.0)
    row = data.decisions[0]
    assert row["time_to_decide"] == "0.0 min simulated, 1.6 min in the room"
    assert row["followed"] is False and row["recommended"] == "Fail over to the replica"
    # each mark's outcome is worth its share; a mark that is not one of the three is refused
    for outcome, points in (("met", 1.0), ("missed", 0.0)):
        s.mark("update-30", outcome)
        assert _rows(gather(s, replications=0))["update-30"]["points"] == points
    with pytest.raises(ValueError, match="met, partial or missed, not 'great'"):
        s.mark("update-30", "great")
    with pytest.raises(KeyError, match="no expectation 'nope'"):
        s.mark("nope", "met")


def test_expectations_not_yet_reached_are_not_scored(failover):
    s = DrillSession(failover, 7)
    s.advance(3)
    data = gather(s, replications=0)
    rows = _rows(data)
    assert data.score == (0.0, 0.0)
    assert (rows["ack-5"]["outcome"], rows["ack-5"]["points"]) == ("open", 0.0)
    assert (rows["update-30"]["outcome"], rows["update-30"]["fired"]) == ("not reached", "—")
    assert rows["update-30"]["by"] == "—" and rows["update-30"]["how"] == ""
    assert data.ttr is None and data.time == {} and data.mitigated_at is None
    assert [d["choice"] for d in data.decisions] == ["never asked", "never asked"]
    assert [d["by"] for d in data.decisions] == ["", ""] and data.decisions[0]["followed"] is None


def test_an_expectation_is_missed_at_its_deadline_not_before(failover):
    s = DrillSession(failover, 7)
    s.advance(9)
    assert s.outcome("ack-5") == (None, None)
    s.decide("failover", "debug")
    s.advance(0.9)  # T+9.9: the deadline is T+10
    assert s.now == pytest.approx(9.9)
    assert s.outcome("ack-5") == (None, None)
    s.advance(0.2)
    assert s.outcome("ack-5") == ("missed", None)


# -- counterfactuals in words ----------------------------------------------------------------------


def _variant(kind, mean, low, high, d_mean, d_low, d_high, **kw):
    from incsim.drill.counterfactual import TTR_METRICS, Interval, Variant

    nan = Interval(math.nan, math.nan, math.nan)
    figures = {m: nan for m in TTR_METRICS} | {"ttr_min": Interval(mean, low, high)}
    diff = {m: nan for m in TTR_METRICS} | {"ttr_min": Interval(d_mean, d_low, d_high)}
    same = {m: math.nan for m in TTR_METRICS} | {"ttr_min": 61.26, "engineer_hours": 3.04}
    args = {"label": "x", "decision": None, "option": None, "protocol": "war-room", "decided_at": None}
    return Variant(kind, **(args | kw), same_numbers=same, figures=figures, difference=diff)


def test_a_counterfactual_sentence_says_the_paired_difference():
    from incsim.drill.counterfactual import sentence

    played = _variant("played", 81.2, 75.4, 87.6, 0.0, 0.0, 0.0, label="as played")
    assert sentence(played) == "As played, over the same replications: TTR 81 min [75–88]"
    proto = _variant("protocol", 54.3, 48.2, 61.4, -26.6, -33.4, -20.6)
    assert sentence(proto) == (
        "Under war-room: TTR 54 min [48–61] instead of 81 as played over the same replications "
        "(paired difference -27 min [-33 to -21])"
    )
    opt = _variant(
        "option",
        90.0,
        85.0,
        95.0,
        9.6,
        0.4,
        18.8,
        label="failover: Fail over: now",
        decision="failover",
        option="x",
        decided_at=9.5,
    )
    assert sentence(opt) == (
        "Had failover been \u201cFail over: now\u201d at T+09:30: TTR 90 min [85–95] instead of 80 as "
        "played over the same replications (paired difference +10 min [±0 to +19])"
    )
    same = _variant("protocol", 54.0, 50.0, 58.0, 0.0, 0.0, 0.0)
    assert sentence(same).endswith(
        "instead of 54 as played over the same replications (the same on every replication)"
    )
    one = _variant("protocol", 54.0, math.nan, math.nan, -3.0, math.nan, math.nan)
    assert (
        sentence(one)
        == "Under war-room: TTR 54 min instead of 57 as played over the same replications (paired difference -3 min)"
    )
    unresolved = _variant("protocol", 54.0, math.nan, math.nan, math.nan, math.nan, math.nan)
    assert sentence(unresolved) == "Under war-room: TTR 54 min"


def test_a_variants_row_formats_each_figure_by_its_digits():
    from incsim.drill.aar import variant_row

    v = _variant(
        "option",
        90.04,
        85.26,
        95.5,
        -8.4,
        -12.6,
        -2.2,
        label="failover: Fail over",
        decision="failover",
        option="failover",
        decided_at=9.0,
    )
    row = variant_row(v)
    assert row["short"] == "failover \u2192 failover" and row["kind"] == "option"
    assert row["figures"]["ttr_min"] == "90 [85–96]"
    assert row["difference"]["ttr_min"] == "-8 [-13 to -2]"
    assert row["figures"]["engineer_hours"] == "n/a" and row["difference"]["data_exposure"] == "n/a"
    assert row["same"] == {
        "ttr_min": "61",
        "engineer_hours": "3.0",
        "customer_impact_min": "n/a",
        "data_exposure": "n/a",
    }
    assert row["unresolved"] == 0 and row["label"] == "failover: Fail over"
    p = _variant("protocol", 50.0, math.nan, math.nan, 3.26, math.nan, math.nan, label="under hybrid")
    prow = variant_row(p)
    assert prow["short"] == "under hybrid"
    assert prow["figures"]["ttr_min"] == "50" and prow["difference"]["ttr_min"] == "+3"


# -- what the screens show ---------------------------------------------------------------------------


def test_the_feed_and_the_schedule_in_the_drills_own_words(failover):
    s = DrillSession(failover, 7)
    assert [(u.id, u.when, u.lane, u.at) for u in s.upcoming()] == [
        ("replica-note", "T+08:00", "incident", 8.0),
        ("customers", "30 min unmitigated", "email", None),
        ("failover", "after replica-note +1", "facilitator", None),
        ("status", "after customers", "facilitator", None),
    ]
    assert s.on_demand() == [("vp-asks", "VP asks for an update")]
    assert [(r.id, r.title, r.played) for r in s.roles()] == [
        ("oncall", "Payments on-call", True),
        ("ic", "Incident commander", False),
    ]
    assert s.when(9.5) == "T+09:30 (Tue 14:20)" and s.status().local == "Tue 14:10"
    s.advance(9)
    assert [u.id for u in s.upcoming()] == ["customers", "status"]
    s.note("primary looks dead", "mitigate")
    s.note("no tag")
    s.fire("vp-asks")
    assert s.on_demand() == []
    with pytest.raises(ValueError, match="inject 'vp-asks' has fired already"):
        s.fire("vp-asks")
    with pytest.raises(KeyError, match="no objective 'speed'"):
        s.note("x", "speed")
    with pytest.raises(KeyError, match="decision 'failover' has no option 'wait'"):
        s.decide("failover", "wait")
    with pytest.raises(KeyError, match="no decision 'rollback'"):
        s.decide("rollback", "x")
    s.decide("failover", "room")
    with pytest.raises(ValueError, match="decision 'failover' is not waiting for an answer"):
        s.decide("failover", "room")
    s.hotwash("q?", "a")
    s.action("fix alerting", "data", "2027-01-01")
    s.clock(2.0, True)
    engine_lines = [(f.t, f.lane, f.sender, f.text, f.source) for f in s.feed() if f.source != "event"]
    assert engine_lines == [
        (
            0.0,
            "page",
            "alerting",
            "PAGE: payments-api 5xx 23% for 3 min. Dashboards show orders-db replication lag 0, "
            "primary CPU 100%. → payments on-call",
            "inject",
        ),
        (
            8.0,
            "incident",
            "data on-call",
            "The payments primary is not answering health checks. The replica is in sync; failover "
            "takes about 5 minutes. → payments on-call",
            "inject",
        ),
        (
            9.0,
            "facilitator",
            "oncall",
            "Decision for Payments on-call: Fail over to the replica now, or keep debugging the "
            "primary? (default in 5 min: debug)",
            "decision",
        ),
        (9.0, "facilitator", "facilitator", "[mitigate] primary looks dead", "note"),
        (9.0, "facilitator", "facilitator", "no tag", "note"),
        (
            9.0,
            "executive",
            "VP engineering",
            "VP asks for an update: Any update on payments? Finance is asking. → incident commander",
            "inject",
        ),
        (
            9.0,
            "facilitator",
            "oncall",
            "failover: decided: Open a call with the data team first (0 min after it was asked)",
            "decision",
        ),
        (
            9.0,
            "incident",
            "model",
            "call opened; paged into it: data (they join after acknowledging)",
            "effect",
        ),
    ]
    assert [f.index for f in s.feed()] == list(range(len(s.feed())))
    assert s.feed(-3) == s.feed() and s.feed(4) == s.feed()[4:]
    assert [(a.t, a.action, a.args) for a in s.transcript.actions] == [
        (9.0, "note", {"text": "primary looks dead", "objective": "mitigate"}),
        (9.0, "note", {"text": "no tag", "objective": None}),
        (9.0, "fire", {"inject": "vp-asks"}),
        (9.0, "decide", {"decision": "failover", "option": "room"}),
        (9.0, "hotwash", {"question": "q?", "answer": "a"}),
        (9.0, "action", {"action": "fix alerting", "owner": "data", "due": "2027-01-01"}),
        (9.0, "clock", {"speed": 2.0, "paused": True}),
    ]
    assert s.clock_state == (2.0, True) and s.hotwash_answers == [("q?", "a")]
    assert s.plan == [{"action": "fix alerting", "owner": "data", "due": "2027-01-01"}]
    assert s.notes[0] == {"t": 9.0, "text": "primary looks dead", "objective": "mitigate"}
    assert s.fired["vp-asks"].on_demand is True and s.fired["replica-note"].on_demand is False
    st = s.status()
    assert (st.now, st.room_open, st.resolved, st.mitigated, st.protocol) == (
        9.0,
        True,
        False,
        False,
        "async-first",
    )
    assert st.services_affected == 1 and st.exposure == 0.0


def test_a_transcript_replayed_gives_the_same_session(failover):
    from incsim.drill.transcript import transcript_from_text

    live = DrillSession(failover, 7)
    live.advance(9)
    live.note("primary looks dead", "mitigate")
    live.fire("vp-asks")
    live.decide("failover", "room", real_s=40)
    live.advance(25)
    live.mark("update-30", "met")
    live.hotwash("q?", "a")
    live.action("fix", "data", "2027-01-01")
    live.clock(0.5, False)
    replayed = DrillSession(failover, 7, transcript_from_text(live.transcript.text()))
    replayed.catch_up()
    assert replayed.now == live.now == pytest.approx(30.0)  # the status decision stopped the clock
    assert [(f.t, f.text) for f in replayed.feed()] == [(f.t, f.text) for f in live.feed()]
    assert replayed.decided == live.decided and replayed.decided["failover"].real_s == 40.0
    assert replayed.marks == live.marks and replayed.plan == live.plan and replayed.notes == live.notes
    assert replayed.hotwash_answers == live.hotwash_answers and replayed.clock_state == (0.5, False)
    assert set(replayed.fired) == set(live.fired)


# -- counterfactuals -----------------------------------------------------------------------------------


def test_each_counterfactual_is_paired_with_the_played_history_and_keeps_the_rooms_timing(failover):
    from incsim.drill.counterfactual import TTR_METRICS, Interval, counterfactuals, scored

    s = DrillSession(failover, 7)
    assert scored(s) == {}  # nothing to score before the resolution
    s.advance(9)  # stops where the decision is asked
    s.advance(2)  # the room takes two minutes
    assert s.now == pytest.approx(11.0)
    s.decide("failover", "debug")
    s.play_out()
    variants = counterfactuals(s, 3)
    assert [(v.varies, v.label, v.decision, v.option, v.protocol, v.decided_at) for v in variants] == [
        ("played", "as played", None, None, "async-first", None),
        ("protocol", "under war-room", None, None, "war-room", None),
        ("protocol", "under hybrid", None, None, "hybrid", None),
        ("option", "failover: Fail over to the replica", "failover", "failover", "async-first", 11.0),
        ("option", "failover: Open a call with the data team first", "failover", "room", "async-first", 11.0),
        (
            "option",
            'status: Post "degraded payments" on the status page',
            "status",
            "post",
            "async-first",
            35.0,
        ),
    ]
    played = variants[0]
    row = scored(s)
    assert played.same_numbers == {m: float(row[m]) for m in TTR_METRICS}
    assert played.same_numbers["ttr_min"] == pytest.approx(s.ttr())
    for v in variants:
        assert v.unresolved == 0
        for m in TTR_METRICS:
            assert v.difference[m].mean == pytest.approx(v.figures[m].mean - played.figures[m].mean, abs=1e-9)
        assert v.figures["ttr_min"].low < v.figures["ttr_min"].mean < v.figures["ttr_min"].high
    assert all(played.difference[m] == Interval(0.0, 0.0, 0.0) for m in TTR_METRICS)
    # the other option is taken two minutes after the prompt too: replication 0 is that drill
    other = DrillSession(failover, 7)
    other.advance(9)
    other.advance(2)
    other.decide("failover", "failover")
    other.play_out()
    assert variants[3].same_numbers["ttr_min"] == pytest.approx(other.ttr())
    assert variants[3].difference["ttr_min"].high < 0  # failing over is faster, in every replication


def test_the_players_own_actions_are_replayed_in_every_counterfactual(failover):
    from incsim.drill.counterfactual import counterfactuals

    s = DrillSession(failover, 7)
    s.advance(3)
    s.act("oncall", "ack")  # without it nobody would take the on-call's part
    s.advance(6)
    s.decide("failover", "debug")
    s.play_out()
    variants = counterfactuals(s, 1)
    played = variants[0]
    assert played.same_numbers["ttr_min"] == pytest.approx(s.ttr())
    # a hybrid meets this incident as async-first does (no call is opened): the same history,
    # so the other histories replay the player's actions too
    hybrid = next(v for v in variants if v.label == "under hybrid")
    assert hybrid.same_numbers == played.same_numbers
    idle = DrillSession(failover, 7)
    idle.advance(9)
    idle.decide("failover", "debug")
    idle.play_out()
    assert idle.ttr() != pytest.approx(s.ttr())  # so the check above can tell the difference


def test_role_cards_and_the_report_pages(failover):
    from incsim.drill.aar import render

    s = DrillSession(failover, 7)
    (oncall, ic) = s.roles()
    assert oncall.briefing.startswith("You carry the payments pager this week.")
    assert ic.briefing == "Simulated by the model (the IC rota)."
    s.advance(9)
    s.note("<b>bold</b> & co", "mitigate")
    s.decide("failover", "failover")
    s.play_out()
    data = gather(s, replications=0)
    assert (
        "<svg" in data.busy_svg
        and 'aria-label="Who was busy during the drill&#x27;s incident"' in data.busy_svg
    )
    html, md = render(data)
    assert data.busy_svg in html  # the chart goes in as markup, not as escaped text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html and "<b>bold</b>" not in html
    assert f"Resolved after <strong>{data.ttr:.1f} min</strong>" in html
    assert f"**Resolved after {data.ttr:.1f} min**" in md


def test_the_report_groups_unassigned_expectations_and_names_who_decided():
    from incsim.scenario.drill import load_drill_text

    text = FAILOVER.read_text().replace("{id: update-30, objective: communicate, ", "{id: update-30, ")
    text = text.replace("    played: true\n", "    played: false\n", 1)  # the on-call is simulated
    assert text.count("objective: communicate") == 0 and "played: true" not in text
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    s.advance(60)
    assert s.now == pytest.approx(60.0)
    s.advance(0.5)
    s.note("after the end")  # T+60:30, half a minute past the planned end
    s.hotwash("What went well? What went badly?", "the failover")
    s.hotwash("Not on the list?", "asked anyway")
    s.play_out()
    data = gather(s, replications=0)
    last = data.objectives[-1]
    assert (last["id"], last["text"], last["notes"]) == ("", "Expectations without an objective", [])
    assert [e["id"] for e in last["expectations"]] == ["update-30"]
    assert [o["id"] for o in data.objectives] == ["acknowledge", "mitigate", "communicate", ""]
    assert data.decisions[0]["by"] == "simulated role"
    assert data.title == "Payments database failover" and data.ttr == pytest.approx(s.ttr())
    assert data.audience == "One on-call engineer (payments), facilitator as game master"
    assert data.hotwash == [
        {"question": "What told you the primary was the problem?", "answers": []},
        {"question": "What would have made the failover decision easier?", "answers": []},
        {"question": "What went well? What went badly?", "answers": ["the failover"]},
        {"question": "Not on the list?", "answers": ["asked anyway"]},
    ]
    late = [row for row in data.timeline if row["text"] == "after the end"]
    assert late and late[0]["after"] is True
    assert all(row["after"] == (row["t"] > 60.0) for row in data.timeline)


def test_a_drill_plays_out_past_its_scenarios_horizon(failover, tmp_path):
    """The world of a drill runs far past the incident, whatever horizon the scenario sets for
    ``incsim run``; and the transcript is headed with the protocol played."""
    from incsim.scenario.drill import load_drill_text

    seed = (ROOT / "scenarios" / "seed.yaml").read_text()
    assert "  horizon_days: 28\n" in seed
    (tmp_path / "seed.yaml").write_text(seed.replace("  horizon_days: 28\n", "  horizon_days: 1\n"))
    (tmp_path / "drills").mkdir()
    short = load_drill_text(
        FAILOVER.read_text(), str(tmp_path / "drills" / "x.yaml"), base=tmp_path / "drills"
    )
    s = DrillSession(short, 7, protocol="war-room")
    assert s.t0 > 1440  # T0 lies past the scenario's one day
    s.play_out()
    usual = DrillSession(failover, 7, protocol="war-room")
    usual.play_out()
    assert s.ttr() is not None and s.ttr() == pytest.approx(usual.ttr())
    assert s.transcript.protocol == "war-room" and 'protocol: "war-room"' in s.transcript.text()


def test_counterfactuals_replay_under_the_protocol_played_and_each_other_one(failover):
    from incsim.drill.counterfactual import counterfactuals

    s = DrillSession(failover, 7, protocol="war-room")
    s.play_out()
    variants = counterfactuals(s, 1)
    assert variants[0].protocol == "war-room"
    assert variants[0].same_numbers["ttr_min"] == pytest.approx(s.ttr())
    async_first = next(v for v in variants if v.label == "under async-first")
    usual = DrillSession(failover, 7)
    usual.play_out()
    assert async_first.same_numbers["ttr_min"] == pytest.approx(usual.ttr())
    assert usual.ttr() != pytest.approx(s.ttr())  # so the two checks can tell the protocols apart
    war_room = next(v for v in counterfactuals(usual, 1) if v.label == "under war-room")
    assert war_room.same_numbers["ttr_min"] == pytest.approx(s.ttr())


def test_a_decision_never_asked_is_not_varied_but_the_next_one_is():
    from incsim.drill.counterfactual import counterfactuals
    from incsim.scenario.drill import load_drill_text

    text = FAILOVER.read_text().replace(
        "    after: replica-note\n    delay_min: 1\n",
        "    after: replica-note\n    delay_min: 1\n    only_if: {room_open: true}\n",
    )
    assert "only_if: {room_open: true}" in text
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    s.play_out()
    assert "failover" not in s.decided and s.decided["status"].option == "wait"
    options = [(v.decision, v.option) for v in counterfactuals(s, 1) if v.varies == "option"]
    assert options == [("status", "post")]


def test_a_drills_world_meets_its_own_incident_alone_whatever_the_scenarios_arrivals(failover, tmp_path):
    """The drill's world takes no arrivals and no per-service failures from its scenario, so it
    needs no horizon of its own (a horizon ends only those): even a scenario whose services fail
    on their own many times a day, over one day that ends before T0, adds no incident."""
    from incsim.model.events import Kind
    from incsim.scenario.drill import load_drill_text

    seed = (ROOT / "scenarios" / "seed.yaml").read_text()
    old = "  arrivals:\n    rate_per_week: 3 "
    assert "  horizon_days: 28\n" in seed and old in seed
    seed = seed.replace("  horizon_days: 28\n", "  horizon_days: 1\n")
    seed = seed.replace(old, "  arrivals:\n    per_service: true\n    rate_per_week: 500 ")
    (tmp_path / "seed.yaml").write_text(seed)
    (tmp_path / "drills").mkdir()
    loaded = load_drill_text(
        FAILOVER.read_text(), str(tmp_path / "drills" / "x.yaml"), base=tmp_path / "drills"
    )
    arrivals = loaded.scenario.incidents.arrivals
    assert arrivals is not None and arrivals.per_service and loaded.scenario.simulation.horizon_days == 1
    s = DrillSession(loaded, 7)
    assert s.t0 > 1440  # T0 lies past the scenario's one day
    s.play_out()
    detected = [e.incident for e in s.world.log.events if e.kind is Kind.DETECTED]
    assert detected == [0] and {e.incident for e in s.world.log.events} == {0}
    usual = DrillSession(failover, 7)
    usual.play_out()
    assert s.ttr() is not None and s.ttr() == pytest.approx(usual.ttr())


def test_a_players_decision_is_logged_as_theirs_with_its_effect_in_the_feed(failover):
    """The event log holds the player's mark (``decide``, by the seat), the decision itself (its
    id, option and who took it) and the effect; the feed says where the debugger's work stood."""
    from incsim.model.events import Injected

    s = DrillSession(failover, 7)
    s.advance(9)
    start = len(s.world.log.events)
    s.decide("failover", "failover")
    now = s.world.env.now
    player = s.person("oncall")
    assert s.world.log.events[start:] == [
        Injected(now, 0, player, what="player", id="decide", by="oncall"),
        Injected(
            now, 0, "oncall", what="decision", id="failover", option="failover", by="room", wait_min=0.0
        ),
        Injected(now, 0, "oncall", what="fail_over", remaining_work=0.25, extra_min=5.0),
    ]
    effect = s.feed()[-1]
    assert effect.source == "effect" and s.run.phase == "diagnose"  # 30 min median: still diagnosing at T+9
    assert effect.text.endswith("(the debugger is at: diagnose)")


def test_a_decision_can_page_a_duty_by_name(failover):
    """``page`` names a person, a team or a duty: a duty (``legal``) brings in someone who holds
    it, as a stakeholder, at the moment of the decision."""
    from incsim.model.events import Kind
    from incsim.scenario.drill import load_drill_text

    text = FAILOVER.read_text().replace(
        "          - {do: nothing}\n", "          - {do: page, who: [legal]}\n", 1
    )
    assert "{do: page, who: [legal]}" in text
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    s.advance(9)
    now = s.world.env.now
    s.decide("failover", "debug")
    paged = [e for e in s.world.log.events if e.kind is Kind.PAGED and e.t == now]
    assert [(e.role, "legal" in s.world.roster.engineers[e.who].duties) for e in paged] == [
        ("stakeholder", True)
    ]


def test_playing_out_goes_on_past_a_decision_asked_after_every_stop():
    """After the last scheduled stop the model runs on to the resolution; a played decision a
    condition asks on the way (all-clear at mitigation, before the last service recovers) halts
    the world there, and the playing out carries on rather than ending with the incident open."""
    from incsim.model.events import Kind
    from incsim.scenario.drill import load_drill_text

    cascading = ROOT / "scenarios" / "drills" / "cascading-outage.yaml"
    text = cascading.read_text().replace(
        "modules:\n",
        """  - id: all-clear
    when: {mitigated: true}
    prompt: Customers are served again. Declare the all-clear?
    role: ic
    timeout_min: 5
    default: hold
    options:
      - {id: hold, label: Hold until every service is back, effects: [{do: nothing}]}
      - {id: declare, label: Declare it, effects: [{do: nothing}]}
modules:
""",
        1,
    )
    assert "id: all-clear" in text
    s = DrillSession(load_drill_text(text, str(cascading), base=cascading.parent), 7)
    s.play_out()
    mitigated = next(e.t for e in s.world.log.events if e.kind is Kind.MITIGATED)
    resolved = next(e.t for e in s.world.log.events if e.kind is Kind.RESOLVED)
    assert s.prompted["all-clear"] == mitigated < resolved and mitigated - s.t0 > s.duration
    assert s.resolved and s.ttr() == pytest.approx(resolved - s.t0)


def test_containment_is_logged_as_the_drills_decision_and_takes_services_offline():
    """``contain`` records the decision as a containment taken in the drill (not in any medium
    of the model's) and marks each service it takes offline as affected via containment."""
    from incsim.model.events import Affected, Decision, Injected
    from incsim.scenario.drill import load_drill_text

    text = FAILOVER.read_text().replace(
        "          - {do: nothing}\n", "          - {do: contain, take_offline: [search]}\n", 1
    )
    assert "{do: contain, take_offline: [search]}" in text
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    s.advance(9)
    start = len(s.world.log.events)
    s.decide("failover", "debug")
    now = s.world.env.now
    assert s.world.log.events[start:] == [
        Injected(now, 0, s.person("oncall"), what="player", id="decide", by="oncall"),
        Injected(now, 0, "oncall", what="decision", id="failover", option="debug", by="room", wait_min=0.0),
        Decision(
            now, 0, "oncall", name="containment: failover", medium="drill", wait_min=0.0, containment=True
        ),
        Affected(now, 0, "", service="search", via="containment", customer_facing=True),
    ]
    assert s.run.contained and "search" in s.run.affected


def test_control_returns_with_the_present_instant_finished(failover):
    """A session hands control back (made, or after each step) only with every event at or before
    ``now`` processed: at T0 the detection and its pages come before the page inject, and no
    event of the present minute is left for later."""
    s = DrillSession(failover, 7)
    assert s.world.env.peek() > s.world.env.now
    sources = [f.source for f in s.feed()]
    assert sources.index("inject") == len(sources) - 1 and sources.count("event") >= 3
    stops = []
    while not s.finished:
        s.step()
        stops.append(s.now)
        assert s.world.env.peek() > s.world.env.now, f"events left at T+{s.now:g}"
    assert stops[:3] == [8.0, 9.0, 14.0]  # the replica note, the decision, its default


def test_an_on_demand_inject_with_a_time_is_refused_so_a_session_never_schedules_one():
    """A session schedules every item with an ``at``: it can, because the drill's checks refuse
    an on-demand inject that has one."""
    from incsim.scenario.drill import load_drill_text
    from incsim.scenario.yamlread import ScenarioError

    text = FAILOVER.read_text().replace("    on_demand: true\n", "    on_demand: true\n    at: 5\n", 1)
    assert "    on_demand: true\n    at: 5\n" in text
    with pytest.raises(ScenarioError) as err:
        load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    assert str(err.value).endswith(
        "db-failover.yaml:71:5: injects.3.at: an on-demand inject has no 'at', 'after' or 'when'"
    )


def test_what_follows_a_decision_taken_by_the_clock_at_once_fires_at_that_moment():
    """A default taken at its deadline, or a counterfactual's policy taken at its time, in the
    middle of a long ``advance`` is followed at the same instant by what follows it with no
    delay, not at the end of the advance."""
    from incsim.scenario.drill import load_drill_text

    text = FAILOVER.read_text().replace(
        "decisions:\n",
        """  - id: still-down
    after: failover.debug
    lane: incident
    from: data on-call
    text: "The primary is still down; we keep debugging."
decisions:
""",
        1,
    )
    loaded = load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    # the default (debug) at its deadline, T+14; the policy's debug 2 minutes after the prompt
    for policy, by, at in ((None, "default", 14.0), ({"failover": ("debug", 2.0)}, "room", 11.0)):
        s = DrillSession(loaded, 7, policy=policy)
        s.advance(9)
        s.advance(20)  # the decision is taken inside this advance
        assert (s.decided["failover"].by, s.decided["failover"].t) == (by, at)
        assert s.fired["still-down"].t == at


def test_the_results_folder_takes_the_journal_away_and_is_replaced_with_force(failover, tmp_path):
    """A folder holding only the journal is ready for results without ``--force`` (the results
    replace it); one holding results is replaced with it. ``run.json`` names the protocol played
    and the time to resolve to the microminute."""
    import hashlib
    import json

    from incsim.drill.aar import JOURNAL, prepare, write_outputs
    from incsim.output import OutputError

    out = tmp_path / "out"
    prepare(out, force=False)
    assert out.is_dir() and list(out.iterdir()) == []
    (out / JOURNAL).write_text("journal\n")
    prepare(out, force=False)  # the journal alone does not make it taken
    s = DrillSession(failover, 7, protocol="war-room")
    write_outputs(s, out, replications=0)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["events.jsonl", "transcript.yaml", "aar.html", "aar.md", "run.json"]
    )
    record = json.loads((out / "run.json").read_text())
    assert (record["kind"], record["protocol"], record["seed"]) == ("drill", "war-room", 7)
    sha = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in (failover.text, failover.scenario_text)]
    assert [record["drill_sha256"], record["scenario_sha256"]] == sha
    assert record["versions"]["incsim"] and "numpy" in record["versions"]
    assert record["ttr_min"] == round(s.ttr(), 6) and record["ttr_min"] != round(s.ttr(), 3)
    with pytest.raises(OutputError, match="not empty"):
        prepare(out, force=False)
    prepare(out, force=True)
    again = DrillSession(failover, 8)
    write_outputs(again, out, force=True, replications=0)
    assert json.loads((out / "run.json").read_text())["seed"] == 8


def test_the_markdown_report_escapes_drill_text_for_markdown_not_html(failover):
    from incsim.drill.aar import gather, render
    from incsim.report.markdown import md_escape

    s = DrillSession(failover, 7)
    s.advance(9)
    text = "check *replica* lag & <primary>"
    s.note(text, "acknowledge")
    s.play_out()
    html, md = render(gather(s, replications=0))
    assert md_escape(text) == "check \\*replica\\* lag &amp; &lt;primary>"
    assert f"- Note at T+09:00: {md_escape(text)}\n" in md
    assert "check *replica* lag &amp; &lt;primary&gt;" in html


def test_a_decision_with_no_recommended_option_and_the_time_customers_were_served_again():
    """A decision whose author recommends no option shows a dash and no verdict on whether the
    room followed it; the report says when customer impact ended (the mitigation, from T0)."""
    from incsim.clock import drill_time
    from incsim.drill.aar import gather, render
    from incsim.model.events import Kind
    from incsim.scenario.drill import load_drill_text

    text = FAILOVER.read_text().replace("        recommended: true\n", "", 1)
    assert text.count("recommended: true") == FAILOVER.read_text().count("recommended: true") - 1
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    s.advance(9)
    s.decide("failover", "failover")
    s.play_out()
    data = gather(s, replications=0)
    failover_row, status_row = data.decisions
    assert (failover_row["recommended"], failover_row["followed"]) == ("—", None)
    assert status_row["recommended"] == 'Post "degraded payments" on the status page'
    mitigated = next(e.t for e in s.world.log.events if e.kind is Kind.MITIGATED)
    assert data.mitigated_at == pytest.approx(mitigated - s.t0) and data.mitigated_at > 9
    _, md = render(data)
    assert f"customer impact over at {drill_time(mitigated - s.t0)}." in md


def test_the_report_names_the_incident_and_every_figure_of_its_cost():
    """The report's incident line lists every root and says ``none`` for no flags; its table of
    time and cost holds each of the run's per-incident figures, as the run's scoring gives them."""
    from incsim.drill.aar import gather
    from incsim.drill.counterfactual import scored

    s = DrillSession(load_drill(ROOT / "scenarios" / "drills" / "cascading-outage.yaml"), 7)
    s.play_out()
    data = gather(s, replications=0)
    assert [m["title"] for m in data.modules] == [
        "Detection and ownership",
        "Coordination across teams",
        "Fix and recovery",
    ]
    assert data.modules[2]["questions"] == [
        "What made the rollback decision hard?",
        "When does a call stop being useful?",
    ]
    assert data.incident == {
        "category": "cascading",
        "roots": "event-bus, orders-db",
        "flags": "none",
        "start": "Wed 10:40",
    }
    row = scored(s)
    keys = {
        "responder_hours",
        "non_essential_hours",
        "refocus_hours",
        "engineer_hours",
        "interruptions",
        "war_room_minutes",
        "peak_participants",
        "customer_impact_min",
        "data_exposure",
        "cost_usd",
    }
    assert data.time == {k: float(row[k]) for k in keys}
    assert data.time["peak_participants"] >= 2  # a cascade over three teams: never one person alone


def test_advance_returns_the_new_feed_and_status_updates_say_where_the_incident_stands(failover):
    """``advance`` returns only what the feed gained (a default taken, in its own words); a
    ``status_update`` posts the text the earlier choices pick, as investigating before the
    mitigation; the playing out ends at the resolution's minute; an inject with no ``to``
    says nobody."""
    from incsim.model.events import Kind, Update
    from incsim.scenario.drill import load_drill_text

    s = DrillSession(failover, 7)
    s.advance(9)
    before = len(s.feed())
    new = s.advance(6)
    assert new == s.feed()[before:] and len(new) == 3
    assert (
        new[0].text == "failover: timed out, default: Keep debugging the primary (5 min after it was asked)"
    )
    s.advance(16)  # stops at T+30, where the customers' email asks for the status decision
    assert (s.now, list(s._queue)) == (30.0, ["status"])
    start = len(s.world.log.events)
    s.decide("status", "post")
    (update,) = [e for e in s.world.log.events[start:] if isinstance(e, Update)]
    assert (update.channel, update.status) == ("status", "investigating")
    assert update.text == "Some payments are failing; we are investigating the payments database."
    s.play_out()
    assert s.world.env.now == next(e.t for e in s.world.log.events if e.kind is Kind.RESOLVED)
    assert s.world.env.peek() > s.world.env.now  # the world had more to do: play_out stopped
    text = FAILOVER.read_text().replace("    to: incident commander\n", "", 1)
    assert "to: incident commander" not in text
    bare = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    bare.fire("vp-asks")
    assert bare.feed()[-1].text == "VP asks for an update: Any update on payments? Finance is asking."


def test_a_status_update_after_the_mitigation_says_mitigated():
    """On the cascading drill the customer-facing services recover before the last one: a status
    update taken in between says ``mitigated``."""
    from incsim.model.events import Kind, Update
    from incsim.scenario.drill import load_drill_text

    cascading = ROOT / "scenarios" / "drills" / "cascading-outage.yaml"
    text = cascading.read_text().replace(
        "modules:\n",
        """  - id: all-clear
    when: {mitigated: true}
    prompt: Customers are served again. Tell them?
    role: ic
    timeout_min: 0.01
    default: tell
    options:
      - {id: tell, label: Post it, effects: [{do: status_update, text: Payments are back.}]}
      - {id: hold, label: Wait, effects: [{do: nothing}]}
modules:
""",
        1,
    )
    s = DrillSession(load_drill_text(text, str(cascading), base=cascading.parent), 7)
    s.play_out()
    resolved = next(e.t for e in s.world.log.events if e.kind is Kind.RESOLVED)
    (update,) = [e for e in s.world.log.events if isinstance(e, Update) and e.channel == "status"]
    assert (update.status, update.text) == ("mitigated", "Payments are back.") and update.t < resolved


def test_an_exposure_threshold_fires_at_its_minute_even_at_under_a_record_a_minute(tmp_path):
    """An ``exposure_over`` condition is a stop at the minute the exposure reaches it, whatever
    the rate: at 0.5 records a minute, 3.7 records are out at T+7.4, not at the next event."""
    from incsim.scenario.drill import load_drill_text

    seed = (ROOT / "scenarios" / "seed.yaml").read_text()
    assert "      exposure_per_min: 100 " in seed
    (tmp_path / "seed.yaml").write_text(
        seed.replace("      exposure_per_min: 100 ", "      exposure_per_min: 0.5 ")
    )
    (tmp_path / "drills").mkdir()
    drill = ROOT / "scenarios" / "drills" / "security-exfiltration.yaml"
    text = drill.read_text().replace("when: {exposure_over: 1500}", "when: {exposure_over: 3.7}")
    assert "exposure_over: 3.7" in text
    s = DrillSession(load_drill_text(text, str(tmp_path / "drills" / "x.yaml"), base=tmp_path / "drills"), 7)
    s.play_out()
    assert s.fired["exposure-high"].t == pytest.approx(7.4)
