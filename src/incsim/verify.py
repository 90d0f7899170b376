"""Verification against queueing theory, through the real path: scenario -> model -> metrics.

With every overhead switched off, the model reduces to textbook queues:

- **M/M/c** — one team ``ops`` of ``c`` engineers, all on call around the clock, a single
  service, Poisson incidents and exponential diagnosis work: the team's debugger pool (a
  FIFO ``simpy.Resource`` of capacity ``c``) is the c-server queue. ``engage_wait_min`` is
  the wait in queue (Wq), ``ttr_min`` the time in system (W).
- **Machine repair** (finite source) — ``N`` services each failing at rate λ while up
  (``arrivals.per_service``) and down until its incident resolves, ``r`` engineers and
  exponential repair: ``ttr_min`` is the time a service is down per failure.

Each replication's mean over its incidents is one observation; the Student-t interval over
replications (``incsim.metrics.t_interval``, 95% by default) must contain the analytic value.
A missing value (an incident without an engage or resolve time) is not skipped: it makes the
replication's mean NaN and the check fail, so a gap in the event log cannot pass as a bias.

Warm-up: every replication starts empty. Incidents detected in the first
``warmup_fraction`` (20%) of the horizon are dropped, and time averages are taken over the
rest of the horizon; an M/M/c result notes when that warm-up is under two relaxation times.
No end correction is needed: arrivals stop at the horizon but the run goes on until every
incident is resolved, and under FIFO an incident's wait never depends on later arrivals, so
the kept incidents are uncensored and unbiased.

The IC comes from a separate one-person ``command`` team with no rota: the model never makes
the owner's on-call the IC, and here every ops engineer is on call (see ``mmc_scenario``).

Times are minutes; rates that users give are per hour. Every result is a JSON-ready dict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from incsim.experiment import run_experiment
from incsim.metrics import t_interval
from incsim.scenario.schema import Scenario

MINUTES_PER_HOUR = 60.0
HOURS_PER_WEEK = 168.0
MINUTES_PER_DAY = 1440.0
LEVEL = 0.95
"""Confidence level of every interval."""
WARMUP_FRACTION = 0.2
"""Share of the horizon whose incidents are dropped as warm-up (the system starts empty)."""
WARMUP_RELAXATIONS = 2.0
"""Warm-ups shorter than this many relaxation times get a note in the result."""
LITTLE_TOLERANCE = 0.01
"""Largest relative gap between L and λW (edge effects of the window) that counts as agreement."""
WAIT_EPS_MIN = 1e-9
"""An engage wait above this counts as having waited (with no ack delay it is exactly 0 otherwise)."""
DEFAULT_SEED = 20240501


# -- analytic ---------------------------------------------------------------------------------
def erlang_c(c: int, lam: float, mu: float) -> dict[str, float]:
    """M/M/c in steady state: P(wait > 0), Wq, W, Lq, L (times in the unit of ``1/mu``)."""
    if c < 1 or lam <= 0 or mu <= 0:
        raise ValueError("need c >= 1 and positive rates")
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation {rho:g} >= 1")
    b = 1.0  # Erlang B by its recursion: stable for any c, no factorials
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1.0 - b))
    wq = p_wait / (c * mu - lam)
    w = wq + 1.0 / mu
    return {"utilization": rho, "p_wait": p_wait, "wq": wq, "w": w, "lq": lam * wq, "l": lam * w}


def machine_repair(n: int, r: int, lam: float, mu: float) -> dict[str, float]:
    """Finite-source M/M/r//n: L (mean number down), throughput, W, Wq, Lq, P(wait) and p_k.

    Birth-death chain on k machines down: failures at ``(n - k) * lam``, repairs at
    ``min(k, r) * mu``; the stationary distribution is the normalised product of the ratios.
    Throughput is ``lam * (n - L)``, and W, Wq follow by Little's law. P(wait) is what a
    failing machine sees, which by the arrival theorem weights ``p_k`` by ``n - k``.
    """
    if n < 1 or r < 1 or lam <= 0 or mu <= 0:
        raise ValueError("need n >= 1, r >= 1 and positive rates")
    logs = [0.0]  # log-weights: a large population would overflow plain products
    for k in range(1, n + 1):
        logs.append(logs[-1] + math.log((n - k + 1) * lam / (min(k, r) * mu)))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = math.fsum(weights)
    p = [x / total for x in weights]
    ks = range(n + 1)
    busy = math.fsum(k * p[k] for k in ks)
    lq = math.fsum(max(k - r, 0) * p[k] for k in ks)
    throughput = lam * (n - busy)
    seen = [(n - k) * p[k] for k in ks]
    p_wait = math.fsum(seen[k] for k in ks if k >= r) / math.fsum(seen)
    return {
        "l": busy,
        "lq": lq,
        "throughput": throughput,
        "w": busy / throughput,
        "wq": lq / throughput,
        "p_wait": p_wait,
        "p": p,
    }


def relaxation_time(c: int, lam: float, mu: float) -> float:
    """Heavy-traffic relaxation time of M/M/c, ``1 / (c mu (1 - sqrt(rho))^2)`` (Morse; Abate & Whitt).

    How long the queue takes to forget its start: a warm-up of a few of these removes the
    bias of starting empty.
    """
    rho = lam / (c * mu)
    return 1.0 / (c * mu * (1.0 - math.sqrt(rho)) ** 2)


def littles_law(lam: float, w: float) -> float:
    """L = λW: the mean number in a system from its arrival rate and mean time in it."""
    return lam * w


# -- estimators from the incidents frame ------------------------------------------------------
def time_average_in_system(
    detected: Sequence[float], resolved: Sequence[float], start: float, end: float
) -> float:
    """Time-average number of incidents open over ``[start, end]`` (unresolved ones stay open)."""
    if end <= start:
        raise ValueError("empty window")
    d = np.asarray(detected, dtype=float)
    r = np.nan_to_num(np.asarray(resolved, dtype=float), nan=end)
    overlap = np.clip(np.minimum(r, end) - np.maximum(d, start), 0.0, None)
    return float(overlap.sum() / (end - start))


def replication_stats(incidents: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    """Per replication: the means over incidents detected in ``[start, end)`` and time averages.

    Columns: ``n``, ``missing`` (incidents without an engage or resolve time), ``mean_wait_min``,
    ``mean_ttr_min``, ``p_wait``, ``mean_in_system`` (time average over the window, from
    detected/resolved times), ``throughput_per_min`` and ``lambda_w`` (throughput times mean
    time in system). Means do not skip missing values.
    """
    rows = []
    for rep, df in incidents.groupby("replication", sort=True):
        kept = df[(df["detected_at_min"] >= start) & (df["detected_at_min"] < end)]
        n = len(kept)
        wait, ttr = kept["engage_wait_min"], kept["ttr_min"]
        mean_ttr = float(ttr.mean(skipna=False)) if n else math.nan
        rate = n / (end - start)
        rows.append(
            {
                "replication": int(rep),
                "n": n,
                "missing": int((wait.isna() | ttr.isna()).sum()),
                "mean_wait_min": float(wait.mean(skipna=False)) if n else math.nan,
                "mean_ttr_min": mean_ttr,
                "p_wait": float((wait > WAIT_EPS_MIN).mean()) if n and not wait.isna().any() else math.nan,
                "mean_in_system": time_average_in_system(
                    df["detected_at_min"], df["resolved_at_min"], start, end
                ),
                "throughput_per_min": rate,
                "lambda_w": rate * mean_ttr,
            }
        )
    return pd.DataFrame(rows)


def check(analytic: float, observations: Sequence[float], level: float = LEVEL) -> dict[str, Any]:
    """``{analytic, simulated, ci_low, ci_high, passed}``: passed when the CI holds the analytic value.

    A NaN observation (a replication with a missing value) fails the check; the interval is
    then over the other observations.
    """
    obs = np.asarray(observations, dtype=float)
    m, lo, hi = t_interval(obs, level)
    complete = not np.isnan(obs).any()
    return {
        "analytic": float(analytic),
        "simulated": m,
        "ci_low": lo,
        "ci_high": hi,
        "passed": bool(complete and lo <= analytic <= hi),
    }


def little_check(
    stats: pd.DataFrame, level: float = LEVEL, tolerance: float = LITTLE_TOLERANCE
) -> dict[str, Any]:
    """L (time average from detected/resolved) against λW (throughput x mean ttr), per replication.

    They differ only by edge effects of the window; passed when the mean gap is within
    ``tolerance`` of L. The paired CI of ``L - λW`` is reported as well.
    """
    diff = (stats["mean_in_system"] - stats["lambda_w"]).to_numpy()
    m, lo, hi = t_interval(diff, level)
    l_mean = float(stats["mean_in_system"].mean())
    rel = abs(m) / l_mean if l_mean > 0 else math.nan
    complete = not np.isnan(diff).any()
    return {
        "L": l_mean,
        "lambda_w": float(stats["lambda_w"].mean()),
        "difference": {"mean": m, "ci_low": lo, "ci_high": hi},
        "relative_gap": rel,
        "tolerance": tolerance,
        "passed": bool(complete and rel <= tolerance),
    }


# -- scenarios --------------------------------------------------------------------------------
def _decimal(x: float) -> float:
    """``x`` to 12 significant digits, so the same value reads back identically from YAML."""
    return float(f"{x:.12g}")


def _degenerate(
    name: str,
    description: str,
    engineers: int,
    services: int,
    rate_per_week: float,
    per_service: bool,
    work_mean_min: float,
    horizon_days: float,
    replications: int,
) -> dict[str, Any]:
    """The scenario mapping of a queue: everything that is not the queue switched off."""
    return {
        "apiVersion": "incsim/v1",
        "kind": "Scenario",
        "metadata": {"name": name, "description": description},
        "org": {
            "teams": [
                {
                    "name": "ops",
                    "size": engineers,
                    "work_hours": {"start": 0, "end": 24, "weekends_off": False},
                    "oncall": {"per_shift": engineers, "rest_shifts": 0, "backup": False},
                    "duties": [],
                },
                # validation needs an IC; the model never takes it from the owner's on-call
                {
                    "name": "command",
                    "size": 1,
                    "oncall": None,
                    "duties": ["ic"],
                    "work_hours": {"start": 0, "end": 24, "weekends_off": False},
                },
            ],
            "services": [
                {"name": "svc" if services == 1 else f"svc-{i + 1}", "team": "ops"} for i in range(services)
            ],
        },
        "incidents": {
            "arrivals": {"rate_per_week": rate_per_week, "per_service": per_service},
            "mix": {"single-service": 1},
            "categories": {
                "single-service": {
                    "diagnosis": {"dist": "exponential", "mean": work_mean_min},
                    "fix": None,
                    "consults_mean": 0,
                    "decisions": [],
                }
            },
        },
        "behaviour": {
            "page_ack": None,
            "page_ack_off_hours": None,
            "join_delay": None,
            "refocus": None,
            "interruption": {"answer": 2, "refocus": None},
            "update_requests_per_hour": 0,
            "spectator_questions_per_hour": 0,
            "off_hours_slowdown": 1,
        },
        "protocols": [{"name": "async-first", "kind": "async-first", "channel_watchers": 0}],
        "simulation": {"horizon_days": horizon_days, "replications": replications, "event_log_sample": 0},
    }


def mmc_scenario(
    servers: int,
    utilization: float,
    work_mean_min: float = 60.0,
    horizon_days: float = 28.0,
    *,
    replications: int = 20,
) -> Scenario:
    """The M/M/c configuration: ``servers`` engineers at ``utilization``, exponential work.

    The arrival rate is ``servers * utilization / work_mean_min`` per minute, written per
    week (rounded to 12 significant digits so the YAML form is identical).
    """
    if not 0 < utilization < 1:
        raise ValueError("utilization must be in (0, 1)")
    rate_per_week = _decimal(servers * utilization * 7 * MINUTES_PER_DAY / work_mean_min)
    data = _degenerate(
        f"mmc-c{servers}-rho{utilization:g}",
        f"M/M/{servers} queue: {servers} engineers, utilisation {utilization:g}, "
        f"exponential work with mean {work_mean_min:g} min",
        servers,
        1,
        rate_per_week,
        False,
        work_mean_min,
        horizon_days,
        replications,
    )
    return Scenario.model_validate(data)


def repair_scenario(
    services: int,
    engineers: int,
    fail_rate_per_hour: float,
    repair_rate_per_hour: float,
    horizon_days: float = 28.0,
    *,
    replications: int = 20,
) -> Scenario:
    """The machine-repair configuration: ``services`` failing while up, ``engineers`` repairing."""
    rate_per_week = _decimal(fail_rate_per_hour * HOURS_PER_WEEK)
    mean = _decimal(MINUTES_PER_HOUR / repair_rate_per_hour)
    data = _degenerate(
        f"repair-n{services}-r{engineers}",
        f"machine repair: {services} services each failing at {fail_rate_per_hour:g}/h while up, "
        f"{engineers} engineers repairing at {repair_rate_per_hour:g}/h each",
        engineers,
        services,
        rate_per_week,
        True,
        mean,
        horizon_days,
        replications,
    )
    return Scenario.model_validate(data)


def _queue_params(scn: Scenario) -> tuple[int, float, float]:
    """(engineers, arrival rate per minute, service rate per minute) read back from a scenario."""
    ops = scn.team("ops")
    lam = scn.incidents.arrivals.rate_per_week / (7 * MINUTES_PER_DAY)
    mu = 1.0 / scn.incidents.categories["single-service"].diagnosis.mean()
    return ops.size, lam, mu


# -- verification -----------------------------------------------------------------------------
def _simulate(
    scn: Scenario, replications: int, seed: int, warmup_fraction: float, executor: Executor | None
) -> tuple[pd.DataFrame, float, float]:
    """Per-replication statistics of ``scn`` after the warm-up, and the measured window."""
    if replications < 2:
        raise ValueError("a confidence interval needs at least 2 replications")
    if not 0 <= warmup_fraction < 1:
        raise ValueError("warmup_fraction must be in [0, 1)")
    horizon = scn.simulation.horizon_days * MINUTES_PER_DAY
    start = warmup_fraction * horizon
    res = run_experiment(scn, replications, seed, log_sample=0, executor=executor)
    return replication_stats(res.incidents, start, horizon), start, horizon


def verify_mmc(
    servers: int,
    utilization: float,
    work_mean_min: float = 60.0,
    horizon_days: float = 28.0,
    *,
    replications: int = 20,
    seed: int = DEFAULT_SEED,
    warmup_fraction: float = WARMUP_FRACTION,
    executor: Executor | None = None,
    level: float = LEVEL,
) -> dict[str, Any]:
    """Simulate the M/M/c configuration and compare Wq, W, P(wait), L and Little's law with Erlang C."""
    scn = mmc_scenario(servers, utilization, work_mean_min, horizon_days, replications=replications)
    c, lam, mu = _queue_params(scn)
    theory = erlang_c(c, lam, mu)
    stats, start, _ = _simulate(scn, replications, seed, warmup_fraction, executor)
    tau = relaxation_time(c, lam, mu)
    notes = []
    if start < WARMUP_RELAXATIONS * tau:
        notes.append(
            f"warm-up of {start / MINUTES_PER_DAY:.3g} days is under {WARMUP_RELAXATIONS:g} "
            f"relaxation times ({tau / MINUTES_PER_DAY:.3g} days each): the start-empty bias "
            f"may show; use a longer horizon"
        )
    checks = {
        "mean_wait_min": check(theory["wq"], stats["mean_wait_min"], level),
        "mean_ttr_min": check(theory["w"], stats["mean_ttr_min"], level),
        "p_wait": check(theory["p_wait"], stats["p_wait"], level),
        "mean_in_system": check(theory["l"], stats["mean_in_system"], level),
    }
    little = little_check(stats, level)
    return {
        "case": f"M/M/{c} rho={utilization:g}",
        "kind": "mmc",  # the queue model, under the key `incsim verify --json` has always written
        "params": {
            "servers": c,
            "utilization": utilization,
            "work_mean_min": work_mean_min,
            "arrival_rate_per_hour": lam * MINUTES_PER_HOUR,
            "service_rate_per_hour": mu * MINUTES_PER_HOUR,
            "horizon_days": horizon_days,
            "warmup_days": start / MINUTES_PER_DAY,
            "relaxation_time_min": tau,
            "replications": replications,
            "seed": seed,
            "level": level,
        },
        "n_incidents": int(stats["n"].sum()),
        "n_missing": int(stats["missing"].sum()),
        **checks,
        "littles_law": little,
        "passed": all(v["passed"] for v in checks.values()) and little["passed"],
        "notes": notes,
    }


