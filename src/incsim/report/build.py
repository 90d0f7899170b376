"""Everything a report shows, gathered from an ``incsim run`` results folder as plain data.

Pure functions: a folder, DataFrames, event dicts or YAML text in; dicts, lists and small frozen
dataclasses out. Nothing here draws or lays out (``charts`` draws, the templates lay out), so each
figure in a report can be checked against ``summary.csv``, ``incidents.csv`` and the event logs.

Source comments of the assumptions table (``scenario_parameters``) come from a line-based scan
of ``scenario.yaml`` guided by ruamel.yaml's round-trip positions (the line and column of every
key and list item). ruamel.yaml attaches comments to whichever token precedes them, which puts a
comment written *above* a key on the previous key, so positions plus a scan of the lines give
the rule a reader expects. A parameter's source is, in order:

1. the ``#`` comment at the end of its own line (joined with the comment on the line above when
   that one sits in the same column and ends with a comma: a comment continued over two lines);
2. otherwise the block of comment-only lines that heads the run of lines it belongs to: walking
   up from the parameter through earlier siblings to its parent's line, the first comment lines
   indented no deeper than the parameter (a blank line ends the walk: a comment separated by a
   blank line governs nothing below it);
3. otherwise its parent's source by the same rules (marked as inherited in the table).

The comment block at the very top of the file is the scenario's preamble, shown on its own,
never the source of the first key.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from incsim.accounting import Accounting, event_from_dict
from incsim.output import OutputError, verify_manifest
from incsim.scenario.loader import ScenarioError, load_scenario_text, scenario_sha256
from incsim.scenario.schema import CATEGORIES, Scenario

LEVEL = 0.95
DAYS_PER_YEAR = 365.0
REQUIRED_FILES = ("run.json", "incidents.csv", "summary.csv", "scenario.yaml")
INCIDENT_NEEDS = ("replication", "protocol", "incident_id", "category", "ttr_min", "engineer_hours",
                  "non_essential_hours", "cost_usd")
SUMMARY_NEEDS = ("kind", "category", "protocol", "metric", "n_incidents", "n_replications", "mean",
                 "ci_low", "ci_high", "median", "p90")
RUN_NEEDS = ("protocols", "replications", "horizon_days")
ROLE_ORDER = ("debugger", "ic", "owner", "expert", "stakeholder", "spectator", "watcher")
BUSY_STATES = ("responding", "spectating", "refocusing")
STATISTIC_LABELS = {"mttr": "MTTR (mean)", "median": "median", "geomean": "geometric mean"}
_EVENT_FILE = re.compile(r"^replication-(\d+)\.jsonl$")


class ReportError(Exception):
    """The results folder cannot be reported on; the message is one line naming the file."""


# -- loading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Results:
    """The files of one ``incsim run`` output folder, read and checked."""

    path: Path
    run: dict
    incidents: pd.DataFrame
    summary: pd.DataFrame
    scenario_text: str
    scenario: Scenario
    event_files: dict[int, Path]
    time: pd.DataFrame | None = None
    pilot: dict | None = None

    @property
    def protocols(self) -> list[str]:
        """Protocols in run order; the first is the baseline the others are compared against."""
        return [str(p) for p in self.run["protocols"]]

    @property
    def baseline(self) -> str:
        """The protocol the others are compared against."""
        return self.protocols[0]

    @property
    def bootstrap_metrics(self) -> list[str]:
        """Metrics with at least one interval made by the percentile bootstrap (``ci_method``),
        because a t interval would have gone below zero; empty for results without that column."""
        if "ci_method" not in self.summary.columns:
            return []
        rows = self.summary[self.summary["ci_method"].astype(str) == "bootstrap"]
        return sorted(set(rows["metric"].astype(str)))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read_csv(path: Path, needs: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise ReportError(f"{path}: empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise ReportError(f"{path}: cannot read as CSV: {_one_line(exc) or type(exc).__name__}") from None
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise ReportError(f"{path}: missing column(s) {', '.join(missing)}; is this an incsim run's output?")
    return frame


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {_one_line(exc)}") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object ({what})")
    return data


def event_files(events_dir: Path) -> dict[int, Path]:
    """``replication -> events/replication-NNN.jsonl`` for the logged replications."""
    if not events_dir.is_dir():
        return {}
    out = {}
    for p in events_dir.iterdir():
        m = _EVENT_FILE.match(p.name)
        if m and p.is_file():
            out[int(m.group(1))] = p
    return dict(sorted(out.items()))


def load_results(path: Path | str) -> Results:
    """Read and check an ``incsim run`` output folder; a ``ReportError`` says what is wrong."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path}: no such results folder")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder; give the folder `incsim run -o DIR` wrote")
    missing = [n for n in REQUIRED_FILES if not (path / n).is_file()]
    if len(missing) == len(REQUIRED_FILES):
        raise ReportError(f"{path}: not an incsim results folder (no {', '.join(REQUIRED_FILES)})")
    if missing:
        raise ReportError(f"{path}: incomplete results folder, missing {', '.join(missing)}")
    try:  # every file whole and of this run before any of it is read
        verify_manifest(path, "run.json")
    except OutputError as exc:
        raise ReportError(str(exc)) from None
    run = _read_json(path / "run.json", "the run manifest")
    absent = [k for k in RUN_NEEDS if k not in run]
    if absent:
        raise ReportError(f"{path / 'run.json'}: missing {', '.join(absent)}; is this an incsim run's run.json?")
    if not isinstance(run["protocols"], list) or not run["protocols"]:
        raise ReportError(f"{path / 'run.json'}: 'protocols' must be a non-empty list")
    try:
        replications, horizon = int(run["replications"]), float(run["horizon_days"])
    except (TypeError, ValueError):
        raise ReportError(f"{path / 'run.json'}: 'replications' and 'horizon_days' must be numbers") from None
    if replications < 1 or not horizon > 0:
        raise ReportError(f"{path / 'run.json'}: needs replications >= 1 and horizon_days > 0")
    incidents = _read_csv(path / "incidents.csv", INCIDENT_NEEDS)
    summary = _read_csv(path / "summary.csv", SUMMARY_NEEDS)
    incidents["protocol"] = incidents["protocol"].astype(str)
    incidents["category"] = incidents["category"].astype(str)
    summary["protocol"] = summary["protocol"].astype(str)
    summary["category"] = summary["category"].astype(str)
    for col in ("ttr_min", "engineer_hours", "non_essential_hours", "cost_usd"):
        incidents[col] = pd.to_numeric(incidents[col], errors="coerce")
    protocols = [str(p) for p in run["protocols"]]
    unknown = sorted(set(protocols) - set(incidents["protocol"]))
    if unknown and len(incidents):
        raise ReportError(f"{path / 'incidents.csv'}: no rows for protocol(s) {', '.join(unknown)} named in run.json")
    try:
        text = (path / "scenario.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path / 'scenario.yaml'}: cannot read: {_one_line(exc)}") from None
    try:
        scenario = load_scenario_text(text, str(path / "scenario.yaml"))
    except ScenarioError as exc:
        raise ReportError(_one_line(str(exc).splitlines()[0] if str(exc) else "invalid scenario")) from None
    time = None
    if (path / "time.csv").is_file():
        time = _read_csv(path / "time.csv", ("replication", "protocol"))
    pilot = None
    if (path / "pilot.json").is_file():
        pilot = _read_json(path / "pilot.json", "incsim pilot -o output")
        if "power_by_month" not in pilot:
            raise ReportError(f"{path / 'pilot.json'}: no 'power_by_month'; write it with `incsim pilot ... -o DIR`")
    return Results(path=path, run=run, incidents=incidents, summary=summary, scenario_text=text,
                   scenario=scenario, time=time, pilot=pilot,
                   event_files={r: p for r, p in event_files(path / "events").items()
                                if r in set(run.get("event_log_replications", []))})


