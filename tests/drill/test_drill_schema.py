"""Drill files: the ready drills load, and every kind of bad input is one located line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenario_helpers import drill_problems, load_drill_here
from typer.testing import CliRunner

from incsim.cli import app
from incsim.scenario.drill import (
    Drill,
    load_drill,
    load_drill_text,
    parse_start,
)
from incsim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
DRILLS = sorted((ROOT / "scenarios" / "drills").glob("*.yaml"))
SCENARIOS = ROOT / "scenarios"

BASE = """\
apiVersion: incsim/v1
kind: Drill
metadata: {title: tiny drill, duration_min: 60}
scenario: {path: seed.yaml, protocol: async-first}
incident: {category: single-service, roots: [payments-api], start: Tue 14:10}
seats:
  - {id: oncall, title: On-call}
objectives:
  - {id: fast, text: Be fast}
injects:
  - id: page
    at: 0
    text: paged
  - id: hint
    after: page
    delay_min: 5
    text: a hint
decisions:
  - id: failover
    after: hint
    prompt: Fail over?
    role: oncall
    default: wait
    options:
      - id: go
        label: Fail over
        effects: [{do: fail_over, remaining_work: 0.3}]
      - id: wait
        label: Wait
        effects: [{do: nothing}]
"""


load = load_drill_here
problems = drill_problems


def test_the_base_drill_loads():
    d = load(BASE)
    assert d.drill.decisions[0].options[0].effects[0].remaining_work == 0.3
    assert d.scenario.metadata.name == "seed-org"


@pytest.mark.parametrize("path", DRILLS, ids=[p.stem for p in DRILLS])
def test_every_ready_drill_loads_and_says_how_to_run_it(path):
    loaded = load_drill(path)
    head = path.read_text().split("apiVersion")[0]
    assert "How to run it" in head and f"incsim drill scenarios/drills/{path.name}" in head
    assert loaded.drill.decisions and loaded.drill.hotwash


def test_five_ready_drills():
    assert len(DRILLS) == 5


def test_unknown_after_reference_with_did_you_mean():
    text = BASE.replace("    after: page\n", "    after: pgae\n")
    assert problems(text) == [
        (
            "d.yaml:15:5: injects.1.after: unknown inject or decision 'pgae' "
            "(did you mean 'page'?); known: page, hint, failover"
        )
    ]


def test_unknown_option_in_an_after_reference():
    text = (
        BASE + "  - id: later\n    after: failover.goo\n    prompt: p\n    role: oncall\n    default: a\n"
        "    options: [{id: a, label: A}, {id: b, label: B}]\n"
    )
    assert problems(text) == [
        (
            "d.yaml:32:5: decisions.1.after: decision 'failover' has no option 'goo' "
            "(did you mean 'go'?); known: go, wait"
        )
    ]


def test_after_cycles_are_refused_once():
    text = BASE.replace("  - id: page\n    at: 0\n", "  - id: page\n    after: failover\n")
    assert problems(text) == [
        (
            "d.yaml:20:5: decisions.0.after: 'after' goes round in a cycle: "
            "failover -> hint -> page -> failover"
        )
    ]


def test_unknown_effect_with_did_you_mean():
    text = BASE.replace("{do: fail_over, remaining_work: 0.3}", "{do: fail_ovr}")
    (line,) = problems(text)
    assert line.startswith(
        "d.yaml:27:24: decisions.0.options.0.effects.0.do: unknown effect 'fail_ovr' "
        "(did you mean 'fail_over'?); expected one of: "
    )


def test_times_past_the_planned_duration():
    text = BASE.replace("    at: 0\n", "    at: 75\n")
    assert problems(text) == [
        (
            "d.yaml:12:5: injects.0.at: T+75 is past the drill's planned duration "
            "(60 min, metadata.duration_min)"
        )
    ]


def test_unknown_key_with_did_you_mean():
    text = BASE.replace("    delay_min: 5\n", "    delay_mni: 5\n")
    assert problems(text) == [
        "d.yaml:16:5: injects.1.delay_mni: unknown key 'delay_mni' (did you mean 'delay_min'?)"
    ]


def test_unknown_role_and_default():
    text = BASE.replace("    role: oncall\n", "    role: oncal\n").replace("default: wait", "default: wiat")
    assert problems(text) == [
        "d.yaml:22:5: decisions.0.role: unknown seat 'oncal' (did you mean 'oncall'?); known: oncall",
        "d.yaml:23:5: decisions.0.default: unknown option 'wiat' (did you mean 'wait'?); known: go, wait",
    ]


def test_names_unknown_to_the_scenario():
    text = BASE.replace("roots: [payments-api]", "roots: [payment-api]").replace(
        "protocol: async-first", "protocol: async"
    )
    assert problems(text) == [
        (
            "d.yaml:4:29: scenario.protocol: unknown protocol 'async' (did you mean 'async-first'?); "
            "known: war-room, async-first, hybrid"
        ),
        (
            "d.yaml:5:46: incident.roots.0: unknown service 'payment-api' (did you mean 'payments-api'?); "
            "known: web, api-gateway, auth, user-db, checkout, payments-api, orders-db, search, event-bus, notifications"
        ),
    ]


def test_missing_key_and_bad_start():
    text = BASE.replace("    prompt: Fail over?\n", "").replace("Tue 14:10", "Tuesday at noon")
    assert problems(text) == [
        "d.yaml:5:11: incident: start 'Tuesday at noon' is not a day and a time such as 'Tue 14:10'",
        "d.yaml:19:5: decisions.0.prompt: missing required key 'prompt'",
    ]


def test_an_item_needs_exactly_one_trigger():
    text = BASE.replace("    after: page\n", "    after: page\n    at: 3\n")
    assert problems(text) == [
        ("d.yaml:15:5: injects.1.after: give exactly one of 'at', 'after' or 'when' (or 'on_demand: true')")
    ]


def test_a_missing_scenario_file_is_located():
    text = BASE.replace("path: seed.yaml", "path: nowhere.yaml")
    (line,) = problems(text)
    assert line.startswith("d.yaml:4:18: scenario.path: cannot use scenario: ") and "no such file" in line


def with_changes(*lines: str) -> str:
    return BASE.replace(
        "scenario: {path: seed.yaml, protocol: async-first}\n",
        "scenario:\n  path: seed.yaml\n  protocol: async-first\n  set:\n"
        + "".join(f"    {ln}\n" for ln in lines),
    )


def test_a_drill_changes_its_scenario_by_path():
    base = load(BASE).scenario
    changed = load(
        with_changes("protocols.async-first.executive_channel: false", "org.teams.payments.size: 9")
    ).scenario
    proto = {p.name: p for p in changed.protocols}
    assert proto["async-first"].executive_channel is False
    assert {p.name: p for p in base.protocols}["async-first"].executive_channel is True
    assert {t.name: t.size for t in changed.org.teams}["payments"] == 9
    assert changed.model_copy(update={"org": base.org, "protocols": base.protocols}) == base  # nothing else


def test_a_bad_change_is_located_at_its_key():
    (line,) = problems(with_changes("protocols.async-frist.executive_channel: false"))
    assert (
        line.startswith(
            "d.yaml:8:5: scenario.set.protocols.async-frist.executive_channel: no item named 'async-frist'"
        )
        and "did you mean 'async-first'?" in line
    )
    (line,) = problems(with_changes("protocols.async-first.executive_channel: 3"))
    assert line.startswith("d.yaml:8:5: scenario.set: the scenario with these changes is not valid: ")
    assert "valid boolean" in line


def test_an_inline_scenario_error_points_into_the_drill(minimal_yaml):
    inline = "\n".join("    " + ln for ln in minimal_yaml.replace("size: 4", "size: -4").splitlines())
    text = BASE.replace(
        "scenario: {path: seed.yaml, protocol: async-first}\n",
        "scenario:\n  protocol: async-first\n  inline:\n" + inline + "\n",
    )
    (line,) = problems(text)
    assert line == "d.yaml:12:29: scenario.inline.org.teams.app.size: Input should be greater than 0"


def test_start_times():
    assert parse_start("Tue 14:10") == 1440 + 14 * 60 + 10
    assert parse_start("sun 00:00") == 6 * 1440
    assert parse_start("Tue 24:10") is None and parse_start("Someday 10:00") is None


def test_cli_validate_accepts_drills_and_locates_problems(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(DRILLS[0])])
    assert ok.exit_code == 0 and "ok (drill '" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BASE.replace("path: seed.yaml", f"path: {SCENARIOS / 'seed.yaml'}").replace(
            "after: page", "after: pgae"
        )
    )
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        (
            f"{bad}:15:5: injects.1.after: unknown inject or decision 'pgae' "
            "(did you mean 'page'?); known: page, hint, failover"
        )
    ]


def test_cli_schema_kind_drill():
    runner = CliRunner()
    res = runner.invoke(app, ["schema", "--kind", "drill"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert schema["title"] == "Drill" and "decisions" in schema["properties"]
    assert json.loads(runner.invoke(app, ["schema"]).output)["title"] == "Scenario"
    assert runner.invoke(app, ["schema", "--kind", "dril"]).exit_code == 2


def test_a_drill_is_told_by_its_kind_header():
    from incsim.inputs import kind_of

    assert kind_of(BASE, "d.yaml") == "Drill"
    assert kind_of(BASE.replace("kind: Drill", "kind: 'Drill'  # a game day"), "d.yaml") == "Drill"
    assert kind_of(BASE.replace("kind: Drill", "kind: Scenario"), "d.yaml") == "Scenario"
    assert kind_of(BASE.replace("kind: Drill", "# kind: Drill"), "d.yaml") == "Scenario"
    assert Drill.model_fields["api_version"].alias == "apiVersion"
    assert Drill.model_fields["api_version"].alias == "apiVersion"


def test_a_change_gets_every_check_a_scenario_file_gets():
    """A drill's ``scenario.set`` is validated as a scenario file is (``validate_data``), the
    expected-size guard included: a change that would draw millions of incidents is refused."""
    (line,) = problems(with_changes("incidents.arrivals.rate_per_week: 1000000000"))
    assert line.startswith("d.yaml:8:5: scenario.set: the scenario with these changes is not valid: ")
    assert "simulation.max_incidents" in line


def test_a_drill_s_schema_errors_are_mapped_as_a_scenario_s_are(minimal_yaml):
    """One mapper from pydantic's errors to FILE:LINE:COL: a value of the wrong type is placed at
    the value and named in the same words in a drill as in a scenario."""
    from incsim.scenario.loader import load_scenario_text

    drill = (
        (SCENARIOS / "drills" / "db-failover.yaml")
        .read_text()
        .replace("roots: [payments-api]", "roots: payments-api")
    )
    with pytest.raises(ScenarioError) as drill_error:
        load_drill_text(drill, "d.yaml", base=SCENARIOS / "drills")
    (problem,) = drill_error.value.problems
    line = drill.split("roots: payments-api")[0].count("\n") + 1
    assert str(problem) == f"d.yaml:{line}:10: incident.roots: expected a list, got a string"
    with pytest.raises(ScenarioError) as scenario_error:
        load_scenario_text(minimal_yaml.replace("duties: [ic]", "duties: ic"), "s.yaml")
    assert str(scenario_error.value.problems[0]).endswith("duties: expected a list, got a string")
