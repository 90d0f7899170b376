"""The after-action report of a drill (``aar.html``, ``aar.md``) and the drill's results folder.

``gather`` turns a finished session into plain data (objectives, decisions, the timeline from the
event log with notes and injects interleaved, who was busy, counterfactuals, hot wash, the
improvement plan); the Jinja2 templates lay it out. HTML is autoescaped and self-contained (no
script, no external resource, a CSP that forbids both); Markdown escapes every drill value.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from incsim import signals
from incsim.clock import drill_time
from incsim.drill.counterfactual import (
    REPLICATIONS,
    TTR_METRICS,
    Variant,
    counterfactuals,
    scored,
    sentence,
)
from incsim.drill.feed import safe_text
from incsim.files import check_dir, prepare_dir
from incsim.model.events import Kind
from incsim.output import events_jsonl, package_versions, write_folder

JOURNAL = "transcript.journal.yaml"
"""The transcript appended action by action while a drill runs (kept on Ctrl-C; ``--resume``)."""
FILES = ("events.jsonl", "transcript.yaml", "aar.html", "aar.md", "run.json")
SCORES = {"met": 1.0, "partial": 0.5, "missed": 0.0}
METRIC_LABELS = {
    "ttr_min": "time to resolve (min)",
    "engineer_hours": "engineer-hours",
    "customer_impact_min": "customer impact (min)",
    "data_exposure": "records exposed",
}


@dataclass
class AarData:
    """Everything the after-action report shows, as plain values."""

    title: str
    audience: str
    facilitator_notes: str
    scenario: str
    protocol: str
    seed: int
    incident: dict[str, Any]
    duration: float
    ttr: float | None
    mitigated_at: float | None
    objectives: list[dict]
    score: tuple[float, float]
    decisions: list[dict]
    timeline: list[dict]
    time: dict[str, float]
    people: list[dict]
    busy_svg: str
    variants: list[dict]
    replications: int
    hotwash: list[dict]
    plan: list[dict]
    notes: list[dict]
    modules: list[dict] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    cast: list[dict] = field(default_factory=list)
    """Each role and who played it: a person, the model, or nobody (an empty played role)."""


def gather(session, replications: int = REPLICATIONS) -> AarData:
    """The report's data from a finished (played-out) session."""
    from incsim.report import charts
    from incsim.report.timeline import busy_timeline

    drill = session.drill
    events = [e for e in session.world.log.events if e.incident == 0 and e.kind is not Kind.INJECTED]
    incident_row = scored(session)
    ttr = session.ttr()
    mitigated = next((e.t - session.t0 for e in events if e.kind is Kind.MITIGATED), None)
    # objectives and expectations
    exp_rows: dict[str | None, list[dict]] = {}
    got = total = 0.0
    for inj in drill.injects:
        for e in inj.expectations:
            outcome, when = session.outcome(e.id)
            fired = session.fired.get(inj.id)
            row = {
                "id": e.id,
                "text": e.text,
                "inject": inj.id,
                "fired": drill_time(fired.t if fired else None),
                "by": drill_time(fired.t + e.by_min) if fired and e.by_min is not None else "—",
                "outcome": outcome or "not reached",
                "when": drill_time(when),
                "score": e.score,
                "points": e.score * SCORES.get(outcome or "missed", 0.0),
                "how": "facilitator" if e.id in session.marks else ("event log" if outcome else ""),
            }
            if outcome is None:  # never reached (its inject never fired): no part of the score
                row["outcome"] = "not reached" if fired is None else "open"
            else:
                got += row["points"]
                total += e.score
            exp_rows.setdefault(e.objective, []).append(row)
    objectives = [
        {
            "id": o.id,
            "text": o.text,
            "expectations": exp_rows.get(o.id, []),
            "notes": [n for n in session.notes if n["objective"] == o.id],
        }
        for o in drill.objectives
    ]
    if exp_rows.get(None):
        objectives.append(
            {
                "id": "",
                "text": "Expectations without an objective",
                "expectations": exp_rows[None],
                "notes": [],
            }
        )
    decisions = []
    for d in drill.decisions:
        taken = session.decided.get(d.id)
        rec_opt = next((o for o in d.options if o.recommended), None)
        label = next((o.label for o in d.options if taken and o.id == taken.option), "")
        decisions.append(
            {
                "id": d.id,
                "prompt": d.prompt,
                "role": d.role,
                "asked": drill_time(taken.prompted if taken else None),
                "decided": drill_time(taken.t if taken else None),
                "time_to_decide": _time_to_decide(taken) if taken else "—",
                "choice": label or "never asked",
                "by": {"room": "the room", "default": "default (timed out)", "model": "simulated role"}[
                    taken.by
                ]
                if taken
                else "",
                "recommended": rec_opt.label if rec_opt else "—",
                "followed": (taken.option == rec_opt.id) if taken and rec_opt else None,
            }
        )
    timeline = [
        {
            "t": f.t,
            "clock": drill_time(f.t),
            "channel": f.lane,
            "sender": f.sender,
            "text": f.text,
            "kind": f.source,
            "after": f.t > session.duration + 1e-9,
        }
        for f in session.feed()
    ]
    # who was busy: the report's own rules, from the same event log
    people: list[dict] = []
    busy_svg = ""
    if any(e.kind is Kind.DETECTED for e in events):
        tl = busy_timeline(events, session.protocol)  # no replication: nothing reads it here
        people = [
            {
                "who": p.who,
                "team": p.team,
                "role": p.role,
                "responding": p.minutes("responding"),
                "spectating": p.minutes("spectating"),
                "refocusing": p.minutes("refocusing"),
            }
            for p in tl.people
        ]
        if tl.people:
            colours = charts.protocol_colours([session.protocol])
            busy_svg = charts.svg(
                charts.busy_figure([tl], colours), "aar-busy", "Who was busy during the drill's incident"
            )
    found = counterfactuals(session, replications) if replications else []
    variants = [variant_row(v) for v in found]
    metrics = [m for m in TTR_METRICS if m != "data_exposure" or any(v.figures[m].mean > 0 for v in found)]
    answered: dict[str, list[str]] = {}
    for q, a in session.hotwash_answers:
        answered.setdefault(q, []).append(a)
    hotwash = [{"question": q, "answers": answered.pop(q, [])} for q in drill.hotwash]
    hotwash += [{"question": q, "answers": a} for q, a in answered.items()]
    inc = drill.incident
    return AarData(
        title=drill.metadata.title,
        audience=drill.metadata.audience,
        facilitator_notes=drill.metadata.facilitator_notes,
        scenario=session.scenario.metadata.name,
        protocol=session.protocol,
        seed=session.seed,
        incident={
            "category": session.spec.category,
            "roots": ", ".join(session.spec.roots),
            "flags": ", ".join(session.spec.flags) or "none",
            "start": inc.start if inc.draw is None else f"drawn from the scenario (seed {inc.draw.seed})",
        },
        duration=session.duration,
        ttr=ttr,
        mitigated_at=mitigated,
        objectives=objectives,
        score=(got, total),
        decisions=decisions,
        timeline=timeline,
        time={
            k: float(incident_row[k])
            for k in (
                "responder_hours",
                "non_essential_hours",
                "refocus_hours",
                "engineer_hours",
                "interruptions",
                "war_room_minutes",
                "peak_participants",
                "customer_impact_min",
                "data_exposure",
                "cost_usd",
            )
            if k in incident_row
        },
        people=people,
        busy_svg=busy_svg,
        variants=variants,
        replications=replications,
        hotwash=hotwash,
        plan=list(session.plan),
        notes=list(session.notes),
        modules=[{"title": m.title, "questions": m.questions} for m in drill.modules],
        metrics=metrics,
        cast=_cast(session),
    )


