"""Golden-output backtests: fixed seeds give the committed results, byte for byte.

The cases (two scenarios at three replications, one drill transcript replayed) and the files
kept for them are defined in ``tests/golden/regenerate.py``. A failure here means the model's
results moved. If that was not meant, it is a bug; if it was (a deliberate change to the
model), rewrite the files with

    PYTHONPATH=src python tests/golden/regenerate.py

and commit them with the change, saying in the message why the results moved.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
HOW = "If the change is meant to move results: PYTHONPATH=src python tests/golden/regenerate.py, then commit."


def _regenerate():
    spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGEN = _regenerate()


def compare(rel: str, got: bytes) -> None:
    """Fail with a readable diff when ``got`` differs from the committed ``tests/golden/rel``."""
    path = GOLDEN / rel
    assert path.exists(), f"tests/golden/{rel} is missing. {HOW}"
    want = path.read_bytes()
    if got == want:
        return
    diff = difflib.unified_diff(
        want.decode().splitlines(),
        got.decode().splitlines(),
        f"tests/golden/{rel} (committed)",
        f"{rel} (now)",
        lineterm="",
        n=0,
    )
    lines = list(diff)
    shown = "\n".join(lines[:60]) + (f"\n... {len(lines) - 60} more diff lines" if len(lines) > 60 else "")
    pytest.fail(f"results moved in {rel}:\n{shown}\n{HOW}", pytrace=False)


@pytest.mark.parametrize("case", sorted(REGEN.RUNS))
def test_a_fixed_seed_gives_the_committed_results(case):
    for fname, data in REGEN.run_case(case).items():
        compare(f"{case}/{fname}", data)


def test_replaying_the_committed_drill_transcript_gives_the_committed_events():
    for fname, data in REGEN.drill_case().items():
        compare(f"drill-db-failover/{fname}", data)


def test_a_moved_result_fails_with_a_diff(tmp_path):
    """The comparison itself can fail, and says where."""
    with pytest.raises(pytest.fail.Exception) as err:
        compare("startup/time.csv", (GOLDEN / "startup" / "time.csv").read_bytes().replace(b",", b";", 1))
    assert "results moved in startup/time.csv" in str(err.value) and "regenerate.py" in str(err.value)
