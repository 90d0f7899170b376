"""The model's description of itself holds against its event logs.

Every mechanism declared in ``incsim.model`` (see ``model/mechanisms.py``) says in one sentence
what it does; the report prints those sentences. Here each sentence is checked on simulated
event logs of the default scenario and of variants that exercise it (a busy week, failures per
service, fixed latencies), and every declaration is checked against the scenario schema.
A mechanism whose sentence cannot be read off the log is listed in ``NOT_IN_THE_LOG`` with the
test that holds it instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import math
import typing
from collections import defaultdict
from pathlib import Path

import pytest
from log_invariants import escalations_tell_the_truth
from pydantic import BaseModel
from scenario_helpers import load_seed, variant

from incsim.accounting import check_one_place
from incsim.experiment import run_experiment
from incsim.model.events import Event, Kind
from incsim.model.mechanisms import (
    ALL_STRATEGIES,
    SECTIONS,
    all_mechanisms,
    value_at,
)
from incsim.model.people import Roster
from incsim.scenario.schema import Protocol, Scenario

SEED = 2024

NOT_IN_THE_LOG = {
    "narration": "the debugger's speed is not logged; "
    "test_model_behaviour.py::test_narration_makes_the_war_room_debugger_slower",
    "consult": "progress while waiting is not logged; it is read off the diagnosis time in "
    "test_model_behaviour.py (progress_while_waiting knob)",
    "rotas-and-hours": "rota arithmetic is not logged; the debugger's team and the IC rota are "
    "checked under 'debugger' and 'incident-commander'",
}


# -- the declarations against the schema ------------------------------------------------------


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, Annotated, list, dict)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models(arg)
    return out


def schema_has(path: str) -> bool:
    """Whether ``path`` names a field of the scenario schema (``protocol.*`` from a protocol
    entry; ``*`` steps into a list's or a mapping's entries)."""
    head, _, rest = path.partition(".")
    if head == "protocol":
        models, parts = [Protocol], rest.split(".")
    else:
        models, parts = [Scenario], path.split(".")
    for part in parts:
        if part == "*":
            continue
        owners = [m for m in models if part in m.model_fields]
        if not owners:
            return False
        models = _models(owners[0].model_fields[part].annotation)
    return True


def _resolve(target: str):
    module, _, qual = target.partition(":")
    obj = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


def test_the_schema_check_can_say_no():
    assert schema_has("behaviour.narration.per_listener")
    assert schema_has("org.teams.*.oncall.backup")
    assert schema_has("protocol.room.invite.rule")
    assert not schema_has("behaviour.narration.per_speaker")
    assert not schema_has("protocol.room.invite.colour")


def test_every_declaration_names_parameters_that_exist_in_the_schema():
    mechs = all_mechanisms()
    assert len({m.name for m in mechs}) == len(mechs), "two mechanisms share a name"
    for m in mechs:
        missing = [p for p in m.params if not schema_has(p)]
        assert not missing, f"{m.name}: not in the schema: {missing}"
        unlisted = [f for f in m.fields() if f not in m.params]
        assert not unlisted, f"{m.name}: the sentence quotes parameters it does not declare: {unlisted}"
        assert "*" not in "".join(m.fields()), f"{m.name}: a sentence can only quote one value"
        assert m.section in SECTIONS, m.name
        assert m.protocols and set(m.protocols) <= set(ALL_STRATEGIES), m.name
        assert callable(_resolve(m.implemented_by)) or isinstance(_resolve(m.implemented_by), type), m.name


def test_every_sentence_fills_from_the_default_scenario():
    scn = Scenario.model_validate(load_seed())
    for m in all_mechanisms():
        protos = [p for p in scn.protocols if p.strategy in m.protocols] if m.per_protocol() else [None]
        for p in protos:
            text = m.render(lambda path, p=p: repr(value_at(scn, path, p)))
            assert "{" not in text.replace("{'", "").replace("{}", ""), (m.name, text)


def test_every_mechanism_is_held_against_the_log_or_says_why_not():
    names = {m.name for m in all_mechanisms()}
    checked = set(CHECKS)
    assert checked | set(NOT_IN_THE_LOG) == names, (
        f"no check for {sorted(names - checked - set(NOT_IN_THE_LOG))}; "
        f"stale entries {sorted((checked | set(NOT_IN_THE_LOG)) - names)}"
    )
    assert not checked & set(NOT_IN_THE_LOG)


# -- simulated logs -------------------------------------------------------------------------


def busy(doc: dict) -> dict:
    """A week with incidents close together, so people are often wanted in two at once."""
    doc = variant(doc, "incidents.arrivals.rate_per_week", 25)
    return variant(doc, "simulation.horizon_days", 7)


def per_service(doc: dict) -> dict:
    """Failures per service, for two weeks."""
    doc = variant(doc, "incidents.arrivals.per_service", True)
    doc = variant(doc, "incidents.arrivals.rate_per_week", 0.6)
    return variant(doc, "simulation.horizon_days", 14)


def fixed_latencies(doc: dict) -> dict:
    """Every delay a fixed number, so a wait in the log can be recomputed exactly."""
    for path, v in [
        ("behaviour.page_ack", 7.0),
        ("behaviour.page_ack_off_hours", 19.0),
        ("behaviour.join_delay", 4.0),
        ("behaviour.read_thread", 11.0),
        ("behaviour.interruption.answer", 2.0),
        ("behaviour.reply_latency", {"engaged": 3.0, "working": 13.0, "off_hours": 47.0}),
    ]:
        doc = variant(doc, path, v)
    return busy(doc)


def quiet(doc: dict) -> dict:
    """No decisions and no consults: the debugger's work is uninterrupted unless someone asks."""
    for cat in doc["incidents"]["categories"]:
        doc = variant(doc, f"incidents.categories.{cat}.decisions", [])
        doc = variant(doc, f"incidents.categories.{cat}.consults_mean", 0.0)
    for flag in doc["incidents"].get("flags", {}):
        doc = variant(doc, f"incidents.flags.{flag}.decisions", [])
    return variant(doc, "simulation.horizon_days", 14)


