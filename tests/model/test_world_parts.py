"""The world's parts declare what they use: each is built with its collaborators passed in, and
reads nothing of the world it was not given (no attribute set elsewhere, as a mixin would)."""

from __future__ import annotations

import ast
import inspect

import pytest
from scenario_helpers import load_seed

from incsim.model import (
    attention,
    communication,
    context,
    escalation,
    lifecycle,
    participation,
    players,
    rooms,
    staffing,
)
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.schema import Scenario

PARTS = {
    "attention": attention.Attention,
    "participation": participation.Participation,
    "staffing": staffing.Staffing,
    "rooms": rooms.Rooms,
    "players": players.Players,
    "escalation": escalation.Escalation,
    "communication": communication.Communication,
    "lifecycle": lifecycle.Lifecycle,
}


def own_names(cls: type) -> tuple[set[str], set[str]]:
    """What ``cls`` sets on ``self`` in ``__init__``, and every ``self.<name>`` its methods read."""
    tree = ast.parse(inspect.getsource(cls))
    init = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    declared = {
        t.attr
        for n in ast.walk(init)
        for t in (
            n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
        )
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    }
    read = {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    }
    return declared, read


@pytest.mark.parametrize("name", [*PARTS, "world"])
def test_a_part_reads_only_what_it_declares_or_defines(name):
    cls = World if name == "world" else PARTS[name]
    declared, read = own_names(cls)
    defined = {n for n, _ in inspect.getmembers(cls)}
    assert not read - declared - defined, f"{cls.__name__} reads attributes it never sets"


@pytest.mark.parametrize("name", list(PARTS))
def test_a_part_is_no_mixin_of_the_world(name):
    """Each part is its own object with its own base: the world holds it, it is not a base of the world."""
    assert PARTS[name].__bases__ == (object,)
    assert World.__bases__ == (object,)


def test_the_world_hands_each_part_the_same_collaborators(seed_world):
    w = seed_world
    assert isinstance(w.context, context.Context)
    assert w.staffing.participation is w.participation and w.staffing.attention is w.attention
    assert w.rooms.staffing is w.staffing and w.escalation.rooms is w.rooms
    assert w.communication.escalation is w.escalation and w.communication.players is w.players
    assert w.lifecycle.communication is w.communication and w.lifecycle.rooms is w.rooms
    # one clock, one log, one table of live incidents for all of them
    for part in (w.participation, w.staffing, w.rooms, w.players, w.escalation, w.communication, w.lifecycle):
        assert part.env is w.env
        assert part.emit == w.context.emit
    assert w.lifecycle.live is w.live and w.participation.live is w.live
    assert w.context.log is w.log


@pytest.fixture
def seed_world() -> World:
    return World(Scenario.model_validate(load_seed()), "war-room", Streams(1, 0))
