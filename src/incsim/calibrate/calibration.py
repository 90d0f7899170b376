"""A calibration: the fits of one export, per group, as plain data (what ``--json`` prints),
and a scenario written from a base with the fitted parameters in place.

Small samples: an export with fewer than ``MIN_SAMPLE`` usable incidents is refused; a group
under it is listed in ``too_small`` and not fitted; under ``WARN_SAMPLE`` a warning is added.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from incsim.calibrate import fit, outliers
from incsim.calibrate.records import (
    GROUP_KEYS,
    MIN_SAMPLE,
    WARN_SAMPLE,
    Export,
    ExportError,
)


def _group_entry(name: str, durations: list[float], censored: list[bool]) -> dict:
    fits = fit.fit_durations(durations, censored)
    best = fits[0]
    logn = next(f for f in fits if f.family == "lognormal")
    x = np.asarray(durations)
    resolved = x[~np.asarray(censored, dtype=bool)]
    return {
        "group": name,
        "n": len(durations),
        "censored": int(sum(censored)),
        "best_family": best.family,
        "median_min": best.median,
        "log_sd": logn.params["sigma"],
        "mean_min": best.mean,
        "aic": {f.family: f.aic for f in fits},
        "gof": fit.goodness_of_fit(best, durations, censored),
        "params": {f.family: f.params for f in fits},
        "lognormal": {"median_min": logn.median, "sigma": logn.params["sigma"]},
        "observed": {
            "median_min": float(np.median(resolved)) if len(resolved) else None,
            "mean_min": float(resolved.mean()) if len(resolved) else None,
            "quantiles_min": {str(q): float(np.quantile(resolved, q)) for q in fit.QUANTILES}
            if len(resolved)
            else {},
        },
    }


def _set_aside(export: Export) -> tuple[Export, list[dict]]:
    """The export without resolved incidents whose duration is an outlier (``outliers.log_mad``),
    and those incidents as ``{id, minutes, rule}``. Open incidents are not judged."""
    resolved = [i for i in export.incidents if not i.censored]
    minutes = [i.duration_min(export.end) for i in resolved]
    far = {i.id: m for i, m, f in zip(resolved, minutes, outliers.log_mad(minutes)) if f}
    if not far:
        return export, []
    kept = replace(export, incidents=[i for i in export.incidents if i.id not in far])
    return kept, [{"id": k, "minutes": m, "rule": "durations"} for k, m in far.items()]


def _delay_outliers(export: Export, how) -> tuple[list[float | None], list[dict]]:
    """Each incident's delay in seconds (``how``), outliers by the log-MAD rule as None, and those."""
    values = [how(i) for i in export.incidents]
    known = [(k, v) for k, v in enumerate(values) if v is not None and v > 0]
    flags = outliers.log_mad([v for _, v in known])
    far = [k for (k, _), f in zip(known, flags) if f]
    out = [{"id": export.incidents[k].id, "minutes": values[k] / 60.0, "rule": "durations"} for k in far]
    for k in far:
        values[k] = None
    return values, out


def _delays_min(values: list[float | None]) -> dict | None:
    mins = [v / 60.0 for v in values if v is not None and v >= 0]
    s = fit.summary(mins)
    if s is None:
        return None
    logn = fit.lognormal_of_logs(mins, MIN_SAMPLE)
    if logn is not None:
        s["lognormal"] = {"median_min": logn["median_min"], "sigma": logn["sigma"]}
    return s


