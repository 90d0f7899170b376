"""Played roles are played by people: the model takes none of their actions, what a player does
not do does not happen, and a played role's expectations count only what its player did."""

from __future__ import annotations

from pathlib import Path

import pytest

from incsim.drill.aar import gather
from incsim.drill.engine import DrillSession
from incsim.drill.transcript import transcript_from_text
from incsim.model.events import Injected, Joined, Kind, Paged, Question, Update
from incsim.output import events_jsonl
from incsim.scenario.drill import load_drill, load_drill_text

ROOT = Path(__file__).resolve().parents[2]
DRILLS = sorted((ROOT / "scenarios" / "drills").glob("*.yaml"))
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"
CASCADE = ROOT / "scenarios" / "drills" / "cascading-outage.yaml"


@pytest.fixture(scope="module")
def failover():
    return load_drill(FAILOVER)


@pytest.fixture(scope="module")
def cascade():
    return load_drill(CASCADE)


def player_dependent(session) -> list[str]:
    """Expectations that name a role played by people."""
    out = []
    for inj in session.drill.injects:
        for e in inj.expectations:
            role = session.drill_role(e.role)
            if role is not None and role.played:
                out.append(e.id)
    return out


def advance_to(session, t: float) -> None:
    """Run to T+t (``advance`` stops early where a decision is asked)."""
    while session.now < t - 1e-9 and not session.resolved:
        session.advance(t - session.now)


def run_through(session) -> None:
    while not session.finished:
        session.step()
    session.play_out()


@pytest.mark.parametrize("path", DRILLS, ids=lambda p: p.stem)
def test_with_nobody_playing_no_player_dependent_expectation_is_met(path):
    s = DrillSession(load_drill(path), 3, players=frozenset())
    run_through(s)
    dependent = player_dependent(s)
    assert dependent, "every drill has expectations its players must meet"
    assert {e: s.outcome(e)[0] for e in dependent} == {e: "missed" for e in dependent}


def test_an_unacknowledged_page_goes_to_the_secondary(failover):
    s = DrillSession(failover, 7)
    advance_to(s, s.now + 30)
    pages = [e for e in s.world.log.events if isinstance(e, Paged) and e.role == "debugger"]
    assert len(pages) == 2, "the player's page, then the secondary's"
    first, second = pages
    assert second.t - first.t == pytest.approx(failover.drill.metadata.page_timeout_min)
    assert second.who != first.who and second.team == first.team
    joined = [e for e in s.world.log.events if isinstance(e, Joined) and e.role == "debugger"]
    assert [e.who for e in joined] == [second.who] and joined[0].t > second.t
    assert not s.pages_waiting("oncall")
    before = list(s.world.log.events)
    with pytest.raises(ValueError, match="no page"):
        s.act("oncall", "ack")
    # refused before it changed anything: no record of it in the log, as none in the transcript
    assert s.world.log.events == before


def test_the_player_acknowledges_and_joins_at_that_minute(failover):
    s = DrillSession(failover, 7)
    advance_to(s, s.now + 4)
    assert s.pages_waiting("oncall")
    assert not any(e.kind is Kind.JOINED and e.role == "debugger" for e in s.world.log.events)
    s.act("oncall", "ack")
    joined = [e for e in s.world.log.events if isinstance(e, Joined) and e.role == "debugger"]
    assert len(joined) == 1 and joined[0].t - s.t0 == pytest.approx(4.0)
    marker = [e for e in s.world.log.events if isinstance(e, Injected) and e.what == "player"]
    assert [(m.id, m.by, m.who) for m in marker] == [("ack", "oncall", joined[0].who)]
    assert s.outcome("ack-5") == ("met", pytest.approx(4.0))


def test_a_played_ic_posts_nothing_the_player_does_not_and_leadership_keeps_asking(cascade):
    s = DrillSession(cascade, 5)
    advance_to(s, s.now + 2)
    s.act("ic", "ack")
    advance_to(s, s.now + 60)
    ic = s.run.ic.id
    updates = [e for e in s.world.log.events if isinstance(e, Update)]
    assert updates == [], "nobody posts for a played IC"
    asks = [e for e in s.world.log.events if isinstance(e, Question) and e.topic == "any updates?"]
    assert asks and all(q.to == ic for q in asks)
    s.act(
        "ic",
        "update",
        channel="incident",
        status="investigating",
        impact=["checkout"],
        next_steps="roll back the event-bus deploy",
        eta=30,
    )
    s.act("ic", "update", channel="exec", status="investigating", text="Checkout down; rollback next.")
    mine = [e for e in s.world.log.events if isinstance(e, Update)]
    assert [(u.who, u.channel) for u in mine] == [(ic, "incident"), (ic, "executive")]
    assert mine[0].eta_min == 30 and mine[0].next_steps == "roll back the event-bus deploy"


def test_a_model_played_ic_still_posts_its_updates(failover):
    s = DrillSession(failover, 7)
    advance_to(s, s.now + 40)
    assert any(isinstance(e, Update) and e.channel == "incident" for e in s.world.log.events)


def test_the_model_posting_does_not_meet_a_players_expectation(failover):
    """update-30 is the on-call's; the model's IC posts on its cadence, which must not count."""
    s = DrillSession(failover, 7)
    advance_to(s, s.now + 3)
    s.act("oncall", "ack")
    run_through(s)
    assert any(isinstance(e, Update) for e in s.world.log.events)
    assert s.outcome("update-30")[0] == "missed"


