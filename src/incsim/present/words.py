"""The sentences and small tables of the deck's slides, from the report's figures and wording.

Every number comes from ``ReportData`` (the report's ``build.gather``) or a checked folder and is
spelled by ``report.wording``; nothing is recomputed differently from how the report computes it.
"""

from __future__ import annotations

import math
import shlex
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from incsim.present.deck import Chart, Series, Table
from incsim.report.build import ReportData
from incsim.report.wording import Estimate, capitalised, mean_ci, money_ci, money_short, num

if TYPE_CHECKING:
    from incsim.present.folders import Inputs

ESSAY = (
    '"Incident War Rooms Are Theater: Async Incident Response Works Better for 90% of Outages" '
    "and its replies (the seed essay of incsim)"
)
PILOT_SOURCE = (
    "S. Davidovi\u010d, Incident Metrics in SRE: Critically Evaluating MTTR and Friends "
    "(Google / O'Reilly, 2021)"
)
EXEC_UPDATE = "what is broken, who is affected, what is being done, when we expect resolution"
"""The executive channel's simplified update, in the seed essay's words."""


def cover_sentence(d: ReportData) -> str:
    """What the answer covers: the scenario, replications, horizon, incidents and categories."""
    run = d.results.run
    n = d.key_numbers[0]["ttr_min"].n_incidents if d.key_numbers else 0
    cats = ", ".join(d.categories) or "no incidents"
    return (
        f"Covers {n} simulated incidents per protocol ({cats}) in {run['replications']} replications of "
        f"{num(float(run['horizon_days']))} days of {d.results.scenario.metadata.name}; intervals are 95% CIs "
        f"of simulation noise only: the assumptions' own uncertainty is not in them."
    )


def comparison_table(d: ReportData) -> Table:
    """Per protocol: TTR, engineer-hours, non-essential hours and customer impact, mean [95% CI]."""
    rows = tuple(
        (
            k["protocol"],
            mean_ci(k["ttr_min"]),
            mean_ci(k["engineer_hours"], 1),
            mean_ci(k["non_essential_hours"], 1),
            mean_ci(k["customer_impact_min"]),
        )
        for k in d.key_numbers
    )
    return Table(("protocol", "TTR, min", "engineer-hours", "non-essential h", "customer impact, min"), rows)


def category_verdicts(d: ReportData) -> Table:
    """Per category and protocol: TTR and its difference to the baseline, mean [95% CI]."""
    base = d.results.baseline
    rows = tuple(
        (
            r["category"],
            r["protocol"],
            str(r["n_incidents"]),
            mean_ci(r["ttr_min"]),
            "\u2014" if r["is_baseline"] else mean_ci(r["ttr_diff"], 0, sign=True),
        )
        for r in d.category_rows
    )
    return Table(("category", "protocol", "incidents", "TTR, min", f"vs {base}, min"), rows)


def cost_lead(d: ReportData) -> str:
    """The cost message: what each alternative saves or costs a year against the baseline."""
    if not d.headline:
        return f"{num(d.per_year, 1)} incidents a year at the simulated rate."
    parts = []
    for h in d.headline:
        year: Estimate = h["cost_per_year"]
        if not math.isfinite(year.mean):
            parts.append(f"{capitalised(h['protocol'])}: no cost difference in summary.csv")
            continue
        verb = "saves" if year.mean < 0 else "costs"
        mag = year.negated() if year.mean < 0 else year
        parts.append(f"{capitalised(h['protocol'])} {verb} {money_ci(mag)} a year against {h['baseline']}")
    return "; ".join(parts) + "."


def cost_table(d: ReportData) -> Table:
    """Per protocol: cost per incident, per year and the yearly difference to the baseline."""
    diffs = {h["protocol"]: h["cost_per_year"] for h in d.headline}
    rows = tuple(
        (
            k["protocol"],
            mean_ci(k["cost_usd"], 0, money=True),
            money_ci(k["cost_per_year"]),
            money_ci(diffs[k["protocol"]]) if k["protocol"] in diffs else "\u2014",
        )
        for k in d.key_numbers
    )
    return Table(("protocol", "per incident", "per year", f"per year vs {d.results.baseline}"), rows)