# -- figures from summary.csv ------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """A mean per incident with its 95% CI over replications (and, for protocols, median and p90)."""

    mean: float
    low: float
    high: float
    median: float = math.nan
    p90: float = math.nan
    n_incidents: int = 0
    n_replications: int = 0

    @property
    def has_ci(self) -> bool:
        """Whether the CI bounds are numbers (they are not with a single replication)."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def excludes_zero(self) -> bool:
        """Whether the CI lies wholly on one side of zero (a difference that is not noise)."""
        return self.has_ci and (self.low > 0 or self.high < 0)

    def scaled(self, factor: float) -> Estimate:
        """The same estimate times ``factor`` (e.g. per incident -> per year)."""
        return Estimate(self.mean * factor, self.low * factor, self.high * factor, self.median * factor,
                        self.p90 * factor, self.n_incidents, self.n_replications)

    def negated(self) -> Estimate:
        """``-x``: a difference ``A - B`` read as ``B - A``."""
        return Estimate(-self.mean, -self.high, -self.low, n_incidents=self.n_incidents,
                        n_replications=self.n_replications)


NAN_ESTIMATE = Estimate(math.nan, math.nan, math.nan)


def _estimate(row: pd.Series) -> Estimate:
    return Estimate(float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), float(row["median"]),
                    float(row["p90"]), int(row["n_incidents"]), int(row["n_replications"]))


def protocol_stat(summary: pd.DataFrame, protocol: str, metric: str, category: str = "all") -> Estimate:
    """summary.csv's row for one protocol, metric and category (NaN when absent)."""
    sub = summary[(summary["kind"] == "protocol") & (summary["protocol"] == protocol)
                  & (summary["metric"] == metric) & (summary["category"] == category)]
    return _estimate(sub.iloc[0]) if len(sub) else NAN_ESTIMATE


def difference(summary: pd.DataFrame, base: str, other: str, metric: str, category: str = "all") -> Estimate:
    """The paired difference ``other - base`` from summary.csv (read from ``base - other`` if that is stored)."""
    rows = summary[(summary["kind"] == "difference") & (summary["metric"] == metric)
                   & (summary["category"] == category)]
    direct = rows[rows["protocol"] == f"{other} - {base}"]
    if len(direct):
        return _estimate(direct.iloc[0])
    reverse = rows[rows["protocol"] == f"{base} - {other}"]
    if len(reverse):
        return _estimate(reverse.iloc[0]).negated()
    return NAN_ESTIMATE


def incidents_per_year(incidents: pd.DataFrame, protocol: str, replications: int, horizon_days: float) -> float:
    """Simulated incidents a year: incidents per replication / horizon (days) x 365, to one decimal."""
    per_replication = int((incidents["protocol"] == protocol).sum()) / replications
    # rounded to the decimal the report prints, so that a reader who multiplies the printed
    # rate by the printed cost per incident gets the printed cost per year
    return round(per_replication / horizon_days * DAYS_PER_YEAR, 1)


def categories_in(incidents: pd.DataFrame) -> list[str]:
    """Incident categories present, in the schema's order (single-service, cascading, platform-wide)."""
    present = set(incidents["category"].dropna().astype(str))
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


# -- number words --------------------------------------------------------------------------------

MINUS = "\u2212"
DASH = "\u2013"


