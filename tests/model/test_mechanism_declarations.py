"""The mechanism declarations' own rules, on hand-built declarations and stand-in scenarios:
when a mechanism is in play, which protocols it applies to, the paths its sentence quotes, and
how the description is assembled from the sentences.

The stand-in scenarios are plain namespaces with only what a rule reads, so each expected
answer follows from the rule as documented in ``incsim.model.mechanisms``."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from incsim.model import (
    catalogue,
    communication,
    incidents,
    lifecycle,
    mechanisms,
    participation,
    people,
    protocols,
    rooms,
    staffing,
    world,
)
from incsim.model.mechanisms import (
    ALL_STRATEGIES,
    SECTIONS,
    Mechanism,
    all_mechanisms,
    assumptions,
    described,
    value_at,
)


def proto(strategy: str, name: str | None = None, **fields) -> NS:
    return NS(strategy=strategy, name=name or strategy, **fields)


def scenario(*protos, **sections) -> NS:
    return NS(protocols=list(protos), **sections)


def mech(text: str = "Always.", protocols=ALL_STRATEGIES, when: str = "", **kw) -> Mechanism:
    return Mechanism(
        kw.pop("name", "m"),
        kw.pop("section", "work"),
        text,
        "incsim.model.world:World.run",
        protocols=tuple(protocols),
        when=when,
        **kw,
    )


# -- in play --------------------------------------------------------------------------------
def test_a_mechanism_is_in_play_only_when_a_protocol_of_its_strategies_is_in_the_scenario():
    m = mech(protocols=("hybrid",))
    assert not m.in_play(scenario(proto("war-room"), proto("async-first")))
    assert m.in_play(scenario(proto("war-room"), proto("hybrid")))
    assert mech().in_play(scenario(proto("async-first")))  # every strategy by default
    assert not mech().in_play(scenario())  # no protocol at all


def test_when_names_a_path_that_must_be_true_and_bang_one_that_must_be_false():
    on = scenario(proto("hybrid"), behaviour=NS(pairing=NS(enabled=True), rate=0.0))
    off = scenario(proto("hybrid"), behaviour=NS(pairing=NS(enabled=False), rate=2.5))
    assert mech(when="behaviour.pairing.enabled").in_play(on)
    assert not mech(when="behaviour.pairing.enabled").in_play(off)
    assert not mech(when="!behaviour.pairing.enabled").in_play(on)
    assert mech(when="!behaviour.pairing.enabled").in_play(off)
    assert not mech(when="behaviour.rate").in_play(on)  # 0 is false
    assert mech(when="behaviour.rate").in_play(off)


def test_a_when_in_a_section_left_out_is_neither_true_nor_false():
    scn = scenario(proto("war-room"))  # no arrivals section: scripted incidents only
    assert not mech(when="arrivals.clock").in_play(scn)
    assert not mech(when="!arrivals.clock").in_play(scn)  # no pooled arrivals without arrivals


def test_the_strategy_is_checked_before_when():
    scn = scenario(proto("war-room"), behaviour=NS(on=True))
    assert not mech(protocols=("hybrid",), when="behaviour.on").in_play(scn)
    assert not mech(protocols=("hybrid",), when="!behaviour.off").in_play(scn)


# -- the quoted paths -----------------------------------------------------------------------
def test_fields_are_the_quoted_paths_in_order_repeats_kept():
    m = mech("At {behaviour.a_1} then {protocol.room.size} and {behaviour.a_1} again; {Not} {9x} {}.")
    assert m.fields() == ["behaviour.a_1", "protocol.room.size", "behaviour.a_1"]
    assert mech("No value quoted.").fields() == []


def test_a_sentence_reads_per_protocol_when_it_quotes_a_protocol_s_own_parameter():
    assert mech("{behaviour.x} and {protocol.triage.duration}").per_protocol()
    assert not mech("{behaviour.x} and {protocols.count}").per_protocol()  # not a protocol's own
    assert not mech("Nothing.").per_protocol()


def test_render_replaces_each_path_by_its_value_and_keeps_the_rest():
    m = mech("Wait {behaviour.a} min, then {protocol.b.c} min ({behaviour.a}).")
    assert (
        m.render(lambda path: f"<{path}>")
        == "Wait <behaviour.a> min, then <protocol.b.c> min (<behaviour.a>)."
    )
    assert mech("Plain.").render(lambda path: "x") == "Plain."


# -- applies to -----------------------------------------------------------------------------
def test_applies_only_to_its_strategies_and_only_when_in_play():
    hybrid, war = proto("hybrid"), proto("war-room")
    scn = scenario(hybrid, war, behaviour=NS(on=False))
    assert mech(protocols=("hybrid",)).applies_to(scn, hybrid)
    assert not mech(protocols=("hybrid",)).applies_to(scn, war)
    assert not mech(when="behaviour.on").applies_to(scn, hybrid)


def test_applies_only_where_every_section_the_sentence_quotes_is_there():
    with_triage = proto("hybrid", "a", triage=NS(duration=15.0), escalation=NS(limit=None))
    without = proto("hybrid", "b", triage=None, escalation=NS(limit=None))
    scn = scenario(with_triage, without)
    m = mech("A call of {protocol.triage.duration} min.")
    assert m.applies_to(scn, with_triage)
    assert not m.applies_to(scn, without)
    # only the sections on the way count: a parameter itself may be None (a rule left out)
    assert mech("At least {protocol.escalation.limit}.").applies_to(scn, without)


def test_every_section_on_a_deep_path_is_checked():
    p = proto("hybrid", room=NS(invite=NS(size=None)))
    q = proto("hybrid", room=NS(invite=None))
    r = proto("hybrid", room=None)
    m = mech("{protocol.room.invite.size.mean}")
    assert not m.applies_to(scenario(p), p)  # size is None, and mean is read from it
    assert not m.applies_to(scenario(q), q)
    assert not m.applies_to(scenario(r), r)
    assert mech("{protocol.room.invite.size}").applies_to(scenario(p), p)


def test_a_scenario_path_is_checked_in_the_scenario_not_the_protocol():
    p = proto("hybrid", behaviour=None)
    assert mech("{behaviour.narration.cap}").applies_to(scenario(p, behaviour=NS(narration=NS(cap=None))), p)
    assert not mech("{behaviour.narration.cap}").applies_to(scenario(p, behaviour=NS(narration=None)), p)


def test_a_path_of_one_or_two_parts_has_no_section_to_check():
    p = proto("hybrid")
    scn = scenario(p, simulation=None)
    assert mech("{protocol.name} {simulation}").applies_to(scn, p)
    assert mech("{simulation.horizon_days}").applies_to(scn, p)


# -- values -----------------------------------------------------------------------------------
def test_value_at_reads_the_scenario_or_the_protocol_s_entry():
    p = proto("hybrid", "h", triage=NS(duration=15.0))
    scn = scenario(p, behaviour=NS(narration=NS(per_listener=0.04)), simulation=NS(days=30))
    assert value_at(scn, "behaviour.narration.per_listener") == 0.04
    assert value_at(scn, "simulation") is scn.simulation
    assert value_at(scn, "protocol.triage.duration", p) == 15.0
    assert value_at(scn, "protocol", p) is p
    assert value_at(scn, "behaviour.narration.per_listener", p) == 0.04  # a protocol changes nothing here


def test_a_protocol_s_parameter_without_a_protocol_is_refused_by_name():
    scn = scenario(proto("hybrid"))
    with pytest.raises(
        ValueError, match=r"^protocol\.triage\.duration: a protocol's parameter needs a protocol$"
    ):
        value_at(scn, "protocol.triage.duration")


# -- gathering and describing -------------------------------------------------------------------
def test_every_declaration_is_gathered_module_by_module():
    """Each module's declarations, in the order ``DESCRIBED_IN`` lists the modules."""
    expected = [
        m
        for module in (
            incidents,
            people,
            staffing,
            world,
            lifecycle,
            rooms,
            communication,
            participation,
            protocols,
        )
        for m in module.MECHANISMS
    ]
    assert len(expected) > 7
    assert all_mechanisms() == expected


