"""The model described item by item in the shape of STRESS-DES (Monks et al. 2019), in own words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from incsim.report.assumptions import ScenarioParameter
from incsim.report.results import Results
from incsim.scenario.loader import scenario_sha256
from incsim.scenario.spelling import format_value, plain_number

LEVEL = 0.95


STRESS_CITATION = ("Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE. Strengthening the reporting "
                   "of empirical simulation studies: Introducing the STRESS guidelines. Journal of Simulation "
                   "2019;13(1):55-67. doi:10.1080/17477778.2018.1442155")


def _protocol_summary(p: Any) -> str:
    room = p.room
    inv = room.invite
    size = format_value(inv.size.model_dump(mode="json", by_alias=True))
    if p.kind == "war-room":
        return (f"every incident opens a call; the room invites people by the rule '{inv.rule}' (size {size}); "
                f"a spectator stays to the end with probability {plain_number(room.stay_probability)}; "
                f"the IC posts an update every {plain_number(p.update_cadence_min)} min")
    text = (f"a channel per incident with an IC update every {plain_number(p.update_cadence_min)} min"
            f"{' and a short one to an executive channel' if p.executive_channel else ''}; "
            f"{p.channel_watchers} people follow the channel")
    if p.kind == "hybrid":
        esc = p.escalation
        rules = []
        if esc.services_affected_at_least:
            rules.append(f"{esc.services_affected_at_least}+ services affected")
        if esc.customer_data_at_risk:
            rules.append("customer data at risk")
        if esc.no_progress_min:
            rules.append(f"no resolution after {plain_number(esc.no_progress_min)} min")
        if esc.categories:
            rules.append("category " + "/".join(esc.categories))
        if esc.flags:
            rules.append("flag " + "/".join(esc.flags))
        text += f"; escalates to a room of {size} on: {', '.join(rules) or 'no rule'}"
        if p.triage is not None:
            text += (f"; {'/'.join(p.triage.flags)} incidents open with a triage call of at most "
                     f"{p.triage.max_people} people")
    return text


def model_description(results: Results, params: Sequence[ScenarioParameter], per_year: float) -> list[dict]:
    """The model described item by item in the shape of STRESS-DES (Monks et al. 2019), own words."""
    scn, run = results.scenario, results.run
    protocols = results.protocols
    base = protocols[0]
    teams = scn.org.teams
    people = sum(t.size for t in teams)
    arrivals = scn.incidents.arrivals
    if arrivals is None:
        entry = f"{len(scn.incidents.scripted)} scripted incidents at fixed times"
    elif arrivals.per_service:
        entry = (f"each of the {len(scn.org.services)} services fails on its own at {plain_number(arrivals.rate_per_week)} "
                 f"a week while it is up (a finite-source population)")
    else:
        entry = f"a Poisson process of {plain_number(arrivals.rate_per_week)} P1 incidents a week"
    if scn.incidents.scripted and arrivals is not None:
        entry += f", plus {len(scn.incidents.scripted)} scripted incidents"
    mix = ", ".join(f"{c} {v:.0%}" for c, v in scn.incidents.mix.items())
    flags = ", ".join(f"{f} {spec.probability:.0%}" for f, spec in scn.incidents.flags.items()) or "none"
    with_source = sum(1 for p in params if p.source)
    assumed = sum(1 for p in params if p.source_kind == "assumption")
    versions = run.get("versions") or {}
    software = ", ".join(f"{k} {v}" for k, v in versions.items()) or "not recorded in run.json"
    command = " ".join(str(c) for c in run.get("command") or []) or "not recorded"
    n_inc = int(run.get("incidents_simulated") or len(results.incidents))
    logged = ", ".join(str(r) for r in results.event_files) or "none"
    b = scn.behaviour
    narr = b.narration

    def item(num_: str, title: str, *text: str) -> dict:
        return {"id": num_, "title": title, "text": [t for t in text if t]}

    return [
        {"section": "1. Objectives", "items": [
            item("1.1", "Purpose of the model",
                 "Compare incident-response protocols for one organisation on the same simulated incidents: "
                 "for which incidents does an all-hands war room shorten resolution, and for which does an "
                 "async-first channel with a rotating incident commander (IC) resolve as fast for a fraction "
                 "of the engineering time? The model is a calculator, not an advocate: which protocol wins "
                 "follows from the scenario's parameters."),
            item("1.2", "Model outputs",
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
                 f"Cost per year = mean cost per incident x simulated incidents a year ({per_year:.1f})."),
            item("1.3", "Experimentation aims",
                 f"Scenario-based analysis of {len(protocols)} protocols, compared with the baseline "
                 f"'{base}': " + "; ".join(f"'{p.name}' ({p.kind}): {_protocol_summary(p)}"
                                           for p in sorted(scn.protocols, key=lambda p: protocols.index(p.name)
                                                           if p.name in protocols else len(protocols))) + "."),
        ]},
        {"section": "2. Logic", "items": [
            item("2.1", "Base model overview diagram",
                 "See the flow above. Incident detected -> the owning team's on-call (debugger) and an IC from "
                 "the IC rota are paged -> diagnosis, pausing wherever another team's expert must answer -> "
                 "the decisions the incident needs, with named stakeholders -> the fix -> dependents recover (or are "
                 "repaired by their owners) -> resolved; everyone leaves and pays a refocus if pulled off "
                 "work. Meanwhile the failure may cascade along the service graph, the IC posts updates on "
                 "a cadence and fields \"any updates?\" requests, and a room (when open) holds spectators."),
            item("2.2", "Base model logic",
                 f"In a room, questions are answered at once and decisions are taken once every stakeholder "
                 f"has joined, but the debugger narrates (speed divided by 1 + {plain_number(narr.per_listener)} per "
                 f"listener, at most {plain_number(narr.max_slowdown)}x slower), spectators ask questions "
                 f"({plain_number(b.spectator_questions_per_hour)} an hour each), late joiners are briefed by the "
                 f"debugger and everyone present pays the time. In a channel, a message waits for its "
                 f"recipient (reply latency by whether they are engaged, at work or off hours); late joiners "
                 f"read the thread themselves; a decision takes {b.channel_rounds} message round-trips; the "
                 f"debugger keeps {plain_number(b.progress_while_waiting)} of their speed while waiting. Off hours, "
                 f"work is {plain_number(b.off_hours_slowdown)}x slower."),
            item("2.3", "Scenario logic",
                 "The protocols differ only in their rules (room or channel, who is invited, when to "
                 "escalate, triage calls) and the data in their scenario entries; the world, the incidents "
                 "and the people are the same. See 1.3."),
            item("2.4", "Algorithms",
                 "On-call: weekly rotas per team; when every on-call is busy a colleague at work backs up "
                 "(if the rota allows) or the incident waits. IC: the first free person on the IC rota, never "
                 "the owner's on-call. Cascade: each dependent of a failed service fails with the category's "
                 "probability after a delay, until the root is fixed. Escalation (hybrid): checked whenever "
                 "a service is affected and after the no-progress timer."),
            item("2.5.1", "Components: entities",
                 "Incidents, with a category, flags (security, data loss, regulatory), root services, diagnosis "
                 "and fix work, the points where the debugger needs another team's expert, the decisions they "
                 "need and the dependents a cascade will reach."),
            item("2.5.2", "Components: activities",
                 "Acknowledging a page, joining a call, diagnosing, asking and answering, deliberating a "
                 "decision, fixing, recovering, posting and reading updates, being briefed or reading the "
                 "thread, and regaining focus after leaving."),
            item("2.5.3", "Components: resources",
                 f"{people} engineers in {len(teams)} teams (time zone, working hours, roles, on-call rota) "
                 f"and {len(scn.org.services)} services with owning teams and dependencies. An engineer "
                 f"debugs one incident at a time; an IC commands one at a time."),
            item("2.5.4", "Components: queues",
                 "An incident waits for its team's on-call, first come first served (a colleague at work "
                 "backs up when the rota allows); channel messages wait for their recipient's reply latency; "
                 "decisions wait for every stakeholder. No reneging or balking."),
            item("2.5.5", "Components: entry and exit points",
                 f"Entry: {entry}; category mix {mix}; flags {flags}. Exit: when the root is fixed and every "
                 f"affected service has recovered, the incident is resolved and everyone leaves."),
        ]},
        {"section": "3. Data", "items": [
            item("3.1", "Data sources",
                 f"The scenario file (sha256 {run.get('scenario_sha256') or scenario_sha256(results.scenario_text)}) "
                 f"names a source for each figure in its comments. Of the {len(params)} parameters written in "
                 f"it, {with_source} carry a source comment (their own, or their section's) and "
                 f"{len(params) - with_source} none; see the assumptions table."),
            item("3.2", "Pre-processing",
                 "None inside the model: parameters are used as written. Any fitting of distributions to "
                 "incident history happened before the scenario was written (see its comments)."),
            item("3.3", "Input parameters",
                 "Every parameter, its value and its source is listed in the assumptions table below, "
                 "followed by the schema defaults the scenario did not override."),
            item("3.4", "Assumptions",
                 f"{assumed} of the written parameters are marked as assumptions in the scenario's comments; "
                 f"every schema default is an assumption too. Structural assumptions: incidents arrive "
                 f"independently of the protocol; people work one incident at a time as debugger; spectators "
                 f"add no diagnostic progress."),
        ]},
        {"section": "4. Experimentation", "items": [
            item("4.1", "Initialisation",
                 "Terminating simulation: each replication starts on a Monday at 00:00 UTC with no incident "
                 "open and everyone at their own work; no warm-up is needed. Incidents arriving before the "
                 "horizon run to resolution."),
            item("4.2", "Run length",
                 f"{plain_number(float(run['horizon_days']))} simulated days per replication; time unit: minutes."),
            item("4.3", "Estimation approach",
                 f"{run['replications']} independent replications ({n_inc} simulated incidents in all, across "
                 f"protocols), common random numbers: every protocol meets the same incidents in a "
                 f"replication, which keeps paired differences tight. Event logs of replication(s) {logged} "
                 f"are kept."),
        ]},
        {"section": "5. Implementation", "items": [
            item("5.1", "Software", f"incsim on SimPy; {software}."),
            item("5.2", "Random sampling",
                 f"NumPy's PCG64 generator, seeded through SeedSequence from the root seed {run.get('seed')}: a "
                 f"stream per replication, per source of randomness (arrivals, work, latencies, people, "
                 f"...) and, for incident-level sources, per incident, so an extra draw under one protocol "
                 f"never shifts what another incident sees."),
            item("5.3", "Model execution",
                 "Process interaction (SimPy): each incident, IC and cascade is a process; events at the same "
                 "time run in scheduling order. Replications may run in parallel (process pool or Dask); "
                 "results are identical to a serial run."),
            item("5.4", "System specification",
                 f"Wall time of this run: {run.get('wall_time_s', 'not recorded')} s. The hardware is not "
                 f"recorded; the model needs no more than a laptop."),
        ]},
        {"section": "6. Code access", "items": [
            item("6.1", "Computer model sharing statement",
                 f"incsim {versions.get('incsim', '')}. The results folder holds the scenario exactly as run "
                 f"(scenario.yaml); rerun with: {command}."),
        ]},
    ]
