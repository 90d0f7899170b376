"""Fit an hour-of-week arrival profile from GitHub's public incident history; print it as YAML.

Reads ``downtime_windows.csv`` from shared/data/github-status beside the checkout (or the
folder given as the first argument). Keeps every window that is not maintenance and lasted more than 0 minutes,
takes its start in US Pacific local time (daylight saving applied, as the engineers lived it)
and counts starts by weekday and by hour. The printed profile is the product of those two
margins (the maximum-likelihood fit of a model where day and hour act independently): 31
weights from the data instead of 168, because 168 cells would hold fewer than 5 starts each.

Usage: python scripts/fit_profile.py [DATA_DIR]
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def default_dir() -> Path:
    """The data folder beside the nearest parent of this checkout that has ``shared/``."""
    for parent in Path(__file__).resolve().parents[1:]:
        candidate = parent / "shared" / "data" / "github-status"
        if candidate.is_dir():
            return candidate
    return Path("../shared/data/github-status")


def starts(data_dir: Path) -> list[datetime]:
    """Local Pacific start times of the non-maintenance windows with a positive duration."""
    path = data_dir / "downtime_windows.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        if row["impact"] == "maintenance" or int(row["duration_minutes"]) <= 0:
            continue
        utc = datetime.fromisoformat(row["downtime_start"].replace("Z", "+00:00"))
        out.append(utc.astimezone(PACIFIC))
    return out


def _weights(counts: Counter, n: int) -> list[int]:
    return [counts.get(k, 0) for k in range(n)]


def main(argv: list[str]) -> int:
    """Print the fitted profile and the shares it is checked against."""
    data_dir = Path(argv[1]) if len(argv) > 1 else default_dir()
    if not (data_dir / "downtime_windows.csv").is_file():
        print(f"error: {data_dir / 'downtime_windows.csv'}: no such file", file=sys.stderr)
        return 2
    ts = starts(data_dir)
    n = len(ts)
    weekday = _weights(Counter(t.weekday() for t in ts), 7)
    hour = _weights(Counter(t.hour for t in ts), 24)
    weekday_share = sum(weekday[:5]) / n
    office = sum(1 for t in ts if t.weekday() < 5 and 9 <= t.hour < 17) / n
    peak = max(range(24), key=lambda h: hour[h])
    print(f"# GitHub status history, downtime_windows.csv: n = {n} incident starts (not maintenance,")
    print("# duration > 0), counted by weekday and by hour in US Pacific local time; profile =")
    print(
        "# weekday counts x hour counts (independent margins). "
        f"Weekday share {weekday_share:.1%}; Mon-Fri 09-17 {office:.1%}; busiest hour {peak:02d}:00."
    )
    print("profile:")
    print("  timezone: owner")
    print(f"  weekday: [{', '.join(str(w) for w in weekday)}]    # Mon..Sun")
    print(f"  hour: [{', '.join(str(w) for w in hour)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
