"""The monthly review the essay asks for: per month MTTR, median, p90, engineer-hours and
customer impact where the export has them, and incidents by category; each month's change in
MTTR drawn against the noise band ``incsim pilot`` computes for that month's count.

Noise band: with every resolved duration of the export as the baseline (bootstrap-resampled),
the half-width of the central 90% interval of "MTTR of one sample of n minus MTTR of another
sample of n" when nothing changed (``pilot.simulate_pilot`` with no improvement), n being the
month's resolved incidents. A change inside the band is what two identical months differ by
nine times in ten.

People figures (``with_people``) get a band by the same reading, with the incident as the unit:
two months of n incident channels each, drawn with replacement from every channel read, their
figure computed as a month's is (``people.month_figures``), and the half-width of the central
90% interval of the difference. Resampling whole incidents suits every kind of figure: it takes
no logarithm (a month of calls with no watchers has zero non-essential hours), a rate or a share
keeps its own definition (requests over channel hours, stayers over people in calls), and
requests or stayers that come in clusters within an incident widen the band as they should,
where a Poisson or binomial band would count each as independent and be too narrow.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

from incsim.calibrate.records import MIN_SAMPLE, WARN_SAMPLE, Export, ExportError, month_label

DEFAULT_MONTHS = 6  # the essay: publish the metrics from six months before the change
MIN_MONTH = 3
"""A month with fewer resolved incidents gets figures but no verdict (the band is meaningless)."""
BAND_TRIALS = 4000
BAND_SEED = 0
BAND_LEVEL = 0.9
PEOPLE_BAND_TRIALS = 1000
"""Resampled month pairs per people band: each is a month's figures computed twice in Python, and
1000 pairs put the 5% and 95% quantiles within a few per cent of the band's width."""


