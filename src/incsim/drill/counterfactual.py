"""What would have happened: the drill's incident replayed under each protocol and with each
decision's other options.

Every variant meets the very same incident (its intrinsic work is the played one) and, in
replication 0, the very same random numbers as the drill; replications 1..N-1 redraw the rest
of the randomness (acknowledgements, replies, who stays in a room) so each figure comes with a
95% interval. Differences are paired: variant and as-played share a replication's streams.
Decisions the room took keep their time-to-decide; the varied one is taken after the same delay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from incsim.metrics import incident_records, t_interval
from incsim.model.events import Kind

TTR_METRICS = ("ttr_min", "engineer_hours", "customer_impact_min", "data_exposure")
REPLICATIONS = 20
"""Replications per history: enough for a t-interval of a few minutes on a single incident's TTR."""


@dataclass(frozen=True)
class Interval:
    """A mean with a 95% t-interval over replications."""

    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class Variant:
    """One alternative history and its figures."""

    varies: str  # what the alternative changes: "protocol" | "option" | "played"
    label: str
    decision: str | None
    option: str | None
    protocol: str
    decided_at: float | None  # T+ when the varied decision would be taken
    same_numbers: dict[str, float]  # replication 0: the drill's random numbers
    figures: dict[str, Interval]  # over all replications
    difference: dict[str, Interval]  # variant minus as-played, paired by replication
    unresolved: int = 0


def _policy(session) -> dict[str, tuple[str, float]]:
    """The room's choices as (option, minutes after the prompt): what a replay keeps."""
    return {d.id: (d.option, d.t - d.prompted) for d in session.decided.values() if d.by == "room"}


def scored(session) -> dict:
    """The drill's incident row as ``incsim run`` scores a replication's: one accounting of the
    whole log, off-hours minutes from the world's roster (``metrics.incident_records``); empty
    while the incident is unresolved."""
    world = session.world
    if not any(e.kind is Kind.RESOLVED and e.incident == 0 for e in world.log.events):
        return {}
    rows = incident_records(world.log.events, session.scenario.costs, world.roster)
    return next(r for r in rows if r["incident_id"] == 0)


def _plays(session):
    """Who played, and the players' own actions (acknowledgements, updates, ...) to replay."""
    from incsim.drill.transcript import Transcript

    return session.playing, Transcript(actions=[a for a in session.transcript.actions if a.action == "play"])


def _outcome(
    loaded, seed: int, spec, protocol: str, replication: int, policy, plays=None
) -> dict[str, float]:
    from incsim.drill.engine import DrillSession

    players, acts = plays if plays is not None else (None, None)
    s = DrillSession(
        loaded,
        seed,
        acts,
        protocol=protocol,
        replication=replication,
        spec=spec,
        policy=policy,
        players=players,
    )
    s.play_out()
    row = scored(s)
    return {m: float(row[m]) if row else math.nan for m in TTR_METRICS}


def _interval(values: list[float]) -> Interval:
    m, lo, hi = t_interval(values)
    return Interval(m, lo, hi)


def counterfactuals(session, replications: int = REPLICATIONS) -> list[Variant]:
    """The as-played history, every other protocol, and every other option of each decision taken."""
    loaded, seed, spec = session.loaded, session.seed, session.spec
    played_policy = _policy(session)
    protocols = [p.name for p in session.scenario.protocols]
    plays = _plays(session)
    base = [
        _outcome(loaded, seed, spec, session.protocol, r, played_policy, plays) for r in range(replications)
    ]

    def variant(
        varies: str, label: str, protocol: str, policy, decision=None, option=None, at=None
    ) -> Variant:
        runs = (
            base
            if varies == "played"
            else [_outcome(loaded, seed, spec, protocol, r, policy, plays) for r in range(replications)]
        )
        figures = {m: _interval([x[m] for x in runs]) for m in TTR_METRICS}
        diff = {m: _interval([x[m] - b[m] for x, b in zip(runs, base)]) for m in TTR_METRICS}
        unresolved = sum(1 for x in runs if math.isnan(x["ttr_min"]))
        return Variant(varies, label, decision, option, protocol, at, runs[0], figures, diff, unresolved)

    out = [variant("played", "as played", session.protocol, played_policy)]
    for p in protocols:
        if p != session.protocol:
            out.append(variant("protocol", f"under {p}", p, played_policy))
    for d in session.drill.decisions:
        taken = session.decided.get(d.id)
        if taken is None:
            continue  # never asked in the drill: no moment to vary
        delay = taken.t - taken.prompted
        for opt in d.options:
            if opt.id == taken.option:
                continue
            pol = dict(played_policy)
            pol[d.id] = (opt.id, delay)
            out.append(
                variant("option", f"{d.id}: {opt.label}", session.protocol, pol, d.id, opt.id, taken.t)
            )
    return out


def _signed(x: float) -> str:
    """A whole number of minutes with its sign, never "-0" or "+0" ("±0")."""
    r = round(x)
    return "±0" if r == 0 else f"{r:+d}"


def sentence(v: Variant) -> str:
    """The counterfactual in words, e.g. "Had ... at T+20:00: TTR 54 min [48–61] instead of 81 as
    played over the same replications (paired difference -27 min [-33 to -21])".

    Both figures are means over the same replications (the variant's and the as-played history's),
    so "instead of" and the paired difference say the same thing; the session's own TTR (one
    history) is not compared with a mean.
    """
    from incsim.clock import drill_time

    f = v.figures["ttr_min"]
    ttr = (
        f"TTR {f.mean:.0f} min [{f.low:.0f}–{f.high:.0f}]"
        if math.isfinite(f.low)
        else f"TTR {f.mean:.0f} min"
    )
    if v.varies == "played":
        return f"As played, over the same replications: {ttr}"
    d = v.difference["ttr_min"]
    base = f.mean - d.mean
    if not math.isfinite(d.mean):
        diff = ""
    elif math.isfinite(d.low) and d.low == d.high == 0.0:
        diff = " (the same on every replication)"
    elif math.isfinite(d.low):
        diff = f" (paired difference {_signed(d.mean)} min [{_signed(d.low)} to {_signed(d.high)}])"
    else:
        diff = f" (paired difference {_signed(d.mean)} min)"
    instead = f" instead of {base:.0f} as played over the same replications" if math.isfinite(base) else ""
    if v.varies == "protocol":
        head = f"Under {v.protocol}"
    else:
        head = f"Had {v.decision} been \u201c{v.label.split(': ', 1)[1]}\u201d at {drill_time(v.decided_at or 0.0)}"
    return f"{head}: {ttr}{instead}{diff}"