def num(x: float, digits: int = 0, sign: bool = False, money: bool = False) -> str:
    """A number for people: thousands separators, a true minus sign, optional ``+`` and ``$``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) < 0.5 * 10 ** -digits:
        x = 0.0
    body = f"{abs(x):,.{digits}f}"
    if money:
        body = "$" + body
    if x < 0:
        return MINUS + body
    return ("+" + body) if sign and x > 0 else body


def money_short(x: float) -> str:
    """Dollars in a few characters: $980, $12.3k, $1.25M."""
    if x is None or not math.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1e6:
        body = f"${a / 1e6:.2f}M"
    elif a >= 1e4:
        body = f"${a / 1e3:.0f}k"
    elif a >= 1e3:
        body = f"${a / 1e3:.1f}k"
    else:
        body = f"${a:.0f}"
    return (MINUS + body) if x < 0 else body


def ci_text(est: Estimate, digits: int = 0, sign: bool = False, money: bool = False) -> str:
    """``low–high`` (or ``low to high`` when a bound is negative), or n/a without a CI."""
    if not est.has_ci:
        return "n/a"
    while est.excludes_zero and digits < 2 and min(abs(est.low), abs(est.high)) < 0.5 * 10 ** -digits:
        digits += 1  # a bound that rounds to 0 would hide that the interval excludes 0
    lo, hi = num(est.low, digits, sign, money), num(est.high, digits, sign, money)
    joiner = " to " if (est.low < 0 or sign) else DASH
    return f"{lo}{joiner}{hi}"


def mean_ci(est: Estimate, digits: int = 0, sign: bool = False, money: bool = False) -> str:
    """``mean [low–high]``."""
    if not math.isfinite(est.mean):
        return "n/a"
    if not est.has_ci:
        return num(est.mean, digits, sign, money)
    return f"{num(est.mean, digits, sign, money)} [{ci_text(est, digits, sign, money)}]"


def clock(minutes: float) -> str:
    """Simulated time (minutes from a Monday 00:00 UTC) as ``Tue 02:33 UTC``."""
    if minutes is None or not math.isfinite(minutes):
        return "n/a"
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[int(minutes // 1440) % 7]
    m = int(minutes % 1440)
    return f"{day} {m // 60:02d}:{m % 60:02d} UTC"


def money_ci(est: Estimate) -> str:
    """``$mean [$low–$high]`` in short dollars ($511k [$446k–$575k])."""
    if not math.isfinite(est.mean):
        return "n/a"
    if not est.has_ci:
        return money_short(est.mean)
    joiner = " to " if est.low < 0 else DASH
    return f"{money_short(est.mean)} [{money_short(est.low)}{joiner}{money_short(est.high)}]"


# -- the headline --------------------------------------------------------------------------------

def _sentence_start(name: str) -> str:
    return name[:1].upper() + name[1:]


def headline(summary: pd.DataFrame, protocols: Sequence[str], per_year: float) -> list[dict]:
    """One comparison per protocol against the baseline (the first): numbers from summary.csv and a sentence.

    Each item: ``protocol``, ``baseline``, ``engineer_hours``, ``ttr_min``, ``cost_usd`` (paired
    differences ``protocol - baseline`` as ``Estimate``), ``cost_per_year`` (the cost difference
    times incidents a year) and ``sentence``.
    """
    if len(protocols) < 2:
        return []
    base = protocols[0]
    out = []
    for other in protocols[1:]:
        eh = difference(summary, base, other, "engineer_hours")
        ttr = difference(summary, base, other, "ttr_min")
        cost = difference(summary, base, other, "cost_usd")
        out.append({"protocol": other, "baseline": base, "engineer_hours": eh, "ttr_min": ttr,
                    "cost_usd": cost, "cost_per_year": cost.scaled(per_year),
                    "sentence": headline_sentence(other, base, eh, ttr, cost.scaled(per_year))})
    return out


def headline_sentence(other: str, base: str, eh: Estimate, ttr: Estimate, cost_year: Estimate) -> str:
    """E.g. "Async-first used 10.1 fewer engineer-hours per incident than war-room (95% CI 9.0–11.2), ..."."""
    if not math.isfinite(eh.mean):
        return f"{_sentence_start(other)} and {base} cannot be compared: summary.csv has no paired difference."
    fewer = eh.mean < 0
    mag = eh.negated() if fewer else eh
    if eh.has_ci and not eh.excludes_zero:
        hours = (f"{_sentence_start(other)} used about as many engineer-hours per incident as {base} "
                 f"(difference {num(eh.mean, 1, sign=True)} h, 95% CI {ci_text(eh, 1, sign=True)})")
    else:
        ci = f" (95% CI {ci_text(mag, 1)})" if mag.has_ci else ""
        hours = (f"{_sentence_start(other)} used {num(mag.mean, 1)} {'fewer' if fewer else 'more'} "
                 f"engineer-hours per incident than {base}{ci}")
    if not math.isfinite(ttr.mean):
        time = ""
    elif ttr.has_ci and not ttr.excludes_zero:
        time = (f", with a TTR difference of {num(ttr.mean, 0, sign=True)} min "
                f"(95% CI {ci_text(ttr, 0, sign=True)}): no clear difference in speed")
    else:
        ci = f" (95% CI {ci_text(ttr, 0, sign=True)})" if ttr.has_ci else ""
        word = "slower" if ttr.mean > 0 else "faster"
        time = f", with a TTR difference of {num(ttr.mean, 0, sign=True)} min{ci}: {word} than {base}"
    money = ""
    if math.isfinite(cost_year.mean) and cost_year.mean != 0:
        verb = "saves" if cost_year.mean < 0 else "costs"
        mag = cost_year.negated() if cost_year.mean < 0 else cost_year
        ci = f" (95% CI {money_short(mag.low)}{DASH if mag.low >= 0 else ' to '}{money_short(mag.high)})" \
            if mag.has_ci else ""
        money = f" At the simulated incident rate that {verb} {money_short(mag.mean)} a year{ci}."
    return hours + time + "." + money


# -- tables ----------------------------------------------------------------------------------------

KEY_METRICS = ("ttr_min", "engineer_hours", "non_essential_hours", "refocus_hours", "customer_impact_min",
               "cost_usd")


def key_numbers(summary: pd.DataFrame, protocols: Sequence[str], per_year: float,
                category: str = "all") -> list[dict]:
    """Per protocol: the headline metrics per incident (``Estimate`` each) and cost a year."""
    rows = []
    for p in protocols:
        row: dict[str, Any] = {"protocol": p}
        for m in KEY_METRICS:
            row[m] = protocol_stat(summary, p, m, category)
        row["cost_per_year"] = row["cost_usd"].scaled(per_year)
        rows.append(row)
    return rows


def category_rows(summary: pd.DataFrame, protocols: Sequence[str], categories: Sequence[str]) -> list[dict]:
    """Per category and protocol: TTR and engineer-hours, with the paired differences to the baseline."""
    base = protocols[0]
    rows = []
    for cat in categories:
        for p in protocols:
            ttr = protocol_stat(summary, p, "ttr_min", cat)
            rows.append({
                "category": cat, "protocol": p, "is_baseline": p == base, "n_incidents": ttr.n_incidents,
                "ttr_min": ttr, "engineer_hours": protocol_stat(summary, p, "engineer_hours", cat),
                "non_essential_hours": protocol_stat(summary, p, "non_essential_hours", cat),
                "ttr_diff": NAN_ESTIMATE if p == base else difference(summary, base, p, "ttr_min", cat),
                "hours_diff": NAN_ESTIMATE if p == base else difference(summary, base, p, "engineer_hours", cat),
            })
    return rows


def category_findings(rows: Sequence[dict]) -> list[str]:
    """Sentences for the categories where a protocol's TTR differs from the baseline's beyond noise."""
    out = []
    base = next((r["protocol"] for r in rows if r["is_baseline"]), "")
    for r in rows:
        d = r["ttr_diff"]
        if r["is_baseline"] or not d.excludes_zero:
            continue
        word = "slower" if d.mean > 0 else "faster"
        mag = d if d.mean > 0 else d.negated()
        out.append(f"{r['category']} incidents: {_sentence_start(r['protocol'])} resolved {num(mag.mean)} min "
                   f"{word} than {base} (95% CI {ci_text(mag)}; {r['n_incidents']} incidents).")
    return out


def difference_rows(summary: pd.DataFrame, category: str = "all") -> list[dict]:
    """Every paired difference stored in summary.csv (``B - A``) for the main metrics."""
    sub = summary[(summary["kind"] == "difference") & (summary["category"] == category)]
    out = []
    for pair in dict.fromkeys(sub["protocol"]):
        rows = sub[sub["protocol"] == pair]
        row: dict[str, Any] = {"pair": pair}
        for m in KEY_METRICS:
            r = rows[rows["metric"] == m]
            row[m] = _estimate(r.iloc[0]) if len(r) else NAN_ESTIMATE
        out.append(row)
    return out


# -- TTR distributions -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Ecdf:
    """The empirical CDF of TTR: sorted values, cumulative shares, and the p50 / p90 marks."""

    x: np.ndarray
    y: np.ndarray
    p50: float
    p90: float
    unresolved: int = 0

    @property
    def n(self) -> int:
        """Resolved incidents in the curve."""
        return len(self.x)


def ecdf(values: Iterable[float]) -> Ecdf:
    """ECDF of the finite values; p50 and p90 by ``np.percentile`` (as summary.csv's median and p90)."""
    arr = np.asarray(list(values), dtype=float)
    finite = np.sort(arr[np.isfinite(arr)])
    n = len(finite)
    if n == 0:
        return Ecdf(finite, finite, math.nan, math.nan, len(arr))
    return Ecdf(finite, np.arange(1, n + 1) / n, float(np.percentile(finite, 50)),
                float(np.percentile(finite, 90)), int(len(arr) - n))


def ttr_ecdfs(incidents: pd.DataFrame, protocols: Sequence[str], category: str | None = None) -> dict[str, Ecdf]:
    """Per protocol, the ECDF of ``ttr_min`` over every replication (one category, or all)."""
    df = incidents if category is None else incidents[incidents["category"] == category]
    return {p: ecdf(df.loc[df["protocol"] == p, "ttr_min"]) for p in protocols}


# -- who was busy --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """One person's part in an incident: spans of each state, minutes since detection."""

    who: str
    team: str
    role: str
    spans: tuple[tuple[str, float, float], ...]
    interruptions: tuple[float, ...] = ()

    def minutes(self, state: str) -> float:
        """Minutes this person spent in ``state`` during the incident (and its refocus tail)."""
        return sum(b - a for s, a, b in self.spans if s == state)


@dataclass(frozen=True)
class Timeline:
    """Who was busy, and how, in one incident under one protocol."""

    protocol: str
    replication: int
    incident: int
    category: str
    detected_at: float
    ttr: float
    people: tuple[Person, ...]
    rooms: tuple[tuple[float, float], ...] = ()
    mitigated: float | None = None
    events: int = 0

    def minutes(self, state: str) -> float:
        """Person-minutes in ``state`` summed over everyone in the incident."""
        return sum(p.minutes(state) for p in self.people)


@dataclass(frozen=True)
class Pick:
    """The incident chosen to show, and why."""

    replication: int
    incident: int
    category: str
    target_ttr: float
    reason: str


def pick_incident(incidents: pd.DataFrame, protocols: Sequence[str], logged: Iterable[int]) -> Pick | None:
    """A representative incident: in the first logged replication, the single-service one whose
    baseline TTR is closest to the median baseline TTR of single-service incidents (all replications).

    Falls back to the most common category when a replication has no single-service incident; only
    incidents resolved under every protocol qualify; ties go to the lowest incident id.
    """
    logged = sorted(logged)
    if not logged or not len(incidents):
        return None
    base = protocols[0]
    rep = logged[0]
    df = incidents[incidents["replication"] == rep]
    resolved = df.groupby("incident_id")["ttr_min"].apply(lambda s: bool(np.isfinite(s).all()))
    per_proto = df.groupby("incident_id")["protocol"].nunique()
    ok_ids = {i for i in resolved.index if resolved[i] and per_proto[i] == len(set(protocols))}
    pool = df[(df["protocol"] == base) & df["incident_id"].isin(ok_ids)]
    if not len(pool):
        return None
    cats = pool["category"].value_counts()
    category = "single-service" if "single-service" in cats.index else str(
        min(cats.index, key=lambda c: (-cats[c], c)))
    cands = pool[pool["category"] == category]
    everyone = incidents[(incidents["protocol"] == base) & (incidents["category"] == category)]["ttr_min"]
    target = float(np.nanmedian(everyone.to_numpy(dtype=float)))
    dist = (cands["ttr_min"] - target).abs()
    best = cands.assign(_d=dist).sort_values(["_d", "incident_id"]).iloc[0]
    reason = (f"the {category} incident of replication {rep} whose {base} TTR "
              f"({num(float(best['ttr_min']))} min) is closest to the median {base} TTR of all "
              f"{category} incidents ({num(target)} min)")
    return Pick(rep, int(best["incident_id"]), category, target, reason)


def busy_timeline(events: Sequence[dict], protocol: str = "", replication: int = -1,
                  incident: int | None = None) -> Timeline:
    """Who was busy in one incident: its share of ``accounting.Accounting`` over ``events``.

    ``events`` may hold the whole replication's log of one protocol (then a minute someone gave
    to two incidents shows where the incident rows charge it) or one incident's events;
    ``incident`` says which incident to draw (default: the first detected). An interruption of
    someone engaged in the incident is a mark. Times are minutes since detection.
    """
    evs = sorted(events, key=lambda e: e["t"])  # stable: the log's order within one minute
    det = next((e for e in evs if e.get("kind") == "detected"
                and (incident is None or e.get("incident") == incident)), None)
    if det is None:
        raise ReportError(f"incident without a 'detected' event in the {protocol} log")
    inc = int(det["incident"])
    own = [e for e in evs if e.get("incident") == inc]
    t0 = float(det["t"])
    resolved = next((float(e["t"]) for e in own if e.get("kind") == "resolved"), None)
    end = resolved if resolved is not None else float(own[-1]["t"])
    mitigated = next((float(e["t"]) - t0 for e in own if e.get("kind") == "mitigated"), None)
    try:
        typed = [event_from_dict(e) for e in evs]
    except (KeyError, ValueError, TypeError) as exc:
        raise ReportError(f"a malformed event in the {protocol} log: {_one_line(exc)}") from None
    last = max((e.t for e in typed), default=end)
    shares = Accounting(typed, open_until=max(end, last)).by_incident().get(inc, [])
    marks: dict[str, list[float]] = defaultdict(list)
    roles: dict[str, set[str]] = defaultdict(set)
    teams: dict[str, str] = {}
    first_seen: dict[str, float] = {}
    rooms: list[tuple[float, float]] = []
    room_at: float | None = None
    for e in own:
        kind, who, t = e.get("kind"), str(e.get("who") or ""), float(e["t"])
        if kind == "room_opened":
            room_at = t
        elif kind == "room_closed" and room_at is not None:
            rooms.append((room_at - t0, t - t0))
            room_at = None
        if not who:
            continue
        if kind == "joined":
            roles[who].add(str(e.get("role", "")))
            teams.setdefault(who, str(e.get("team", "")))
            first_seen.setdefault(who, t)
        elif kind == "interrupted":
            if e.get("engaged"):
                marks[who].append(t - t0)
            else:
                roles[who].add(str(e.get("role", "")))
                first_seen.setdefault(who, t)
    if room_at is not None:
        rooms.append((room_at - t0, end - t0))
    mine: dict[str, list] = defaultdict(list)
    for sp in shares:
        mine[sp.who].append((sp.state, sp.start - t0, sp.end - t0))
        first_seen.setdefault(sp.who, sp.start)
    people = []
    for who in sorted(first_seen, key=lambda w: (first_seen[w], w)):
        # merge touching spans of one state (a role change within responding is one bar)
        merged: list[tuple[str, float, float]] = []
        for state, a, b in sorted(mine.get(who, []), key=lambda x: (x[1], x[0])):
            if merged and merged[-1][0] == state and abs(merged[-1][2] - a) < 1e-9:
                merged[-1] = (state, merged[-1][1], b)
            else:
                merged.append((state, a, b))
        role = min(roles[who] or {""}, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER))
        people.append(Person(who, teams.get(who, ""), role, tuple(merged), tuple(sorted(marks.get(who, ())))))
    return Timeline(protocol=protocol or str(det.get("protocol", "")), replication=replication,
                    incident=inc, category=str(det.get("category", "")), detected_at=t0,
                    ttr=end - t0, people=tuple(people), rooms=tuple(rooms), mitigated=mitigated, events=len(own))