def months_between(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def noise_band(baseline, n: int) -> float | None:
    """Half-width (minutes) of the central 90% interval of a month-to-month MTTR change under no change."""
    from incsim.pilot import simulate_pilot

    if n < MIN_MONTH:
        return None
    figures = simulate_pilot(baseline, n, 0.0, trials=BAND_TRIALS, seed=BAND_SEED, power_search=False)
    return float(figures["mttr"]["ci90_halfwidth_min"])


def review(export: Export, months: int | None = DEFAULT_MONTHS) -> dict:
    """Month-by-month figures of the export's last ``months`` months (all of them when None)."""
    from incsim.pilot import History

    if len(export.incidents) < MIN_SAMPLE:
        raise ExportError(
            f"{export.source}: {len(export.incidents)} usable incident(s); a review needs at least "
            f"{MIN_SAMPLE}"
        )
    if months is not None and months < 1:
        raise ExportError(f"--months must be at least 1, got {months}")
    end = export.end or export.incidents[-1].start
    by_month: dict[str, list] = defaultdict(list)
    for inc in export.incidents:
        by_month[month_label(inc.start)].append(inc)
    labels = months_between(min(by_month), max(by_month))
    if months is not None:
        labels = labels[-(months + 1) :]  # one month more, so the first shown has a change
    resolved_all = np.asarray([i.duration_min(end) for i in export.incidents if not i.censored])
    baseline = History(source=export.source, durations=resolved_all, rows=len(resolved_all))
    rows, bands = [], {}
    categories = sorted({i.group("category") for i in export.incidents})
    for label in labels:
        incs = by_month.get(label, [])
        d = np.asarray([i.duration_min(end) for i in incs if not i.censored])
        hours = [i.engineer_hours for i in incs if i.engineer_hours is not None]
        impact = [i.customer_impact_min for i in incs if i.customer_impact_min is not None]
        n = len(d)
        if n not in bands:
            bands[n] = noise_band(baseline, n)
        rows.append(
            {
                "month": label,
                "incidents": len(incs),
                "resolved": n,
                "open": len(incs) - n,
                "mttr_min": float(d.mean()) if n else None,
                "median_min": float(np.median(d)) if n else None,
                "p90_min": float(np.quantile(d, 0.9)) if n else None,
                "engineer_hours": float(sum(hours)) if hours else None,
                "engineer_hours_per_incident": float(np.mean(hours)) if hours else None,
                "customer_impact_min": float(sum(impact)) if impact else None,
                "by_category": dict(sorted(Counter(i.group("category") for i in incs).items())),
                "noise_band_min": bands[n],
            }
        )
    for prev, row in pairwise(rows):
        if row["mttr_min"] is None or prev["mttr_min"] is None:
            row["change_min"], row["verdict"] = None, "no comparison"
            continue
        change = row["mttr_min"] - prev["mttr_min"]
        row["change_min"] = change
        band = row["noise_band_min"]
        if band is None:
            row["verdict"] = f"too few incidents to judge (fewer than {MIN_MONTH})"
        elif abs(change) <= band:
            row["verdict"] = "within noise"
        else:
            row["verdict"] = "worse than noise" if change > 0 else "better than noise"
    if rows:
        rows[0].setdefault("change_min", None)
        rows[0].setdefault("verdict", "first month shown")
    shown = rows[1:] if months is not None and len(rows) > months else rows
    warnings = []
    if len(resolved_all) < WARN_SAMPLE:
        warnings.append(
            f"only {len(resolved_all)} resolved incidents in the export: the noise bands rest on a "
            f"thin baseline (fewer than {WARN_SAMPLE})"
        )
    return {
        "export": export.source,
        "format": export.format,
        "months": shown,
        "categories": categories,
        "dropped": dict(sorted(export.dropped.items())),
        "warnings": warnings,
        "has_engineer_hours": any(r["engineer_hours"] is not None for r in shown),
        "has_customer_impact": any(r["customer_impact_min"] is not None for r in shown),
        "noise_band": {
            "level": 0.9,
            "trials": BAND_TRIALS,
            "seed": BAND_SEED,
            "min_month": MIN_MONTH,
            "baseline_incidents": len(resolved_all),
        },
    }


PEOPLE_COLUMNS = (
    ("incidents", "channels", "{:.0f}"),
    ("non_essential_hours_per_incident", "non-essential h/incident", "{:.2f}"),
    ("engineer_hours_per_incident", "engineer h/incident", "{:.2f}"),
    ("update_gap_median_min", "update gap min", "{:.1f}"),
    ("update_requests_per_hour", "update requests/h", "{:.2f}"),
    ("time_to_first_responder_median_min", "first responder min", "{:.1f}"),
    ("call_size_median", "call size", "{:.0f}"),
    ("stay_to_end_share", "stay to end", "{:.0%}"),
)
"""The people figures a review shows per month: key, heading, format (every output uses these)."""


def people_band_note(result: dict) -> str:
    """The sentence that says what a people figure's ± is (the terminal table and both pages)."""
    b = result.get("people_noise_band") or {}
    return (
        f"Each figure's ± is its noise band: the change two months with that many incident channels, "
        f"resampled from all {b.get('baseline_incidents', 0)} read, show nine times in ten (none for a "
        f"month of fewer than {MIN_MONTH})."
    )


def people_cell(people: dict | None, key: str, fmt: str) -> str:
    """One month's people figure as table text with its noise band (``12.5 ±3.1``); a dash when the
    month has none."""
    value = (people or {}).get(key)
    if value is None:
        return "–"
    band = (people.get("noise_band") or {}).get(key)
    return fmt.format(value) if band is None else f"{fmt.format(value)} ±{fmt.format(band)}"


def resampled_band(
    units: Sequence,
    n: int,
    figures: Callable[[list], dict],
    *,
    trials: int = PEOPLE_BAND_TRIALS,
    seed: int = BAND_SEED,
) -> dict[str, float | None]:
    """Per figure, the half-width of the central 90% interval of its change between two months of
    ``n`` units drawn with replacement from ``units`` (no change between them).

    ``figures`` turns a month's units into ``{name: value or None}``. A pair where either month has
    no value for a figure is left out of that figure; a figure with a value in fewer than half the
    pairs gets None, as does every figure when ``n`` is below ``MIN_MONTH``. Seeded by
    ``(seed, n)``, so a month's band depends on its count alone.
    """
    if n < MIN_MONTH or not units:
        return {}
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n,)))
    picks = rng.integers(0, len(units), size=(2, trials, n))
    diffs: dict[str, list[float]] = defaultdict(list)
    for a, b in zip(picks[0], picks[1], strict=True):
        fa, fb = figures([units[i] for i in a]), figures([units[i] for i in b])
        for name, va in fa.items():
            vb = fb.get(name)
            if isinstance(va, int | float) and isinstance(vb, int | float):
                diffs[name].append(va - vb)
    tail = (1 - BAND_LEVEL) / 2
    out: dict[str, float | None] = {}
    for name, d in diffs.items():
        if 2 * len(d) < trials:
            out[name] = None
            continue
        lo, hi = np.quantile(d, [tail, 1 - tail])
        out[name] = float((hi - lo) / 2)
    return out


def with_people(result: dict, incidents: list) -> dict:
    """The review with each month's people figures (``people.month_figures``) beside its MTTR, under
    ``people`` (None for a month with no incident channel), each with its noise band under
    ``people["noise_band"]`` (resampling every incident channel read; see the module's docstring)."""
    from incsim.calibrate.people import month_figures, monthly

    months = monthly(incidents)
    bands: dict[int, dict] = {}
    for row in result["months"]:
        people = months.get(row["month"])
        if people is not None:
            n = people["incidents"]
            if n not in bands:
                bands[n] = resampled_band(incidents, n, month_figures)
            people["noise_band"] = {k: bands[n].get(k) for k, _, _ in PEOPLE_COLUMNS if k != "incidents"}
        row["people"] = people
    result["has_people"] = True
    result["people_noise_band"] = {
        "level": BAND_LEVEL,
        "trials": PEOPLE_BAND_TRIALS,
        "seed": BAND_SEED,
        "min_month": MIN_MONTH,
        "baseline_incidents": len(incidents),
    }
    return result