def break_even_price(d: ReportData, item: dict) -> float | None:
    """The price of a customer-impact minute at which ``item``'s cost difference to the baseline is
    zero: labour difference / impact difference, both from summary.csv's paired means
    (cost = labour + price x impact, so labour = cost - price x impact). None when impact does not differ."""
    from incsim.report.findings import difference

    impact = difference(d.results.summary, item["baseline"], item["protocol"], "customer_impact_min")
    cost = item["cost_usd"]
    if not (math.isfinite(impact.mean) and math.isfinite(cost.mean)) or impact.mean == 0:
        return None
    price = float(d.results.scenario.costs.customer_impact_usd_per_min)
    return price - cost.mean / impact.mean


def break_even_line(d: ReportData, item: dict) -> str:
    """One line on how the price of customer impact bears on ``item``'s cost against the baseline."""
    from incsim.report.findings import difference

    other, base = capitalised(item["protocol"]), item["baseline"]
    impact = difference(d.results.summary, base, item["protocol"], "customer_impact_min")
    head = f"{other} vs {base}: customer impact {mean_ci(impact, 0, sign=True)} min per incident"
    noise = "" if impact.excludes_zero else " (the impact difference is within noise)"
    p = break_even_price(d, item)
    if p is None:
        return f"{head}; no cost difference to price{noise}."
    if p <= 0:  # labour and impact differ in the same direction: no price reverses the order
        labour_cheaper = (
            item["cost_usd"].mean - float(d.results.scenario.costs.customer_impact_usd_per_min) * impact.mean
        ) < 0
        word = "cheaper" if labour_cheaper else "dearer"
        return f"{head}; {other} stays {word} whatever a minute of customer impact is worth{noise}."
    side = "below" if impact.mean > 0 else "above"
    caveat = "; the impact difference is within noise, so this price is uncertain" if noise else ""
    return (
        f"{head}; {other} is cheaper while a minute of customer impact is worth {side} "
        f"{money_short(p)} (break-even price{caveat})."
    )


def difference_table(d: ReportData) -> Table:
    """Every paired difference of summary.csv: TTR, engineer-hours, non-essential hours, impact, cost."""
    rows = tuple(
        (
            r["pair"],
            mean_ci(r["ttr_min"], 0, sign=True),
            mean_ci(r["engineer_hours"], 1, sign=True),
            mean_ci(r["non_essential_hours"], 1, sign=True),
            mean_ci(r["customer_impact_min"], 0, sign=True),
            mean_ci(r["cost_usd"], 0, sign=True, money=True),
        )
        for r in d.differences
    )
    return Table(("B \u2212 A", "TTR, min", "engineer-h", "non-essential h", "impact, min", "cost"), rows)


