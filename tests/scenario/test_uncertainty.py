"""The ``uncertainty:`` section: located errors for paths, ranges and distributions, and the rules
by which a drawn value is set (integers, durations by their mean, the incident mix)."""

import math

import pytest
from scenario_helpers import MINIMAL_YAML, SEED_YAML
from typer.testing import CliRunner

from incsim.cli import app
from incsim.scenario.loader import ScenarioError, load_scenario_text
from incsim.scenario.overrides import scenario_data
from incsim.scenario.schema import Uncertain
from incsim.scenario.uncertainty import ppf, value_at, with_value

LINES = MINIMAL_YAML.count("\n")


def problems(section: str) -> list[str]:
    """The located problems of the minimal scenario with ``section`` appended."""
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(MINIMAL_YAML + section, "s.yaml")
    return [str(p) for p in exc.value.problems]


def test_a_valid_section_is_read():
    scn = load_scenario_text(
        MINIMAL_YAML + "uncertainty:\n"
        "  behaviour.channel_rounds: {low: 1, high: 3, source: a guess}\n"
        "  behaviour.refocus: {low: 10, high: 30, dist: triangular, mode: 20}\n",
        "s.yaml",
    )
    assert scn.uncertainty["behaviour.channel_rounds"].source == "a guess"
    assert scn.uncertainty["behaviour.refocus"].dist == "triangular"


def test_an_unknown_path_is_located_at_its_key():
    got = problems("uncertainty:\n  behaviour.chanel_rounds: {low: 1, high: 3}\n")
    assert got == [
        f"s.yaml:{LINES + 2}:3: uncertainty.behaviour.chanel_rounds: no key 'chanel_rounds' in "
        f"behaviour (did you mean 'channel_rounds'?); known: " + got[0].split("known: ")[1]
    ]


@pytest.mark.parametrize(
    "path, what",
    [
        ("protocols.war-room.kind", "text"),
        ("org.teams.app.oncall.backup", "true/false"),
        ("incidents.categories.single-service.decisions", "a list"),
    ],
)
def test_a_target_that_is_not_a_number_is_refused(path, what):
    got = problems(f"uncertainty:\n  {path}: {{low: 1, high: 3}}\n")
    assert got == [
        f"s.yaml:{LINES + 2}:3: uncertainty.{path}: '{path}' is {what}, not a number or a duration: "
        "only a number can have a range"
    ]


def test_settings_of_the_experiment_have_no_range():
    got = problems("uncertainty:\n  simulation.horizon_days: {low: 7, high: 60}\n")
    assert (
        len(got) == 1
        and got[0].startswith(f"s.yaml:{LINES + 2}:3: ")
        and "'simulation' holds settings" in got[0]
    )


def test_a_range_that_excludes_the_value_is_located():
    # channel_rounds defaults to 2; the minimal scenario's fix is a fixed 15 minutes
    got = problems(
        "uncertainty:\n  behaviour.channel_rounds: {low: 3, high: 5}\n"
        "  incidents.categories.single-service.fix: {low: 20, high: 40}\n"
    )
    assert got == [
        f"s.yaml:{LINES + 2}:3: uncertainty.behaviour.channel_rounds: the range [3, 5] of "
        "'behaviour.channel_rounds' excludes the scenario's own value 2",
        f"s.yaml:{LINES + 3}:3: uncertainty.incidents.categories.single-service.fix: the range [20, 40] of "
        "'incidents.categories.single-service.fix' excludes the scenario's own value 15",
    ]


def test_an_end_the_field_refuses_is_located_at_that_end():
    got = problems("uncertainty:\n  protocols.war-room.room.stay_probability: {low: 0.5, high: 1.5}\n")
    assert len(got) == 1
    assert (
        got[0].startswith(f"s.yaml:{LINES + 2}:")
        and ".stay_probability.high: high = 1.5 is not a valid value" in got[0]
    )
    assert "less than or equal to 1" in got[0]


