"""Parameter sweeps: overrides, located errors, points, break-even, tornado, resume, CLI."""

from __future__ import annotations

import json
import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from incsim import sweep as sw
from incsim.cli.sweep import sweep as sweep_command
from incsim.output import OutputError
from incsim.scenario.loader import ScenarioError, load_scenario_text
from incsim.scenario.schema import Scenario
from incsim.sweep import (
    OverrideError,
    SweptParameter,
    TornadoBar,
    apply_override,
    break_even,
    describe_line,
    load_sweep,
    load_sweep_text,
    run_sweep,
    scenario_data,
)
from incsim.sweep import writing as sweep_writing
from incsim.sweep.tornado import tornado

ROOT = Path(__file__).resolve().parents[2]

SWEEP = """\
apiVersion: incsim/v1
kind: Sweep
metadata: {name: tiny-sweep}
scenario: tiny.yaml
replications: 3
seed: 5
base_overrides:
  simulation.horizon_days: 7
parameters:
  - path: behaviour.reply_latency.working
    values: [5, 40]
  - path: protocols.war-room.room.stay_probability
    values: {from: 0.2, to: 1.0, steps: 3}
"""


@pytest.fixture
def tiny(tmp_path, minimal_yaml) -> Path:
    """A sweep file over the conftest's tiny scenario, with that scenario beside it."""
    (tmp_path / "tiny.yaml").write_text(minimal_yaml, encoding="utf-8")
    path = tmp_path / "tiny-sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture
def base_data(minimal_yaml) -> dict:
    return scenario_data(load_scenario_text(minimal_yaml))


def problems_of(text: str, tmp_path: Path) -> list[str]:
    """The located problem lines of sweep ``text`` (written as ``s.yaml`` beside tiny.yaml)."""
    with pytest.raises(ScenarioError) as info:
        load_sweep_text(text, "s.yaml", tmp_path)
    lines = [str(p) for p in info.value.problems]
    assert all("\n" not in line for line in lines)
    return lines


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a sweep wrote, by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# --- overrides ----------------------------------------------------------------------------------


def test_override_by_key_index_and_name_leaves_the_input_alone(base_data):
    before = json.dumps(base_data, sort_keys=True)
    by_index = apply_override(base_data, "protocols.0.room.stay_probability", 0.3)
    by_name = apply_override(base_data, "protocols.war-room.room.stay_probability", 0.3)
    assert by_index == by_name
    assert Scenario.model_validate(by_name).protocol("war-room").room.stay_probability == 0.3
    team = apply_override(base_data, "org.teams.app.size", 6)
    assert Scenario.model_validate(team).team("app").size == 6
    assert json.dumps(base_data, sort_keys=True) == before


def test_defaults_are_addressable_and_durations_are_mappings(base_data):
    # the tiny scenario leaves behaviour at its defaults: they can still be swept
    d = apply_override(base_data, "behaviour.reply_latency.working", 25)
    assert Scenario.model_validate(d).behaviour.reply_latency.working.mean() == 25  # a bare number: fixed
    d = apply_override(base_data, "incidents.categories.single-service.diagnosis.median", 80)
    assert Scenario.model_validate(d).incidents.categories["single-service"].diagnosis.median == 80
    d = apply_override(
        base_data, "incidents.categories.single-service.diagnosis", {"dist": "uniform", "low": 10, "high": 20}
    )
    assert Scenario.model_validate(d).incidents.categories["single-service"].diagnosis.mean() == 15


@pytest.mark.parametrize(
    "path, words",
    [
        ("behaviour.reply_latency.workng", "did you mean 'working'"),
        ("protocols.war-rom.kind", "did you mean 'war-room'"),
        ("protocols.7.kind", "no index 7"),
        ("incidents.categories.single-service.diagnosis.mean", "lognormal duration"),
        ("incidents.categories.single-service.fix.median", "fixed duration"),
        ("metadata.name.first", "not a mapping or list"),
        ("behaviour..refocus", "empty segment"),
    ],
)
def test_override_paths_that_do_not_exist(base_data, path, words):
    with pytest.raises(OverrideError, match=words):
        apply_override(base_data, path, 1)