def verify_repair(
    services: int,
    engineers: int,
    fail_rate_per_hour: float,
    repair_rate_per_hour: float,
    horizon_days: float = 28.0,
    *,
    replications: int = 20,
    seed: int = DEFAULT_SEED,
    warmup_fraction: float = WARMUP_FRACTION,
    executor: Executor | None = None,
    level: float = LEVEL,
) -> dict[str, Any]:
    """Simulate the machine-repair configuration and compare with the finite-source formulas."""
    scn = repair_scenario(
        services, engineers, fail_rate_per_hour, repair_rate_per_hour, horizon_days, replications=replications
    )
    r, lam, mu = _queue_params(scn)
    theory = machine_repair(services, r, lam, mu)
    stats, start, _ = _simulate(scn, replications, seed, warmup_fraction, executor)
    checks = {
        "mean_wait_min": check(theory["wq"], stats["mean_wait_min"], level),
        "mean_ttr_min": check(theory["w"], stats["mean_ttr_min"], level),
        "p_wait": check(theory["p_wait"], stats["p_wait"], level),
        "mean_in_system": check(theory["l"], stats["mean_in_system"], level),
        "throughput_per_hour": check(
            theory["throughput"] * MINUTES_PER_HOUR, stats["throughput_per_min"] * MINUTES_PER_HOUR, level
        ),
    }
    little = little_check(stats, level)
    return {
        "case": f"repair n={services} r={r}",
        "kind": "repair",  # the queue model (the JSON key, as above)
        "params": {
            "services": services,
            "engineers": r,
            "fail_rate_per_hour": lam * MINUTES_PER_HOUR,
            "repair_rate_per_hour": mu * MINUTES_PER_HOUR,
            "horizon_days": horizon_days,
            "warmup_days": start / MINUTES_PER_DAY,
            "replications": replications,
            "seed": seed,
            "level": level,
        },
        "n_incidents": int(stats["n"].sum()),
        "n_missing": int(stats["missing"].sum()),
        **checks,
        "littles_law": little,
        "passed": all(v["passed"] for v in checks.values()) and little["passed"],
        "notes": [],
    }