def history_slide_parts(inp: Inputs) -> tuple[str, tuple[str, ...], Table | None, Chart | None, str]:
    """Lead, points, table, chart and notes of the history slide (from the review, or the simulated mix)."""
    from incsim.report.findings import protocol_stat

    d = inp.run
    review = inp.review
    if review is None:
        base = d.results.baseline
        counts = [protocol_stat(d.results.summary, base, "ttr_min", c).n_incidents for c in d.categories]
        chart = Chart(
            "bar",
            "Simulated incidents by category",
            tuple(d.categories),
            (Series("incidents", tuple(float(c) for c in counts)),),
            unit="incidents",
        )
        lead = "No review of your real incidents was given: these are the simulated incidents only."
        points = (
            f"Simulated mix over {d.results.run['replications']} replications: "
            + ", ".join(f"{c} {n}" for c, n in zip(d.categories, counts, strict=True))
            + ".",
            "Run `incsim review EXPORT -o DIR` on your incident export and pass DIR to show your own months.",
        )
        notes = (
            "Without a review this slide shows only what the scenario simulates. The essay's advice is to "
            "publish MTTR, engineer-hours, customer impact and incidents by category monthly, from six "
            "months before the change, so everyone has a baseline. What it does not say: how your real "
            "months looked."
        )
        return lead, points, None, chart, notes
    months = review["months"]
    mttr = [m.get("mttr_min") for m in months]
    chart = Chart(
        "bar",
        "MTTR by month (minutes)",
        tuple(str(m["month"]) for m in months),
        (Series("MTTR", tuple(math.nan if v is None else float(v) for v in mttr)),),
        unit="minutes",
    )
    rows = []
    for m in months:
        band = m.get("noise_band_min")
        hours = m.get("engineer_hours_per_incident")
        rows.append(
            (
                str(m["month"]),
                str(m["incidents"]),
                num(m.get("mttr_min")),
                "n/a" if m.get("change_min") is None else num(m["change_min"], 0, sign=True),
                "n/a" if band is None else f"\u00b1{num(band)}",
                "n/a" if hours is None else num(hours, 1),
                str(m.get("verdict", "")),
            )
        )
    table = Table(
        ("month", "incidents", "MTTR, min", "change", "noise", "eng-h / incident", "verdict"), tuple(rows)
    )
    by_cat: Counter = Counter()
    for m in months:
        by_cat.update({str(k): int(v) for k, v in (m.get("by_category") or {}).items()})
    total = sum(int(m["incidents"]) for m in months)
    beyond = [m for m in months if str(m.get("verdict", "")).endswith("than noise")]
    lead = (
        f"{total} incidents in {len(months)} months; {len(beyond)} month-to-month MTTR change(s) beyond "
        f"the noise band."
    )
    points = ("By category: " + ", ".join(f"{c} {n}" for c, n in sorted(by_cat.items())) + ".",)
    notes = (
        f"From the review of {Path(str(review.get('export', 'the export'))).name}. Each month's change in MTTR is set against "
        f"its noise band: the change two months with nothing different would show nine times in ten, "
        f"for that month's number of incidents. What it does not say: why a month moved; a change within "
        f"the band is not a trend."
    )
    return lead, points, table, chart, notes


def exec_channel_points(d: ReportData) -> tuple[str, tuple[str, ...]]:
    """Lead and points of the executive-channel slide, from the scenario's protocols and behaviour."""
    scn = d.results.scenario
    with_channel = [p for p in scn.protocols if p.executive_channel]
    beh = scn.behaviour
    cadences = sorted({p.update_cadence_min for p in with_channel})
    if with_channel:
        every = " or ".join(f"{num(c)}" for c in cadences)
        lead = f"Every {every} minutes leadership gets an update in the executive channel: {EXEC_UPDATE}."
    else:
        lead = "No protocol in this scenario posts to an executive channel."
    points = [
        f"{p.name}: "
        + (
            f"executive update every {num(p.update_cadence_min)} min, written by the incident commander"
            if p.executive_channel
            else "no executive channel"
        )
        for p in scn.protocols
    ]
    points.append(
        "Asked of leadership: stay out of the engineering channel unless asked in, and do not ask "
        "\u201cany updates?\u201d: each request interrupts the incident commander."
    )
    if with_channel:
        points.append(
            f"Assumed: {num(beh.update_requests_per_hour, 1)} such requests an hour without the channel, "
            f"{num(beh.update_requests_per_hour * beh.update_requests_factor_with_exec_channel, 1)} "
            f"with it."
        )
    return lead, tuple(points)


