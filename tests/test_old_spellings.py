"""Renamed keys: the old spelling is still read for a release, the new one is what the schema
offers, and giving both is a located error (docs/glossary.md lists every rename)."""

from __future__ import annotations

import json

import pytest

from incsim.scenario.jsonschema import scenario_json_schema
from incsim.scenario.loader import ScenarioError, load_scenario_text
from tests.scenario_helpers import MINIMAL_YAML


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
