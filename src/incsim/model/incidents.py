"""What happens to the org: incidents drawn before any protocol runs.

Everything intrinsic to an incident (when, where, what category, how much work, which
dependents the failure will reach) is drawn here from the ``arrivals``, ``incident`` and
``cascade`` streams, so every protocol meets exactly the same incidents. Arrivals follow the
scenario's hour-of-week profile and bursts (a non-homogeneous Poisson process, by thinning).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np
from numpy.typing import ArrayLike

from incsim.collector import fewer_collections
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.streams import Streams, sample, sample_or_zero
from incsim.scenario.durations import Duration
from incsim.scenario.schema import FLAGS, ArrivalProfile, Burst, Category, Scenario, clock_offset_hours
from incsim.scenario.schema import Decision as DecisionDef


@dataclass(frozen=True)
class DecisionNeed:
    """A decision the incident needs, with the deliberation it will take once people are reached."""

    name: str
    stakeholders: tuple[str, ...]
    deliberation: float
    containment: bool = False


@dataclass(frozen=True)
class Spread:
    """A dependent the failure reaches: when (after its upstream is hit) and from where."""

    service: str
    via: str
    delay: float
    recovery: float
    damage_fix: float = 0.0
    """Minutes of its own owner's fix when the cascade left damage (0: it recovers by itself)."""


@dataclass(frozen=True)
class IncidentSpec:
    """One incident, fully drawn."""

    id: int
    at: float
    category: str
    flags: tuple[str, ...]
    roots: tuple[str, ...]
    diagnosis: float
    fix: float
    consults: tuple[float, ...]
    """Fractions of the diagnosis at which the debugger needs another team's expert."""
    consult_teams: tuple[str, ...]
    decisions: tuple[DecisionNeed, ...]
    spread: tuple[Spread, ...] = ()
    exposure_per_min: float = 0.0
    stream_id: int | None = None
    """Key of the incident's random streams when it is not ``id`` (a service's n-th failure)."""

    @property
    def key(self) -> int:
        """The key its random streams are drawn under."""
        return self.id if self.stream_id is None else self.stream_id


def _dependents(scn: Scenario) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {s.name: [] for s in scn.org.services}
    for s in scn.org.services:
        for dep in s.depends_on:
            out.setdefault(dep, []).append(s.name)
    return out


def choice_cdf(p: ArrayLike) -> list[float]:
    """The cumulative table ``Generator.choice(n, p=p)`` searches, computed as NumPy does
    (``cumsum``, then divided by its last value): with it, ``bisect_right(cdf, rng.random())`` is
    the same draw as ``rng.choice(len(p), p=p)`` (one uniform, searched from the right), without
    choice's checks and arrays on every call. ``tests/model/test_incident_draws.py`` checks the two
    agree over many seeds and tables."""
    cdf = np.asarray(p, dtype=float).cumsum()
    cdf /= cdf[-1]
    table: list[float] = cdf.tolist()
    return table


class DrawTables:
    """What drawing an incident needs from the scenario, computed once per list of incidents
    instead of once per incident: the category table, the flag probabilities, the services and
    their failure weights, owners and dependents."""

    def __init__(self, scn: Scenario) -> None:
        self.scn = scn
        inc = scn.incidents
        # in CATEGORIES' order, as the type spells them
        self.cats: list[Category] = [c for c in get_args(Category) if inc.mix.get(c, 0.0) > 0]
        probs = np.array([inc.mix[c] for c in self.cats], dtype=float)
        self.cat_cdf = choice_cdf(probs / probs.sum())
        # per flag (in FLAGS order), its probability, or None when the scenario does not have it
        self.flag_probability = [inc.flags[f].probability if f in inc.flags else None for f in FLAGS]
        self.services = [s.name for s in scn.org.services]
        self.weights = np.array([s.failure_weight for s in scn.org.services], dtype=float)
        self.service_cdf = choice_cdf(self.weights / self.weights.sum())
        owner = {s.name: s.team for s in scn.org.services}
        teams = {owner[s] for s in self.services}
        self.owner = owner
        self.other_teams = {svc: sorted(teams - {owner[svc]}) or [owner[svc]] for svc in self.services}
        self._deps: dict[str, list[str]] | None = None

    @property
    def dependents(self) -> dict[str, list[str]]:
        """Each service's dependents, sorted (made when a cascade first needs them)."""
        if self._deps is None:
            self._deps = {svc: sorted(ds) for svc, ds in _dependents(self.scn).items()}
        return self._deps

    def category_and_flags(self, u: list[float]) -> tuple[Category, tuple[str, ...]]:
        """The category and flags of an incident from its ``1 + len(FLAGS)`` uniforms."""
        cat = self.cats[bisect_right(self.cat_cdf, u[0])]
        flags = tuple(f for f, p, x in zip(FLAGS, self.flag_probability, u[1:]) if p is not None and x < p)
        return cat, flags