def test_declarations_come_in_the_described_order_whatever_the_import_order(monkeypatch):
    monkeypatch.setattr(mechanisms, "DESCRIBED_IN", ("first", "second"))
    monkeypatch.setattr(mechanisms, "_DECLARED", {})
    a, b, c = mech(name="a"), mech(name="b"), mech(name="c")
    assert mechanisms.declare("incsim.model.second", c) == (c,)
    with pytest.raises(RuntimeError, match=r"^the mechanisms of first are not declared yet"):
        mechanisms.all_mechanisms()
    assert mechanisms.declare("incsim.model.first", a, b) == (a, b)
    assert mechanisms.all_mechanisms() == [a, b, c]
    with pytest.raises(ValueError, match=r"^incsim.model.third declares mechanisms but is not in"):
        mechanisms.declare("incsim.model.third", a)


def test_the_record_imports_none_of_the_modules_that_declare_and_the_catalogue_all():
    """``mechanisms.py`` imports nothing of incsim (its users import it, never the other way);
    ``catalogue.py`` imports every module ``DESCRIBED_IN`` names, and each of those declares."""

    def imports(module) -> set[str]:
        tree = ast.parse(Path(module.__file__).read_text())
        out = {
            f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
        }
        return out | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}

    assert not [m for m in imports(mechanisms) if m.startswith("incsim")]
    assert imports(catalogue) == {f"incsim.model.{name}" for name in mechanisms.DESCRIBED_IN}
    for name in mechanisms.DESCRIBED_IN:
        assert mechanisms._DECLARED[name] == importlib.import_module(f"incsim.model.{name}").MECHANISMS