# --- located errors in the sweep file -----------------------------------------------------------


def test_a_typo_in_a_path_is_located_at_that_parameter(tiny, tmp_path):
    text = SWEEP.replace("reply_latency.working", "reply_latency.workng")
    assert problems_of(text, tmp_path) == [
        (
            "s.yaml:10:11: parameters.0.path: no key 'workng' in behaviour.reply_latency "
            "(did you mean 'working'?); known: engaged, working, off_hours"
        )
    ]


def test_a_value_the_schema_rejects_is_located_at_that_value(tiny, tmp_path):
    text = SWEEP.replace("values: [5, 40]", "values: [5, -40]")
    [line] = problems_of(text, tmp_path)
    assert line.startswith("s.yaml:11:17: parameters.0.values.1: behaviour.reply_latency.working = -40 ")
    assert "invalid scenario" in line
    text = SWEEP.replace("{from: 0.2, to: 1.0, steps: 3}", "{from: 0.5, to: 1.5, steps: 3}")
    [line] = problems_of(text, tmp_path)
    assert line.startswith(
        "s.yaml:13:13: parameters.1.values: protocols.war-room.room.stay_probability = 1.5"
    )


def test_unknown_keys_missing_keys_and_bad_metric_are_located(tiny, tmp_path):
    text = SWEEP.replace("seed: 5", "sede: 5").replace("steps: 3", "step: 3") + "metric: cost\n"
    assert problems_of(text, tmp_path) == [
        "s.yaml:6:1: sede: unknown key 'sede' (did you mean 'seed'?)",
        "s.yaml:13:13: parameters.1.values.steps: missing required key 'steps'",
        "s.yaml:13:34: parameters.1.values.step: unknown key 'step' (did you mean 'steps'?)",
        "s.yaml:14:9: metric: unknown value 'cost' (did you mean 'cost_usd'?); expected one of: "
        + ", ".join(sw.METRICS),
    ]


def test_base_overrides_and_scenario_are_checked_too(tiny, tmp_path):
    text = SWEEP.replace("simulation.horizon_days: 7", "simulation.horizon_dayz: 7")
    [line] = problems_of(text, tmp_path)
    assert line.startswith("s.yaml:8:3: base_overrides.simulation.horizon_dayz: no key 'horizon_dayz'")
    [line] = problems_of(SWEEP.replace("scenario: tiny.yaml", "scenario: nope.yaml"), tmp_path)
    assert line == "s.yaml:4:11: scenario: nope.yaml: no such file"
    [line] = problems_of(
        SWEEP.replace(
            "    values: [5, 40]", "    values: [5, 40]\n  - path: simulation.seed\n    values: [1, 2]"
        ),
        tmp_path,
    )
    assert "cannot sweep simulation.seed" in line


def test_a_grid_point_that_is_invalid_only_in_combination(tmp_path, minimal_yaml):
    (tmp_path / "tiny.yaml").write_text(minimal_yaml)
    text = (
        SWEEP.replace(
            "behaviour.reply_latency.working\n    values: [5, 40]",
            "protocols.war-room.room.invite.size.low\n    values: [2, 8]",
        ).replace(
            "protocols.war-room.room.stay_probability\n    values: {from: 0.2, to: 1.0, steps: 3}",
            "protocols.war-room.room.invite.size.high\n    values: [6, 12]",
        )
        + "mode: grid\n"
    )
    # high = 6 is invalid with the base's low = 8 but valid with low = 2: only the combination is wrong
    [line] = problems_of(text, tmp_path)
    assert line.startswith(
        "s.yaml:11:13: parameters.0.values: the grid point protocols.war-room.room.invite.size.low "
        "= 8, protocols.war-room.room.invite.size.high = 6 makes an invalid scenario"
    )
    assert line.endswith("high must be at least low")
    # a value invalid in every combination is blamed on the value itself, once
    [line] = problems_of(text.replace("[2, 8]", "[2, -8]"), tmp_path)
    assert line.startswith(
        "s.yaml:11:17: parameters.0.values.1: protocols.war-room.room.invite.size.low = -8 "
    )


