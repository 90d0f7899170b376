"""Renamed keys: the old spelling is still read for a release, with one located warning line
for each place it is given; the new one is what the schema offers, and giving both is a located
error (docs/glossary.md lists every rename)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from scenario_helpers import drill_problems, load_drill_here
from typer.testing import CliRunner

from incsim.cli import app
from incsim.scenario.jsonschema import scenario_json_schema
from incsim.scenario.loader import OldSpellingWarning, ScenarioError, load_scenario_text
from tests.scenario_helpers import MINIMAL_YAML

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DRILL = """\
apiVersion: incsim/v1
kind: Drill
metadata: {title: tiny drill, duration_min: 60}
scenario: {path: seed.yaml, protocol: async-first}
incident: {category: single-service, roots: [payments-api], start: Tue 14:10}
seats:
  - {id: oncall, title: On-call, holds: debugger}
  - {id: ic, title: IC}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text, "s.yaml")
    return [str(p) for p in err.value.problems]


def test_a_teams_roles_are_read_as_its_duties():
    new = load_scenario_text(MINIMAL_YAML, "s.yaml")
    with pytest.warns(OldSpellingWarning, match="'roles' is the old spelling of 'duties'"):
        old = load_scenario_text(MINIMAL_YAML.replace("duties: [ic]", "roles: [ic]"), "s.yaml")
    assert new.org.teams[0].duties == ["ic"]
    assert old == new


def test_an_error_under_the_old_key_points_at_it():
    text = MINIMAL_YAML.replace("duties: [ic]", "roles: [ic, pilot]")
    col = text.splitlines()[5].index("pilot") + 1
    (problem,) = _problems(text)
    assert problem.startswith(f"s.yaml:6:{col}: org.teams.app.roles.1: Input should be")


def test_both_spellings_at_once_are_refused_at_the_old_one():
    text = MINIMAL_YAML.replace("duties: [ic]", "duties: [ic], roles: [ic]")
    col = text.splitlines()[5].index("roles") + 1
    assert _problems(text) == [
        f"s.yaml:6:{col}: org.teams.app.roles: 'roles' is the old spelling of 'duties': give only 'duties'"
    ]


def test_the_schema_offers_the_new_spelling_only():
    team = json.loads(scenario_json_schema())["$defs"]["Team"]["properties"]
    assert "duties" in team and "roles" not in team


_drill = load_drill_here
_drill_problems = drill_problems


def test_a_drills_roles_are_read_as_its_seats():
    new = _drill(DRILL)
    with pytest.warns(OldSpellingWarning, match="'roles' is the old spelling of 'seats'"):
        old = _drill(DRILL.replace("\nseats:\n", "\nroles:\n"))
    assert [s.id for s in new.drill.seats] == ["oncall", "ic"]
    assert old.drill == new.drill


def test_a_cross_check_under_the_old_key_points_at_it():
    """The position is the old key's; the path is spelled the new way."""
    text = DRILL.replace("\nseats:\n", "\nroles:\n").replace("title: IC}", "title: IC, holds: debugger}")
    line = text.splitlines().index("  - {id: ic, title: IC, holds: debugger}") + 1
    col = text.splitlines()[line - 1].index("holds") + 1
    assert _drill_problems(text) == [
        f"d.yaml:{line}:{col}: seats.1.holds: 'debugger' is held by seat 'oncall' already"
    ]


def test_the_drill_schema_offers_seats_only():
    from incsim.scenario.drill import drill_json_schema

    props = json.loads(drill_json_schema())["properties"]
    assert "seats" in props and "roles" not in props


def test_an_injects_channel_exec_is_read_as_its_executive_lane():
    inject = (
        "injects:\n  - {id: vp, at: 5, %s, text: any news?, expectations: [{id: e, text: t, event: %s}]}\n"
    )
    new = _drill(DRILL + inject % ("lane: executive", "executive_update"))
    with pytest.warns(OldSpellingWarning):
        old = _drill(DRILL + inject % ("channel: exec", "exec_update"))
    assert new.drill.injects[0].lane == "executive"
    assert new.drill.injects[0].expectations[0].event == "executive_update"
    assert old.drill == new.drill
    (problem,) = _drill_problems(DRILL + inject % ("channel: exec", "exec_updat"))
    assert "injects.0.expectations.0.event" in problem and "'executive_update'" in problem


def test_the_drill_schema_offers_the_new_lane_and_event_spellings_only():
    from incsim.scenario.drill import drill_json_schema

    inject = json.loads(drill_json_schema())["$defs"]["Inject"]["properties"]
    assert "lane" in inject and "channel" not in inject
    assert "executive" in json.dumps(inject["lane"]) and '"exec"' not in json.dumps(inject["lane"])
    event = json.dumps(json.loads(drill_json_schema())["$defs"]["Expectation"]["properties"]["event"])
    assert "executive_update" in event and '"exec_update"' not in event


