"""Everything a report shows, gathered from an ``incsim run`` results folder as plain data.

Pure functions: a folder in, a ``ReportData`` out. Nothing here draws or lays out (``charts``
draws, the templates lay out), so each figure in a report can be checked against
``summary.csv``, ``incidents.csv`` and the event logs. The parts live in one module each:
``results`` reads the folder, ``findings`` computes the figures, ``wording`` spells them,
``timeline`` shows who was busy, ``assumptions`` mines the scenario's comments and
``description`` writes the model description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from incsim.report.assumptions import (
    ScenarioParameter,
    scenario_parameters,
    schema_defaults,
)
from incsim.report.changes import Changes, find_study, load_changes, load_run_tornado
from incsim.report.description import model_description
from incsim.report.findings import (
    Ecdf,
    categories_in,
    category_findings,
    category_rows,
    difference_rows,
    headline,
    incidents_per_year,
    key_numbers,
    pilot_curve,
    ttr_ecdfs,
)
from incsim.report.results import Results, load_results
from incsim.report.timeline import Pick, Timeline, busy_timelines
from incsim.report.verdicts import flag_verdicts, price_sentence, pricing_sentence, verdicts


@dataclass
class ReportData:
    """Everything a report shows, as plain data."""

    results: Results
    per_year: float
    headline: list[dict]
    key_numbers: list[dict]
    categories: list[str]
    category_rows: list[dict]
    category_findings: list[str]
    differences: list[dict]
    ecdf_all: dict[str, Ecdf]
    ecdf_by_category: dict[str, dict[str, Ecdf]]
    pick: Pick | None
    timelines: list[Timeline]
    parameters: list[ScenarioParameter]
    preamble: str
    defaults: list[ScenarioParameter]
    pilot: dict | None
    stress: list[dict]
    notes: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    """Every decision metric whose paired interval excludes zero, both ways, and where a category differs."""
    prices: list[str] = field(default_factory=list)
    """Whether customer impact is priced; then per alternative the price at which the cost verdict turns."""
    changes: Changes | None = None
    """What a robustness study says (``incsim report --robustness DIR``), if one is given or present."""


def gather(results_dir: Path | str, robustness_dir: Path | None = None) -> ReportData:
    """Read a results folder (and a robustness study's, if given or inside it) and compute every
    figure, table and chart series of the report."""
    results = load_results(results_dir)
    study = find_study(results, robustness_dir)
    protocols = results.protocols
    summary, incidents = results.summary, results.incidents
    per_year = incidents_per_year(
        incidents, protocols[0], int(results.run["replications"]), float(results.run["horizon_days"])
    )
    cats = categories_in(incidents)
    params, preamble = scenario_parameters(results.scenario_text)
    pick, timelines = busy_timelines(results)
    notes = []
    if len(incidents) == 0:
        notes.append(
            "The results hold no incidents: the horizon or the arrival rate is too small to compare."
        )
    return ReportData(
        results=results,
        per_year=per_year,
        headline=headline(summary, protocols, per_year),
        key_numbers=key_numbers(summary, protocols, per_year),
        categories=cats,
        category_rows=(rows := category_rows(summary, protocols, cats)),
        category_findings=category_findings(rows),
        differences=difference_rows(summary),
        ecdf_all=ttr_ecdfs(incidents, protocols),
        ecdf_by_category={c: ttr_ecdfs(incidents, protocols, c) for c in cats},
        pick=pick,
        timelines=timelines,
        parameters=params,
        preamble=preamble,
        defaults=schema_defaults(results.scenario, (p.path for p in params)),
        pilot=pilot_curve(results.pilot) if results.pilot is not None else None,
        stress=model_description(results, params, per_year),
        notes=notes,
        verdicts=verdicts(summary, protocols, cats) + flag_verdicts(incidents, protocols),
        prices=[
            pricing_sentence(results.scenario.costs.customer_impact_usd_per_min),
            *(price_sentence(incidents, protocols[0], p) for p in protocols[1:]),
        ],
        changes=load_changes(study, results) if study is not None else load_run_tornado(results),
    )