# --- points ------------------------------------------------------------------------------------


def test_one_at_a_time_and_grid_point_counts(tiny, tmp_path):
    one = load_sweep(tiny)
    assert [p.varied for p in one.points] == ["base"] + ["behaviour.reply_latency.working"] * 2 + [
        "protocols.war-room.room.stay_probability"
    ] * 3
    assert one.parameters[1].values == (0.2, 0.6, 1)  # a range: rounded, whole numbers as ints
    assert one.points[3].overrides == {"protocols.war-room.room.stay_probability": 0.2}
    assert one.points[3].scenario.simulation.horizon_days == 7  # base_overrides apply to every point
    assert one.points[3].scenario.protocol("war-room").room.stay_probability == 0.2
    tiny.write_text(SWEEP + "mode: grid\n")
    grid = load_sweep(tiny)
    assert len(grid.points) == 2 * 3
    assert {tuple(p.overrides.values()) for p in grid.points} == {
        (a, b) for a in (5, 40) for b in (0.2, 0.6, 1)
    }


def test_log_ranges_and_units(tiny):
    tiny.write_text(
        SWEEP.replace("{from: 0.2, to: 1.0, steps: 3}", "[0.5]").replace(
            "values: [5, 40]", "values: {from: 5, to: 80, steps: 5, scale: log}"
        )
    )
    s = load_sweep(tiny)
    assert s.parameters[0].values == (5, 10, 20, 40, 80)
    assert s.parameters[0].unit == "min" and s.parameters[1].unit == ""


# --- break-even ---------------------------------------------------------------------------------


def param(xs=(5, 10, 20, 40, 80), unit="min", by_mean=False) -> SweptParameter:
    labels = tuple(str(x) for x in xs)
    return SweptParameter(
        "behaviour.reply_latency.working.median",
        tuple(xs),
        labels,
        None if xs is None else tuple(float(x) for x in xs),
        by_mean,
        "log",
        unit,
        "10",
        10.0,
    )


def sentence(diffs, xs=(5, 10, 20, 40, 80), metric="cost_usd", ci=None):
    lows, highs = ci if ci else ([d - 0.5 for d in diffs], [d + 0.5 for d in diffs])
    par = param(xs)
    return describe_line("async-first", "war-room", metric, par, list(range(len(diffs))), diffs, lows, highs)


def test_break_even_interpolates_the_crossing():
    [c] = break_even([5, 10, 20, 40, 80], [-30, -20, -10, 10, 30])
    assert (c.left, c.right, c.rising) == (2, 3, True) and c.x == pytest.approx(30.0)
    rec = sentence([-30, -20, -10, 10, 30])
    assert rec["sentence"] == (
        "async-first stops paying off (cost_usd) when "
        "behaviour.reply_latency.working.median exceeds 30 min (between 20 and 40)"
    )
    assert rec["crossings"][0]["between"] == ["20", "40"]
    falling = sentence([40, 10, -50, -60, -70])["sentence"]
    assert (
        falling.startswith("async-first starts paying off (cost_usd) when") and "exceeds 11.7 min" in falling
    )