def busy_invitees(doc: dict, rule: str) -> dict:
    """The busy week with every room inviting busy people by ``rule``."""
    doc = busy(doc)
    for p in doc["protocols"]:
        if p["kind"] != "async-first":
            doc = variant(doc, f"protocols.{p['name']}.room.busy_invitees", rule)
    return doc


VARIANTS = {
    "quiet": (lambda: quiet(load_seed()), 1),
    "seed": (load_seed, 2),
    "busy": (lambda: busy(load_seed()), 2),
    "busy-last": (lambda: busy_invitees(load_seed(), "last"), 1),
    "busy-when-free": (lambda: busy_invitees(load_seed(), "when_free"), 1),
    "per-service": (lambda: per_service(load_seed()), 2),
    "fixed": (lambda: fixed_latencies(load_seed()), 1),
}


class Runs:
    """Every protocol's log over a few replications of one scenario."""

    def __init__(self, name: str) -> None:
        make, reps = VARIANTS[name]
        self.name = name
        self.scn = Scenario.model_validate(make())
        self.roster = Roster(self.scn)
        res = run_experiment(self.scn, reps, SEED, log_sample=reps)
        self.logs: dict[tuple[int, str], list[Event]] = {
            (r, p): ev for r, by in res.logs.items() for p, ev in by.items()
        }
        self.strategy = {p.name: p.strategy for p in self.scn.protocols}
        self.spec = {p.name: p for p in self.scn.protocols}

    def each(self, *strategies: str):
        """(label, protocol entry, events) for each log of a protocol of one of ``strategies``."""
        for (r, p), ev in sorted(self.logs.items()):
            if not strategies or self.strategy[p] in strategies:
                yield f"{self.name} rep {r} {p}", self.spec[p], ev


_CACHE: dict[str, Runs] = {}


def runs(name: str) -> Runs:
    if name not in _CACHE:
        _CACHE[name] = Runs(name)
    return _CACHE[name]