def calibrate(export: Export, by: str | None = None) -> dict:
    """Every fit of the export, JSON-ready (``groups``, ``arrivals``, ``updates`` when it has them, ...)."""
    if by is not None and by not in GROUP_KEYS:
        raise ExportError(f"--by must be one of {', '.join(GROUP_KEYS)}, not {by!r}")
    arrival_starts = [i.start for i in export.incidents]  # a long incident still arrived when it did
    export, far_durations = _set_aside(export)
    n = len(export.incidents)
    if n < MIN_SAMPLE:
        raise ExportError(
            f"{export.source}: {n} usable incident(s); calibration needs at least {MIN_SAMPLE} "
            f"(dropped: {dict(export.dropped) or 'none'})"
        )
    warnings = list(export.warnings)
    if far_durations:
        named = ", ".join(f"{o['id']} ({o['minutes']:.3g} min)" for o in far_durations[:5])
        warnings.append(
            f"{len(far_durations)} duration(s) set aside as outliers from the fits: {named}"
            f"{', ...' if len(far_durations) > 5 else ''} (rule: {outliers.RULES['durations']})"
        )
    ack_s, far_ack = _delay_outliers(export, lambda i: i.ack_delay_s())
    engage_s, far_engage = _delay_outliers(export, lambda i: i.engage_delay_s())
    for what, far in (("acknowledgement", far_ack), ("engagement", far_engage)):
        if far:
            named = ", ".join(f"{o['id']} ({o['minutes']:.3g} min)" for o in far[:5])
            warnings.append(
                f"{len(far)} {what} delay(s) set aside as outliers: {named} "
                f"(rule: {outliers.RULES['durations']})"
            )
    counts = Counter(i.group(by) for i in export.incidents)
    groups, too_small = [], {}
    for name in sorted(counts, key=lambda g: (-counts[g], g)):
        if counts[name] < MIN_SAMPLE:
            too_small[name] = counts[name]
            continue
        d, c = export.durations(by, name if by else None)
        entry = _group_entry(name, d, c)
        if counts[name] < WARN_SAMPLE:
            entry["warning"] = f"only {counts[name]} incidents: a rough fit (fewer than {WARN_SAMPLE})"
            warnings.append(f"group {name!r}: {entry['warning']}")
        groups.append(entry)
    if too_small:
        warnings.append(f"{len(too_small)} group(s) with fewer than {MIN_SAMPLE} incidents not fitted")
    if n < WARN_SAMPLE:
        warnings.insert(
            0, f"only {n} incidents in the export: every figure here is rough (fewer than {WARN_SAMPLE})"
        )
    if by is None:
        overall = groups[0]
    else:
        d, c = export.durations()
        overall = _group_entry("all", d, c)
    out: dict = {
        "export": export.source,
        "format": export.format,
        "detected": export.detected,
        "by": by,
        "n": n,
        "censored": sum(i.censored for i in export.incidents),
        "groups": groups,
        "too_small": too_small,
        "overall": overall,
        "arrivals": fit.arrivals(arrival_starts),
        "outliers": {
            "rules": dict(outliers.RULES),
            "starts": export.outliers,
            "durations": far_durations,
            "acknowledgement": far_ack,
            "engagement": far_engage,
        },
        "dropped": dict(sorted(export.dropped.items())),
        "problems": export.problems,
        "warnings": warnings,
        "limits": {"min_sample": MIN_SAMPLE, "warn_sample": WARN_SAMPLE},
    }
    if export.has_updates:
        out["updates"] = fit.update_gaps([i.updates for i in export.incidents])
    extras = {
        "acknowledgement": _delays_min(ack_s),
        "engagement": _delays_min(engage_s),
    }
    out["delays"] = {k: v for k, v in extras.items() if v is not None}
    resp = fit.summary([i.responders for i in export.incidents])
    if resp is not None:
        out["responders"] = resp
    inter = [i.interruptions for i in export.incidents if i.interruptions]
    if inter:
        totals = {k: sum((d.get(k) or 0) for d in inter) for k in ("business", "off", "sleep")}
        all_ = sum(totals.values())
        out["interruptions"] = {
            "incidents": len(inter),
            "total": totals,
            "per_incident": {k: v / len(inter) for k, v in totals.items()},
            "share": {k: (v / all_ if all_ else None) for k, v in totals.items()},
        }
    work = [i.workload_min for i in export.incidents if i.workload_min]
    if work:
        totals = {k: sum((d.get(k) or 0.0) for d in work) for k in ("business", "off", "sleep")}
        out["workload_minutes"] = {"incidents": len(work), "total": totals}
    hours = fit.summary([i.engineer_hours for i in export.incidents])
    if hours is not None:
        out["engineer_hours"] = hours
    return out


PLAUSIBLE = {
    "rate_per_week": (1e-3, 10_000.0),
    "diagnosis median (min)": (0.1, 30 * 1440.0),
    "page_ack median (min)": (0.0, 1440.0),
    "sigma": (0.0, 4.0),
}
"""What ``--base`` will write into a scenario: a fitted value outside these bounds is refused (it
would describe no real organisation, and a scenario built on it can run for ever). An
acknowledgement takes at most a day; a diagnosis at most thirty days; a lognormal's sigma of 4
already puts its 99th percentile 11,000 times its median."""


def _plausible(name: str, where: str, value: float, bound: str | None = None) -> None:
    lo, hi = PLAUSIBLE[bound or name]
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ExportError(
            f"calibrate --base: refusing to write {where}: the fitted {name} {value:.4g} is outside "
            f"{lo:g} to {hi:,g}; look at the export's outliers (--json: 'outliers') and its "
            f"dropped records before using this fit"
        )


def lognormal_map(median: float, sigma: float, digits: int = 1):
    """A scenario's ``{dist: lognormal, median, sigma}`` as one YAML line (sigma at least 0.01)."""
    from ruamel.yaml.comments import CommentedMap

    m = CommentedMap()
    m.fa.set_flow_style()
    m["dist"] = "lognormal"
    m["median"] = round(float(median), digits)
    m["sigma"] = round(max(float(sigma), 0.01), 3)
    return m