def test_a_stand_in_plays_an_empty_role(failover):
    text = FAILOVER.read_text().replace("    holds: debugger\n", "    holds: debugger\n    stand_in: true\n")
    loaded = load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    s = DrillSession(loaded, 7, players=frozenset())
    advance_to(s, s.now + 20)
    assert s.outcome("ack-5")[0] == "met", "the model's on-call acknowledges on its own"
    assert "oncall" in s.model_played()
    empty = DrillSession(failover, 7, players=frozenset())
    advance_to(empty, empty.now + 20)
    assert empty.outcome("ack-5")[0] == "missed" and "oncall" not in empty.model_played()


def test_the_aar_says_who_played_each_role(failover):
    s = DrillSession(failover, 7, players=frozenset())
    run_through(s)
    cast = {r["id"]: r["by"] for r in gather(s, replications=0).cast}
    assert cast == {"oncall": "nobody played it (its actions did not happen)", "ic": "played by the model"}
    s = DrillSession(failover, 7)
    run_through(s)
    assert {r["id"]: r["by"] for r in gather(s, replications=0).cast}["oncall"] == "played by a person"


def test_player_actions_replay_to_the_same_events(cascade):
    s = DrillSession(cascade, 5)
    advance_to(s, s.now + 3)
    s.act("ic", "ack")
    advance_to(s, s.now + 1.5)
    s.act("platform", "ack")
    advance_to(s, s.now + 10)
    s.act("ic", "update", channel="incident", status="investigating", next_steps="find the owner")
    s.act("platform", "ask", team="data")
    s.act("ic", "page", who="checkout")
    run_through(s)
    replay = DrillSession(cascade, 5, transcript_from_text(s.transcript.text()))
    run_through(replay)
    assert events_jsonl({"x": replay.world.log.events}, 0) == events_jsonl({"x": s.world.log.events}, 0)
    assert replay.player_events == s.player_events


def test_a_role_nobody_plays_cannot_act(failover):
    s = DrillSession(failover, 7, players=frozenset())
    with pytest.raises(KeyError, match="nobody plays"):
        s.act("oncall", "ack")
    with pytest.raises(KeyError, match="no played role"):
        DrillSession(failover, 7, players=frozenset({"ic"}))


def test_a_played_ic_hands_over_and_the_model_commands_from_then(cascade):
    s = DrillSession(cascade, 5)
    advance_to(s, s.now + 2)
    with pytest.raises(ValueError, match="taken command"):
        s.act("ic", "handover", to="data")  # not yet acknowledged: nothing to hand over
    s.act("ic", "ack")
    advance_to(s, s.now + 10)
    old = s.run.ic.id
    with pytest.raises(ValueError, match="debugger"):
        s.act("ic", "handover", to=s.run.debugger.id)
    at = s.world.env.now
    s.act("ic", "handover", to="data")
    new = s.run.ic.id
    assert (
        new != old
        and s.world.attention.commanding.get(new) is s.run
        and old not in s.world.attention.commanding
    )
    changes = [e for e in s.world.log.events if isinstance(e, Joined) and e.t == at]
    assert [(j.who, j.role) for j in changes] == [(old, "stakeholder"), (new, "ic")]
    assert changes[0].change
    with pytest.raises(ValueError, match="does not hold command"):
        s.act("ic", "handover", to="checkout")
    assert s.person("ic") == old  # the player is still who they played
    advance_to(s, s.now + 60)
    posted = [e for e in s.world.log.events if isinstance(e, Update) and e.t > at]
    assert posted and all(u.who == new for u in posted)  # the model's IC posts on cadence
    asks = [
        e for e in s.world.log.events if isinstance(e, Question) and e.topic == "any updates?" and e.t > at
    ]
    assert all(q.to == new for q in asks)
    assert not any(
        s.counts_for(i, e, "ic") for i, e in enumerate(s.world.log.events) if isinstance(e, Update)
    ), "the model's updates are not the player's"
    run_through(s)
    replay = DrillSession(cascade, 5, transcript_from_text(s.transcript.text()))
    run_through(replay)
    assert events_jsonl({"x": replay.world.log.events}, 0) == events_jsonl({"x": s.world.log.events}, 0)


def test_declaring_mitigated_is_checked_against_the_model(cascade):
    s = DrillSession(cascade, 5)
    advance_to(s, s.now + 2)
    s.act("ic", "ack")
    advance_to(s, s.now + 10)
    assert not s.run.mitigated
    at = s.world.env.now
    s.act("ic", "mitigated")
    told = [f.text for f in s.feed() if f.source == "effect"]
    assert told[-1].startswith("declared mitigated too early: in the simulation ")
    down = sorted(x for x in s.run.affected if x in s.world.customer_facing and x not in s.run.recovered)
    assert down and all(x in told[-1] for x in down)
    said = [e for e in s.world.log.events if isinstance(e, Update) and e.t == at]
    assert [(u.channel, u.status) for u in said] == [("incident", "mitigated"), ("status", "mitigated")]
    assert all(s.counts_for(s.world.log.events.index(u), u, "ic") for u in said)
    later = DrillSession(cascade, 4)  # a seed whose incident is mitigated a while before it is resolved
    advance_to(later, later.now + 2)
    later.act("ic", "ack")
    while not later.run.mitigated and not later.resolved:
        later.advance(1)
    assert later.run.mitigated and not later.run.resolved.triggered
    later.act("ic", "mitigated")
    assert [f.text for f in later.feed() if f.source == "effect"][-1].startswith(
        "declared mitigated; the simulation agrees"
    )