def incidents(events: list[Event]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = defaultdict(list)
    for e in events:
        out[e.incident].append(e)
    return out


def first(evs: list[Event], kind: Kind, **data) -> Event | None:
    return next(
        (e for e in evs if e.kind is kind and all(getattr(e, k, None) == v for k, v in data.items())), None
    )


def engaged_spans(events: list[Event]) -> dict[str, list[tuple[float, float, int]]]:
    """Per person: (from, to, incident) for every stretch they were part of an incident."""
    out: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    open_: dict[tuple[int, str], float] = {}
    for e in events:
        key = (e.incident, e.who)
        if e.kind is Kind.JOINED and key not in open_:
            open_[key] = e.t
        elif e.kind is Kind.LEFT and key in open_:
            out[e.who].append((open_.pop(key), e.t, e.incident))
    for (inc, who), t in open_.items():
        out[who].append((t, math.inf, inc))
    return out


# -- one check per mechanism ----------------------------------------------------------------


def check_debugger(name: str) -> int:
    """A debugger is on the root's owning team, is never the IC, and debugs one incident at a time."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each():
        assert not check_one_place(ev, roles=("debugger",)), label
        for inc, evs in incidents(ev).items():
            det, dbg = first(evs, Kind.DETECTED), first(evs, Kind.PAGED, role="debugger")
            if det is None or dbg is None:
                continue
            ic = first(evs, Kind.PAGED, role="ic")
            assert r.roster.engineers[dbg.who].team == r.roster.owner_of[det.roots[0]], (label, inc)
            assert ic is None or ic.who != dbg.who, (label, inc)
            n += 1
    return n


def check_incident_commander(name: str) -> int:
    """The IC is on the IC rota, commands one incident at a time, and never debugs, consults or fixes."""
    r = runs(name)
    pool = {e.id for e in r.roster.ic_pool}
    n = 0
    for label, _, ev in r.each():
        assert not check_one_place(ev, roles=("ic",)), label
        for inc, evs in incidents(ev).items():
            ic = first(evs, Kind.PAGED, role="ic")
            if ic is None:
                continue
            n += 1
            assert ic.who in pool, (label, inc)
            det = first(evs, Kind.DETECTED)
            owner_team = r.roster.owner_of[det.roots[0]]
            assert ic.who not in {e.id for e in r.roster.oncall(owner_team, det.t)} or ic.t > det.t, (
                label,
                inc,
            )
            roles = {e.role for e in evs if e.who == ic.who and e.kind in (Kind.JOINED, Kind.INTERRUPTED)}
            assert not roles & {"debugger", "expert", "owner"}, (label, inc, roles)
            asked = [e for e in evs if e.kind is Kind.QUESTION and e.to == ic.who and e.topic == "consult"]
            assert not asked, (label, inc)
    return n


def check_one_attention(name: str) -> int:
    """Nobody is part of two incidents at the same minute, in any role; people busy elsewhere
    were turned away (a ``busy`` event) rather than double-booked."""
    r = runs(name)
    turned = 0
    for label, _, ev in r.each():
        assert not check_one_place(ev, roles=None), label
        turned += sum(e.kind is Kind.BUSY for e in ev)
    return turned


def check_acknowledge(name: str = "fixed") -> int:
    """With fixed delays, each join comes exactly the declared delay after the page."""
    r = runs(name)
    b = r.scn.behaviour
    n = 0
    for label, _, ev in r.each():
        for inc, evs in incidents(ev).items():
            paged: dict[str, Event] = {}
            for e in evs:
                if e.kind is Kind.PAGED:
                    paged.setdefault(e.who, []).append(e)
                elif e.kind is Kind.JOINED and paged.get(e.who) and not e.change:
                    # one person can be paged twice (two services to own); the join answers one page
                    pages = paged.pop(e.who)
                    fits = []
                    for p in pages:
                        at_work = r.roster.engineers[e.who].working(p.t)
                        if p.role in ("debugger", "ic"):
                            want = b.page_ack.value if at_work else b.page_ack_off_hours.value
                        else:
                            want = b.join_delay.value if at_work else b.page_ack_off_hours.value
                        fits.append(e.t - p.t == pytest.approx(want))
                    assert any(fits), (label, inc, e.who, [p.t for p in pages], e.t)
                    n += 1
    return n


def check_diagnose_and_fix(name: str = "quiet") -> int:
    """Work is done at speed 1 at work and 1/slowdown off hours: an async-first incident whose
    debugger took no interruption and needed no consult, decision or second root takes its
    diagnosis plus fix, so counted, from the debugger's join to the root's fix."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each("async-first"):
        for inc, evs in incidents(ev).items():
            det, join = first(evs, Kind.DETECTED), first(evs, Kind.JOINED, role="debugger")
            if det is None or join is None:
                continue
            fixed = first(evs, Kind.FIXED, service=det.roots[0])
            if fixed is None or len(det.roots) > 1:
                continue
            eng = r.roster.engineers[join.who]
            quiet = not any(
                (e.kind is Kind.DECISION_REQUESTED or (e.kind is Kind.QUESTION and e.who == eng.id))
                for e in evs
                if e.t <= fixed.t
            ) and not any(
                e.kind is Kind.INTERRUPTED and e.who == eng.id and join.t <= e.t <= fixed.t for e in ev
            )
            if quiet:
                work = det.diagnosis_min + det.fix_min
                at_work = sum(b - a for a, b in eng.work_intervals(join.t, fixed.t))
                # minutes at work count once, minutes off hours 1/slowdown: together the work
                done = at_work + (fixed.t - join.t - at_work) / r.scn.behaviour.off_hours_slowdown
                assert done == pytest.approx(work), (label, inc, done, work)
                n += 1
    return n


def check_owners_fix(name: str = "busy") -> int:
    """Fixing a service is charged to someone of its owning team, never to anyone else."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each():
        for e in ev:
            if e.kind is Kind.INTERRUPTED and e.reason.startswith("fix "):
                svc = e.reason[4:]
                assert r.roster.engineers[e.who].team == r.roster.owner_of[svc], (label, e)
                n += 1
            elif e.kind is Kind.JOINED and e.role == "owner":
                n += 1
    return n


def check_invitations(name: str = "busy") -> int:
    """Nobody is paged as a spectator while part of another incident; only protocols with rooms
    invite spectators; a busy invitee is invited only under "last" or "when_free", was indeed
    part of another incident then, and joins (if at all) while the room is open."""
    r = runs(name)
    n = 0
    for label, proto, ev in r.each():
        spans = engaged_spans(ev)
        by_inc = incidents(ev)
        for e in ev:
            if e.kind is Kind.PAGED and e.role == "spectator":
                assert proto.strategy in ("war-room", "hybrid"), label
                elsewhere = [s for s in spans[e.who] if s[2] != e.incident and s[0] <= e.t < s[1]]
                assert not elsewhere, (label, e, elsewhere)
                n += 1
            elif e.kind is Kind.BUSY and e.waits:
                assert proto.room.busy_invitees in ("last", "when_free"), (label, e)
                # part of another incident, or paged to debug, command or fix one
                assert e.elsewhere and e.incident not in e.elsewhere, (label, e)
                for other in e.elsewhere:
                    assert any(
                        x.who == e.who and x.kind in (Kind.PAGED, Kind.JOINED) and x.t <= e.t
                        for x in by_inc[other]
                    ), (label, e, other)
                after = by_inc[e.incident][by_inc[e.incident].index(e) :]  # in log order
                came = first([j for j in after if j.who == e.who], Kind.JOINED)
                end = first(after, Kind.ROOM_CLOSED)
                assert came is None or end is None or came.t <= end.t, (label, e)
                n += 1
    return n


def check_spectator_questions(name: str = "seed") -> int:
    """Room questions are asked by a spectator of an open room, to its debugger, and every one is
    put: the debugger is charged its answer at that minute, busy or not."""
    r = runs(name)
    n = 0
    for label, proto, ev in r.each():
        for evs in incidents(ev).values():
            room, roles, dbg = False, {}, None
            asked = [(e.t, e.to) for e in evs if e.kind is Kind.QUESTION and e.topic == "question"]
            charged = [
                (e.t, e.who) for e in evs if e.kind is Kind.INTERRUPTED and e.reason == "spectator question"
            ]
            assert asked == charged, label
            for e in evs:
                if e.kind is Kind.ROOM_OPENED:
                    room = True
                elif e.kind is Kind.ROOM_CLOSED:
                    room = False
                elif e.kind is Kind.JOINED:
                    roles[e.who] = e.role
                    if e.role == "debugger":
                        dbg = e.who
                elif e.kind is Kind.LEFT:
                    roles.pop(e.who, None)
                elif e.kind is Kind.QUESTION and e.topic == "question":
                    assert proto.strategy in ("war-room", "hybrid") and room, (label, e)
                    assert roles.get(e.who) == "spectator" and e.to == dbg, (label, e)
                    n += 1
    return n


def check_late_joiners(name: str = "seed") -> int:
    """The debugger briefs only people who join an open room late."""
    r = runs(name)
    after = r.scn.behaviour.late_joiner_after
    n = 0
    for label, _, ev in r.each():
        for evs in incidents(ev).values():
            opened, dbg = None, None
            for e in evs:
                if e.kind is Kind.ROOM_OPENED:
                    opened = e.t
                elif e.kind is Kind.ROOM_CLOSED:
                    opened = None
                elif e.kind is Kind.JOINED and e.role == "debugger":
                    dbg = e.who
                elif e.kind is Kind.INTERRUPTED and e.reason == "brief late joiner":
                    assert opened is not None and e.t - opened > after and e.who == dbg, (label, e)
                    n += 1
    return n


def check_channel_questions(name: str = "fixed") -> int:
    """With fixed latencies, a channel answer comes exactly reply latency (by where its author
    is) + reading the thread (first time only) + answer after the question; someone woken for it
    answers that long after arriving (engaged: no reading); and only someone whose working day
    began or ended meanwhile answers at another time (the latency of their state then)."""
    r = runs(name)
    b = r.scn.behaviour
    lat = b.reply_latency
    read, answer = b.read_thread.value, b.interruption.answer.value
    waits = {
        x.value + extra + answer for x in (lat.engaged, lat.working, lat.off_hours) for extra in (0.0, read)
    }
    n = woken = 0
    for label, _, ev in r.each():
        for evs in incidents(ev).values():
            for e in evs:
                if e.kind is not Kind.ANSWER or e.medium != "channel":
                    continue
                asked = e.t - e.wait_min
                if any(e.wait_min == pytest.approx(w) for w in waits):
                    n += 1
                    continue
                came = first([x for x in evs if asked - 1e-9 <= x.t <= e.t], Kind.JOINED, who=e.who)
                if came is not None and e.t - came.t == pytest.approx(lat.engaged.value + answer):
                    woken += 1
                    continue
                eng = r.roster.engineers[e.who]
                assert eng.next_change(asked) < e.t, (label, e, sorted(waits))
    assert woken > 0
    return n


def check_decisions(name: str = "seed") -> int:
    """A war room decides in the room, async-first in the channel."""
    r = runs(name)
    n = 0
    for label, proto, ev in r.each("war-room", "async-first"):
        want = "room" if proto.strategy == "war-room" else "channel"
        for e in ev:
            if e.kind is Kind.DECISION:
                assert e.medium == want, (label, e)
                n += 1
    return n


def check_updates(name: str = "seed") -> int:
    """Incident updates are begun at least a cadence apart and posted once written (the IC writes
    once free of other work, slower off hours): two posts are at least a cadence, plus the later
    one's writing, less the earlier one's at its slowest, apart, and not always the same gap;
    executive ones only with an executive channel; reading an update costs no refocus."""
    r = runs(name)
    n = 0
    gaps_seen = set()
    for label, proto, ev in r.each():
        for inc, evs in incidents(ev).items():
            ups = [e for e in evs if e.kind is Kind.UPDATE and e.channel == "incident"]
            for a, b in itertools.pairwise(ups):
                slowest = r.scn.behaviour.off_hours_slowdown * a.write_min
                assert b.t - a.t >= proto.update_cadence_min + b.write_min - slowest - 1e-9, (
                    label,
                    inc,
                    a,
                    b,
                )
                gaps_seen.add(round(b.t - a.t, 3))
            n += len(ups)
            exec_ = any(e.kind is Kind.UPDATE and e.channel == "executive" for e in evs)
            assert proto.executive_channel or not exec_, (label, inc)
        for e in ev:
            if e.kind is Kind.INTERRUPTED and e.reason == "read update":
                assert e.refocus_min == 0.0, (label, e)
    assert n == 0 or len(gaps_seen) > 1, gaps_seen
    return n


def check_refocus(name: str = "busy") -> int:
    """A refocus after leaving is charged only to someone who joined at work and leaves at work,
    never past the end of their working day."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each():
        joined_off: dict[tuple[int, str], bool] = {}
        for e in ev:
            if e.kind is Kind.JOINED and not e.change:
                joined_off[(e.incident, e.who)] = bool(e.off_hours)
            elif e.kind is Kind.LEFT and e.refocus_min > 0:
                eng = r.roster.engineers[e.who]
                assert not joined_off[(e.incident, e.who)] and eng.working(e.t), (label, e)
                assert e.refocus_min <= eng.minutes_left_at_work(e.t) + 1e-9, (label, e)
                n += 1
    return n


def check_resolution(name: str = "seed") -> int:
    """Resolution comes once every affected service has recovered, after mitigation; everyone
    leaves and the room closes."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each():
        for inc, evs in incidents(ev).items():
            res = first(evs, Kind.RESOLVED)
            if res is None:
                continue
            before = [e for e in evs if e.t <= res.t]
            affected = {e.service for e in before if e.kind is Kind.AFFECTED}
            recovered = {e.service for e in before if e.kind is Kind.RECOVERED}
            assert affected <= recovered, (label, inc, affected - recovered)
            mit = first(evs, Kind.MITIGATED)
            assert mit is not None and mit.t <= res.t, (label, inc)
            spans = engaged_spans(evs)
            assert all(end <= res.t + 1e-9 for s in spans.values() for _, end, _ in s), (label, inc)
            n += 1
    return n


def check_war_room(name: str = "seed") -> int:
    """Under the war-room protocol every incident opens its room when it is detected."""
    n = 0
    for label, _, ev in runs(name).each("war-room"):
        for inc, evs in incidents(ev).items():
            det, room = first(evs, Kind.DETECTED), first(evs, Kind.ROOM_OPENED)
            if det is not None:
                assert room is not None and room.t == det.t, (label, inc)
                n += 1
    return n


def check_async_first(name: str = "busy") -> int:
    """Under async-first no room ever opens."""
    n = 0
    for label, _, ev in runs(name).each("async-first"):
        assert not any(e.kind is Kind.ROOM_OPENED for e in ev), label
        n += len(ev)
    return n


def check_hybrid_escalation(name: str = "seed") -> int:
    """Every hybrid escalation has its stated reason true at that minute, and an incident that
    meets the services rule while still in the channel is escalated at that minute. (Whether an
    incident went the no-progress rule's minutes without progress needs the debugger's work,
    which the log does not hold minute by minute: ``test_mechanisms`` times that rule by hand.)"""
    r = runs(name)
    n = 0
    for label, proto, ev in r.each("hybrid"):
        rules = proto.escalation
        for inc, evs in incidents(ev).items():
            det = first(evs, Kind.DETECTED)
            if det is None:
                continue
            esc = first(evs, Kind.ESCALATED)
            res = first(evs, Kind.RESOLVED)
            mit = first(evs, Kind.MITIGATED)
            end = res.t if res else math.inf
            if esc is not None:
                n += 1
                reason = esc.reason
                affected = sum(1 for e in evs if e.kind is Kind.AFFECTED and e.t <= esc.t)
                if reason.startswith("no progress"):
                    # nothing moved in the rule's minutes before: no decision, answer, fix or recovery
                    assert mit is None or mit.t > esc.t, (label, inc)
                    assert not escalations_tell_the_truth(evs, r.roster, r.scn), (label, inc)
                elif "services affected" in reason:
                    assert affected >= rules.services_affected_at_least, (label, inc, affected)
                elif reason.startswith("category"):
                    assert det.category in rules.categories, (label, inc)
                elif reason.startswith("flag"):
                    assert set(det.flags) & set(rules.flags), (label, inc)
            # the converse: a rule that fires while the incident is in the channel escalates it then
            if proto.triage is not None and set(det.flags) & set(proto.triage.flags):
                continue  # with a triage flag the rules wait for the triage call (or a further service)
            if rules.services_affected_at_least is not None:
                hits = [e.t for e in evs if e.kind is Kind.AFFECTED]
                if len(hits) >= rules.services_affected_at_least:
                    t = hits[rules.services_affected_at_least - 1]
                    if t < end:
                        # the IC escalates then, or once free of what they are doing (an update's
                        # writing, an answer, a deliberation: minutes, not hours)
                        assert esc is not None and esc.t <= t + 30.0, (label, inc, "services rule")
    return n


def check_hybrid_triage(name: str = "seed") -> int:
    """A triage call opens only for an incident with a triage flag, limited to its size; the
    escalation rules wait for it: no escalation before the call has ended (unless the protocol
    lets one come first, and then there is no call)."""
    r = runs(name)
    n = 0
    for label, proto, ev in r.each("hybrid"):
        for inc, evs in incidents(ev).items():
            room = first(evs, Kind.ROOM_OPENED, reason="triage")
            det = first(evs, Kind.DETECTED)
            flagged = proto.triage is not None and bool(set(det.flags) & set(proto.triage.flags))
            esc = first(evs, Kind.ESCALATED)
            if room is not None:
                assert flagged, (label, inc)
                assert room.limit == proto.triage.max_people, (label, inc)
                closed = next(e for e in evs if e.kind is Kind.ROOM_CLOSED and e.t >= room.t)
                assert esc is None or esc.t >= closed.t, (label, inc, "escalated before triage ended")
                n += 1
            elif flagged and esc is not None:
                assert proto.triage.escalate_before_triage, (label, inc, "escalated instead of triage")
    return n


def _detections(ev: list[Event]) -> list[tuple]:
    return [
        (e.incident, e.t, e.category, tuple(e.flags), tuple(e.roots), e.diagnosis_min, e.fix_min)
        for e in ev
        if e.kind is Kind.DETECTED
    ]


def check_pooled_arrivals(name: str = "seed") -> int:
    """Every protocol meets the same incidents, at the same times, with the same work."""
    r = runs(name)
    by_rep: dict[int, list] = defaultdict(list)
    for (rep, p), ev in r.logs.items():
        by_rep[rep].append(_detections(ev))
    for rep, seen in by_rep.items():
        assert all(s == seen[0] for s in seen), rep
    return sum(len(s[0]) for s in by_rep.values())


def check_incident_work(name: str = "per-service") -> int:
    """A service's n-th failure has the same category, flags and work under every protocol."""
    r = runs(name)
    by_rep: dict[int, list[dict]] = defaultdict(list)
    for (rep, p), ev in r.logs.items():
        seq: dict[str, list] = defaultdict(list)
        for inc, t, cat, flags, roots, diag, fix in _detections(ev):
            seq[roots[0]].append((cat, flags, roots, diag, fix))
        by_rep[rep].append(seq)
    n = 0
    for rep, seqs in by_rep.items():
        for svc in {s for q in seqs for s in q}:
            lists = [q.get(svc, []) for q in seqs]
            k = min(len(x) for x in lists)
            assert all(x[:k] == lists[0][:k] for x in lists), (rep, svc)
            n += k
    return n


def check_per_service_failures(name: str = "per-service") -> int:
    """A service is down in one incident at a time: its next failure comes after its incident
    is resolved; and the n-th failures are paired (see ``check_incident_work``)."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each():
        down: dict[str, float] = {}
        open_root: dict[int, str] = {}
        for e in ev:
            if e.kind is Kind.DETECTED:
                svc = e.roots[0]
                assert svc not in down, (label, svc, e.t)
                down[svc] = e.t
                open_root[e.incident] = svc
                n += 1
            elif e.kind is Kind.RESOLVED:
                down.pop(open_root.pop(e.incident), None)
    return n + check_incident_work(name)


def check_cascade(name: str = "seed") -> int:
    """A dependent is hit only through a service already affected, and never after the roots are fixed."""
    r = runs(name)
    n = 0
    for label, _, ev in r.each():
        for inc, evs in incidents(ev).items():
            det = first(evs, Kind.DETECTED)
            if det is None:
                continue
            roots = set(det.roots)
            hit, fixed = set(), set()
            for e in evs:
                if e.kind is Kind.AFFECTED:
                    if e.via:
                        assert e.via in hit and not roots <= fixed, (label, inc, e)
                        n += 1
                    hit.add(e.service)
                elif e.kind is Kind.FIXED:
                    fixed.add(e.service)
    return n


CHECKS = {
    "debugger": [("busy", check_debugger), ("seed", check_debugger)],
    "incident-commander": [("busy", check_incident_commander), ("seed", check_incident_commander)],
    "one-attention": [
        ("busy", check_one_attention),
        ("busy-last", check_one_attention),
        ("busy-when-free", check_one_attention),
    ],
    "acknowledge": [("fixed", check_acknowledge)],
    "diagnose-and-fix": [("quiet", check_diagnose_and_fix)],
    "owners-fix": [("busy", check_owners_fix)],
    "invitations": [
        ("busy", check_invitations),
        ("busy-last", check_invitations),
        ("busy-when-free", check_invitations),
    ],
    "spectator-questions": [("seed", check_spectator_questions)],
    "late-joiners": [("seed", check_late_joiners)],
    "channel-questions": [("fixed", check_channel_questions)],
    "decisions": [("seed", check_decisions)],
    "updates": [("seed", check_updates)],
    "refocus": [("busy", check_refocus)],
    "resolution": [("seed", check_resolution), ("busy", check_resolution)],
    "war-room": [("seed", check_war_room)],
    "async-first": [("busy", check_async_first)],
    "hybrid-escalation": [("seed", check_hybrid_escalation), ("busy", check_hybrid_escalation)],
    "hybrid-triage": [("seed", check_hybrid_triage)],
    "pooled-arrivals": [("seed", check_pooled_arrivals)],
    "incident-work": [("per-service", check_incident_work), ("seed", check_pooled_arrivals)],
    "per-service-failures": [("per-service", check_per_service_failures)],
    "cascade": [("seed", check_cascade), ("busy", check_cascade)],
}


@pytest.mark.parametrize("mechanism", sorted(CHECKS))
def test_the_declared_sentence_holds_in_the_event_log(mechanism):
    """Each check must also find something to check (a count above zero), so it cannot pass
    vacuously."""
    declared = {m.name: m for m in all_mechanisms()}[mechanism]
    for variant_name, check in CHECKS[mechanism]:
        found = check(variant_name)
        assert found > 0, f"{mechanism} ({variant_name}): nothing in the logs exercised '{declared.text}'"


# -- the report says what the declarations say --------------------------------------------------


def _report_md(tmp_path, doc: dict | None) -> tuple[str, Scenario]:
    from incsim import api
    from incsim.report import build_report

    if doc is None:
        loaded = api.load(None)
    else:
        path = tmp_path / "scenario.yaml"
        from ruamel.yaml import YAML

        with path.open("w") as fh:
            YAML(typ="safe").dump(doc, fh)
        loaded = api.load(path)
    out = tmp_path / "run"
    api.run_scenario(loaded, replications=2, seed=5, out_dir=out)
    return build_report(out, "md"), loaded.scenario


def value_words(value) -> str:
    from incsim.scenario.spelling import format_value

    if value is None:
        return "off"
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", by_alias=True)
    return format_value(value)


@pytest.mark.parametrize("which", ["default", "per-service"])
def test_the_report_describes_the_model_from_its_declarations(tmp_path, which):
    """Every mechanism in play appears in the report's model description in its declared words
    with the scenario's values; the drifted hand-written claims are gone."""
    from incsim.report import md_escape

    md, scn = _report_md(tmp_path, None if which == "default" else per_service(load_seed()))
    flat = " ".join(md.split())
    in_play = [m for m in all_mechanisms() if m.in_play(scn)]
    assert {m.name for m in in_play} >= {"debugger", "one-attention", "hybrid-escalation"}
    for m in in_play:
        protos = [p for p in scn.protocols if p.strategy in m.protocols] if m.per_protocol() else [None]
        for p in protos:
            sentence = m.render(lambda path, p=p: value_words(value_at(scn, path, p)))
            assert " ".join(md_escape(sentence).split()) in flat, (m.name, sentence)
    assert "no resolution after" not in flat  # the hybrid's timer tests mitigation
    pooled = {m.name for m in in_play} & {"pooled-arrivals", "per-service-failures"}
    assert pooled == ({"per-service-failures"} if which == "per-service" else {"pooled-arrivals"})
    if which == "per-service":
        assert "every protocol meets the same incidents" not in flat
        assert "n-th failure" in flat


def test_the_model_page_lists_the_declared_mechanisms():
    """The mechanism list of ``docs/model.md`` is the one ``scripts/describe_model.py`` writes."""
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("describe_model", root / "scripts" / "describe_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PAGE == root / "docs" / "model.md"
    page = module.PAGE.read_text()
    assert module.replaced(page) == page, (
        "docs/model.md's mechanism list is out of date: python scripts/describe_model.py --write"
    )
    assert "debugs one incident at a time" in module.mechanism_list()