def read_protocol_events(path: Path) -> dict[str, list[dict]]:
    """Per protocol, every event of an ``events/replication-NNN.jsonl`` file."""
    out: dict[str, list[dict]] = defaultdict(list)
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    ev = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ReportError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
                out[str(ev.get("protocol"))].append(ev)
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {_one_line(exc)}") from None
    return dict(out)


def busy_timelines(results: Results) -> tuple[Pick | None, list[Timeline]]:
    """The representative incident and its timeline under every protocol (empty without event logs)."""
    pick = pick_incident(results.incidents, results.protocols, results.event_files)
    if pick is None:
        return None, []
    path = results.event_files[pick.replication]
    logs = read_protocol_events(path)
    missing = [p for p in results.protocols
               if not any(e.get("incident") == pick.incident for e in logs.get(p, ()))]
    if missing:
        raise ReportError(f"{path}: no events of incident {pick.incident} under {', '.join(missing)}")
    return pick, [busy_timeline(logs[p], p, pick.replication, pick.incident) for p in results.protocols]


# -- the assumptions table -------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """One scenario parameter: dotted path, value as written, source comment and where it is."""

    path: str
    value: str
    source: str = ""
    line: int = 0  # 1-based line in scenario.yaml; 0 for a schema default
    inherited_from: str = ""  # the path whose comment this is, when it is not the parameter's own
    default: bool = False

    @property
    def source_kind(self) -> str:
        """``assumption`` when the comment says so, ``cited`` for any other comment, else ``none``."""
        if not self.source:
            return "none"
        return "assumption" if "assumption" in self.source.lower() else "cited"


