"""A SIGKILL in the middle of publishing: ``run -o DIR --force`` over an earlier results folder,
killed after a random number of its renames (staging, moving the earlier files aside, moving the
new ones in), leaves DIR either as the earlier results (they verify, byte for byte) or refused by
a reader in one line; the next write repairs it, leaving nothing of the killed one behind."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultkit import SRC, finish, minimal_yaml_text, start, tree
from typer.testing import CliRunner

from incsim.output import OutputError, check_seal

RNG = random.Random(20261207)
RUN = ("run", "tiny.yaml", "-n", "2", "--seed", "2", "-q", "--format", "csv")

# every rename the child makes is announced on stderr, then the child waits a moment, so that a
# SIGKILL sent on the k-th announcement lands after exactly k renames
PRELUDE = """\
import os, sys, time
_rename = os.replace
def _announced(src, dst, *args, **kwargs):
    _rename(src, dst, *args, **kwargs)
    print(f"renamed {dst}", file=sys.stderr, flush=True)
    time.sleep(0.2)
os.replace = _announced
import runpy
runpy.run_module("incsim", run_name="__main__")
"""


def _start_announced(cwd: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-c", PRELUDE, *RUN, "-o", str(out), "--force"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _killed_after(cwd: Path, out: Path, renames: int) -> None:
    proc = _start_announced(cwd, out)
    seen = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("renamed "):
            seen += 1
            if seen == renames:
                os.killpg(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the run ended by itself after {seen} renames"


def _killed_at(cwd: Path, out: Path, seconds: float) -> None:
    proc = _start_announced(cwd, out)
    time.sleep(seconds)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=60)


def _results(folder: Path) -> dict[str, bytes]:
    """The files a reader sees: staging folders a killed command left are not results."""
    return {k: v for k, v in tree(folder).items() if not k.startswith(".incsim-")}


@pytest.mark.slow
def test_a_sigkill_while_force_publishes_leaves_the_earlier_results_or_a_refused_folder(tmp_path):
    from incsim.cli import app

    (tmp_path / "tiny.yaml").write_text(minimal_yaml_text(), encoding="utf-8")
    earlier = tmp_path / "earlier"
    code, _, err = finish(
        start(
            "run",
            "tiny.yaml",
            "-n",
            "3",
            "--seed",
            "1",
            "-q",
            "--format",
            "csv",
            "-o",
            str(earlier),
            cwd=tmp_path,
        ),
        within=120,
    )
    assert code == 0, err
    check_seal(earlier, "run.json")
    before = tree(earlier)
    # an uninterrupted forced run over a copy: how many renames it makes, and the files it writes
    reference = tmp_path / "reference"
    shutil.copytree(earlier, reference)
    proc = _start_announced(tmp_path, reference)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    total = sum(line.startswith("renamed ") for line in err.splitlines())
    assert total > 8  # staging writes, the earlier files moved aside, the new ones moved in
    expected = {k: v for k, v in tree(reference).items() if k != "run.json"}

    moments = [("renames", k) for k in sorted(RNG.sample(range(1, total), 5))]
    moments.append(("seconds", RNG.uniform(0.5, 3.0)))
    outcomes = []
    for how, when in moments:
        out = tmp_path / "D"
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(earlier, out)
        if how == "renames":
            _killed_after(tmp_path, out, int(when))
        else:
            _killed_at(tmp_path, out, float(when))
        try:
            check_seal(out)
        except OutputError as exc:
            assert "\n" not in str(exc)
            res = CliRunner().invoke(app, ["report", str(out)])
            assert res.exit_code == 2, (how, when, res.output)
            assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output, res.output
            outcomes.append("refused")
        else:
            assert _results(out) == before, f"a folder that verifies is not the earlier one ({how} {when})"
            outcomes.append("earlier")
        # the next write repairs it: the new results whole, nothing of the killed write or the earlier left
        code, _, err = finish(start(*RUN, "-o", str(out), "--force", cwd=tmp_path), within=120)
        assert code == 0, err
        record = check_seal(out, "run.json")
        assert set(tree(out)) == {e["path"] for e in record["files"]} | {"run.json"}
        assert {k: v for k, v in tree(out).items() if k != "run.json"} == expected
    assert "refused" in outcomes and "earlier" in outcomes, outcomes
