"""How much common random numbers tighten the paired comparison of two protocols.

Runs the default scenario (or SCENARIO) for N replications two ways and compares the
variance, over replications, of the difference in mean engineer-hours per incident between
two protocols:

- paired (common random numbers): both protocols in one experiment, so replication r meets
  the same incidents with the same per-purpose draws under each;
- independent: each protocol run alone with its own root seed, so replication r of one has
  nothing in common with replication r of the other.

Prints both variances, their ratio with a 95% interval (F distribution; the replications are
independent within each design) and the standard error of the mean difference each gives.

Usage: PYTHONPATH=src python scripts/pairing_variance.py [-n 100] [--seed 1] [--metric engineer_hours]
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


def per_rep(df, metric: str, protocol: str) -> np.ndarray:
    """Mean ``metric`` per incident in each replication of ``protocol``, by replication."""
    s = df[df["protocol"] == protocol].groupby("replication")[metric].mean().sort_index()
    return s.to_numpy()


def main() -> int:
    """Run both designs and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=None)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--metric", default="engineer_hours")
    ap.add_argument("--protocols", nargs=2, default=["war-room", "async-first"])
    args = ap.parse_args()
    scn = load(args.scenario).scenario
    a, b = args.protocols
    both = scn.model_copy(update={"protocols": [scn.protocol(a), scn.protocol(b)]})
    paired = run_experiment(both, args.n, args.seed, log_sample=0).incidents
    d_paired = per_rep(paired, args.metric, b) - per_rep(paired, args.metric, a)
    # independent: each protocol alone, each with its own root seed
    alone_a = run_experiment(scn.model_copy(update={"protocols": [scn.protocol(a)]}), args.n,
                             args.seed + 1_000_003, log_sample=0).incidents
    alone_b = run_experiment(scn.model_copy(update={"protocols": [scn.protocol(b)]}), args.n,
                             args.seed + 2_000_003, log_sample=0).incidents
    d_indep = per_rep(alone_b, args.metric, b) - per_rep(alone_a, args.metric, a)
    v_p, v_i = float(np.var(d_paired, ddof=1)), float(np.var(d_indep, ddof=1))
    k = args.n - 1
    ratio = v_i / v_p
    lo, hi = ratio / stats.f.ppf(0.975, k, k), ratio / stats.f.ppf(0.025, k, k)
    print(f"{args.metric}: {b} - {a}, {args.n} replications, seed {args.seed}")
    print(f"  paired (common random numbers): mean {d_paired.mean():+.2f}, variance {v_p:.2f}, "
          f"s.e. of mean {np.sqrt(v_p / args.n):.2f}")
    print(f"  independent seeds:              mean {d_indep.mean():+.2f}, variance {v_i:.2f}, "
          f"s.e. of mean {np.sqrt(v_i / args.n):.2f}")
    print(f"  variance ratio independent / paired: {ratio:.1f} [{lo:.1f}, {hi:.1f}] (95%, F)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