def _cascade(
    roots: list[str],
    scn: Scenario,
    category: Category,
    make_rng: Callable[[], np.random.Generator],
    recovery_dist: Duration,
    tables: DrawTables | None = None,
) -> list[Spread]:
    """Breadth-first spread to dependents; a visited set makes cycles harmless."""
    spec = scn.incidents.categories[category]
    if spec.cascade_probability <= 0:
        return []
    rng = make_rng()  # made only when a cascade is possible
    deps = (tables or DrawTables(scn)).dependents
    hit = set(roots)
    frontier = list(roots)
    out: list[Spread] = []
    while frontier:
        nxt: list[str] = []
        for svc in frontier:
            for d in deps.get(svc, ()):
                reaches = rng.random() < spec.cascade_probability
                delay = sample(spec.cascade_delay, rng)
                recovery = sample(recovery_dist, rng)
                damaged = rng.random() < spec.damage_probability
                damage_fix = sample(spec.damage_fix, rng) if spec.damage_fix is not None else 0.0
                if reaches and d not in hit:
                    hit.add(d)
                    out.append(
                        Spread(
                            service=d,
                            via=svc,
                            delay=delay,
                            recovery=recovery,
                            damage_fix=damage_fix if damaged else 0.0,
                        )
                    )
                    nxt.append(d)
        frontier = nxt
    return out


def _decisions(
    specs: Sequence[DecisionDef], rng: np.random.Generator, containment: bool = False
) -> list[DecisionNeed]:
    return [
        DecisionNeed(d.name, tuple(d.stakeholders), sample(d.deliberation, rng), containment and i == 0)
        for i, d in enumerate(specs)
    ]


def draw_incident(
    i: int,
    at: float,
    category: Category,
    flags: tuple[str, ...],
    root: str,
    scn: Scenario,
    streams: Streams,
    stream_id: int | None = None,
    tables: DrawTables | None = None,
) -> IncidentSpec:
    """Draw the intrinsic work of incident ``i`` from its own streams (keyed ``stream_id`` if
    given); ``tables``, the scenario's ``DrawTables``, saves computing them again."""
    key = i if stream_id is None else stream_id
    rng = streams.get("incident", key)
    spec = scn.incidents.categories[category]
    if tables is None:
        tables = DrawTables(scn)
    services = tables.services
    weights = tables.weights
    roots = [root]
    extra_needed = max(0, min(spec.min_services, len(services)) - 1)
    if extra_needed:
        others = [s for s in services if s != root]
        w = np.array([weights[services.index(s)] for s in others])
        picks = rng.choice(len(others), size=extra_needed, replace=False, p=w / w.sum())
        roots += [others[k] for k in sorted(picks)]
    diagnosis = sample(spec.diagnosis, rng)
    fix = sample_or_zero(spec.fix, rng)
    n_consults = int(rng.poisson(spec.consults_mean))
    consult_teams: tuple[str, ...] = ()
    consults: tuple[float, ...] = ()
    if n_consults:  # no draw at all for none
        consults = tuple(sorted(float(x) for x in rng.random(n_consults)))
        other_teams = tables.other_teams[root]
        consult_teams = tuple(other_teams[int(rng.integers(len(other_teams)))] for _ in consults)
    decisions = []
    exposure = 0.0
    if flags:
        for flag in FLAGS:  # containment first: a security incident contains before it diagnoses
            if flag in flags and flag in scn.incidents.flags:
                fspec = scn.incidents.flags[flag]
                decisions += _decisions(fspec.decisions, rng, containment=(flag == "security"))
                exposure += fspec.exposure_per_min if flag == "security" else 0.0
        decisions = sorted(decisions, key=lambda d: not d.containment)
    if spec.decisions:
        decisions += _decisions(spec.decisions, rng)
    spread = _cascade(roots, scn, category, lambda: streams.get("cascade", key), spec.recovery, tables)
    return IncidentSpec(
        id=i,
        at=at,
        category=category,
        flags=flags,
        roots=tuple(roots),
        diagnosis=diagnosis,
        fix=fix,
        consults=consults,
        consult_teams=consult_teams,
        decisions=tuple(decisions),
        spread=tuple(spread),
        exposure_per_min=exposure,
        stream_id=stream_id,
    )


