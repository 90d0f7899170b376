"""The model described item by item in the shape of STRESS-DES (Monks et al. 2019), in own words.

What the model does is not written here: it comes from the mechanisms the model declares beside
its code (``incsim.model.mechanisms``), filled with the scenario's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from incsim.report.assumptions import ScenarioParameter
from incsim.report.results import Results
from incsim.scenario.loader import scenario_sha256
from incsim.scenario.spelling import format_value, plain_number

LEVEL = 0.95


STRESS_CITATION = (
    "Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE. Strengthening the reporting "
    "of empirical simulation studies: Introducing the STRESS guidelines. Journal of Simulation "
    "2019;13(1):55-67. doi:10.1080/17477778.2018.1442155"
)


def value_words(value: Any) -> str:
    """A scenario value in a few words for a mechanism's sentence (``off`` for a switched-off one)."""
    if value is None:
        return "off"
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", by_alias=True)
    return format_value(value)


def protocol_rules(scn: Any, name: str) -> str:
    """What the model does differently under protocol ``name``: its mechanisms' sentences."""
    import incsim.model.catalogue  # noqa: F401 (every mechanism declared)
    from incsim.model.mechanisms import all_mechanisms, value_at

    p = scn.protocol(name)
    own = [m for m in all_mechanisms() if m.section == "protocol" and m.applies_to(scn, p)]
    own += [
        m for m in all_mechanisms() if m.section != "protocol" and m.per_protocol() and m.applies_to(scn, p)
    ]
    return " ".join(m.render(lambda path: value_words(value_at(scn, path, p))) for m in own)


