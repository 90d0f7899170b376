"""Damaged inputs and outputs: every file of a results folder and of a sweep, cut short, with a
byte flipped, or deleted, is refused by every reader in one line naming it; a damaged scenario is
a located error or a valid scenario, never a traceback."""

from __future__ import annotations

import json
import shutil

import pytest
from faultkit import tree, write_tiny_sweep
from typer.testing import CliRunner

from incsim import api
from incsim.cli import app
from incsim.output import OutputError
from incsim.sweep import load_sweep, run_sweep

DAMAGES = ("truncate", "flip", "delete")


def damage(path, how: str) -> None:
    """Cut ``path`` to half its length, flip one byte in its middle, or delete it."""
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flip":
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1 :])
    else:
        path.unlink()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A results folder of the default scenario (4 replications, 2 event logs)."""
    root = tmp_path_factory.mktemp("damage")
    scn = api.load(None)
    api.run_scenario(scn, replications=4, seed=8, out_dir=root / "r")
    return root / "r"


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_every_file_of_a_results_folder_is_listed(results):
    listed = {e["path"] for e in json.loads((results / "run.json").read_text())["files"]}
    assert listed | {"run.json"} == set(_files(results))


@pytest.mark.parametrize("how", DAMAGES)
def test_report_and_pilot_refuse_any_damaged_file_naming_it(results, tmp_path, how):
    for rel in _files(results):
        copy = tmp_path / f"{how}-{rel.replace('/', '_')}"
        shutil.copytree(results, copy)
        damage(copy / rel, how)
        for args in (
            ["report", str(copy)],
            [
                "pilot",
                "--from-results",
                str(copy),
                "--protocol",
                "war-room",
                "--per-arm",
                "20",
                "--trials",
                "100",
                "--seed",
                "1",
            ],
        ):
            res = invoke(*args)
            assert res.exit_code == 2, (args[0], rel, how, res.stdout)
            lines = res.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
            assert rel.rsplit("/", 1)[-1] in lines[0], (args[0], rel, how, lines[0])
            assert res.stdout == ""
        assert not (copy / "report.html").exists()


def test_a_stale_file_from_another_run_is_a_mixed_folder(results, tmp_path):
    copy = tmp_path / "mixed"
    shutil.copytree(results, copy)
    shutil.copy(copy / "events" / "replication-000.jsonl", copy / "events" / "replication-007.jsonl")
    res = invoke("report", str(copy))
    assert res.exit_code == 2 and "replication-007.jsonl" in res.stderr and "mixed" in res.stderr


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    """A finished tiny sweep (its folder) and its sweep file; tests work on copies."""
    root = tmp_path_factory.mktemp("sweep")
    sweep_file = write_tiny_sweep(root, reps=3)
    run_sweep(load_sweep(sweep_file), out_dir=root / "s")
    return sweep_file, root / "s"


def _tiny_sweep_folder(tmp_path, finished_sweep):
    sweep_file, done = finished_sweep
    out = tmp_path / "s"
    shutil.copytree(done, out)
    return sweep_file, out


@pytest.mark.parametrize("how", ("truncate", "flip"))
def test_a_damaged_checkpoint_or_sweep_manifest_refuses_the_resume(tmp_path, finished_sweep, how):
    sweep_file, out = _tiny_sweep_folder(tmp_path, finished_sweep)
    for rel in ("points/point-002.json", "sweep.json"):
        copy = tmp_path / f"{how}-{rel.replace('/', '_')}"
        shutil.copytree(out, copy)
        damage(copy / rel, how)
        with pytest.raises(OutputError) as info:
            run_sweep(load_sweep(sweep_file), out_dir=copy)
        assert rel.rsplit("/", 1)[-1] in str(info.value)
        res = invoke("sweep", str(sweep_file), "-o", str(copy), "-q")
        assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1


def test_a_deleted_checkpoint_is_computed_again_to_the_same_bytes(tmp_path, finished_sweep):
    sweep_file, out = _tiny_sweep_folder(tmp_path, finished_sweep)
    before = tree(out)
    damage(out / "points" / "point-004.json", "delete")
    outcome = run_sweep(load_sweep(sweep_file), out_dir=out)
    assert outcome.computed == 1
    assert tree(out) == before


def test_a_checkpoint_of_another_sweep_is_refused(tmp_path, finished_sweep):
    sweep_file, out = _tiny_sweep_folder(tmp_path, finished_sweep)
    (out / "points" / "point-042.json").write_text((out / "points" / "point-000.json").read_text())
    with pytest.raises(OutputError, match="point-042.json.*mixed"):
        run_sweep(load_sweep(sweep_file), out_dir=out)


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_scenario_is_a_located_error_or_a_valid_scenario(tmp_path, minimal_yaml, how):
    for name, text in (("tiny.yaml", minimal_yaml), ("seed.yaml", api.load(None).text)):
        path = tmp_path / f"{how}-{name}"
        path.write_text(text, encoding="utf-8")
        damage(path, how)
        res = invoke("validate", str(path))
        assert res.exit_code in (0, 2), res.output
        assert "Traceback" not in res.output
        if res.exit_code == 2:
            assert all(line.startswith(str(path)) for line in res.stderr.strip().splitlines()), res.stderr
