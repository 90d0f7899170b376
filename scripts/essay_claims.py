"""Set a run's results beside the essay's three claims; print a Markdown table.

Reads ``incidents.csv`` from the output folder of ``incsim run`` (for example
``python -m incsim run -n 40 --seed 1 -o results/default --format csv``) and prints, per
protocol, with 95% t-intervals over replications:

- non-essential hours per P1 (the essay: "40+ engineer-hours per P1" in war rooms, "under 10"
  async),
- engineer-hours per P1 and the change against the war room (the essay: "dropped by 70%"),
- time to resolve, mean and median, and the paired difference against the war room (the
  essay: "MTTR stayed flat").

Usage: python scripts/essay_claims.py RESULTS_DIR [BASELINE_PROTOCOL]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from incsim.metrics import t_interval  # noqa: E402


def _ci(values) -> str:
    m, lo, hi = t_interval(list(values))
    return f"{m:.1f} [{lo:.1f}, {hi:.1f}]"


def _pct(values) -> str:
    m, lo, hi = t_interval([100.0 * v for v in values])
    return f"{m:+.0f}% [{lo:+.0f}, {hi:+.0f}]"


def claims(df: pd.DataFrame, base: str) -> list[str]:
    """Markdown table rows: one per protocol, the essay's three measures with 95% CIs."""
    per_rep = df.groupby(["protocol", "replication"]).agg(
        non_essential=("non_essential_hours", "mean"),
        hours=("engineer_hours", "mean"),
        hours_sum=("engineer_hours", "sum"),
        ttr=("ttr_min", "mean"),
    )
    wide_ttr = df.pivot_table(index=["replication", "incident_id"], columns="protocol", values="ttr_min")
    rows = [
        "| protocol | non-essential h per P1 | engineer-h per P1 | engineer-h vs "
        f"{base} | TTR mean (min) | TTR median (min) | TTR vs {base} (min) |",
        "|---|---|---|---|---|---|---|",
    ]
    base_sum = per_rep.loc[base, "hours_sum"]
    for proto in dict.fromkeys(df["protocol"]):
        rep = per_rep.loc[proto]
        change = "-" if proto == base else _pct(rep["hours_sum"] / base_sum - 1.0)
        ttr_diff = (
            "-" if proto == base else _ci((wide_ttr[proto] - wide_ttr[base]).groupby("replication").mean())
        )
        median = df.loc[df["protocol"] == proto, "ttr_min"].median()
        rows.append(
            f"| {proto} | {_ci(rep['non_essential'])} | {_ci(rep['hours'])} | {change} | "
            f"{_ci(rep['ttr'])} | {median:.0f} | {ttr_diff} |"
        )
    return rows


def main(argv: list[str]) -> int:
    """Print the table for the folder in ``argv[1]``."""
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path = Path(argv[1]) / "incidents.csv"
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    df = pd.read_csv(path)
    base = argv[2] if len(argv) > 2 else str(df["protocol"].iloc[0])
    n_reps = df["replication"].nunique()
    print(
        f"{n_reps} replications, {len(df) // df['protocol'].nunique()} incidents per protocol; "
        "95% t-intervals over replications"
    )
    print("\n".join(claims(df, base)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