def test_no_crossing_is_said_explicitly():
    assert sentence([-5, -4, -3, -2, -1])["sentence"] == (
        "async-first is cheaper than war-room (cost_usd) across the whole range of "
        "behaviour.reply_latency.working.median, 5–80 min"
    )
    assert sentence([5, 4, 3, 2, 1], metric="ttr_min")["sentence"].startswith(
        "async-first is slower than war-room"
    )
    rec = sentence([-5, -4, -3, -2, -1], ci=([-6, -5, -4, -3, -2], [-4, -3, -2, -1, 0.5]))
    assert rec["sentence"].endswith("(the 95% CI of the difference includes zero at 80)")
    assert break_even([1, 2, 3], [math.nan, -1, -2]) == []


def test_multiple_crossings_report_the_first_and_say_there_are_more():
    rec = sentence([-10, 10, -10, 10, 20])
    assert len(rec["crossings"]) == 3
    assert rec["sentence"].startswith(
        "async-first stops paying off (cost_usd) when "
        "behaviour.reply_latency.working.median exceeds 7.5 min (between 5 and 10)"
    )
    assert "changes sign 2 more times in the range (near 15, 30)" in rec["sentence"]


def test_exact_zero_and_categorical_crossings():
    [c] = break_even([1, 2, 3], [-1, 0, 1])
    assert (c.left, c.right, c.x) == (1, 1, 2.0)
    [c] = break_even(None, [-1, 1])
    assert c.x is None
    par = SweptParameter(
        "org.teams.app.duties", (["ic"], []), ('["ic"]', "[]"), None, False, "linear", "", "", None
    )
    rec = describe_line("async-first", "war-room", "cost_usd", par, [0, 1], [-1, 1], [-2, 0], [0, 2])
    assert rec["sentence"].startswith(
        'async-first stops paying off (cost_usd) between org.teams.app.duties = ["ic"] and []'
    )


def test_tornado_puts_the_widest_swing_first():
    bars = [
        TornadoBar("a", "1", "2", 0.0, 1.0),
        TornadoBar("b", "1", "2", 5.0, -5.0),
        TornadoBar("c", "1", "2", math.nan, 3.0),
        TornadoBar("d", "1", "2", 2.0, 4.5),
    ]
    assert [b.parameter for b in tornado(bars)] == ["b", "d", "a", "c"]


# --- running, resuming, reproducibility -------------------------------------------------------

REPS = 3  # replications per point in SWEEP


class Points(list):
    """Replications run (one entry each), counted in points (SWEEP's 3 replications each)."""

    def __len__(self) -> int:
        n = super().__len__()
        assert n % REPS == 0, f"{n} replications is not a whole number of points"
        return n // REPS


@pytest.fixture
def counted(monkeypatch):
    """Count the points computed (the replications run, serially) and optionally interrupt the
    sweep when a number of points has finished (at the next replication)."""
    real = sweep_writing.run_replication
    calls = Points()
    stop_after: list[int | None] = [None]

    def fake(*args, **kwargs):
        if stop_after[0] is not None and list.__len__(calls) >= stop_after[0] * REPS:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_writing, "run_replication", fake)
    return calls, stop_after


