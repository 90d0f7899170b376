"""The defects an SRE found reading the default's event logs incident by incident (default
scenario, seed 1, replications chosen where each showed), each held against the log."""

from __future__ import annotations

from functools import cache

from incsim import api
from incsim.experiment import run_replication
from incsim.model.events import Decision, DecisionRequested, Joined, Left
from incsim.model.people import Roster
from log_invariants import check_log

SEED = 1


@cache
def default():
    return api.load(None).scenario


@cache
def logs(replication: int) -> dict:
    return run_replication(default(), replication, SEED, keep_log=True).logs


def breaches(check: str, replications, protocols=None) -> list[str]:
    scn, out = default(), []
    roster = Roster(scn)
    for r in replications:
        for proto, events in logs(r).items():
            if protocols is None or proto in protocols:
                out += [f"rep {r} {proto}: {p}" for p in check_log(events, roster, scn, only=[check])[check]]
    return out


def deliberation(name: str) -> float:
    scn = default()
    specs = [*scn.incidents.categories.values(), *scn.incidents.flags.values()]
    return next(d.deliberation.value for s in specs for d in s.decisions if d.name == name)


# -- one page per person per need ---------------------------------------------------------------
def test_nobody_is_paged_into_an_incident_they_are_part_of_or_on_the_way_to():
    problems = breaches("no page to someone present or paged", (0, 1, 4))
    assert not problems, problems[:3]


def test_a_room_decision_waits_for_its_stakeholders_to_arrive_then_only_for_its_deliberation():
    """Someone paged into the room already (as a spectator, say) is not paged again: the
    decision starts when the last stakeholder arrives (rep 4 inc 4: containment was 16 min late)."""
    seen = 0
    for r in (0, 1, 4):
        events = logs(r)["war-room"]
        arrived: dict[tuple[int, str], float] = {}
        asked: dict[tuple[int, str], DecisionRequested] = {}
        for e in events:
            if isinstance(e, Joined) and not e.change:
                arrived[(e.incident, e.who)] = e.t
            elif isinstance(e, Left):
                arrived.pop((e.incident, e.who), None)
            elif isinstance(e, DecisionRequested):
                asked[(e.incident, e.name)] = e
            elif isinstance(e, Decision) and e.medium == "room":
                req = asked.pop((e.incident, e.name))
                came = [arrived.get((e.incident, p)) for p in req.stakeholders]
                if None in came:
                    continue  # someone answered from elsewhere, in the channel
                seen += 1
                start = max([req.t, *came])
                assert abs(e.t - start - deliberation(e.name)) < 1e-6, (r, e)
    assert seen > 20