def draw_category_and_flags(
    scn: Scenario, rng: np.random.Generator, tables: DrawTables | None = None
) -> tuple[Category, tuple[str, ...]]:
    """A category from the mix and the flags an incident carries: one uniform for the category
    (as ``rng.choice`` over the mix would draw it) and one per flag, all in one call."""
    return (tables or DrawTables(scn)).category_and_flags(rng.random(1 + len(FLAGS)).tolist())


HOURS_PER_WEEK = 168


def profile_weights(profile: ArrivalProfile | None) -> np.ndarray:
    """The 168 hour-of-week rate factors of ``profile`` (Monday 00-01 first), scaled to mean 1."""
    if profile is None:
        return np.ones(HOURS_PER_WEEK)
    if profile.hour_of_week is not None:
        w = np.array(profile.hour_of_week, dtype=float)
    else:
        day = np.array(profile.weekday if profile.weekday is not None else [1.0] * 7, dtype=float)
        hour = np.array(profile.hour if profile.hour is not None else [1.0] * 24, dtype=float)
        w = np.outer(day, hour).ravel()
    weights: np.ndarray = w / w.mean()
    return weights


@dataclass(frozen=True)
class ArrivalRate:
    """How often incidents start at a service at a time, relative to the scenario's weekly rate."""

    weights: np.ndarray
    offsets: dict[str, float]
    """Hours each service's profile clock is ahead of UTC."""
    bursts: tuple[Burst, ...] = ()

    @property
    def varies(self) -> bool:
        """Whether the rate is anything but flat (so arrivals need thinning)."""
        return bool(self.bursts) or not np.all(self.weights == 1.0)

    @property
    def bound(self) -> float:
        """The largest factor ``factor`` can return: the thinning envelope."""
        return float(self.weights.max()) * max([1.0, *(b.factor for b in self.bursts)])

    def burst(self, t: float) -> float:
        """The burst factor at ``t``: the largest of the windows open then, else 1."""
        best = None
        for b in self.bursts:
            since = t - b.at_min
            if since < 0:
                continue
            if b.every_days is not None:
                since %= b.every_days * 1440.0
            if since < b.duration_min:
                best = b.factor if best is None else max(best, b.factor)
        return 1.0 if best is None else best

    def factor(self, service: str, t: float) -> float:
        """The rate factor of ``service`` at minute ``t`` (1 on average over a week without bursts)."""
        local_hour = math.floor(t / 60.0 + self.offsets[service]) % HOURS_PER_WEEK
        return float(self.weights[local_hour]) * self.burst(t)


def arrival_rate(scn: Scenario) -> ArrivalRate:
    """The arrival profile of ``scn`` resolved to per-service clocks (flat when it has none)."""
    arrivals = scn.incidents.arrivals
    profile = arrivals.profile if arrivals is not None else None
    team_offset = {t.name: t.utc_offset_hours for t in scn.org.teams}
    clock = profile.timezone if profile is not None else "utc"
    offsets = {}
    for s in scn.org.services:
        if clock == "owner":
            offsets[s.name] = team_offset[s.team]
        elif clock in team_offset:
            offsets[s.name] = team_offset[clock]
        else:
            offsets[s.name] = clock_offset_hours(clock) or 0.0
    bursts = tuple(arrivals.bursts) if arrivals is not None else ()
    return ArrivalRate(weights=profile_weights(profile), offsets=offsets, bursts=bursts)


def thinned_arrivals(
    scn: Scenario,
    rng: np.random.Generator,
    horizon: float,
    rate: ArrivalRate,
    tables: DrawTables | None = None,
) -> list[tuple[float, Category, tuple[str, ...], str]]:
    """A non-homogeneous Poisson process by thinning: candidates at the envelope rate, each
    kept with the ratio of its service's rate at that time to the envelope."""
    if tables is None:
        tables = DrawTables(scn)
    services, cdf = tables.services, tables.service_cdf
    bound = rate.bound
    arrivals = scn.incidents.arrivals
    assert arrivals is not None  # called only for a scenario with pooled arrivals
    mean_gap = 7 * 1440.0 / (arrivals.rate_per_week * bound)
    out: list[tuple[float, Category, tuple[str, ...], str]] = []
    t = 0.0
    while True:
        t += float(rng.exponential(mean_gap))
        if t >= horizon:
            return out
        # the service comes first because its owner's clock decides the rate
        root = services[bisect_right(cdf, rng.random())]  # rng.choice by failure weight
        if rng.random() * bound >= rate.factor(root, t):
            continue
        cat, flags = tables.category_and_flags(rng.random(1 + len(FLAGS)).tolist())
        out.append((t, cat, flags, root))


