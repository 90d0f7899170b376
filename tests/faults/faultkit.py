"""Fault injection: run the command line in a child process, stop or starve it, damage its files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
TINY_SWEEP = """\
apiVersion: incsim/v1
kind: Sweep
metadata: {{name: tiny-sweep}}
scenario: tiny.yaml
replications: {reps}
seed: 5
base_overrides:
  simulation.horizon_days: 7
parameters:
  - path: behaviour.reply_latency.working
    values: [5, 40]
  - path: protocols.war-room.room.stay_probability
    values: {{from: 0.2, to: 1.0, steps: 3}}
"""


def minimal_yaml_text() -> str:
    """The suite's tiny scenario (``scenario_helpers.MINIMAL_YAML``)."""
    from scenario_helpers import MINIMAL_YAML

    return MINIMAL_YAML


def write_tiny_sweep(folder: Path, reps: int = 3) -> Path:
    """A sweep file over the tiny scenario in ``folder``, the scenario beside it."""
    (folder / "tiny.yaml").write_text(minimal_yaml_text(), encoding="utf-8")
    path = folder / "tiny-sweep.yaml"
    path.write_text(TINY_SWEEP.format(reps=reps), encoding="utf-8")
    return path


def start(*args: str, cwd: Path, limit_bytes: int | None = None) -> subprocess.Popen:
    """``python -m incsim ARGS`` in its own process group (as a terminal runs a command)."""
    # faulthandler: a SIGABRT makes every process of the group print where each of its threads is
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200", "PYTHONFAULTHANDLER": "1"}

    def setup() -> None:
        if limit_bytes is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.Popen(
        [sys.executable, "-m", "incsim", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=setup,
    )


def finish(proc: subprocess.Popen, within: float) -> tuple[int, str, str]:
    """Wait at most ``within`` seconds for ``proc``; a hang fails the test with the stacks of every
    thread of every process left in the group (faulthandler's dump on SIGABRT), then kills it."""
    try:
        out, err = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        left = group_members(proc.pid)
        for pid in left:
            try:
                os.kill(pid, 6)  # SIGABRT: faulthandler prints the stacks and the process ends
            except ProcessLookupError:
                pass
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            err = None  # one did not end on SIGABRT: what the others printed is read once it is killed
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass  # every member has ended
        if err is None:
            _, err = proc.communicate()
        pytest.fail(
            f"the process did not end within {within} s of the fault; {len(left)} process(es) of "
            f"its group were left: {left}; their stacks:\n{err[-12000:]}"
        )
    return proc.returncode, out, err


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (zombies excluded)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def no_orphans(pgid: int, within: float = 5.0) -> None:
    """Every process of the group has ended (workers included) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_members(pgid) == [], "worker processes outlived the command"


def half_written(folder: Path) -> list[Path]:
    """Temporary or staging files anywhere under ``folder``."""
    if not folder.exists():
        return []
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".incsim-")]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def tiny_sweep(tmp_path, minimal_yaml):
    """Write a sweep file over the tiny scenario; call with the replications per point."""

    def make(reps: int = 3) -> Path:
        return write_tiny_sweep(tmp_path, reps)

    return make
