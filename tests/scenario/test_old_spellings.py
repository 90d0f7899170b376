"""Renamed keys: the old spelling is still read for a release, the new one is what the schema
offers, and giving both is a located error (docs/glossary.md lists every rename)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incsim.scenario.jsonschema import scenario_json_schema
from incsim.scenario.loader import ScenarioError, load_scenario_text
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


def _drill(text: str):
    from incsim.scenario.drill import load_drill_text

    return load_drill_text(text, "d.yaml", base=SCENARIOS)


def _drill_problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        _drill(text)
    return [str(p) for p in err.value.problems]


def test_a_drills_roles_are_read_as_its_seats():
    new = _drill(DRILL)
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
