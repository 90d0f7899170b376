"""Does a scenario reproduce the history? Simulated times to resolve next to the real durations:
a quantile table, the two-sample Kolmogorov-Smirnov distance, and ECDFs (in the report)."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from incsim.calibrate import fit
from incsim.calibrate.records import MIN_SAMPLE, Export, ExportError

DEFAULT_REPLICATIONS = 10
DEFAULT_SEED = 1


def history_durations(export: Export) -> np.ndarray:
    """The resolved incidents' durations in minutes (open ones have no duration to compare)."""
    d, c = export.durations()
    return np.asarray([x for x, cens in zip(d, c) if not cens], dtype=float)


def compare(history: np.ndarray, simulated: dict[str, np.ndarray]) -> dict:
    """Quantiles of the history and of each protocol's simulation, with KS distances."""
    qs = [str(q) for q in fit.QUANTILES]
    out = {
        "history": {
            "n": len(history),
            "quantiles_min": dict(zip(qs, map(float, np.quantile(history, fit.QUANTILES)))),
        },
        "protocols": {},
    }
    for proto, sim in simulated.items():
        if len(sim) == 0:
            out["protocols"][proto] = {"n": 0, "ks_distance": None, "ks_p_value": None, "quantiles_min": {}}
            continue
        ks = sps.ks_2samp(history, sim)
        out["protocols"][proto] = {
            "n": len(sim),
            "ks_distance": float(ks.statistic),
            "ks_p_value": float(ks.pvalue),
            "quantiles_min": dict(zip(qs, map(float, np.quantile(sim, fit.QUANTILES)))),
            "median_ratio": float(np.median(sim) / np.median(history)),
        }
    return out


def check(
    scenario,
    export: Export,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    executor=None,
) -> tuple[dict, np.ndarray, dict[str, np.ndarray]]:
    """Run ``scenario`` and compare its simulated times to resolve with the export's durations."""
    from incsim.experiment import run_experiment

    history = history_durations(export)
    if len(history) < MIN_SAMPLE:
        raise ExportError(
            f"{export.source}: {len(history)} resolved incident(s); a check needs at least {MIN_SAMPLE}"
        )
    result = run_experiment(scenario, replications, seed, log_sample=0, executor=executor)
    df = result.incidents
    simulated = {
        p: df.loc[(df["protocol"] == p) & df["ttr_min"].notna(), "ttr_min"].to_numpy(dtype=float)
        for p in result.protocols
    }
    out = compare(history, simulated)
    out.update(
        {
            "scenario": scenario.metadata.name,
            "export": export.source,
            "replications": replications,
            "seed": seed,
        }
    )
    return out, history, simulated
