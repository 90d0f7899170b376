"""The deck as plain data: each slide's title, one-sentence message, points, table, chart and
speaker notes, every figure read from the folders through the report's own functions
(``report.findings``) and spelled by the report's wording (``report.wording``).

Nothing here draws: ``pptx`` and ``html`` lay the same ``Slide`` list out, so a figure means the
same on the editable slides and on the page. The slides follow the path to trust: the question
and the answer, your own history, the comparison, where the verdict differs, the cost, what
would change the answer, the pilot, the executive channel, the assumptions, the sources.
"""

from __future__ import annotations

import math
from dataclasses import replace

from incsim.present.deck import Chart, Deck, Series, Slide
from incsim.present.folders import Inputs
from incsim.present.words import (
    break_even_line,
    category_verdicts,
    comparison_table,
    cost_lead,
    cost_table,
    cover_sentence,
    difference_table,
    exec_channel_points,
    history_slide_parts,
    source_lines,
)
from incsim.report.findings import protocol_stat
from incsim.report.wording import capitalised, mean_ci, num

AUDIENCES = ("exec", "engineering")


def _series(name: str, values) -> Series:
    return Series(name, tuple(float(v) for v in values))


def question_slide(inp: Inputs) -> Slide:
    """The question and the answer in one sentence, with its interval and what it covers."""
    d = inp.run
    protocols = d.results.protocols
    base = protocols[0]
    others = protocols[1:]
    question = (
        f"Does {' or '.join(others)} resolve incidents as fast as {base}, for fewer engineer-hours?"
        if others
        else f"How does {base} perform on our incidents?"
    )
    points = tuple(h["sentence"] for h in d.headline) or (
        "Only one protocol was run: there is nothing to compare it with.",
    )
    notes = (
        f"The question leadership asks, answered with the simulation of {d.results.scenario.metadata.name}. "
        "Each number is a mean per incident over the simulated replications, with its 95% confidence "
        "interval: the range the mean would fall in if the simulation were run again with other random "
        f"incidents. {cover_sentence(d)} What it does not say: it is a model of this organisation as the "
        "scenario describes it, not a measurement of it; a difference whose interval includes zero is "
        "not a difference we can claim."
    )
    chart = None
    if d.headline:
        chart = Chart(
            "bar",
            f"Engineer-hours per incident, difference to {base}",
            tuple(h["protocol"] for h in d.headline),
            (_series(f"engineer-hours vs {base}", (h["engineer_hours"].mean for h in d.headline)),),
            unit="hours per incident",
            digits=1,
        )
    return Slide(
        "answer",
        "The question and the answer",
        question,
        notes,
        points=(*points, cover_sentence(d)),
        chart=chart,
    )


def history_slide(inp: Inputs) -> Slide:
    """Your own history: from the review when given, else the simulated mix (said so)."""
    lead, points, table, chart, notes = history_slide_parts(inp)
    return Slide("history", "Your own history", lead, notes, points=points, table=table, chart=chart)


def comparison_slide(inp: Inputs) -> Slide:
    """Hours, non-essential hours, TTR and customer impact per protocol, with intervals."""
    d = inp.run
    protocols = d.results.protocols
    base = protocols[0]
    rows = d.key_numbers
    chart = Chart(
        "bar",
        "Engineer-hours per incident (mean)",
        tuple(protocols),
        (
            _series("engineer-hours", (r["engineer_hours"].mean for r in rows)),
            _series("non-essential hours", (r["non_essential_hours"].mean for r in rows)),
        ),
        unit="hours per incident",
        digits=1,
    )
    cheapest = min(
        rows, key=lambda r: r["engineer_hours"].mean if math.isfinite(r["engineer_hours"].mean) else math.inf
    )
    lead = (
        f"{capitalised(cheapest['protocol'])} takes the fewest engineer-hours per incident: "
        f"{mean_ci(cheapest['engineer_hours'], 1)} h."
    )
    notes = (
        "Per incident, the mean over every simulated incident of each protocol, with 95% confidence "
        "intervals over replications (in brackets). Engineer-hours count everyone's time in the incident "
        "plus the time to regain focus afterwards; non-essential hours are the part spent only watching. "
        f"Every protocol met the same incidents, so the differences to {base} are paired. What it does not "
        "say: that any one incident will go this way; the spread between incidents is much wider than "
        "these intervals, which are about the means."
    )
    return Slide(
        "comparison",
        "The comparison, protocol by protocol",
        lead,
        notes,
        table=comparison_table(d),
        chart=chart,
    )