def test_resume_skips_finished_points_and_gives_the_same_bytes(tiny, tmp_path, counted):
    calls, stop_after = counted
    spec = load_sweep(tiny)
    n = len(spec.points)
    whole = run_sweep(spec, out_dir=tmp_path / "whole")
    assert len(calls) == n and whole.computed == n and whole.resumed == 0
    expected = outputs(tmp_path / "whole")
    for name in (
        "sweep.csv",
        "breakeven.json",
        "tornado.csv",
        "sweep.json",
        "tornado-cost_usd.svg",
        "chart-behaviour.reply_latency.working.svg",
        "points/point-000.json",
    ):
        assert name in expected, name

    # interrupted after two points: they are kept, the rest is not written
    calls.clear()
    stop_after[0] = 2
    with pytest.raises(sw.SweepInterrupted) as info:
        run_sweep(load_sweep(tiny), out_dir=tmp_path / "cut")
    assert (info.value.done, info.value.total) == (2, n)
    assert sorted(p.name for p in (tmp_path / "cut" / "points").iterdir()) == [
        "point-000",
        "point-000.json",
        "point-001",
        "point-001.json",
    ]
    assert not (tmp_path / "cut" / "sweep.csv").exists()
    assert json.loads((tmp_path / "cut" / "sweep.json").read_text())["complete"] is False

    # re-run: only the unfinished points are computed; the outputs equal the uninterrupted ones
    calls.clear()
    stop_after[0] = None
    again = run_sweep(load_sweep(tiny), out_dir=tmp_path / "cut")
    assert len(calls) == n - 2 and again.resumed == 2
    assert outputs(tmp_path / "cut") == expected

    # a lost checkpoint is recomputed alone
    (tmp_path / "whole" / "points" / "point-003.json").unlink()
    calls.clear()
    run_sweep(load_sweep(tiny), out_dir=tmp_path / "whole")
    assert len(calls) == 1
    assert outputs(tmp_path / "whole") == expected

    # ... and so is a point whose results folder was damaged since its checkpoint was written
    (tmp_path / "whole" / "points" / "point-004" / "incidents.csv").write_text("cut short")
    calls.clear()
    run_sweep(load_sweep(tiny), out_dir=tmp_path / "whole")
    assert len(calls) == 1
    assert outputs(tmp_path / "whole") == expected


def test_a_changed_sweep_file_is_refused_and_force_starts_over(tiny, tmp_path, counted):
    calls, _ = counted
    out = tmp_path / "out"
    run_sweep(load_sweep(tiny), out_dir=out)
    tiny.write_text(SWEEP.replace("[5, 40]", "[5, 60]"))
    with pytest.raises(OutputError, match="different sweep file.*--force"):
        run_sweep(load_sweep(tiny), out_dir=out)
    calls.clear()
    redone = run_sweep(load_sweep(tiny), out_dir=out, force=True)
    assert len(calls) == len(redone.sweep.points) and redone.resumed == 0
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty"):
        run_sweep(load_sweep(tiny), out_dir=busy)
    assert (busy / "notes.txt").read_text() == "mine"


def test_same_seed_same_bytes_serial_or_parallel_other_seed_differs(tiny, tmp_path):
    run_sweep(load_sweep(tiny), out_dir=tmp_path / "a")
    with ProcessPoolExecutor(2) as pool:
        run_sweep(load_sweep(tiny), out_dir=tmp_path / "b", executor=pool)
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    tiny.write_text(SWEEP.replace("seed: 5", "seed: 6"))
    run_sweep(load_sweep(tiny), out_dir=tmp_path / "c")
    assert (tmp_path / "a" / "sweep.csv").read_bytes() != (tmp_path / "c" / "sweep.csv").read_bytes()


def test_a_sweep_into_a_relative_folder_is_written_and_sealed(tiny, tmp_path, monkeypatch):
    """``-o results/x`` names a folder from where the command runs: the sweep finishes there and
    its manifest lists its files within it (once, a relative folder was joined to itself)."""
    from incsim.output import check_seal

    monkeypatch.chdir(tmp_path)
    outcome = run_sweep(load_sweep(tiny), out_dir=Path("rel") / "s")
    record = check_seal(tmp_path / "rel" / "s")
    assert "sweep.csv" in {e["path"] for e in record["files"]}
    assert outcome.computed == len(outcome.sweep.points)