def _is_dist(node: Any) -> bool:
    return isinstance(node, dict) and "dist" in node and isinstance(node.get("dist"), str)


def _g(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def format_value(value: Any) -> str:
    """A parameter's value in a few words: ``uniform(20, 30)``, ``lognormal(median 30, sigma 0.9)``."""
    if value is None:
        return "null (off)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_dist(value):
        d = {k: v for k, v in value.items() if v is not None}
        kind = d.pop("dist")
        if kind == "fixed" and "value" in d:
            return _g(d["value"])
        if kind == "uniform":
            return f"uniform({_g(d.get('low'))}, {_g(d.get('high'))})"
        if kind == "triangular":
            return f"triangular({_g(d.get('low'))}, {_g(d.get('mode'))}, {_g(d.get('high'))})"
        if kind == "empirical":
            return f"empirical({', '.join(_g(v) for v in d.get('values', []))})"
        return f"{kind}({', '.join(f'{k} {_g(v)}' for k, v in d.items())})"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return _g(value)


def _scalar(x: Any) -> bool:
    return not isinstance(x, (dict, list, tuple))


def _item_labels(items: Sequence[Any]) -> tuple[list[str], bool]:
    """Labels of list items: ``[name]`` when every item has a distinct name, else ``[index]``."""
    names = [it.get("name") if isinstance(it, dict) and isinstance(it.get("name"), str) else None for it in items]
    unique = all(n is not None for n in names) and len(set(names)) == len(names)
    return [f"[{n}]" if unique else f"[{i}]" for i, n in enumerate(names)], unique


def _flatten(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted path, leaf value)``: distributions and lists of scalars are leaves; named list items
    are labelled by name (``org.teams[platform].size``) and their ``name`` is not repeated."""
    if isinstance(node, dict) and not _is_dist(node) and node:
        for k, v in node.items():
            yield from _flatten(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, (list, tuple)) and node and not all(_scalar(v) for v in node):
        labels, by_name = _item_labels(node)
        for label, item in zip(labels, node):
            if by_name:
                item = {k: v for k, v in item.items() if k != "name"}
            yield from _flatten(item, path + label)
    else:
        yield path, node


def _trailing_comment(line: str) -> tuple[int, str] | None:
    """(column, text) of a ``#`` comment ending the line, outside quotes; None without one."""
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                quote = ""
        elif c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, line[i + 1:].strip()
        i += 1
    return None


class _Comments:
    """The comments of a YAML text, by line (0-based)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.trailing = {i: c for i, line in enumerate(self.lines) if (c := _trailing_comment(line))}
        self.comment_only = {i for i, line in enumerate(self.lines) if line.strip().startswith("#")}
        first = 0
        while first < len(self.lines) and (first in self.comment_only or not self.lines[first].strip()):
            first += 1
        self.preamble_end = first  # lines before this are the file's opening comments

    def preamble(self) -> str:
        """The comment block that opens the file."""
        return " ".join(self.lines[i].strip().lstrip("#").strip() for i in range(self.preamble_end)
                        if i in self.comment_only).strip()

    def _indent(self, i: int) -> int:
        line = self.lines[i]
        return len(line) - len(line.lstrip())

    def own(self, i: int) -> str:
        """The trailing comment of line ``i``, joined with a comma-ended one in the same column above/below."""
        if i in self.comment_only or i not in self.trailing:
            return ""
        col = self.trailing[i][0]

        def continues(j: int) -> bool:
            return (j in self.trailing and j not in self.comment_only and self.trailing[j][0] == col
                    and self.trailing[j][1].endswith(","))

        start = i
        while continues(start - 1):
            start -= 1
        stop = i
        while continues(stop) and stop + 1 in self.trailing and stop + 1 not in self.comment_only \
                and self.trailing[stop + 1][0] == col:
            stop += 1
        return " ".join(self.trailing[j][1] for j in range(start, stop + 1)).strip()

    def heading(self, i: int, col: int, parent: int) -> str:
        """The comment block heading line ``i`` (column ``col``) within its parent (line ``parent``)."""
        j = i - 1
        while j > parent:
            line = self.lines[j]
            if not line.strip():
                return ""
            if j in self.comment_only and self._indent(j) <= col:
                if j < self.preamble_end:
                    return ""
                block = []
                while j > parent and j in self.comment_only and self._indent(j) <= col:
                    block.append(self.lines[j].strip().lstrip("#").strip())
                    j -= 1
                return " ".join(reversed(block)).strip()
            j -= 1
        return ""


def _positions(root: Any) -> dict[str, tuple[int, int]]:
    """Every node's ``(line, col)`` by the dotted path ``_flatten`` would give it (0-based)."""
    out: dict[str, tuple[int, int]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, CommentedMap) and not _is_dist(node):
            for k in node:
                try:
                    pos = tuple(node.lc.key(k))
                except (KeyError, TypeError, AttributeError):
                    pos = (node.lc.line, node.lc.col)
                child = f"{path}.{k}" if path else str(k)
                out[child] = pos  # type: ignore[assignment]
                walk(node[k], child)
        elif isinstance(node, CommentedSeq) and node and not all(_scalar(v) for v in node):
            for i, (label, item) in enumerate(zip(_item_labels(list(node))[0], node)):
                try:
                    pos = tuple(node.lc.item(i))
                except (KeyError, TypeError, AttributeError):
                    pos = (node.lc.line, node.lc.col)
                out[path + label] = pos  # type: ignore[assignment]
                walk(item, path + label)

    walk(root, "")
    return out


def _parents(path: str) -> list[str]:
    """Ancestor paths, nearest first: ``a.b[x].c`` -> ``a.b[x]``, ``a.b``, ``a``."""
    out = []
    cur = path
    while True:
        m = re.match(r"^(.*)(\.[^.\[\]]+|\[[^\]]*\])$", cur)
        if not m or not m.group(1):
            break
        cur = m.group(1)
        out.append(cur)
    return out


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def scenario_parameters(text: str) -> tuple[list[Parameter], str]:
    """Every parameter written in a scenario (dotted path, value, source comment, line) and its preamble."""
    try:
        root = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ReportError(f"scenario.yaml: cannot parse: {_one_line(exc)}") from None
    comments = _Comments(text)
    pos = _positions(root)

    def source(path: str) -> tuple[str, str]:
        line, col = pos.get(path, (-1, 0))
        chain = _parents(path)
        parent_line = pos[chain[0]][0] if chain and chain[0] in pos else -1
        if line >= 0:
            own = comments.own(line)
            if own:
                return own, path
            if line != parent_line:
                head = comments.heading(line, col, parent_line)
                if head:
                    return head, path
        if chain:
            return source(chain[0])
        return "", ""

    params = []
    for path, value in _flatten(_plain(root)):
        text_src, owner = source(path)
        line = pos.get(path, (-1, 0))[0]
        own_line = owner == path or (owner in pos and pos[owner][0] == line)
        params.append(Parameter(path=path, value=format_value(value), source=text_src, line=line + 1,
                                inherited_from="" if (not text_src or own_line) else owner))
    return params, comments.preamble()


def schema_defaults(scenario: Scenario, written: Iterable[str]) -> list[Parameter]:
    """Parameters the scenario leaves out and the schema fills in, with their default values."""
    written = set(written)
    dump = scenario.model_dump(mode="json", by_alias=True)
    out = []
    for path, value in _flatten(dump):
        if path in written or any(p in written for p in _parents(path)):
            continue
        out.append(Parameter(path=path, value=format_value(value), source="schema default", default=True))
    return out


# -- the pilot -----------------------------------------------------------------------------------

def pilot_curve(pilot: dict) -> dict | None:
    """Power by month per statistic from ``pilot.json`` (None when it has no monthly rate)."""
    rows = pilot.get("power_by_month")
    if not rows:
        return None
    try:
        months = [int(r["month"]) for r in rows]
        stats = [s for s in STATISTIC_LABELS if s in rows[0]["power"]]
        return {
            "months": months,
            "n_per_arm": [int(r["n_per_arm"]) for r in rows],
            "power": {s: [float(r["power"][s]) for r in rows] for s in stats},
            "power_analytic": {s: [float(r.get("power_analytic", {}).get(s, math.nan)) for r in rows] for s in stats},
            "months_for_80pct": {s: (pilot.get(s) or {}).get("months_for_80pct_power") for s in stats},
            "per_month": pilot.get("per_month"), "improvement": float(pilot.get("improvement", math.nan)),
            "target_power": float(pilot.get("target_power", 0.8)), "alpha": float(pilot.get("alpha", 0.05)),
            "trials": pilot.get("trials"), "seed": pilot.get("seed"),
            "baseline": (pilot.get("baseline") or {}).get("source", ""),
            "pilot_months": pilot.get("months"), "p_worse": pilot.get("p_worse"),
        }
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ReportError(f"pilot.json: power_by_month is malformed ({type(exc).__name__}: {exc})") from None


# -- the model description (STRESS-DES) ----------------------------------------------------------

STRESS_CITATION = ("Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE. Strengthening the reporting "
                   "of empirical simulation studies: Introducing the STRESS guidelines. Journal of Simulation "
                   "2019;13(1):55-67. doi:10.1080/17477778.2018.1442155")


def _protocol_summary(p: Any) -> str:
    room = p.room
    inv = room.invite
    size = format_value(inv.size.model_dump(mode="json", by_alias=True))
    if p.kind == "war-room":
        return (f"every incident opens a call; the room invites people by the rule '{inv.rule}' (size {size}); "
                f"a spectator stays to the end with probability {_g(room.stay_probability)}; "
                f"the IC posts an update every {_g(p.update_cadence_min)} min")
    text = (f"a channel per incident with an IC update every {_g(p.update_cadence_min)} min"
            f"{' and a short one to an executive channel' if p.executive_channel else ''}; "
            f"{p.channel_watchers} people follow the channel")
    if p.kind == "hybrid":
        esc = p.escalation
        rules = []
        if esc.services_affected_at_least:
            rules.append(f"{esc.services_affected_at_least}+ services affected")
        if esc.customer_data_at_risk:
            rules.append("customer data at risk")
        if esc.no_progress_min:
            rules.append(f"no resolution after {_g(esc.no_progress_min)} min")
        if esc.categories:
            rules.append("category " + "/".join(esc.categories))
        if esc.flags:
            rules.append("flag " + "/".join(esc.flags))
        text += f"; escalates to a room of {size} on: {', '.join(rules) or 'no rule'}"
        if p.triage is not None:
            text += (f"; {'/'.join(p.triage.flags)} incidents open with a triage call of at most "
                     f"{p.triage.max_people} people")
    return text


def model_description(results: Results, params: Sequence[Parameter], per_year: float) -> list[dict]:
    """The model described item by item in the shape of STRESS-DES (Monks et al. 2019), own words."""
    scn, run = results.scenario, results.run
    protocols = results.protocols
    base = protocols[0]
    teams = scn.org.teams
    people = sum(t.size for t in teams)
    arrivals = scn.incidents.arrivals
    if arrivals is None:
        entry = f"{len(scn.incidents.scripted)} scripted incidents at fixed times"
    elif arrivals.per_service:
        entry = (f"each of the {len(scn.org.services)} services fails on its own at {_g(arrivals.rate_per_week)} "
                 f"a week while it is up (a finite-source population)")
    else:
        entry = f"a Poisson process of {_g(arrivals.rate_per_week)} P1 incidents a week"
    if scn.incidents.scripted and arrivals is not None:
        entry += f", plus {len(scn.incidents.scripted)} scripted incidents"
    mix = ", ".join(f"{c} {v:.0%}" for c, v in scn.incidents.mix.items())
    flags = ", ".join(f"{f} {spec.probability:.0%}" for f, spec in scn.incidents.flags.items()) or "none"
    with_source = sum(1 for p in params if p.source)
    assumed = sum(1 for p in params if p.source_kind == "assumption")
    versions = run.get("versions") or {}
    software = ", ".join(f"{k} {v}" for k, v in versions.items()) or "not recorded in run.json"
    command = " ".join(str(c) for c in run.get("command") or []) or "not recorded"
    n_inc = int(run.get("incidents_simulated") or len(results.incidents))
    logged = ", ".join(str(r) for r in results.event_files) or "none"
    b = scn.behaviour
    narr = b.narration

    def item(num_: str, title: str, *text: str) -> dict:
        return {"id": num_, "title": title, "text": [t for t in text if t]}

    return [
        {"section": "1. Objectives", "items": [
            item("1.1", "Purpose of the model",
                 "Compare incident-response protocols for one organisation on the same simulated incidents: "
                 "for which incidents does an all-hands war room shorten resolution, and for which does an "
                 "async-first channel with a rotating incident commander (IC) resolve as fast for a fraction "
                 "of the engineering time? The model is a calculator, not an advocate: which protocol wins "
                 "follows from the scenario's parameters."),
            item("1.2", "Model outputs",
                 "Per incident, from its event log: TTR = resolved time - detected time (minutes); "
                 "engineer-hours = every minute people gave to the incident (responding or "
                 "spectating) plus the refocus time charged after they leave or are interrupted at work, "
                 "from one accounting of each person's time in which every minute counts once, for one "
                 "incident (so the incidents' hours add up to the organisation's time table); "
                 "non-essential hours = time spent as spectator or channel watcher; customer impact = "
                 "minutes each customer-facing service was affected; cost = (engineer-hours + extra for "
                 "minutes outside each person's working hours) x hourly rate + impact minutes x "
                 "impact cost.",
                 f"Each figure is averaged per incident within a replication; the mean over the "
                 f"{run['replications']} replications is reported with a Student-t {LEVEL:.0%} confidence "
                 f"interval (replications are the independent units). Differences are paired: the same "
                 f"replication under two protocols, B - A. Medians and p90 are over all simulated incidents. "
                 f"Cost per year = mean cost per incident x simulated incidents a year ({per_year:.1f})."),
            item("1.3", "Experimentation aims",
                 f"Scenario-based analysis of {len(protocols)} protocols, compared with the baseline "
                 f"'{base}': " + "; ".join(f"'{p.name}' ({p.kind}): {_protocol_summary(p)}"
                                           for p in sorted(scn.protocols, key=lambda p: protocols.index(p.name)
                                                           if p.name in protocols else len(protocols))) + "."),
        ]},
        {"section": "2. Logic", "items": [
            item("2.1", "Base model overview diagram",
                 "See the flow above. Incident detected -> the owning team's on-call (debugger) and an IC from "
                 "the IC rota are paged -> diagnosis, pausing wherever another team's expert must answer -> "
                 "the decisions the incident needs, with named stakeholders -> the fix -> dependents recover (or are "
                 "repaired by their owners) -> resolved; everyone leaves and pays a refocus if pulled off "
                 "work. Meanwhile the failure may cascade along the service graph, the IC posts updates on "
                 "a cadence and fields \"any updates?\" requests, and a room (when open) holds spectators."),
            item("2.2", "Base model logic",
                 f"In a room, questions are answered at once and decisions are taken once every stakeholder "
                 f"has joined, but the debugger narrates (speed divided by 1 + {_g(narr.per_listener)} per "
                 f"listener, at most {_g(narr.max_slowdown)}x slower), spectators ask questions "
                 f"({_g(b.spectator_questions_per_hour)} an hour each), late joiners are briefed by the "
                 f"debugger and everyone present pays the time. In a channel, a message waits for its "
                 f"recipient (reply latency by whether they are engaged, at work or off hours); late joiners "
                 f"read the thread themselves; a decision takes {b.channel_rounds} message round-trips; the "
                 f"debugger keeps {_g(b.progress_while_waiting)} of their speed while waiting. Off hours, "
                 f"work is {_g(b.off_hours_slowdown)}x slower."),
            item("2.3", "Scenario logic",
                 "The protocols differ only in their rules (room or channel, who is invited, when to "
                 "escalate, triage calls) and the data in their scenario entries; the world, the incidents "
                 "and the people are the same. See 1.3."),
            item("2.4", "Algorithms",
                 "On-call: weekly rotas per team; when every on-call is busy a colleague at work backs up "
                 "(if the rota allows) or the incident waits. IC: the first free person on the IC rota, never "
                 "the owner's on-call. Cascade: each dependent of a failed service fails with the category's "
                 "probability after a delay, until the root is fixed. Escalation (hybrid): checked whenever "
                 "a service is affected and after the no-progress timer."),
            item("2.5.1", "Components: entities",
                 "Incidents, with a category, flags (security, data loss, regulatory), root services, diagnosis "
                 "and fix work, the points where the debugger needs another team's expert, the decisions they "
                 "need and the dependents a cascade will reach."),
            item("2.5.2", "Components: activities",
                 "Acknowledging a page, joining a call, diagnosing, asking and answering, deliberating a "
                 "decision, fixing, recovering, posting and reading updates, being briefed or reading the "
                 "thread, and regaining focus after leaving."),
            item("2.5.3", "Components: resources",
                 f"{people} engineers in {len(teams)} teams (time zone, working hours, roles, on-call rota) "
                 f"and {len(scn.org.services)} services with owning teams and dependencies. An engineer "
                 f"debugs one incident at a time; an IC commands one at a time."),
            item("2.5.4", "Components: queues",
                 "An incident waits for its team's on-call, first come first served (a colleague at work "
                 "backs up when the rota allows); channel messages wait for their recipient's reply latency; "
                 "decisions wait for every stakeholder. No reneging or balking."),
            item("2.5.5", "Components: entry and exit points",
                 f"Entry: {entry}; category mix {mix}; flags {flags}. Exit: when the root is fixed and every "
                 f"affected service has recovered, the incident is resolved and everyone leaves."),
        ]},
        {"section": "3. Data", "items": [
            item("3.1", "Data sources",
                 f"The scenario file (sha256 {run.get('scenario_sha256') or scenario_sha256(results.scenario_text)}) "
                 f"names a source for each figure in its comments. Of the {len(params)} parameters written in "
                 f"it, {with_source} carry a source comment (their own, or their section's) and "
                 f"{len(params) - with_source} none; see the assumptions table."),
            item("3.2", "Pre-processing",
                 "None inside the model: parameters are used as written. Any fitting of distributions to "
                 "incident history happened before the scenario was written (see its comments)."),
            item("3.3", "Input parameters",
                 "Every parameter, its value and its source is listed in the assumptions table below, "
                 "followed by the schema defaults the scenario did not override."),
            item("3.4", "Assumptions",
                 f"{assumed} of the written parameters are marked as assumptions in the scenario's comments; "
                 f"every schema default is an assumption too. Structural assumptions: incidents arrive "
                 f"independently of the protocol; people work one incident at a time as debugger; spectators "
                 f"add no diagnostic progress."),
        ]},
        {"section": "4. Experimentation", "items": [
            item("4.1", "Initialisation",
                 "Terminating simulation: each replication starts on a Monday at 00:00 UTC with no incident "
                 "open and everyone at their own work; no warm-up is needed. Incidents arriving before the "
                 "horizon run to resolution."),
            item("4.2", "Run length",
                 f"{_g(float(run['horizon_days']))} simulated days per replication; time unit: minutes."),
            item("4.3", "Estimation approach",
                 f"{run['replications']} independent replications ({n_inc} simulated incidents in all, across "
                 f"protocols), common random numbers: every protocol meets the same incidents in a "
                 f"replication, which keeps paired differences tight. Event logs of replication(s) {logged} "
                 f"are kept."),
        ]},
        {"section": "5. Implementation", "items": [
            item("5.1", "Software", f"incsim on SimPy; {software}."),
            item("5.2", "Random sampling",
                 f"NumPy's PCG64 generator, seeded through SeedSequence from the root seed {run.get('seed')}: a "
                 f"stream per replication, per source of randomness (arrivals, work, latencies, people, "
                 f"...) and, for incident-level sources, per incident, so an extra draw under one protocol "
                 f"never shifts what another incident sees."),
            item("5.3", "Model execution",
                 "Process interaction (SimPy): each incident, IC and cascade is a process; events at the same "
                 "time run in scheduling order. Replications may run in parallel (process pool or Dask); "
                 "results are identical to a serial run."),
            item("5.4", "System specification",
                 f"Wall time of this run: {run.get('wall_time_s', 'not recorded')} s. The hardware is not "
                 f"recorded; the model needs no more than a laptop."),
        ]},
        {"section": "6. Code access", "items": [
            item("6.1", "Computer model sharing statement",
                 f"incsim {versions.get('incsim', '')}. The results folder holds the scenario exactly as run "
                 f"(scenario.yaml); rerun with: {command}."),
        ]},
    ]


# -- everything -----------------------------------------------------------------------------------

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
    parameters: list[Parameter]
    preamble: str
    defaults: list[Parameter]
    pilot: dict | None
    stress: list[dict]
    notes: list[str] = field(default_factory=list)


def gather(results_dir: Path | str) -> ReportData:
    """Read a results folder and compute every figure, table and chart series of the report."""
    results = load_results(results_dir)
    protocols = results.protocols
    summary, incidents = results.summary, results.incidents
    per_year = incidents_per_year(incidents, protocols[0], int(results.run["replications"]),
                                  float(results.run["horizon_days"]))
    cats = categories_in(incidents)
    params, preamble = scenario_parameters(results.scenario_text)
    pick, timelines = busy_timelines(results)
    notes = []
    if len(incidents) == 0:
        notes.append("The results hold no incidents: the horizon or the arrival rate is too small to compare.")
    return ReportData(
        results=results, per_year=per_year,
        headline=headline(summary, protocols, per_year),
        key_numbers=key_numbers(summary, protocols, per_year),
        categories=cats,
        category_rows=(rows := category_rows(summary, protocols, cats)),
        category_findings=category_findings(rows),
        differences=difference_rows(summary),
        ecdf_all=ttr_ecdfs(incidents, protocols),
        ecdf_by_category={c: ttr_ecdfs(incidents, protocols, c) for c in cats},
        pick=pick, timelines=timelines,
        parameters=params, preamble=preamble,
        defaults=schema_defaults(results.scenario, (p.path for p in params)),
        pilot=pilot_curve(results.pilot) if results.pilot is not None else None,
        stress=model_description(results, params, per_year),
        notes=notes,
    )