def category_slide(inp: Inputs, audience: str) -> Slide:
    """Per category: where a protocol's TTR differs from the baseline's beyond noise (where the war-room protocol still wins)."""
    d = inp.run
    protocols = d.results.protocols
    base = protocols[0]
    verdicts = category_verdicts(d)
    chart = Chart(
        "bar",
        "Time to resolve by category (mean, minutes)",
        tuple(d.categories),
        tuple(
            _series(p, (protocol_stat(d.results.summary, p, "ttr_min", c).mean for c in d.categories))
            for p in protocols
        ),
        unit="minutes",
        digits=0,
    )
    # where the baseline (the war-room protocol, in the essay) still wins on speed: its TTR lower beyond noise
    wins = [
        f"{r['category']} (vs {r['protocol']})"
        for r in d.category_rows
        if not r["is_baseline"] and r["ttr_diff"].excludes_zero and r["ttr_diff"].mean > 0
    ]
    if wins:
        lead = f"{capitalised(base)} still resolves faster for: {', '.join(wins)}."
    elif d.category_findings:
        lead = (
            f"No category where {base} resolves faster beyond noise; where the verdict differs, it is slower."
        )
    else:
        lead = f"In no category does a protocol resolve faster or slower than {base} beyond noise."
    notes = (
        "Each category's time to resolve per protocol, against the baseline, paired by replication. A line "
        "here means the 95% interval of the difference excludes zero: the category where the baseline (in the essay, "
        "the war-room protocol) still wins (or loses) on speed. What it does not say: a category with few incidents has wide "
        "intervals, so 'no difference' there may only mean 'too few incidents to tell'."
    )
    return Slide(
        "categories",
        "Where the verdict differs by category",
        lead,
        notes,
        points=tuple(d.category_findings) if d.category_findings else (),
        table=verdicts if audience == "engineering" or not d.category_findings else None,
        chart=chart,
    )


def cost_slide(inp: Inputs) -> Slide:
    """Cost per year with customer impact priced, or its break-even price."""
    d = inp.run
    protocols = d.results.protocols
    rows = d.key_numbers
    price = float(d.results.scenario.costs.customer_impact_usd_per_min)
    chart = Chart(
        "bar",
        "Cost per year (mean)",
        tuple(protocols),
        (_series("cost per year, $", (r["cost_per_year"].mean for r in rows)),),
        unit="$ a year",
    )
    lead = cost_lead(d)
    points = [
        f"{num(d.per_year, 1)} incidents a year at the simulated rate; cost = engineer-hours x "
        f"{num(d.results.scenario.costs.hourly_usd, 0, money=True)} an hour"
        + (
            f" + customer-impact minutes x {num(price, 0, money=True)} a minute."
            if price
            else "; customer impact is not priced in this scenario ($0 a minute)."
        )
    ]
    points += [break_even_line(d, h) for h in d.headline]
    notes = (
        "Cost per year is the mean cost per incident times the simulated incidents a year; the interval "
        "scales the same way. When customer impact is not priced, the cost is engineering labour only, and "
        "the break-even price says how much a minute of customer impact would have to be worth for the "
        "cheaper protocol to stop being cheaper. What it does not say: hiring or tooling costs, or what "
        "the engineers would have shipped with the hours saved."
    )
    return Slide("cost", "Cost per year", lead, notes, points=tuple(points), table=cost_table(d), chart=chart)


def robustness_slide(inp: Inputs, audience: str) -> Slide | None:
    """What would change the answer: flip points and the drivers, from a robustness study."""
    from incsim.present.robust import robustness_parts

    if inp.robustness is None:
        return None
    lead, points, table, chart = robustness_parts(inp.robustness, audience)
    notes = (
        "The robustness study varied the uncertain parameters over the ranges listed and re-ran the "
        "comparison. The probability is the share of those variations in which the alternative came out "
        "better; a flip point is the value of one parameter past which the answer reverses; the drivers "
        "are the parameters whose uncertainty moves the difference most (total-effect sensitivity index, "
        "0 to 1). What it does not say: anything about a parameter it did not vary, or a range wider than "
        "the one given."
    )
    return Slide(
        "robustness", "What would change the answer", lead, notes, points=points, table=table, chart=chart
    )


def pilot_slide(inp: Inputs) -> Slide | None:
    """The pilot: months before the data can speak, and the chance a real gain looks worse after 3 months."""
    curve = inp.pilot_curve
    report = inp.pilot if inp.pilot is not None else inp.run.results.pilot
    if curve is None or report is None:
        return None
    from incsim.pilot import answer_sentence
    from incsim.report.wording import STATISTIC_LABELS

    chart = Chart(
        "line",
        "Chance the pilot shows the gain, by month",
        tuple(str(m) for m in curve["months"]),
        tuple(_series(STATISTIC_LABELS[s], curve["power"][s]) for s in curve["power"]),
        unit="power",
        digits=2,
        x=tuple(float(m) for m in curve["months"]),
    )
    points = []
    for s, m in curve["months_for_80pct"].items():
        when = (
            f"after {m} month{'s' if m != 1 else ''}"
            if m is not None
            else "not reached within the months searched"
        )
        points.append(f"{STATISTIC_LABELS[s]}: 80% power {when}.")
    if report.get("months") is not None and report.get("p_worse") is not None:
        points.append(
            f"After {report['months']} months, the chance a real {report['improvement'] * 100:g}% gain "
            f"looks worse in MTTR: {report['p_worse'] * 100:.0f}%."
        )
    notes = (
        "Power is the chance that a pilot of that length shows a real improvement of the given size as a "
        "significant one; the months are how long the monthly metrics must run before they can speak. "
        "Monthly incident counts are small and durations heavy-tailed, so MTTR moves a lot by chance. "
        f"Baseline: {curve['baseline'] or 'n/a'}; {curve['trials']} Monte Carlo trials, seed {curve['seed']}. "
        "What it does not say: that the improvement is real; it says how long it takes to see it if it is."
    )
    return Slide(
        "pilot",
        "The pilot: when can the data speak?",
        answer_sentence(report),
        notes,
        points=tuple(points),
        chart=chart,
    )


