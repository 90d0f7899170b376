"""How much common random numbers tighten the paired comparison of two protocols.

The figure, defined once:

- per replication r, d_r = (mean engineer-hours per incident under A) - (mean engineer-hours per
  incident under B), each mean taken over that replication's incidents (A = war-room,
  B = async-first unless told otherwise);
- with common random numbers (CRN): both protocols in one experiment from root seed S, so
  replication r meets the same incidents with the same per-purpose draws under each;
- with independent seeds: A run alone from root seed S + 1,000,003 and B alone from
  S + 2,000,003, so replication r of one shares nothing with replication r of the other;
- the variance reduction is Var(d, independent) / Var(d, CRN), each the sample variance
  (ddof=1) over the R replications of its design; its 95% interval is a percentile bootstrap
  (the replications of each design resampled with replacement, independently, 10,000 times,
  from a generator seeded with S). The F interval, which assumes normal d, is printed beside it.

Replications without incidents (no mean) are left out of both designs' variances.
Every number printed is a function of (scenario, R, S, protocols, metric): the same command gives
the same output.

Usage: PYTHONPATH=src python scripts/pairing_variance.py [-n 2000] [--seed 1] [--metric engineer_hours]
       [--protocols war-room async-first] [SCENARIO]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from scipy import stats

from incsim.api import load
from incsim.experiment import run_experiment

INDEPENDENT_OFFSETS = (1_000_003, 2_000_003)
BOOTSTRAP = 10_000


def per_rep(df, metric: str, protocol: str, n: int) -> np.ndarray:
    """Mean ``metric`` per incident in each replication 0..n-1 of ``protocol`` (NaN: no incidents)."""
    s = df[df["protocol"] == protocol].groupby("replication")[metric].mean()
    return s.reindex(range(n)).to_numpy(dtype=float)


def variance_ratio(d_crn: np.ndarray, d_ind: np.ndarray, seed: int) -> tuple[float, float, float]:
    """Var(d_ind) / Var(d_crn) and its 95% percentile-bootstrap interval."""
    ratio = float(np.var(d_ind, ddof=1) / np.var(d_crn, ddof=1))
    rng = np.random.default_rng(seed)
    boot = np.empty(BOOTSTRAP)
    for i in range(BOOTSTRAP):
        a = d_crn[rng.integers(0, len(d_crn), len(d_crn))]
        b = d_ind[rng.integers(0, len(d_ind), len(d_ind))]
        boot[i] = np.var(b, ddof=1) / np.var(a, ddof=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return ratio, float(lo), float(hi)


def main() -> int:
    """Run both designs and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=None)
    ap.add_argument("-n", type=int, default=2000, help="replications R of each design")
    ap.add_argument("--seed", type=int, default=1, help="root seed S")
    ap.add_argument("--metric", default="engineer_hours")
    ap.add_argument("--protocols", nargs=2, default=["war-room", "async-first"], metavar=("A", "B"))
    args = ap.parse_args()
    loaded = load(args.scenario)
    scn = loaded.scenario
    a, b = args.protocols
    n = args.n

    def alone(name: str):
        return scn.model_copy(
            update={
                "protocols": [scn.protocol(name)],
                "simulation": scn.simulation.model_copy(update={"baseline": None}),
            }
        )

    both = scn.model_copy(
        update={
            "protocols": [scn.protocol(a), scn.protocol(b)],
            "simulation": scn.simulation.model_copy(update={"baseline": None}),
        }
    )
    crn = run_experiment(both, n, args.seed, log_sample=0).incidents
    d_crn = per_rep(crn, args.metric, a, n) - per_rep(crn, args.metric, b, n)
    ind_a = run_experiment(alone(a), n, args.seed + INDEPENDENT_OFFSETS[0], log_sample=0).incidents
    ind_b = run_experiment(alone(b), n, args.seed + INDEPENDENT_OFFSETS[1], log_sample=0).incidents
    d_ind = per_rep(ind_a, args.metric, a, n) - per_rep(ind_b, args.metric, b, n)
    d_crn, d_ind = d_crn[np.isfinite(d_crn)], d_ind[np.isfinite(d_ind)]
    v_crn, v_ind = float(np.var(d_crn, ddof=1)), float(np.var(d_ind, ddof=1))
    ratio, lo, hi = variance_ratio(d_crn, d_ind, args.seed)
    k_crn, k_ind = len(d_crn) - 1, len(d_ind) - 1
    f_lo, f_hi = ratio / stats.f.ppf(0.975, k_ind, k_crn), ratio / stats.f.ppf(0.025, k_ind, k_crn)
    print(
        f"scenario {loaded.source}; metric {args.metric}; d = {a} - {b}, mean per incident "
        f"in each replication; R = {n}; root seed S = {args.seed}"
    )
    print(
        f"CRN: both protocols from seed S; independent: {a} from S + {INDEPENDENT_OFFSETS[0]:,}, "
        f"{b} from S + {INDEPENDENT_OFFSETS[1]:,}"
    )
    print(
        f"  CRN:               {len(d_crn)} replications, mean d {d_crn.mean():+.3f}, variance {v_crn:.3f}, "
        f"s.e. of mean {np.sqrt(v_crn / len(d_crn)):.3f}"
    )
    print(
        f"  independent seeds: {len(d_ind)} replications, mean d {d_ind.mean():+.3f}, variance {v_ind:.3f}, "
        f"s.e. of mean {np.sqrt(v_ind / len(d_ind)):.3f}"
    )
    print(
        f"  variance reduction Var(independent) / Var(CRN): {ratio:.2f} "
        f"[{lo:.2f}, {hi:.2f}] (95%, percentile bootstrap, {BOOTSTRAP:,} resamples, seed S); "
        f"F interval (assumes normal d): [{f_lo:.2f}, {f_hi:.2f}]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