def test_points_share_random_numbers(tiny, tmp_path):
    """A war room never waits for channel replies: its figures are identical at every reply latency."""
    out = run_sweep(load_sweep(tiny), out_dir=tmp_path / "o")
    t = out.table
    war = t[(t["protocol"] == "war-room") & (t["varied"].isin(["base", "behaviour.reply_latency.working"]))]
    assert war.groupby("metric")["mean"].nunique().max() == 1
    # ... and a channel has no room: async-first is identical at every stay probability, the war room is not
    stay = t[
        t["varied"].isin(["base", "protocols.war-room.room.stay_probability"])
        & (t["metric"] == "engineer_hours")
    ]
    assert stay[stay["protocol"] == "async-first"]["mean"].nunique() == 1
    assert stay[stay["protocol"] == "war-room"]["mean"].nunique() > 1
    assert {
        "point",
        "varied",
        "behaviour.reply_latency.working",
        "protocols.war-room.room.stay_probability",
        "protocol",
        "metric",
        "mean",
        "ci_low",
        "ci_high",
        "baseline",
        "diff_mean",
        "diff_ci_low",
        "diff_ci_high",
    } <= set(t.columns)


def test_every_point_is_a_run_folder_that_incsim_run_reproduces(tiny, tmp_path):
    """A point's folder is what `incsim run` writes (its writer, its run.json), and running the
    point's scenario.yaml again gives its CSVs byte for byte."""
    from incsim import api
    from incsim.output import check_seal

    spec = load_sweep(tiny)
    run_sweep(spec, out_dir=tmp_path / "s")
    folder = tmp_path / "s" / "points" / "point-004"
    record = check_seal(folder)
    assert record["sweep"]["point"] == 4 and record["replications"] == 3 and record["seed"] == 5
    assert record["sweep"]["overrides"] == {"protocols.war-room.room.stay_probability": 0.6}
    assert {e["path"] for e in record["files"]} == {
        "incidents.csv",
        "summary.csv",
        "time.csv",
        "scenario.yaml",
    }
    listed = {e["path"] for e in json.loads((tmp_path / "s" / "sweep.json").read_text())["files"]}
    assert {"points/point-004/run.json", "points/point-004/incidents.csv", "points/point-004.json"} <= listed
    check_seal(tmp_path / "s")
    loaded = api.load(folder / "scenario.yaml")
    assert loaded.scenario.protocol("war-room").room.stay_probability == 0.6
    again = api.run_scenario(loaded, out_dir=tmp_path / "again")
    for name in ("incidents.csv", "summary.csv", "time.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes(), name
    assert again.result.replications == 3 and again.seed == 5


class _Recorder:
    """An executor (of one worker) that runs each task when it is submitted, recording what it ran."""

    _max_workers = 1

    def __init__(self, log: list[str], points: list) -> None:
        self.log = log
        self.ids = {id(p.scenario): p.id for p in points}  # a replication is given the point's scenario

    def submit(self, fn, *args):
        from concurrent.futures import Future

        if fn.__name__ == "render":  # a chart: the function that draws it
            self.log.append(f"render {args[0].__name__}")
        else:
            pid = args[0].id if fn.__name__ == "summarise_point" else self.ids[id(args[0])]
            self.log.append(f"{fn.__name__} {pid}")
        fut: Future = Future()
        fut.set_result(fn(*args))
        return fut


def test_an_executor_runs_the_points_replications_and_summaries_without_waiting_between_points(
    tiny, tmp_path
):
    log: list[str] = []
    spec = load_sweep(tiny)
    run_sweep(spec, out_dir=tmp_path / "p", executor=_Recorder(log, spec.points))
    n = len(spec.points)
    charts = [line for line in log if line.startswith("render ")]
    work = [line for line in log if not line.startswith("render ")]
    assert sorted(work) == sorted(
        [f"run_replication {p.id}" for p in spec.points for _ in range(REPS)]
        + [f"summarise_point {p.id}" for p in spec.points]
    )
    # the charts are drawn by the executor too, once every point is in: one per parameter, then
    # one tornado per metric
    assert charts == (
        ["render parameter_chart"] * len(spec.parameters) + ["render tornado_chart"] * len(spec.metrics)
    )
    assert log[-len(charts) :] == charts
    # no barrier at the end of a point: the next point's replications start before its summary
    assert log.index("run_replication 1") < log.index("summarise_point 0")
    # ... and a point is summarised long before the last replications of the sweep
    assert log.index("summarise_point 0") < log.index(f"run_replication {n - 1}")
    run_sweep(load_sweep(tiny), out_dir=tmp_path / "s")
    assert outputs(tmp_path / "p") == outputs(tmp_path / "s")


def test_a_point_over_the_incident_limit_is_refused_when_the_sweep_loads(tiny, tmp_path):
    """Points pass the scenario loader's own checks, the expected size included."""
    text = SWEEP.replace(
        "behaviour.reply_latency.working\n    values: [5, 40]",
        "incidents.arrivals.rate_per_week\n    values: [2, 10000000]",
    )
    [line] = problems_of(text, tmp_path)
    assert line.startswith(
        "s.yaml:11:17: parameters.0.values.1: incidents.arrivals.rate_per_week = 10000000 "
        "makes an invalid scenario: incidents.arrivals.rate_per_week: about "
    )
    assert "over simulation.max_incidents" in line


# --- the command line --------------------------------------------------------------------------

cli = typer.Typer()
cli.command("sweep")(sweep_command)
cli.command("other")(lambda: None)  # two commands, so "sweep" is a sub-command as in the real app
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(cli, ["sweep", *args], catch_exceptions=False)


def test_cli_prints_break_even_lines_and_quiet_prints_only_them(tiny, tmp_path):
    res = invoke(str(tiny), "-o", str(tmp_path / "o"), "-j", "1")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) == 2 * 2 * 1  # parameters x metrics x compared protocols
    assert all("war-room" in line and ("cost_usd" in line or "ttr_min" in line) for line in lines)
    assert "results in" in res.stderr
    quiet = invoke(str(tiny), "-o", str(tmp_path / "o"), "-q")  # resumes: same statements
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout.splitlines() == lines