def exec_channel_slide(inp: Inputs) -> Slide:
    """What leadership sees every 15 minutes, and what they are asked not to do."""
    d = inp.run
    lead, points = exec_channel_points(d)
    protocols = d.results.protocols
    chart = Chart(
        "bar",
        "Interruptions per incident, every kind (mean)",
        tuple(protocols),
        (
            _series(
                "interruptions",
                (protocol_stat(d.results.summary, p, "interruptions").mean for p in protocols),
            ),
        ),
        unit="per incident",
        digits=1,
    )
    notes = (
        "The executive channel is the deal with leadership: the incident commander posts a short update "
        "there on a fixed cadence, and leadership stays out of the engineering channel unless asked in. "
        "Every ad-hoc 'any updates?' interrupts the incident commander, who has to stop and write a "
        "summary. The chart counts every simulated interruption of anyone in an incident: a question, a "
        "briefing, an 'any updates?', and a watcher reading a channel update (short, with no refocus), "
        "so a channel with watchers counts more of them. What it does not say: that leadership is not "
        "informed; they are, on schedule."
    )
    return Slide("exec-channel", "The executive channel", lead, notes, points=points, chart=chart)


def assumptions_slide(inp: Inputs, audience: str) -> Slide:
    """Assumptions (how many cited, how many the author's estimate) and what validates the model."""
    from incsim.present.words import assumption_parts

    lead, points, table, chart = assumption_parts(inp, audience)
    notes = (
        "Every parameter of the scenario is listed in the full report with the source its author gave. "
        "Cited: a source is named; assumption: the author's own estimate; none: no comment. Validation is "
        "what ties the model to the real world: a calibration from your incident export, a review of your "
        "history. What it does not say: that the model is right where it is not validated; treat those "
        "parameters as the questions to ask next."
    )
    return Slide(
        "assumptions", "Assumptions and validation", lead, notes, points=points, table=table, chart=chart
    )


def sources_slide(inp: Inputs) -> Slide:
    """Sources, and how to reproduce every number (the command, from run.json)."""
    lead, points = source_lines(inp)
    notes = (
        "Every number in this deck is read from the folders listed; the command re-creates the run folder "
        "byte for byte with the same seed and versions, and the deck is rebuilt from it with incsim present. "
        "What it does not say: that a different scenario would give the same answer."
    )
    return Slide("sources", "Sources and how to reproduce", lead, notes, points=points)


def differences_slide(inp: Inputs) -> Slide:
    """Every paired difference in summary.csv (engineering audience)."""
    notes = (
        "Each row is B minus A per incident, paired by replication: both protocols met the same incidents. "
        "Negative: B is lower (faster, cheaper). What it does not say: anything about a pair not listed."
    )
    return Slide(
        "differences",
        "Every paired difference",
        "Mean [95% CI] per incident, B minus A.",
        notes,
        table=difference_table(inp.run),
        technical=True,
    )


def build_deck(inp: Inputs, audience: str = "exec") -> Deck:
    """The slides for ``audience`` (exec, or engineering: the technical slides added and expanded)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience '{audience}' (exec or engineering)")
    d = inp.run
    protocols = d.results.protocols
    title = (
        f"{d.results.scenario.metadata.name}: " + " vs ".join(protocols)
        if len(protocols) > 1
        else d.results.scenario.metadata.name
    )
    slides = [
        question_slide(inp),
        history_slide(inp),
        comparison_slide(inp),
        category_slide(inp, audience),
        cost_slide(inp),
    ]
    if audience == "engineering":
        slides.append(differences_slide(inp))
    slides += [s for s in (robustness_slide(inp, audience), pilot_slide(inp)) if s is not None]
    slides += [exec_channel_slide(inp), assumptions_slide(inp, audience), sources_slide(inp)]
    # a chart with nothing to show (a run without incidents) is left out rather than drawn empty
    slides = [replace(s, chart=None) if s.chart is not None and not s.chart.categories else s for s in slides]
    return Deck(title, audience, protocols, slides)
