"""Rewrite the golden result files in this folder from the model as it is now.

Run it only when a change is *meant* to move results, then read the diff before committing:

    PYTHONPATH=src python tests/golden/regenerate.py

``tests/core/test_golden.py`` reruns the same cases through the public API and compares them with
the files here byte for byte. Each case is a scenario, a replication count and a fixed seed
(or a drill and a transcript); what is kept is small and readable: ``summary.csv`` and
``time.csv`` whole, and for ``incidents.csv`` and the event logs one sha256 per replication and
protocol (``hashes.txt``), so a diff says where results moved without storing every row.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

RUNS = {
    # case name: (scenario file, or None for the embedded default; replications; seed)
    "startup": (ROOT / "scenarios" / "startup.yaml", 3, 20261130),
    "default": (None, 3, 20261130),
}
DRILL = ROOT / "scenarios" / "drills" / "db-failover.yaml"
TRANSCRIPT = HERE / "drill-db-failover" / "transcript.yaml"
DRILL_REPLICATIONS = 2


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _incident_hashes(csv: bytes) -> list[str]:
    """One line per (replication, protocol): the sha256 of its rows of incidents.csv, in file order."""
    lines = csv.decode().splitlines(keepends=True)
    header, rows = lines[0].split(","), lines[1:]
    rep, proto = header.index("replication"), header.index("protocol")
    groups: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        cells = row.split(",")
        groups.setdefault((cells[rep], cells[proto]), []).append(row)
    return [
        f"incidents.csv replication {r} {p}: {len(g)} rows {_sha(''.join(g).encode())}"
        for (r, p), g in groups.items()
    ]


def run_case(name: str) -> dict[str, bytes]:
    """The golden files of one scenario case, by name, as produced now."""
    from incsim import api

    source, reps, seed = RUNS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        api.run_scenario(api.load(source), replications=reps, seed=seed, out_dir=out)
        hashes = _incident_hashes((out / "incidents.csv").read_bytes())
        hashes += [f"events/{p.name}: {_sha(p.read_bytes())}" for p in sorted((out / "events").iterdir())]
        return {
            "summary.csv": (out / "summary.csv").read_bytes(),
            "time.csv": (out / "time.csv").read_bytes(),
            "hashes.txt": ("\n".join(hashes) + "\n").encode(),
        }


def drill_case(transcript: Path = TRANSCRIPT) -> dict[str, bytes]:
    """The golden files of the drill: its transcript replayed, the hash of its ``events.jsonl``."""
    from incsim.drill.aar import write_outputs
    from incsim.drill.engine import DrillSession
    from incsim.drill.transcript import load_transcript
    from incsim.scenario.drill import load_drill

    script = load_transcript(transcript)
    session = DrillSession(load_drill(DRILL), script.seed, script)
    while not session.finished:
        session.step()
    with tempfile.TemporaryDirectory() as tmp:
        out = write_outputs(session, Path(tmp) / "drill", replications=DRILL_REPLICATIONS)
        events = (Path(out) / "events.jsonl").read_bytes()
    lines = events.decode().splitlines()
    return {"hashes.txt": f"events.jsonl: {len(lines)} events {_sha(events)}\n".encode()}


def record_transcript(path: Path) -> None:
    """Play the drill once with a few facilitator actions and keep its transcript (done once;
    the golden test replays it)."""
    from incsim.drill.aar import write_outputs
    from incsim.drill.engine import DrillSession
    from incsim.scenario.drill import load_drill

    live = DrillSession(load_drill(DRILL), 9)
    live.advance(3.0)
    live.act("oncall", "ack")
    live.advance(0.25)
    live.note("slow to join")
    live.step()
    live.step()
    live.decide("failover", "room")
    live.advance(3.0)
    live.act("oncall", "update", status="investigating", next_steps="call with the data team")
    live.advance(17)
    while not live.finished:
        live.step()
    with tempfile.TemporaryDirectory() as tmp:
        out = write_outputs(live, Path(tmp) / "live", replications=DRILL_REPLICATIONS)
        data = (Path(out) / "transcript.yaml").read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def produce() -> dict[str, bytes]:
    """Every golden file, by its path relative to this folder."""
    files: dict[str, bytes] = {}
    for name in RUNS:
        for fname, data in run_case(name).items():
            files[f"{name}/{fname}"] = data
    for fname, data in drill_case().items():
        files[f"drill-db-failover/{fname}"] = data
    return files


def main() -> int:
    """Write every golden file (via a temporary name and a rename) and say which changed."""
    if not TRANSCRIPT.exists():
        record_transcript(TRANSCRIPT)
    changed = 0
    for rel, data in produce().items():
        path = HERE / rel
        old = path.read_bytes() if path.exists() else None
        if old == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        changed += 1
        print(f"{'rewrote' if old is not None else 'wrote'} tests/golden/{rel}")
    print(f"{changed} golden file(s) changed" if changed else "golden files unchanged")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