@pytest.fixture
def declared(monkeypatch):
    """Replace the declarations ``described`` and ``assumptions`` gather with a test's own."""

    def use(*ms):
        monkeypatch.setattr(mechanisms, "all_mechanisms", lambda: list(ms))

    return use


def test_the_description_lists_sentences_by_section_in_order_filled_with_values(declared):
    declared(
        mech("Rooms open.", section="room", protocols=("war-room",)),
        mech("Work takes {behaviour.work} min.", section="work"),
        mech("Never here.", section="work", protocols=("async-first",)),
        mech("Off: {behaviour.off}.", section="cost", when="behaviour.off"),
    )
    scn = scenario(proto("war-room"), proto("hybrid"), behaviour=NS(work=30, off=0))
    says = described(scn, lambda v: f"[{v}]")
    assert list(says) == list(SECTIONS)
    assert says["room"] == ["Rooms open."]
    assert says["work"] == ["Work takes [30] min."]
    assert all(not says[s] for s in SECTIONS if s not in ("room", "work"))


def test_a_per_protocol_sentence_comes_once_per_protocol_it_applies_to_named(declared):
    declared(mech("A call of {protocol.triage.duration} min.", section="protocol", protocols=("hybrid",)))
    scn = scenario(
        proto("hybrid", "fast", triage=NS(duration=10)),
        proto("war-room", "wr", triage=NS(duration=1)),
        proto("hybrid", "no-triage", triage=None),
        proto("hybrid", "slow", triage=NS(duration=30)),
    )
    assert described(scn, str)["protocol"] == ["'fast': A call of 10 min.", "'slow': A call of 30 min."]


def test_assumptions_are_those_of_mechanisms_in_play_once_each_in_order(declared):
    declared(
        mech(assumption="B holds."),
        mech(assumption="A holds."),
        mech(assumption=""),
        mech(assumption="B holds."),
        mech(assumption="Not in play.", protocols=("async-first",)),
    )
    assert assumptions(scenario(proto("hybrid"))) == ["B holds.", "A holds."]