def model_description(results: Results, params: Sequence[ScenarioParameter], per_year: float) -> list[dict]:
    """The model described item by item in the shape of STRESS-DES (Monks et al. 2019).

    What the model does (sections 2.2-2.5, 3.4 and the pairing in 4.3) is not written here: it
    is assembled from the mechanisms the model declares beside its code
    (``incsim.model.mechanisms``), filled with this scenario's values, so it cannot drift from
    the code without ``tests/model/test_claims.py`` failing.
    """
    import incsim.model.catalogue  # noqa: F401 (every mechanism declared)
    from incsim.model.mechanisms import SECTIONS, assumptions, described

    scn, run = results.scenario, results.run
    protocols = results.protocols
    base = protocols[0]
    teams = scn.org.teams
    people = sum(t.size for t in teams)
    says = described(scn, value_words)
    per_service = scn.incidents.arrivals is not None and scn.incidents.arrivals.per_service
    mix = ", ".join(f"{c} {v:.0%}" for c, v in scn.incidents.mix.items())
    flags = ", ".join(f"{f} {spec.probability:.0%}" for f, spec in scn.incidents.flags.items()) or "none"
    scripted = (
        (
            f"{len(scn.incidents.scripted)} scripted incidents at fixed times"
            + ("; " if scn.incidents.arrivals is not None else ". ")
        )
        if scn.incidents.scripted
        else ""
    )
    with_source = sum(1 for p in params if p.source)
    assumed = sum(1 for p in params if p.source_kind == "assumption")
    versions = run.get("versions") or {}
    software = ", ".join(f"{k} {v}" for k, v in versions.items()) or "not recorded in run.json"
    command = " ".join(str(c) for c in run.get("command") or []) or "not recorded"
    n_inc = int(run.get("incidents_simulated") or len(results.incidents))
    logged = ", ".join(str(r) for r in results.event_files) or "none"
    ordered = sorted(
        scn.protocols, key=lambda p: protocols.index(p.name) if p.name in protocols else len(protocols)
    )

    def item(num_: str, title: str, *text: str) -> dict:
        return {"id": num_, "title": title, "text": [t for t in text if t]}

    def group(*sections: str) -> list[str]:
        return [
            f"{SECTIONS[s][0].upper()}{SECTIONS[s][1:]}: " + " ".join(says[s]) for s in sections if says[s]
        ]

    if per_service:
        pairing = (
            "a service's n-th failure is the same incident under every protocol (its category, flags "
            "and work come from streams keyed by service and failure number), though it can arrive at "
            "a different time under each, since a service fails again only once its previous incident "
            "is resolved"
        )
    else:
        pairing = "every protocol meets the same incidents at the same times in a replication"

    return [
        {
            "section": "1. Objectives",
            "items": [
                item(
                    "1.1",
                    "Purpose of the model",
                    "Compare incident-response protocols for one organisation on the same simulated incidents: "
                    "for which incidents does an all-hands room (the war-room protocol) shorten resolution, and for which does an "
                    "async-first channel with a rotating incident commander (IC) resolve as fast for a fraction "
                    "of the engineering time? The model is a calculator, not an advocate: which protocol wins "
                    "follows from the scenario's parameters.",
                ),
                item(
                    "1.2",
                    "Model outputs",
                    "Per incident, from its event log: TTR = resolved time - detected time (minutes); "
                    "engineer-hours = every minute people gave to the incident (responding or "
                    "spectating) plus the refocus time charged after they leave or are interrupted at work, "
                    "from one accounting of each person's time in which every minute counts once, for one "
                    "incident (so the incidents' hours add up to the organisation's time table); "
                    "non-essential hours = time spent as spectator or channel watcher; customer impact = "
                    "minutes each customer-facing service was affected; cost = (engineer-hours + extra for "
                    "minutes outside each person's working hours) x hourly rate + impact minutes x "
                    "impact cost.",
                    f"Each figure is averaged per incident within a replication; the mean over the "
                    f"{run['replications']} replications is reported with a Student-t {LEVEL:.0%} confidence "
                    f"interval (replications are the independent units). Differences are paired: the same "
                    f"replication under two protocols, B - A. Medians and p90 are over all simulated incidents. "
                    f"Cost per year = mean cost per incident x simulated incidents a year ({per_year:.0f}).",
                ),
                item(
                    "1.3",
                    "Experimentation aims",
                    f"Scenario-based analysis of {len(protocols)} protocols, compared with the baseline "
                    f"'{base}'.",
                    *[f"'{p.name}' ({p.strategy}): {protocol_rules(scn, p.name)}" for p in ordered],
                ),
            ],
        },
        {
            "section": "2. Logic",
            "items": [
                item(
                    "2.1",
                    "Base model overview diagram",
                    "See the flow above. Incident detected -> the owning team's on-call (debugger) and an IC from "
                    "the IC rota are paged -> diagnosis, pausing wherever another team's expert must answer -> "
                    "the decisions the incident needs, with named stakeholders -> the fix -> dependents recover (or are "
                    "repaired by their owners) -> resolved; everyone leaves and pays a refocus if pulled off "
                    "work. Meanwhile the failure may cascade along the service graph, the IC posts updates on "
                    'a cadence and fields "any updates?" requests, and a room (when open) holds spectators.',
                ),
                item("2.2", "Base model logic", *group("work", "room", "channel", "cost")),
                item(
                    "2.3",
                    "Scenario logic",
                    "The protocols differ only in their rules and the data in their scenario entries; the "
                    "world, the incidents and the people are the same.",
                    *group("protocol"),
                ),
                item("2.4", "Algorithms", *group("people")),
                item(
                    "2.5.1",
                    "Components: entities",
                    "Incidents, with a category, flags (security, data loss, regulatory), root services, diagnosis "
                    "and fix work, the points where the debugger needs another team's expert, the decisions they "
                    "need and the dependents a cascade will reach.",
                ),
                item(
                    "2.5.2",
                    "Components: activities",
                    "Acknowledging a page, joining a call, diagnosing, asking and answering, deliberating a "
                    "decision, fixing, recovering, posting and reading updates, being briefed or reading the "
                    "thread, and regaining focus after leaving.",
                ),
                item(
                    "2.5.3",
                    "Components: resources",
                    f"{people} engineers in {len(teams)} teams (time zone, working hours, roles, on-call rota) "
                    f"and {len(scn.org.services)} services with owning teams and dependencies; how their "
                    f"attention is shared is in 2.4.",
                ),
                item(
                    "2.5.4",
                    "Components: queues",
                    "An incident waits for a debugger and an IC when none is free (see 2.4); channel messages "
                    "wait for their recipient's reply latency; decisions wait for every stakeholder; a "
                    "debugger's interruptions, from any incident, queue before their work. No reneging or "
                    "balking.",
                ),
                item(
                    "2.5.5",
                    "Components: entry and exit points",
                    f"Entry: {scripted}category mix {mix}; flags {flags}. " + " ".join(says["entry"]),
                    "Exit: when the root is fixed and every affected service has recovered, the incident is "
                    "resolved and everyone leaves.",
                ),
            ],
        },
        {
            "section": "3. Data",
            "items": [
                item(
                    "3.1",
                    "Data sources",
                    f"The scenario file (sha256 {run.get('scenario_sha256') or scenario_sha256(results.scenario_text)}) "
                    f"names a source for each figure in its comments. Of the {len(params)} parameters written in "
                    f"it, {with_source} carry a source comment (their own, or their section's) and "
                    f"{len(params) - with_source} none; see the assumptions table.",
                ),
                item(
                    "3.2",
                    "Pre-processing",
                    "None inside the model: parameters are used as written. Any fitting of distributions to "
                    "incident history happened before the scenario was written (see its comments).",
                ),
                item(
                    "3.3",
                    "Input parameters",
                    "Every parameter, its value and its source is listed in the assumptions table below, "
                    "followed by the schema defaults the scenario did not override.",
                ),
                item(
                    "3.4",
                    "Assumptions",
                    f"{assumed} of the written parameters are marked as assumptions in the scenario's comments; "
                    f"every schema default is an assumption too. Structural assumptions of the mechanisms in "
                    f"play: " + " ".join(assumptions(scn)),
                ),
            ],
        },
        {
            "section": "4. Experimentation",
            "items": [
                item(
                    "4.1",
                    "Initialisation",
                    "Terminating simulation: each replication starts on a Monday at 00:00 UTC with no incident "
                    "open and everyone at their own work; no warm-up is needed. Incidents arriving before the "
                    "horizon run to resolution.",
                ),
                item(
                    "4.2",
                    "Run length",
                    f"{plain_number(float(run['horizon_days']))} simulated days per replication; time unit: minutes.",
                ),
                item(
                    "4.3",
                    "Estimation approach",
                    f"{run['replications']} independent replications ({n_inc} simulated incidents in all, across "
                    f"protocols), common random numbers: {pairing}; within an incident each purpose (join "
                    f"delay, acknowledgement, reply latency, reading, refocus, ...) draws from its own stream, "
                    f"per person, so the n-th draw means the same thing under every protocol. Event logs of "
                    f"replication(s) {logged} are kept.",
                ),
            ],
        },
        {
            "section": "5. Implementation",
            "items": [
                item("5.1", "Software", f"incsim on SimPy; {software}."),
                item(
                    "5.2",
                    "Random sampling",
                    f"NumPy's PCG64 generator, seeded through SeedSequence from the root seed {run.get('seed')}: a "
                    f"stream per replication, per source of randomness (arrivals, work, latencies, people, "
                    f"...) and, for incident-level sources, per incident (or per service and failure number) "
                    f"and per person, so an extra draw under one protocol never shifts what another incident "
                    f"or person sees.",
                ),
                item(
                    "5.3",
                    "Model execution",
                    "Process interaction (SimPy): each incident, IC and cascade is a process; events at the same "
                    "time run in scheduling order. Replications may run in parallel (process pool or Dask); "
                    "results are identical to a serial run.",
                ),
                item(
                    "5.4",
                    "System specification",
                    f"Wall time of this run: {run.get('wall_time_s', 'not recorded')} s. The hardware is not "
                    f"recorded; the model needs no more than a laptop.",
                ),
            ],
        },
        {
            "section": "6. Code access",
            "items": [
                item(
                    "6.1",
                    "Computer model sharing statement",
                    f"incsim {versions.get('incsim', '')}. The results folder holds the scenario exactly as run "
                    f"(scenario.yaml); rerun with: {command}.",
                ),
            ],
        },
    ]
