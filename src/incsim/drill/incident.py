"""The drill's incident: the scenario without its own arrivals, and the one incident a drill
meets, drawn with the session's seed (and the work its author set)."""

from __future__ import annotations

import dataclasses

from incsim.model.incidents import IncidentSpec, draw_incident, generate_incidents
from incsim.model.people import WEEK
from incsim.model.streams import Streams, sample
from incsim.scenario.drill import LoadedDrill, parse_start
from incsim.scenario.schema import Scenario

INCIDENT = 0


def drill_scenario(scn: Scenario) -> Scenario:
    """The scenario without its own arrivals: a drill meets only its own incident."""
    return scn.model_copy(
        update={"incidents": scn.incidents.model_copy(update={"arrivals": None, "scripted": []})}
    )


def _second_week(at: float) -> float:
    """The same weekday and time in the simulation's second week.

    With T0 at least a week in, ``t - T0`` and ``(t - T0) + T0`` are exact in floating point for
    every moment of a drill (Sterbenz), so a transcript's times replay at the very same instants.
    """
    return at + WEEK if at < WEEK else at


def incident_spec(loaded: LoadedDrill, seed: int) -> IncidentSpec:
    """The drill's incident, fully drawn with ``seed`` (its intrinsic work is fixed by the seed);
    the diagnosis and fix work the drill's author set replace the drawn ones."""
    spec = _drawn_spec(loaded, seed)
    inc = loaded.drill.incident
    if inc.diagnosis_min is None and inc.fix_min is None:
        return spec
    rng = Streams(seed, 0).get("drill_work", spec.key)
    diagnosis = sample(inc.diagnosis_min, rng) if inc.diagnosis_min is not None else spec.diagnosis
    fix = sample(inc.fix_min, rng) if inc.fix_min is not None else spec.fix
    return dataclasses.replace(spec, diagnosis=diagnosis, fix=fix)


def _drawn_spec(loaded: LoadedDrill, seed: int) -> IncidentSpec:
    drill, scn = loaded.drill, loaded.scenario
    inc = drill.incident
    if inc.draw is not None:
        horizon = scn.simulation.horizon_days * 1440.0
        drawn = generate_incidents(scn, Streams(inc.draw.seed, 0), horizon)
        if not drawn:
            raise ValueError(f"the scenario produced no incident with seed {inc.draw.seed}")
        first = drawn[0]
        # redraw its work with the drill's seed, so --seed varies the incident as it does a run
        return draw_incident(
            INCIDENT,
            _second_week(first.at),
            first.category,
            first.flags,
            first.roots[0],
            scn,
            Streams(seed, 0),
        )
    team = next(s.team for s in scn.org.services if s.name == inc.roots[0])
    offset = scn.team(team).utc_offset_hours
    local = parse_start(inc.start or "")
    assert local is not None  # the schema checked it
    at = _second_week((local - offset * 60.0) % WEEK)
    flags = tuple(f for f in ("security", "data-loss", "regulatory") if f in inc.flags)
    spec = draw_incident(
        INCIDENT, at, inc.category or "single-service", flags, inc.roots[0], scn, Streams(seed, 0)
    )
    # the named roots first; a category that needs more (platform-wide) keeps the drawn extras
    roots = list(dict.fromkeys(inc.roots))
    extras = [r for r in spec.roots if r not in roots]
    roots += extras[: max(0, len(spec.roots) - len(roots))]
    return dataclasses.replace(spec, roots=tuple(roots))