def test_cli_errors_are_one_line_with_exit_2(tiny, tmp_path):
    tiny.write_text(SWEEP.replace("reply_latency.working", "reply_latency.workng"))
    res = invoke(str(tiny), "-o", str(tmp_path / "never"))
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.startswith(f"{tiny}:10:11: parameters.0.path: no key 'workng'")
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "never").exists()
    tiny.write_text(SWEEP)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    res = invoke(str(tiny), "-o", str(busy))
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1 and "--force" in res.stderr
    res = invoke(str(tmp_path / "missing.yaml"))
    assert res.exit_code == 2 and "no such file" in res.stderr


def test_cli_interrupt_exits_130_and_says_how_to_resume(tiny, tmp_path, counted):
    _, stop_after = counted
    stop_after[0] = 1
    out = tmp_path / "o"
    res = invoke(str(tiny), "-o", str(out), "-q", "-j", "1")  # serial: the counter runs in this process
    assert res.exit_code == 130
    assert res.stderr.strip() == (
        f"interrupted: 1 of 6 points finished and kept in {out}; run the same command with -o {out} to resume"
    )


# --- the examples ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reply-latency.yaml", "war-room-size.yaml"])
def test_example_sweeps_load(name):
    s = load_sweep(ROOT / "scenarios" / "sweeps" / name)
    assert s.seed is not None and len(s.points) * s.replications <= 400
    assert s.base.metadata.name == "seed-org"


def test_the_sweep_file_is_mapped_by_the_scenario_s_mapper(tiny, tmp_path):
    """One pydantic-error mapper for every input kind: a sweep's wrong types read as a scenario's do."""
    assert problems_of(SWEEP.replace("values: [5, 40]", "values: 5"), tmp_path) == [
        "s.yaml:11:13: parameters.0.values: expected a list or a mapping {from, to, steps, scale}, got a number"
    ]
    assert problems_of(SWEEP.replace("metadata: {name: tiny-sweep}", "metadata: 3"), tmp_path) == [
        "s.yaml:3:11: metadata: expected a mapping, got a number"
    ]