def generate_incidents(scn: Scenario, streams: Streams, horizon: float) -> list[IncidentSpec]:
    """All incidents of one replication, in arrival order: scripted ones plus Poisson arrivals."""
    inc = scn.incidents
    rng = streams.get("arrivals")
    raw: list[tuple[float, Category, tuple[str, ...], str]] = []
    for s in inc.scripted:
        if s.at_min < horizon:
            raw.append((s.at_min, s.category, tuple(f for f in FLAGS if f in s.flags), s.service))
    rate = arrival_rate(scn)
    tables = DrawTables(scn)
    if inc.arrivals is not None and not inc.arrivals.per_service and rate.varies:
        raw += thinned_arrivals(scn, rng, horizon, rate, tables)
    elif inc.arrivals is not None and not inc.arrivals.per_service:
        # a flat rate keeps the draws of a plain Poisson process (and so earlier results): the gap,
        # then the category's and flags' uniforms and the service's (as rng.choice by failure weight), together
        mean_gap = 7 * 1440.0 / inc.arrivals.rate_per_week
        services, cdf, category_and_flags = tables.services, tables.service_cdf, tables.category_and_flags
        n = 2 + len(FLAGS)
        exponential, uniforms = rng.exponential, rng.random
        t = 0.0
        while True:
            t += float(exponential(mean_gap))
            if t >= horizon:
                break
            u = uniforms(n).tolist()
            cat, flags = category_and_flags(u)
            raw.append((t, cat, flags, services[bisect_right(cdf, u[-1])]))
    raw.sort(key=lambda r: r[0])
    with fewer_collections():
        return [
            draw_incident(i, at, cat, flags, root, scn, streams, tables=tables)
            for i, (at, cat, flags, root) in enumerate(raw)
        ]


MECHANISMS = declare(
    __name__,
    Mechanism(
        "pooled-arrivals",
        "entry",
        "P1 incidents arrive as one Poisson process of "
        "{incidents.arrivals.rate_per_week} a week (shaped by the hour-of-week profile and any "
        "bursts), each on a service drawn by failure weight; the arrival list is drawn before any "
        "protocol runs, so every protocol meets the same incidents at the same times.",
        "incsim.model.incidents:generate_incidents",
        (
            "incidents.arrivals.rate_per_week",
            "incidents.arrivals.profile",
            "incidents.arrivals.bursts",
            "org.services.*.failure_weight",
        ),
        assumption="Incidents arrive independently of the protocol and of each other.",
        when="!incidents.arrivals.per_service",
    ),
    Mechanism(
        "incident-work",
        "entry",
        "Each incident's category comes from the mix and its flags from their probabilities; its "
        "diagnosis and fix work, the points where the debugger needs another team's expert, its "
        "decisions and its cascade are drawn from the incident's own streams before it starts, "
        "so they do not depend on the protocol.",
        "incsim.model.incidents:draw_incident",
        (
            "incidents.mix",
            "incidents.flags",
            "incidents.categories.*.diagnosis",
            "incidents.categories.*.fix",
            "incidents.categories.*.consults_mean",
            "incidents.categories.*.decisions",
        ),
        assumption="The work an incident needs does not depend on how people respond to it.",
    ),
    Mechanism(
        "cascade",
        "work",
        "A failure spreads to each dependent service with its category's cascade probability "
        "after its cascade delay, and stops spreading once the root is fixed; a dependent the "
        "cascade damaged needs its own owner's fix before it recovers.",
        "incsim.model.lifecycle:Lifecycle._cascade",
        (
            "incidents.categories.*.cascade_probability",
            "incidents.categories.*.cascade_delay",
            "incidents.categories.*.damage_probability",
            "incidents.categories.*.damage_fix",
            "org.services.*.depends_on",
        ),
    ),
)