def assumption_parts(inp: Inputs, audience: str) -> tuple[str, tuple[str, ...], Table | None, Chart | None]:
    """Lead, points, table and chart of the assumptions slide."""
    d = inp.run
    kinds = Counter(p.source_kind for p in d.parameters)
    order = ("cited", "assumption", "none")
    chart = Chart(
        "bar",
        "Scenario parameters by source",
        order,
        (Series("parameters", tuple(float(kinds.get(k, 0)) for k in order)),),
        unit="parameters",
    )
    lead = (
        f"{len(d.parameters)} parameters written in the scenario: {kinds.get('cited', 0)} cite a source, "
        f"{kinds.get('assumption', 0)} are the author's assumption, {kinds.get('none', 0)} say nothing; "
        f"{len(d.defaults)} more are defaults."
    )
    points = []
    cal = inp.calibration
    if cal is not None:
        overall = cal.get("overall") or {}
        gof = (overall.get("gof") or {}).get("statistic")
        export = Path(str(cal["export"])).name
        # ``incsim calibrate --base`` marks every fitted value "calibrated: EXPORT, ..."
        used = f"calibrated: {export}" in d.results.scenario_text
        points.append(
            f"Calibration of {export}: {cal['n']} incidents; durations best fit "
            f"{overall.get('best_family', 'n/a')}"
            + (f" (KS {gof:.3f})" if isinstance(gof, float) else "")
            + f"; {num(float(cal['arrivals'].get('per_week', math.nan)), 2)} incidents a week; the run's "
            + ("scenario uses these fits." if used else "scenario does not use these fits.")
        )
    else:
        points.append(
            "Not calibrated: no `incsim calibrate` folder was given; the durations are the scenario's."
        )
    if inp.review is not None:
        points.append(
            f"History reviewed: {len(inp.review['months'])} months of {inp.review.get('export', '')}."
        )
    # the behaviour parameters are the mechanisms' knobs (refocus, narration, latencies): the ones
    # whose values the comparison leans on, so those are named first
    guesses = [p for p in d.parameters if p.source_kind == "assumption"]
    checked = [p for p in guesses if p.path.startswith("behaviour.")] or guesses
    if checked:
        points.append(
            "Assumptions to check first: " + ", ".join(f"{p.path} = {p.value}" for p in checked[:3]) + "."
        )
    points.append(
        "The simulator itself is checked against queueing theory (Erlang C, machine repair, "
        "Little's law) by `incsim verify`."
    )
    if inp.robustness is None:
        points.append(
            "Not studied: how the answer moves when the uncertain parameters move (no robustness study)."
        )
    table = None
    if audience == "engineering":
        # the parameters that cite nothing, the model's own first (not the file's header or names)
        uncited = [
            p
            for p in d.parameters
            if p.source_kind != "cited" and p.path.split(".")[0] not in ("apiVersion", "kind", "metadata")
        ]
        uncited.sort(key=lambda p: not p.path.startswith("behaviour."))  # the mechanisms' knobs first
        rows = tuple((p.path, _short(p.value), p.source_kind) for p in uncited)[:5]
        table = Table(("parameter", "value", "source"), rows) if rows else None
    return lead, tuple(points), table, chart


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def command_line(run: dict) -> str:
    """The command that wrote the run folder (run.json's ``command``) as a shell line, with the
    seed run.json records added when the command let incsim draw one (else it would not reproduce)."""
    cmd = run.get("command")
    if not (isinstance(cmd, list) and cmd):
        return "n/a (run.json records no command)"
    words = [str(c) for c in cmd]
    if not any(w == "--seed" or w.startswith("--seed=") for w in words) and run.get("seed") is not None:
        words += ["--seed", str(run["seed"])]
    return " ".join(shlex.quote(w) for w in words)


def source_lines(inp: Inputs) -> tuple[str, tuple[str, ...]]:
    """Lead and points of the sources slide: the command, seed, scenario hash, versions and sources."""
    d = inp.run
    run = d.results.run
    versions = run.get("versions") if isinstance(run.get("versions"), dict) else {}
    lead = f"Reproduce: {command_line(run)}"
    cited = list(dict.fromkeys(p.source for p in d.parameters if p.source_kind == "cited"))
    points = [
        f"Seed {run.get('seed', 'n/a')}; scenario sha256 {str(run.get('scenario_sha256', 'n/a'))[:16]}\u2026; "
        f"incsim {versions.get('incsim', 'n/a')}, python {versions.get('python', 'n/a')}.",
        "Folders read: "
        + "; ".join(
            [f"run {d.results.path.name}"]
            + [
                f"{k} {getattr(inp, k + '_path').name}"
                for k in ("review", "calibration", "pilot", "robustness")
                if getattr(inp, k + "_path") is not None
            ]
        )
        + ".",
        f"Essay: {ESSAY}.",
    ]
    if inp.pilot_curve is not None:
        points.append(f"Pilot method: {PILOT_SOURCE}.")
    if cited:
        points.append(
            f"Scenario sources ({len(cited)}): " + "; ".join(cited[:3]) + ("; ..." if len(cited) > 3 else ".")
        )
    return lead, tuple(points)