def scenario_yaml():
    """The YAML reader and writer that keeps a base scenario's comments and quoting when values are written in."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 110
    return yaml


def measured(doc, paths: list[str]) -> None:
    """Take the parameters at ``paths`` (and below them) out of the scenario's ``uncertainty:``
    section: a value written from data is a measurement, not an assumption with a range (the
    range may not even hold it). Parameters with no data keep their range."""
    ranges = doc.get("uncertainty")
    if not ranges:
        return
    for key in [k for k in ranges if any(str(k) == p or str(k).startswith(p + ".") for p in paths)]:
        del ranges[key]
    if not ranges:
        del doc["uncertainty"]


def calibrated_scenario(base_text: str, base_name: str, calib: dict) -> str:
    """The base scenario's text with fitted parameters written in, each with a comment naming the
    export, the group, n and the fit. Validated before it is returned."""
    from ruamel.yaml.comments import CommentedMap

    from incsim.scenario.loader import load_scenario_text

    yaml = scenario_yaml()
    doc = yaml.load(base_text)
    export = Path(calib["export"]).name
    by_name = {g["group"]: g for g in calib["groups"]}
    overall = calib["overall"]
    incidents = doc["incidents"]
    arr = calib["arrivals"]
    if incidents.get("arrivals") is None:
        incidents["arrivals"] = CommentedMap()
    incidents["arrivals"].fa.set_block_style()
    incidents.ca.items.pop("arrivals", None)  # the base's comment on the old rate no longer applies
    _plausible("rate_per_week", "incidents.arrivals.rate_per_week", arr["per_week"])
    incidents["arrivals"]["rate_per_week"] = round(arr["per_week"], 3)
    incidents["arrivals"].yaml_add_eol_comment(
        f"calibrated: {export}, all incidents, n={arr['n']} over {arr['weeks']} weeks", "rate_per_week"
    )
    # when in the week they start, in UTC as the export stamps them (the scenario scales it to mean 1)
    profile = CommentedMap(hour_of_week=[round(w * 168, 4) for w in arr["hour_of_week"]], timezone="utc")
    profile.fa.set_flow_style()
    incidents["arrivals"]["profile"] = profile
    incidents["arrivals"].yaml_add_eol_comment(
        f"calibrated: {export}, starts per UTC hour of the week, n={arr['n']} (shares x 168)", "profile"
    )
    for cat, spec in incidents["categories"].items():
        g = by_name.get(cat) if calib["by"] == "category" else None
        g = g or overall
        _plausible(
            "diagnosis median (min)", f"incidents.categories.{cat}.diagnosis", g["lognormal"]["median_min"]
        )
        _plausible("sigma", f"incidents.categories.{cat}.diagnosis", g["lognormal"]["sigma"])
        spec["diagnosis"] = lognormal_map(g["lognormal"]["median_min"], g["lognormal"]["sigma"])
        spec.yaml_add_eol_comment(
            f"calibrated: {export}, group {g['group']}, n={g['n']}, lognormal by censored ML "
            f"(best by AIC: {g['best_family']}); the observed duration is charged as diagnosis, "
            f"coordination adds to it: run `incsim calibrate --check`",
            "diagnosis",
        )
        spec["fix"] = None
    ack = calib.get("delays", {}).get("acknowledgement")
    if ack and "lognormal" in ack:
        _plausible("page_ack median (min)", "behaviour.page_ack", ack["lognormal"]["median_min"])
        _plausible("sigma", "behaviour.page_ack", ack["lognormal"]["sigma"])
        if "behaviour" not in doc:
            from ruamel.yaml.comments import CommentedMap

            doc["behaviour"] = CommentedMap()
        doc["behaviour"]["page_ack"] = lognormal_map(
            ack["lognormal"]["median_min"], ack["lognormal"]["sigma"]
        )
        doc["behaviour"].yaml_add_eol_comment(
            f"calibrated: {export}, acknowledgement delays, n={ack['n']}, lognormal by moments of logs",
            "page_ack",
        )
    measured(
        doc,
        [
            "incidents.arrivals",
            *(f"incidents.categories.{cat}.diagnosis" for cat in incidents["categories"]),
            *(f"incidents.categories.{cat}.fix" for cat in incidents["categories"]),
            *(["behaviour.page_ack"] if ack and "lognormal" in ack else []),
        ],
    )
    doc["metadata"]["name"] = f"{doc['metadata']['name']}-calibrated"
    buf = io.StringIO()
    yaml.dump(doc, buf)
    text = (
        f"# Calibrated by `incsim calibrate` from {export} ({calib['format']}, {calib['n']} incidents)\n"
        f"# on the base scenario {base_name}. Fitted values carry a `calibrated:` comment.\n" + buf.getvalue()
    )
    load_scenario_text(text, "calibrated scenario", warn=False)  # the base was warned at its own lines
    return text


def finite(x: float | None) -> float | None:
    """None for NaN/inf (JSON has no NaN)."""
    return None if x is None or not math.isfinite(x) else x
