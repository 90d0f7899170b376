"""A file-size limit (RLIMIT_FSIZE, as ``ulimit -f`` sets) hit while writing: every command that
writes says so in one line, exits non-zero, and leaves nothing half-written."""

from __future__ import annotations

import shutil

import pytest
from faultkit import finish, half_written, start, tree

from incsim import api
from incsim.sweep import load_sweep, run_sweep

LIMIT = 2048  # bytes: below every output file of these commands


@pytest.fixture
def results(tmp_path, minimal_yaml):
    """A small results folder ``r`` (the tiny scenario, 5 replications) beside its scenario."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "tiny.yaml").write_text(minimal_yaml, encoding="utf-8")
    api.run_scenario(api.load(root / "tiny.yaml"), replications=5, seed=4, out_dir=root / "r")
    return root


def _one_line_failure(code: int, stderr: str) -> str:
    assert code != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_run_into_a_full_disk_writes_nothing(results, tmp_path):
    out = tmp_path / "o"
    proc = start(
        "run",
        str(results / "tiny.yaml"),
        "-n",
        "3",
        "--seed",
        "1",
        "-o",
        str(out),
        "-q",
        cwd=tmp_path,
        limit_bytes=LIMIT,
    )
    code, _, stderr = finish(proc, within=60)
    line = _one_line_failure(code, stderr)
    assert "File too large" in line and str(out) in line
    assert not out.exists()


@pytest.mark.slow
def test_run_over_earlier_results_keeps_them_whole(results, tmp_path):
    out = tmp_path / "keep"
    shutil.copytree(results / "r", out)
    before = tree(out)
    proc = start(
        "run",
        str(results / "tiny.yaml"),
        "-n",
        "3",
        "--seed",
        "1",
        "-o",
        str(out),
        "-q",
        "--force",
        cwd=tmp_path,
        limit_bytes=LIMIT,
    )
    code, _, stderr = finish(proc, within=60)
    _one_line_failure(code, stderr)
    assert tree(out) == before and half_written(out) == []


def test_report_and_pilot_and_schema_outputs_are_all_or_nothing(results, tmp_path):
    cases = [
        (["report", str(results / "r"), "-o", str(tmp_path / "rep.html")], tmp_path / "rep.html"),
        (
            [
                "pilot",
                "--from-results",
                str(results / "r"),
                "--protocol",
                "war-room",
                "--per-arm",
                "20",
                "--trials",
                "100",
                "--seed",
                "1",
                "-o",
                str(tmp_path / "p"),
            ],
            tmp_path / "p" / "pilot.json",
        ),
        (["schema", "-o", str(tmp_path / "s.json")], tmp_path / "s.json"),
    ]
    for args, target in cases:
        code, _, stderr = finish(start(*args, cwd=tmp_path, limit_bytes=LIMIT), within=90)
        assert code != 0, (args[0], target.stat().st_size if target.exists() else None)
        line = _one_line_failure(code, stderr)
        assert "too large" in line.lower(), line
        assert not target.exists(), target
    assert half_written(tmp_path) == []


def test_a_sweep_that_hits_the_limit_keeps_its_checkpoints_and_resumes(tmp_path, tiny_sweep):
    sweep_file = tiny_sweep(reps=3)
    whole = tmp_path / "whole"
    run_sweep(load_sweep(sweep_file), out_dir=whole)
    cut = tmp_path / "cut"
    code, _, stderr = finish(
        start("sweep", str(sweep_file), "-o", str(cut), "-q", cwd=tmp_path, limit_bytes=LIMIT), within=90
    )
    line = _one_line_failure(code, stderr)
    assert "File too large" in line and "resumes" in line
    assert half_written(cut) == []
    run_sweep(load_sweep(sweep_file), out_dir=cut)
    assert {k: v for k, v in tree(cut).items()} == tree(whole)