@pytest.mark.parametrize(
    "spec, words",
    [
        ("{low: 3, high: 1}", "high (1) must be above low (3)"),
        ("{low: 1, high: 3, dist: triangular}", "a triangular range needs a mode between low and high"),
        (
            "{low: 1, high: 3, dist: triangular, mode: 5}",
            "a triangular range needs a mode between low and high",
        ),
        ("{low: 0, high: 3, dist: loguniform}", "a loguniform range needs low above 0"),
        ("{low: 1, high: 3, dist: lognormal, median: 2}", "a lognormal range needs median and sigma"),
        ("{low: 1, high: 3, mode: 2}", "mode is for a triangular range, not uniform"),
        (
            "{low: 1, high: 3, dist: normal}",
            "Input should be 'uniform', 'loguniform', 'triangular' or 'lognormal'",
        ),
        ("{low: 1, high: 3, sorce: x}", "unknown key 'sorce' (did you mean 'source'?)"),
    ],
)
def test_distributions_are_validated_with_located_errors(spec, words):
    got = problems(f"uncertainty:\n  behaviour.channel_rounds: {spec}\n")
    assert len(got) == 1 and got[0].startswith(f"s.yaml:{LINES + 2}:") and words in got[0], got


def test_validate_exits_2_with_one_line_per_problem(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL_YAML + "uncertainty:\n  behaviour.nope: {low: 1, high: 3}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:{LINES + 2}:3: uncertainty.behaviour.nope: no key 'nope'")
    assert "Traceback" not in result.stderr


def test_every_seed_range_holds_its_value_and_says_why():
    scn = load_scenario_text(SEED_YAML.read_text(), "seed.yaml")
    data = scenario_data(scn)
    assert len(scn.uncertainty) >= 25
    for path, spec in scn.uncertainty.items():
        assert spec.low <= value_at(data, path) <= spec.high
        assert spec.source.strip(), path
    # the essay's own ranges
    assert (scn.uncertainty["behaviour.refocus"].low, scn.uncertainty["behaviour.refocus"].high) == (20, 30)


def test_setting_values_follows_the_rules():
    scn = load_scenario_text(SEED_YAML.read_text(), "seed.yaml")
    data = scenario_data(scn)
    # an integer field takes the nearest whole number
    assert with_value(data, "behaviour.channel_rounds", 2.6)["behaviour"]["channel_rounds"] == 3
    # a duration is rescaled to the new mean, its shape kept; the input is not changed
    refocus = with_value(data, "behaviour.refocus", 50.0)["behaviour"]["refocus"]
    assert refocus == {"dist": "uniform", "low": 40.0, "high": 60.0}
    assert data["behaviour"]["refocus"] == {"dist": "uniform", "low": 20.0, "high": 30.0}
    off = with_value(
        data, "behaviour.reply_latency.off_hours", 2 * value_at(data, "behaviour.reply_latency.off_hours")
    )
    assert off["behaviour"]["reply_latency"]["off_hours"]["median"] == pytest.approx(60.0)
    assert off["behaviour"]["reply_latency"]["off_hours"]["sigma"] == 0.7
    # a share of the mix leaves the others their proportions of the rest
    mix = with_value(data, "incidents.mix.platform-wide", 0.3)["incidents"]["mix"]
    assert mix["platform-wide"] == 0.3
    assert mix["single-service"] == pytest.approx(0.7 * 0.7 / 0.9)
    assert mix["cascading"] == pytest.approx(0.7 * 0.2 / 0.9)
    assert sum(mix.values()) == pytest.approx(1.0)


def test_quantiles_of_each_distribution():
    assert ppf(0.25, Uncertain(low=10, high=20)) == 12.5
    assert ppf(0.5, Uncertain(low=1, high=100, dist="loguniform")) == pytest.approx(10.0)
    tri = Uncertain(low=0, high=10, dist="triangular", mode=5)
    assert ppf(0.5, tri) == pytest.approx(5.0)
    assert ppf(0.125, tri) == pytest.approx(2.5)  # F(2.5) = 2.5^2 / (10 * 5)
    cut = Uncertain(low=10, high=120, dist="lognormal", median=30, sigma=1.0)
    assert ppf(0.0, cut) == pytest.approx(10.0) and ppf(1.0, cut) == pytest.approx(120.0)
    # symmetric cut around the median in log space: the median stays the median
    sym = Uncertain(low=30 / math.e, high=30 * math.e, dist="lognormal", median=30, sigma=0.5)
    assert ppf(0.5, sym) == pytest.approx(30.0)
