"""Guards against runaway work and overconfident answers: the incident limit, the estimate before
a long run, progress off a terminal, and the pilot's floor on small samples."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from incsim import api
from incsim.cli import app
from incsim.cli.common import Progress
from incsim.pilot import MIN_SAMPLE, WARN_SAMPLE, History, PilotError, answer_sentence, pilot_report


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_a_runaway_arrival_rate_is_refused_before_any_work_at_its_line(tmp_path, minimal_yaml):
    path = tmp_path / "big.yaml"
    path.write_text(minimal_yaml.replace("rate_per_week: 2", "rate_per_week: 70000"), encoding="utf-8")
    line_no = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if "70000" in line)
    res = invoke("run", str(path), "-n", "1000000", "-o", str(tmp_path / "o"), "-q")
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"{path}:{line_no}:") and "simulation.max_incidents" in line
    assert not (tmp_path / "o").exists()
    lifted = (
        minimal_yaml.replace("rate_per_week: 2", "rate_per_week: 70000")
        + "simulation: {max_incidents: 400000, horizon_days: 0.01}\n"
    )
    path.write_text(lifted, encoding="utf-8")
    assert invoke("validate", str(path)).exit_code == 0  # lifted explicitly: accepted


def test_a_replication_over_the_limit_is_a_located_error(tmp_path, minimal_yaml):
    # 2 a week for 28 days: 8 expected, so a limit of 8 passes the check but some replication exceeds it
    path = tmp_path / "edge.yaml"
    path.write_text(minimal_yaml + "simulation: {max_incidents: 8}\n", encoding="utf-8")
    res = invoke("run", str(path), "-n", "30", "--seed", "1", "-o", str(tmp_path / "o"), "-q", "--jobs", "1")
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"{path}:") and "over simulation.max_incidents = 8" in line
    assert not (tmp_path / "o").exists()


def test_a_long_run_is_announced_with_an_estimate(tmp_path, monkeypatch, minimal_yaml):
    path = tmp_path / "t.yaml"
    path.write_text(minimal_yaml, encoding="utf-8")
    notes: list[str] = []
    monkeypatch.setattr(api, "LONG_RUN_S", 0.0)  # every run counts as long
    out = api.run_scenario(
        api.load(path), replications=3, seed=1, out_dir=tmp_path / "o", notice=notes.append
    )
    (note,) = notes
    assert note.startswith("estimate: about ") and "3 replications" in note and "2 protocols" in note
    monkeypatch.setattr(api, "LONG_RUN_S", 1e9)
    quiet: list[str] = []
    again = api.run_scenario(
        api.load(path), replications=3, seed=1, out_dir=tmp_path / "p", notice=quiet.append
    )
    assert quiet == []
    # the timed first replication is part of the run: same bytes as without it
    assert (out.out_dir / "incidents.csv").read_bytes() == (again.out_dir / "incidents.csv").read_bytes()


def test_progress_off_a_terminal_is_plain_lines_and_quiet_silences_it(capsys):
    with Progress("simulating", 40, every=3600) as p:
        p.advance(10)
        p._line()
        p.note("estimate: about 1 min")
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("simulating: 10/40 replications (25%)") and "left" in err[0]
    assert err[1] == "estimate: about 1 min"
    with Progress("simulating", 40, quiet=True, every=3600) as p:
        p.advance(5)
        p.note("estimate")
    assert capsys.readouterr().err == ""


def _history(n: int) -> History:
    durations = np.random.default_rng(n).lognormal(4.0, 1.0, n)
    return History(source=f"history of {n}", durations=durations, rows=n)


def test_pilot_refuses_a_history_below_the_minimum_and_warns_below_the_larger_one():
    with pytest.raises(PilotError, match=f"only {MIN_SAMPLE - 1} usable values; at least {MIN_SAMPLE}"):
        pilot_report(_history(MIN_SAMPLE - 1), per_arm=20, trials=200, seed=1)
    with pytest.raises(PilotError, match="the same"):
        pilot_report(
            History(source="flat", durations=np.full(50, 30.0), rows=50), per_arm=20, trials=200, seed=1
        )
    rough = pilot_report(_history(MIN_SAMPLE), per_arm=20, trials=200, seed=1)
    assert rough["warnings"] and f"fewer than {WARN_SAMPLE}" in rough["warnings"][0]
    assert "Caution:" in answer_sentence(rough)
    enough = pilot_report(_history(WARN_SAMPLE), per_arm=20, trials=200, seed=1)
    assert enough["warnings"] == [] and "Caution" not in answer_sentence(enough)


def test_pilot_on_a_one_row_history_is_one_line_and_exit_2(tmp_path):
    pd.DataFrame({"ttr_minutes": [42]}).to_csv(tmp_path / "h.csv", index=False)
    res = invoke("pilot", "--durations", str(tmp_path / "h.csv"), "--per-month", "10", "--seed", "1")
    assert res.exit_code == 2 and res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert "only 1 usable value" in line
    pd.DataFrame({"ttr_minutes": np.arange(30) * 7 + 5}).to_csv(tmp_path / "h30.csv", index=False)
    res = invoke(
        "pilot",
        "--durations",
        str(tmp_path / "h30.csv"),
        "--per-arm",
        "20",
        "--trials",
        "200",
        "--seed",
        "1",
        "--json",
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["warnings"]