STANDARD_CASES: tuple[dict[str, Any], ...] = (
    {"model": "mmc", "servers": 1, "utilization": 0.5, "horizon_days": 60, "replications": 20},
    {"model": "mmc", "servers": 2, "utilization": 0.8, "horizon_days": 40, "replications": 20},
    {"model": "mmc", "servers": 4, "utilization": 0.9, "horizon_days": 40, "replications": 15},
    {
        "model": "repair",
        "services": 5,
        "engineers": 2,
        "fail_rate_per_hour": 0.25,
        "repair_rate_per_hour": 1.0,
        "horizon_days": 30,
        "replications": 20,
    },
)
"""The standard set: about 110,000 simulated incidents, some 65 CPU-seconds (half that on two cores).

Precision follows the load: the 95% interval on W is about +-5% of it at rho 0.5, +-10% at
0.8, +-15% at 0.9 (4 servers) and +-3% in the repair case; on P(wait) about +-4% at every
load. Each case gets its own seed (``seed + index``). A case's ``model`` names its queue model
(``mmc`` or ``repair``, the record's ``kind``); its other keys are that model's arguments.
"""


def verify_standard(
    replications: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    executor: Executor | None = None,
    level: float = LEVEL,
) -> list[dict[str, Any]]:
    """Run ``STANDARD_CASES`` (M/M/c at several loads and one machine-repair case); one record each."""
    out = []
    for i, case in enumerate(STANDARD_CASES):
        kw = {k: v for k, v in case.items() if k != "model"}
        if replications is not None:
            kw["replications"] = replications
        fn = verify_mmc if case["model"] == "mmc" else verify_repair
        # a seed per case: the same seed would feed every case the same random numbers,
        # so their errors would be correlated and a chance deviation would show everywhere
        out.append(fn(**kw, seed=seed + i, executor=executor, level=level))
    return out


__all__ = [
    "erlang_c",
    "machine_repair",
    "relaxation_time",
    "littles_law",
    "time_average_in_system",
    "replication_stats",
    "check",
    "little_check",
    "mmc_scenario",
    "repair_scenario",
    "verify_mmc",
    "verify_repair",
    "verify_standard",
    "STANDARD_CASES",
]