def test_behaviours_write_exec_update_is_read_as_write_executive_update():
    text = MINIMAL_YAML + "behaviour:\n  write_%s: 7\n"
    new = load_scenario_text(text % "executive_update", "s.yaml")
    with pytest.warns(OldSpellingWarning, match="'write_exec_update' is the old spelling"):
        old = load_scenario_text(text % "exec_update", "s.yaml")
    assert new.behaviour.write_executive_update.value == 7
    assert old == new
    behaviour = json.loads(scenario_json_schema())["$defs"]["Behaviour"]["properties"]
    assert "write_executive_update" in behaviour and "write_exec_update" not in behaviour


def test_a_profiles_clock_is_read_as_its_timezone():
    text = MINIMAL_YAML.replace(
        "arrivals: {rate_per_week: 2}",
        "arrivals: {rate_per_week: 2, profile: {%s: UTC+5:30, weekday: [1, 1, 1, 1, 1, 0, 0]}}",
    )
    new = load_scenario_text(text % "timezone", "s.yaml")
    with pytest.warns(OldSpellingWarning, match="'clock' is the old spelling of 'timezone'"):
        old = load_scenario_text(text % "clock", "s.yaml")
    assert new.incidents.arrivals.profile.timezone == "UTC+5:30"
    assert old == new
    (problem,) = _problems(text.replace("UTC+5:30", "UTC+15") % "clock")
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "profile" in ln)) + 1
    col = (text % "clock").splitlines()[line - 1].index("clock") + 1
    assert problem.startswith(
        f"s.yaml:{line}:{col}: incidents.arrivals.profile.timezone: unknown timezone 'UTC+15'"
    )
    profile = json.loads(scenario_json_schema())["$defs"]["ArrivalProfile"]["properties"]
    assert "timezone" in profile and "clock" not in profile


def test_verify_manifest_is_the_old_name_of_check_seal():
    from incsim import files, output

    assert files.verify_manifest is files.check_seal and output.verify_manifest is files.check_seal
    assert "check_seal" in files.__all__


# --- the warning an old spelling gives -------------------------------------------------------

TAIL = "it will be refused in a later release"


