"""Shared fixtures."""

import os
from pathlib import Path

import pytest
from scenario_helpers import MINIMAL_YAML

# The suite's runs skip tornado.json (each uncertain parameter at its range's ends: on the default
# scenario about six times the CPU of a short run) unless a test asks for it with --tornado or
# ``api.run_scenario(also=...)``; subprocesses inherit the setting.
os.environ.setdefault("INCSIM_TORNADO", "0")


@pytest.fixture
def minimal_yaml() -> str:
    """A small valid scenario (18 lines); tests derive broken variants by editing its text."""
    return MINIMAL_YAML


def pytest_configure(config) -> None:
    """Refuse to test an installed copy: the suite tests the working tree's ``src/``."""
    import incsim

    src = Path(__file__).resolve().parents[1] / "src" / "incsim"
    here = Path(incsim.__file__).resolve().parent
    if here != src:
        raise pytest.UsageError(f"tests would import incsim from {here}, not the working tree's {src}")


# CPU seconds of the heaviest test files, each run alone (measured 2026-12-01 on the 2-core
# machine under load; only their order matters). The suite runs a file per worker
# (``--dist loadfile``) in collection order (``--no-loadscope-reorder``): handing out the heaviest
# first keeps a long file from starting last while the other worker idles.
HEAVY_FILES = {
    "queueing/test_queueing.py": 97,
    "report/test_report.py": 43,
    "studies/test_sweep.py": 42,
    "faults/test_signals.py": 25,
    "faults/test_disk.py": 23,
    "core/test_parallel.py": 19,
    "model/test_arrivals.py": 19,
    "scenario/test_words.py": 17,
    "drill/test_drill_console.py": 16,
    "cli/test_cli_run.py": 16,
    "faults/test_damage.py": 16,
    "model/test_claims.py": 15,
    "scenario/test_example_scenarios.py": 14,
    "calibrate/test_calibrate.py": 14,
    "studies/test_pilot.py": 13,
    "report/test_report_browser.py": 12,
    "model/test_model_behaviour.py": 11,
    "cli/test_cli_verify.py": 11,
    "faults/test_truncation_properties.py": 11,
    "drill/test_drill_plain.py": 10,
    "core/test_accounting.py": 10,
    "essay/test_essay_honesty.py": 10,
    "cli/test_docs_examples.py": 34,  # measured 2026-12-07, alone, on the machine under load
}


def pytest_collection_modifyitems(config, items) -> None:
    """The heaviest files first, the rest in their usual order (a stable sort)."""
    tests = Path(__file__).resolve().parent

    def cost(item) -> int:
        try:
            rel = Path(item.fspath).resolve().relative_to(tests).as_posix()
        except ValueError:
            return 0
        return HEAVY_FILES.get(rel, 0)

    items.sort(key=lambda item: -cost(item))
