"""Cross-field checks a scenario must pass after its fields are individually valid.

Each problem carries the path of the key at fault so the loader can point at ``FILE:LINE:COL``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from incsim.scenario.schema import Arrivals, Scenario, clock_offset_hours
from incsim.scenario.suggest import did_you_mean

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, at a path such as ``("org", "services", 2, "team")``."""

    loc: Loc
    message: str


def _unknown(kind: str, name: str, known: list[str]) -> str:
    return f"unknown {kind} '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}"


def _duplicates(names: list[str], loc: Loc, kind: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        if name in seen:
            out.append(Problem((*loc, i, "name"), f"duplicate {kind} name '{name}'"))
        seen.add(name)
    return out


def _arrival_checks(arrivals: Arrivals, teams: list[str]) -> list[Problem]:
    """Problems with the arrival profile: one form only, some weight somewhere, a known clock."""
    loc: Loc = ("incidents", "arrivals", "profile")
    prof = arrivals.profile
    if prof is None:
        return []
    out: list[Problem] = []
    compact = [k for k in ("weekday", "hour") if getattr(prof, k) is not None]
    if prof.hour_of_week is not None and compact:
        out.append(
            Problem(
                (*loc, compact[0]),
                f"give hour_of_week or weekday/hour, not both ('{compact[0]}' and 'hour_of_week')",
            )
        )
    elif prof.hour_of_week is None and not compact:
        out.append(Problem(loc, "a profile needs hour_of_week (168 weights) or weekday (7) and/or hour (24)"))
    for key in ("hour_of_week", "weekday", "hour"):
        weights = getattr(prof, key)
        if weights is not None and not any(w > 0 for w in weights):
            out.append(Problem((*loc, key), f"every {key} weight is 0: incidents could never start"))
    if prof.timezone != "owner" and prof.timezone not in teams and clock_offset_hours(prof.timezone) is None:
        out.append(
            Problem(
                (*loc, "timezone"),
                _unknown("timezone", prof.timezone, ["owner", "utc", *teams])
                + ", or UTC+H[:MM] / UTC-H[:MM]",
            )
        )
    return out


def cross_checks(scn: Scenario) -> list[Problem]:
    """Every cross-field problem in ``scn`` (an empty list when it is consistent)."""
    problems: list[Problem] = []
    teams = [t.name for t in scn.org.teams]
    services = [s.name for s in scn.org.services]
    problems += _duplicates(teams, ("org", "teams"), "team")
    problems += _duplicates(services, ("org", "services"), "service")
    problems += _duplicates([p.name for p in scn.protocols], ("protocols",), "protocol")

    for i, team in enumerate(scn.org.teams):
        loc: Loc = ("org", "teams", i)
        if team.leads > team.size:
            problems.append(Problem((*loc, "leads"), f"{team.leads} leads in a team of {team.size}"))
        if team.oncall is not None:
            need = team.oncall.per_shift * (1 + team.oncall.rest_shifts)
            if team.size < need:
                problems.append(
                    Problem(
                        (*loc, "size"),
                        f"team '{team.name}' of {team.size} is too small for its rota: "
                        f"{team.oncall.per_shift} per shift with {team.oncall.rest_shifts} rest "
                        f"shift(s) needs at least {need}",
                    )
                )
        if team.work_hours.end <= team.work_hours.start:
            problems.append(Problem((*loc, "work_hours", "end"), "work_hours.end must be after start"))

    for i, svc in enumerate(scn.org.services):
        if svc.team not in teams:
            problems.append(Problem(("org", "services", i, "team"), _unknown("team", svc.team, teams)))
        for j, dep in enumerate(svc.depends_on):
            if dep not in services:
                problems.append(
                    Problem(("org", "services", i, "depends_on", j), _unknown("service", dep, services))
                )
            elif dep == svc.name:
                problems.append(
                    Problem(
                        ("org", "services", i, "depends_on", j), f"service '{dep}' cannot depend on itself"
                    )
                )

    if not any(t.oncall is not None for t in scn.org.teams):
        problems.append(Problem(("org", "teams"), "no team has an on-call rota: nobody would be paged"))
    owners = {s.team for s in scn.org.services}
    for i, team in enumerate(scn.org.teams):
        if team.name in owners and team.oncall is None:
            problems.append(
                Problem(
                    ("org", "teams", i, "oncall"), f"team '{team.name}' owns services but has no on-call rota"
                )
            )

    inc = scn.incidents
    if inc.arrivals is None and not inc.scripted:
        problems.append(Problem(("incidents",), "give arrivals (a Poisson rate) or a scripted list"))
    total = sum(inc.mix.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        problems.append(Problem(("incidents", "mix"), f"incident mix sums to {total:g}, not 1"))
    if inc.arrivals is not None:
        problems += _arrival_checks(inc.arrivals, teams)
    for cat, p in inc.mix.items():
        if p > 0 and cat not in inc.categories:
            problems.append(
                Problem(
                    ("incidents", "mix", cat),
                    f"category '{cat}' has a share but no entry under incidents.categories",
                )
            )
    for i, s in enumerate(inc.scripted):
        if s.service not in services:
            problems.append(
                Problem(("incidents", "scripted", i, "service"), _unknown("service", s.service, services))
            )
        if s.category not in inc.categories:
            problems.append(
                Problem(
                    ("incidents", "scripted", i, "category"),
                    f"category '{s.category}' has no entry under incidents.categories",
                )
            )

    duties = {r for t in scn.org.teams for r in t.duties}
    if "ic" not in duties:
        problems.append(
            Problem(("org", "teams"), "no team has the 'ic' duty: nobody can be incident commander")
        )
    decision_sites: list[tuple[Loc, list]] = []
    for cat, spec in inc.categories.items():
        decision_sites.append((("incidents", "categories", cat, "decisions"), spec.decisions))
    for flag, fspec in inc.flags.items():
        decision_sites.append((("incidents", "flags", flag, "decisions"), fspec.decisions))
    for loc, decisions in decision_sites:
        for i, d in enumerate(decisions):
            for j, who in enumerate(d.stakeholders):
                if who in ("service-owner", "ic", "affected-owners") or who in duties:
                    continue
                problems.append(
                    Problem((*loc, i, "stakeholders", j), f"stakeholder '{who}' is not a duty of any team")
                )
    names = [p.name for p in scn.protocols]
    base = scn.simulation.baseline
    if base is not None and base not in names:
        problems.append(Problem(("simulation", "baseline"), _unknown("protocol", base, names)))
    for i, proto in enumerate(scn.protocols):
        if proto.triage is not None and proto.triage.max_people < 2:
            problems.append(
                Problem(
                    ("protocols", i, "triage", "max_people"),
                    "a triage call needs at least the IC and one other person",
                )
            )
    if scn.uncertainty:
        problems += uncertainty_checks(scn)
    return problems


def uncertainty_checks(scn: Scenario) -> list[Problem]:
    """Problems with the ``uncertainty:`` section: a path that leads nowhere or not to a number
    (or a duration), a range that excludes the scenario's own value, an end the field refuses."""
    # imported here: only a scenario with an uncertainty section needs the path rules
    from incsim.scenario.overrides import OverrideError, scenario_data
    from incsim.scenario.uncertainty import value_at, with_value

    data = scenario_data(scn)
    data.pop("uncertainty", None)
    out: list[Problem] = []
    for path, spec in scn.uncertainty.items():
        loc: Loc = ("uncertainty", path)
        try:
            value = value_at(data, path)
        except OverrideError as exc:
            out.append(Problem(loc, str(exc)))
            continue
        if not spec.low <= value <= spec.high:
            out.append(
                Problem(
                    loc,
                    f"the range [{spec.low:g}, {spec.high:g}] of '{path}' excludes the "
                    f"scenario's own value {value:g}",
                )
            )
            continue
        for end in ("low", "high"):
            wrong = _refused_at(with_value(data, path, getattr(spec, end)), path)
            if wrong:
                out.append(
                    Problem(
                        (*loc, end),
                        f"{end} = {getattr(spec, end):g} is not a valid value of '{path}': {wrong}",
                    )
                )
    return out


def _refused_at(data: dict, path: str) -> str:
    """Why the part of ``data`` that holds ``path`` is refused by its schema (empty when it is not)."""
    from pydantic import ValidationError

    from incsim.scenario.overrides import resolve_path
    from incsim.scenario.typepath import type_at
    from incsim.scenario.uncertainty import adapter

    loc = resolve_path(data, path)
    # the nearest enclosing model: its own validators (a uniform's low <= high) judge the value too
    for cut in range(len(loc) - 1, -1, -1):
        tp, _ = type_at(Scenario, loc[:cut])
        if tp is None:
            continue
        node = data
        for key in loc[:cut]:
            node = node[key]
        try:
            adapter(tp).validate_python(node)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            return str(err["msg"]).removeprefix("Value error, ")
        return ""
    return ""