def _warned(load) -> list[str]:
    """The old-spelling warnings ``load()`` issues, every one (no filter hides a repeat)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load()
    return [str(w.message) for w in caught if issubclass(w.category, OldSpellingWarning)]


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the ``nth`` occurrence of ``needle`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


def _line(file: str, text: str, needle: str, old: str, new: str, nth: int = 0) -> str:
    line, col = _at(text, needle, nth)
    return f"{file}:{line}:{col}: warning: '{old}' is the old spelling of '{new}'; {TAIL}"


OLD_SCENARIO = (
    MINIMAL_YAML.replace("duties: [ic]", "roles: [ic]").replace(
        "arrivals: {rate_per_week: 2}",
        "arrivals: {rate_per_week: 2, profile: {clock: utc, weekday: [1, 1, 1, 1, 1, 0, 0]}}",
    )
    + "behaviour:\n  write_exec_update: 7\n"
)

INJECTS = (
    "injects:\n"
    "  - {id: vp, at: 5, channel: exec, text: any news?, expectations: [{id: e, text: t, event: exec_update}]}\n"
    "  - {id: ops, at: 9, lane: exec, text: status?}\n"
)


def test_each_old_key_of_a_scenario_warns_at_its_place_and_the_scenario_is_the_same():
    got = _warned(lambda: load_scenario_text(OLD_SCENARIO, "s.yaml"))
    assert got == [
        _line("s.yaml", OLD_SCENARIO, "roles:", "roles", "duties"),
        _line("s.yaml", OLD_SCENARIO, "clock:", "clock", "timezone"),
        _line("s.yaml", OLD_SCENARIO, "write_exec_update", "write_exec_update", "write_executive_update"),
    ]
    new = OLD_SCENARIO.replace("roles:", "duties:").replace("clock:", "timezone:")
    new = new.replace("write_exec_update", "write_executive_update")
    assert _warned(lambda: load_scenario_text(new, "s.yaml")) == []
    with pytest.warns(OldSpellingWarning):
        old = load_scenario_text(OLD_SCENARIO, "s.yaml")
    assert load_scenario_text(new, "s.yaml") == old


def test_each_old_key_and_value_of_a_drill_warns_at_its_place():
    text = DRILL.replace("\nseats:\n", "\nroles:\n") + INJECTS
    got = _warned(lambda: _drill(text))
    assert got == [
        _line("d.yaml", text, "roles:", "roles", "seats"),
        _line("d.yaml", text, "channel:", "channel", "lane"),
        _line("d.yaml", text, "exec,", "exec", "executive"),
        _line("d.yaml", text, "exec_update", "exec_update", "executive_update"),
        _line("d.yaml", text, "exec,", "exec", "executive", nth=1),
    ]


def test_a_drill_in_new_spellings_only_gives_no_warning():
    new = (
        "injects:\n"
        "  - {id: vp, at: 5, lane: executive, text: any news?,"
        " expectations: [{id: e, text: t, event: executive_update}]}\n"
        "  - {id: ops, at: 9, lane: executive, text: status?}\n"
    )
    assert _warned(lambda: _drill(DRILL + new)) == []
    with pytest.warns(OldSpellingWarning):
        old = _drill(DRILL.replace("\nseats:\n", "\nroles:\n") + INJECTS)
    assert _drill(DRILL + new).drill == old.drill


def test_the_seed_scenario_and_every_example_use_the_new_spellings():
    from incsim.inputs import load_input

    files = sorted(SCENARIOS.rglob("*.yaml"))
    assert len(files) > 5
    for path in files:
        assert _warned(lambda: load_input(path)) == [], path  # noqa: B023 (called at once)


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_command_line_prints_each_warning_once_on_stderr_and_exits_as_before(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD_SCENARIO)
    new.write_text(
        OLD_SCENARIO.replace("roles:", "duties:")
        .replace("clock:", "timezone:")
        .replace("write_exec_update", "write_executive_update")
    )
    quiet = _cli("validate", str(new))
    loud = _cli("validate", str(old))
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert loud.exit_code == 0 and loud.stdout == quiet.stdout.replace("new.yaml", "old.yaml")
    assert loud.stderr.splitlines() == [
        _line(str(old), OLD_SCENARIO, "roles:", "roles", "duties"),
        _line(str(old), OLD_SCENARIO, "clock:", "clock", "timezone"),
        _line(str(old), OLD_SCENARIO, "write_exec_update", "write_exec_update", "write_executive_update"),
    ]


def test_a_drill_read_through_the_front_door_warns_too(tmp_path):
    text = DRILL.replace("path: seed.yaml", f"path: {SCENARIOS / 'seed.yaml'}").replace(
        "\nseats:\n", "\nroles:\n"
    )
    path = tmp_path / "d.yaml"
    path.write_text(text)
    result = _cli("validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [_line(str(path), text, "roles:", "roles", "seats")]


def test_an_error_elsewhere_still_exits_2_without_a_warning(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(OLD_SCENARIO.replace("size: 4", "size: -4"))
    result = _cli("validate", str(path))
    assert result.exit_code == 2
    assert "warning" not in result.stderr and "size" in result.stderr


def test_the_command_line_prints_a_place_once_however_often_it_is_read(capsys):
    from incsim.cli.common import print_old_spellings

    line = f"s.yaml:6:28: warning: 'roles' is the old spelling of 'duties'; {TAIL}"
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        print_old_spellings()
        for text in (line, line, line.replace(":6:28:", ":7:28:")):
            warnings.warn(OldSpellingWarning(text), stacklevel=1)
    assert capsys.readouterr().err.splitlines() == [line, line.replace(":6:28:", ":7:28:")]


def test_an_inline_scenario_in_a_drill_warns_at_its_lines_in_the_drill_file():
    from incsim.scenario.drill import load_drill_text

    inline = "".join(f"    {line}\n" for line in OLD_SCENARIO.splitlines())
    text = DRILL.replace(
        "scenario: {path: seed.yaml, protocol: async-first}",
        "scenario:\n  protocol: async-first\n  inline:\n" + inline,
    ).replace("roots: [payments-api]", "roots: [api]")
    warned = _warned(lambda: load_drill_text(text, "d.yaml", base=SCENARIOS))
    assert warned == [
        _line("d.yaml", text, "roles: [ic]", "roles", "duties"),
        _line("d.yaml", text, "clock:", "clock", "timezone"),
        _line("d.yaml", text, "write_exec_update", "write_exec_update", "write_executive_update"),
    ]


def test_calibrate_base_warns_once_at_the_base_file_s_own_line(tmp_path):
    seed = (SCENARIOS / "seed.yaml").read_text()
    base = tmp_path / "base.yaml"
    base.write_text(seed.replace("  write_executive_update:", "  write_exec_update:", 1))
    export = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "pagerduty.json"
    result = _cli("calibrate", str(export), "--base", str(base), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warned == [
        _line(str(base), base.read_text(), "write_exec_update", "write_exec_update", "write_executive_update")
    ]


def test_a_results_folder_s_copy_of_its_scenario_is_read_without_a_warning(tmp_path):
    from incsim import api
    from incsim.report.results import load_results

    path = tmp_path / "old.yaml"
    path.write_text(OLD_SCENARIO)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OldSpellingWarning)  # the run's own read warns, as it should
        loaded = api.load(path)
    api.run_scenario(loaded, replications=1, seed=1, out_dir=tmp_path / "run")
    assert "roles:" in (tmp_path / "run" / "scenario.yaml").read_text()
    assert _warned(lambda: load_results(tmp_path / "run")) == []
