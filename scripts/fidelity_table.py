"""Print a results folder's figures per protocol and category, with 95% CIs, as a Markdown table.

    python scripts/fidelity_table.py RESULTS_DIR

Reads only the folder's ``summary.csv`` (what ``incsim run`` wrote); the table is the one
``docs/model-fidelity.md`` shows before and after a change to the model.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

METRICS = (
    ("ttr_min", "TTR min"),
    ("customer_impact_min", "impact min"),
    ("engineer_hours", "eng-h"),
    ("non_essential_hours", "non-ess h"),
    ("decision_wait_min", "decision wait min"),
    ("cost_usd", "cost $"),
)
CATEGORIES = ("all", "single-service", "cascading", "platform-wide")


def _num(x: str) -> str:
    v = float(x)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def table(folder: Path) -> str:
    """The Markdown table of ``folder``'s summary: one row per category and protocol."""
    with (folder / "summary.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "protocol"]
    cell = {(r["category"], r["protocol"], r["metric"]): r for r in rows}
    protocols = list(dict.fromkeys(r["protocol"] for r in rows))
    head = "| category | protocol | n | " + " | ".join(label for _, label in METRICS) + " |"
    out = [head, "|" + "---|" * (3 + len(METRICS))]
    for cat in CATEGORIES:
        for p in protocols:
            first = cell.get((cat, p, METRICS[0][0]))
            if first is None:
                continue
            parts = []
            for metric, _ in METRICS:
                r = cell[(cat, p, metric)]
                parts.append(f"{_num(r['mean'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}]")
            out.append(f"| {cat} | {p} | {first['n_incidents']} | " + " | ".join(parts) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/fidelity_table.py RESULTS_DIR")
    print(table(Path(sys.argv[1])))
