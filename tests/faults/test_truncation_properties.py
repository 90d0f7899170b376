"""Property: a reader given any prefix of a file it reads either refuses it with its documented
one-line error or, for the whole file only, reads exactly what was written. Seeded and small by
default; ``-m slow`` runs many more examples."""

from __future__ import annotations

import shutil

import pytest
from faultkit import minimal_yaml_text, write_tiny_sweep
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from incsim import api
from incsim.output import OutputError, check_seal, read_sealed_json
from incsim.pilot import PilotError, baseline_from_results
from incsim.report.results import ReportError, load_results
from incsim.scenario.loader import ScenarioError, load_scenario_text
from incsim.sweep import load_sweep, run_sweep

FAST = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SLOW = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("props")
    (root / "tiny.yaml").write_text(minimal_yaml_text(), encoding="utf-8")
    api.run_scenario(api.load(root / "tiny.yaml"), replications=3, seed=2, out_dir=root / "r")
    return root / "r"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt")
    sweep_file = write_tiny_sweep(root, reps=2)
    run_sweep(load_sweep(sweep_file), out_dir=root / "s")
    return root / "s" / "points" / "point-001.json"


def _results_files(results):
    return sorted(p.relative_to(results).as_posix() for p in results.rglob("*") if p.is_file())


def _check_results_prefix(results, tmp_path, data) -> None:
    rel = data.draw(st.sampled_from(_results_files(results)), label="file")
    whole = (results / rel).read_bytes()
    cut = data.draw(st.integers(0, len(whole)), label="length")
    copy = tmp_path / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(results, copy)
    (copy / rel).write_bytes(whole[:cut])
    if cut == len(whole):
        check_seal(copy)
        load_results(copy)
        return
    with pytest.raises(OutputError) as info:
        check_seal(copy)
    assert rel.rsplit("/", 1)[-1] in str(info.value)
    with pytest.raises(ReportError):
        load_results(copy)
    with pytest.raises(PilotError):
        baseline_from_results(copy, "war-room")


def _check_checkpoint_prefix(checkpoint, tmp_path, data) -> None:
    whole = checkpoint.read_bytes()
    cut = data.draw(st.integers(0, len(whole)), label="length")
    path = tmp_path / "point.json"
    path.write_bytes(whole[:cut])
    try:
        record = read_sealed_json(path)
    except OutputError as exc:
        assert "point.json" in str(exc) and "\n" not in str(exc)
        return
    assert record == read_sealed_json(checkpoint)  # only a lost trailing newline can still read


def _check_scenario_prefix(tmp_path, data) -> None:
    text = data.draw(st.sampled_from([minimal_yaml_text(), api.load(None).text]), label="scenario")
    cut = data.draw(st.integers(0, len(text)), label="length")
    try:
        load_scenario_text(text[:cut], "s.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(str(p).startswith("s.yaml:") for p in exc.problems)


@seed(1301)
@FAST
@given(data=st.data())
def test_any_prefix_of_a_results_file_is_refused(results, tmp_path, data):
    _check_results_prefix(results, tmp_path, data)


@seed(1302)
@FAST
@given(data=st.data())
def test_any_prefix_of_a_checkpoint_is_refused_or_equal(checkpoint, tmp_path, data):
    _check_checkpoint_prefix(checkpoint, tmp_path, data)


@seed(1303)
@FAST
@given(data=st.data())
def test_any_prefix_of_a_scenario_is_located_or_valid(tmp_path, data):
    _check_scenario_prefix(tmp_path, data)


@pytest.mark.slow
@seed(2301)
@SLOW
@given(data=st.data())
def test_many_prefixes_of_results_files(results, tmp_path, data):
    _check_results_prefix(results, tmp_path, data)


@pytest.mark.slow
@seed(2302)
@SLOW
@given(data=st.data())
def test_many_prefixes_of_checkpoints(checkpoint, tmp_path, data):
    _check_checkpoint_prefix(checkpoint, tmp_path, data)


@pytest.mark.slow
@seed(2303)
@SLOW
@given(data=st.data())
def test_many_prefixes_of_scenarios(tmp_path, data):
    _check_scenario_prefix(tmp_path, data)