def _time_to_decide(taken) -> str:
    """Simulated minutes, and the room's real time when a screen measured it (a paused clock
    takes no simulated time however long the room talks)."""
    sim = f"{taken.t - taken.prompted:.1f} min"
    if taken.real_s is None:
        return sim
    return f"{sim} simulated, {taken.real_s / 60:.1f} min in the room"


def _cast(session) -> list[dict]:
    """Who played each role: a person, the model (not played, or standing in), or nobody."""
    model = set(session.model_played())
    return [
        {
            "id": r.id,
            "title": r.title,
            "by": "played by a person"
            if r.id in session.playing
            else "played by the model" + (" (stand-in)" if r.played else "")
            if r.id in model
            else "nobody played it (its actions did not happen)",
        }
        for r in session.drill.seats
    ]


DIGITS = {"ttr_min": 0, "engineer_hours": 1, "customer_impact_min": 0, "data_exposure": 0}


def variant_row(v: Variant) -> dict:
    def fmt(iv, m: str, sign: str = "") -> str:
        k = DIGITS[m]
        if iv.mean != iv.mean:
            return "n/a"
        if iv.low == iv.low:
            sep = " to " if sign else "–"  # "-8 to -2" reads better than "-8–-2"
            return f"{iv.mean:{sign}.{k}f} [{iv.low:{sign}.{k}f}{sep}{iv.high:{sign}.{k}f}]"
        return f"{iv.mean:{sign}.{k}f}"

    short = f"{v.decision} \u2192 {v.option}" if v.varies == "option" else v.label
    return {
        "kind": v.varies,
        "label": v.label,
        "short": short,
        "sentence": sentence(v),
        "unresolved": v.unresolved,
        "same": {
            m: ("n/a" if v.same_numbers[m] != v.same_numbers[m] else f"{v.same_numbers[m]:.{DIGITS[m]}f}")
            for m in TTR_METRICS
        },
        "figures": {m: fmt(v.figures[m], m) for m in TTR_METRICS},
        "difference": {m: fmt(v.difference[m], m, "+") for m in TTR_METRICS},
    }


def _shown(value):
    """A value as the report shows it: text with its control characters and bidirectional
    overrides neutralised (``safe_text``), so a drill's own words can neither reorder the page
    nor send an escape sequence to a terminal that prints the Markdown; markup stays markup."""
    if isinstance(value, Markup):
        return Markup(safe_text(value))
    return safe_text(value) if isinstance(value, str) else value


def _environment(markdown: bool) -> Environment:
    from incsim.report.markdown import md_escape

    loader = PackageLoader("incsim.drill", "templates")
    if not markdown:
        env = Environment(
            loader=loader,
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_shown,
        )
    else:
        env = Environment(
            loader=loader,
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=lambda v: (
                "" if v is None else (_shown(v) if isinstance(v, Markup) else md_escape(_shown(v)))
            ),
        )
    env.globals.update(METRIC_LABELS=METRIC_LABELS)
    env.filters["n1"] = lambda x: "—" if x is None else f"{x:.1f}"
    env.filters["clock"] = drill_time
    return env


def render(data: AarData) -> tuple[str, str]:
    """The report as (HTML, Markdown)."""
    html = _environment(False).get_template("aar.html.j2").render(d=data, busy=Markup(data.busy_svg))
    md = _environment(True).get_template("aar.md.j2").render(d=data)
    return html, re.sub(r"\n{3,}", "\n\n", md)


def prepare(out: Path, force: bool) -> None:
    """Make ``out`` ready for a drill's results: new, empty (but for a journal), or ``force``."""
    prepare_dir(out, force, allowed=(JOURNAL,))


def write_outputs(session, out: Path, force: bool = False, replications: int = REPLICATIONS) -> Path:
    """Play the incident out, then write events.jsonl, transcript.yaml, aar.html, aar.md and a
    sealed run.json into ``out`` as one staged change (``files.write_folder``) that also takes the
    journal away: a failure or a stop leaves the journal and any earlier results as they were."""
    check_dir(out, force, allowed=(JOURNAL,))
    session.play_out()
    data = gather(session, replications)
    html, md = render(data)
    events = events_jsonl({session.protocol: session.world.log.events}, 0)
    transcript = session.transcript.text()
    files = {"events.jsonl": events, "transcript.yaml": transcript, "aar.html": html, "aar.md": md}
    loaded = session.loaded
    manifest = {
        "kind": "drill",
        "drill": session.title,
        "drill_source": loaded.source,
        "drill_sha256": hashlib.sha256(loaded.text.encode("utf-8")).hexdigest(),
        "scenario": session.scenario.metadata.name,
        "scenario_source": loaded.scenario_source,
        "scenario_sha256": hashlib.sha256(loaded.scenario_text.encode("utf-8")).hexdigest(),
        "seed": session.seed,
        "protocol": session.protocol,
        "counterfactual_replications": replications,
        "ttr_min": None if data.ttr is None else round(data.ttr, 6),
        "versions": package_versions(),
    }
    # the journal goes in the same change: the folder holds either it or the finished results
    # (check_dir above judged the folder, journal allowed: hence force here)
    write_folder(
        out,
        [(name, files[name].encode("utf-8")) for name in FILES if name != "run.json"],
        manifest,
        force=True,
        stale=(JOURNAL,),
        hold=signals.deferred,
    )
    session.transcript.journal = None
    return out


__all__ = ["FILES", "JOURNAL", "AarData", "gather", "prepare", "render", "write_outputs"]
