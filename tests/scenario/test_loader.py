"""Loading scenario YAML: a valid file gives a Scenario; every problem is located as FILE:LINE:COL."""

from pathlib import Path

import pytest

from incsim.scenario import loader
from incsim.scenario.loader import (
    LocatedProblem,
    ScenarioError,
    default_scenario_text,
    load_default_scenario,
    load_scenario,
    load_scenario_text,
    read_scenario_text,
    scenario_sha256,
)
from incsim.scenario.schema import Scenario


def problems(text: str) -> list[str]:
    """The located problem lines for ``text`` loaded as ``s.yaml``."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "s.yaml")
    lines = [str(p) for p in info.value.problems]
    assert str(info.value) == "\n".join(lines)
    assert all("\n" not in line for line in lines)
    return lines


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_minimal_scenario_loads(minimal_yaml):
    scn = load_scenario_text(minimal_yaml)
    assert isinstance(scn, Scenario)
    assert scn.api_version == "incsim/v1"
    assert scn.metadata.name == "tiny"
    assert [t.name for t in scn.org.teams] == ["app"]
    assert scn.incidents.categories["single-service"].fix.mean() == 15


def test_load_scenario_reads_a_file(tmp_path, minimal_yaml):
    path = tmp_path / "tiny.yaml"
    path.write_text(minimal_yaml, encoding="utf-8")
    assert load_scenario(path).metadata.name == "tiny"
    assert load_scenario(str(path)).metadata.name == "tiny"
    assert read_scenario_text(path) == minimal_yaml


# --- schema errors: the path is the YAML path, the position the key or value at fault ----------


def test_typo_at_top_level_suggests_the_key(minimal_yaml):
    text = minimal_yaml + "behavoir:\n  refocus: 10\n"
    assert problems(text) == [
        "s.yaml:19:1: behavoir: unknown key 'behavoir' (did you mean 'behaviour'?)",
    ]


def test_typo_deep_inside_points_at_the_key_and_the_mapping(minimal_yaml):
    text = edit(minimal_yaml, "size: 4", "szie: 4")
    assert problems(text) == [
        "s.yaml:6:7: org.teams.app.size: missing required key 'size'",
        "s.yaml:6:19: org.teams.app.szie: unknown key 'szie' (did you mean 'size'?)",
    ]


def test_typo_inside_a_duration_suggests_its_own_fields(minimal_yaml):
    text = edit(minimal_yaml, "sigma: 0.6", "sigam: 0.6")
    assert problems(text) == [
        "s.yaml:14:48: incidents.categories.single-service.diagnosis.sigam: "
        "unknown key 'sigam' (did you mean 'sigma'?)",
    ]


def test_unknown_key_without_a_close_match_has_no_suggestion(minimal_yaml):
    assert problems(minimal_yaml + "zzz: 1\n") == ["s.yaml:19:1: zzz: unknown key 'zzz'"]


def test_missing_top_level_key_points_at_the_document(minimal_yaml):
    text = edit(minimal_yaml, "kind: Scenario\n", "")
    assert problems(text) == ["s.yaml:1:1: kind: missing required key 'kind'"]


def test_missing_key_points_at_its_parent_mapping(minimal_yaml):
    text = edit(minimal_yaml, "metadata: {name: tiny}", "metadata: {}")
    assert problems(text) == ["s.yaml:3:11: metadata.name: missing required key 'name'"]


def test_wrong_api_version_shows_the_json_name(minimal_yaml):
    text = edit(minimal_yaml, "incsim/v1", "incsim/v2")
    assert problems(text) == ["s.yaml:1:13: apiVersion: Input should be 'incsim/v1'"]


def test_wrong_literal_suggests_the_closest(minimal_yaml):
    text = edit(minimal_yaml, "kind: war-room}", "kind: warroom}")
    assert problems(text) == [
        "s.yaml:17:28: protocols.war-room.kind: Input should be 'war-room', 'async-first' or 'hybrid' "
        "(did you mean 'war-room'?)",
    ]


@pytest.mark.parametrize(
    ("appended", "expected"),
    [
        ("behaviour:\n  refocus: 0\n", "s.yaml:20:12: behaviour.refocus: Input should be greater than 0"),
        ("behaviour:\n  refocus: -3\n", "s.yaml:20:12: behaviour.refocus: Input should be greater than 0"),
        (
            "behaviour:\n  refocus: {dist: uniform, low: 0, high: 3}\n",
            "s.yaml:20:33: behaviour.refocus.low: Input should be greater than 0",
        ),
        (
            "behaviour:\n  refocus: {dist: uniform, low: 5, high: 3}\n",
            "s.yaml:20:12: behaviour.refocus: high must be at least low",
        ),
        (
            "behaviour:\n  refocus:\n    dist: uniform\n    low: 1\n",
            "s.yaml:21:5: behaviour.refocus.high: missing required key 'high'",
        ),
        (
            "behaviour:\n  refocus: {dist: unifrm, low: 1, high: 3}\n",
            "s.yaml:20:19: behaviour.refocus.dist: unknown dist 'unifrm' (did you mean 'uniform'?); "
            "expected one of: fixed, exponential, lognormal, uniform, triangular, empirical",
        ),
        (
            "behaviour:\n  refocus: {low: 1, high: 3}\n",
            "s.yaml:20:12: behaviour.refocus: missing 'dist' (one of: empirical, exponential, fixed, "
            "lognormal, triangular, uniform) or a bare number of minutes",
        ),
        (
            "behaviour:\n  refocus: soon\n",
            "s.yaml:20:12: behaviour.refocus: expected a duration (a positive number of minutes or a "
            "mapping with 'dist'), got a string",
        ),
        (
            "simulation: {replications: 0}\n",
            "s.yaml:19:28: simulation.replications: Input should be greater than 0",
        ),
    ],
)
def test_bad_durations_and_numbers_point_at_the_value(minimal_yaml, appended, expected):
    assert problems(minimal_yaml + appended) == [expected]


def test_negative_duration_in_a_category(minimal_yaml):
    text = edit(minimal_yaml, "fix: 15", "fix: -5")
    assert problems(text) == [
        "s.yaml:15:12: incidents.categories.single-service.fix: Input should be greater than 0",
    ]


def test_wrong_container_types(minimal_yaml):
    text = edit(minimal_yaml, "metadata: {name: tiny}", "metadata: tiny")
    assert problems(text) == ["s.yaml:3:11: metadata: expected a mapping, got a string"]
    text = minimal_yaml.split("protocols:")[0] + "protocols: {}\n"
    assert problems(text) == ["s.yaml:16:12: protocols: expected a list, got a mapping"]


def test_unknown_mapping_key_of_a_literal_type_points_at_the_key(minimal_yaml):
    text = edit(minimal_yaml, "single-service: 1.0", "single-service: 0.8, cascadng: 0.2")
    assert problems(text) == [
        "s.yaml:11:30: incidents.mix.cascadng: unknown key 'cascadng' (did you mean 'cascading'?); "
        "expected one of: single-service, cascading, platform-wide",
    ]


# --- cross checks: mapped to the key named by the last element of Problem.loc --------------


def test_incident_mix_not_summing_to_one(minimal_yaml):
    text = edit(minimal_yaml, "single-service: 1.0", "single-service: 0.7")
    assert problems(text) == ["s.yaml:11:3: incidents.mix: incident mix sums to 0.7, not 1"]


def test_mix_share_without_a_category_points_at_that_key(minimal_yaml):
    text = edit(minimal_yaml, "single-service: 1.0", "single-service: 0.8, cascading: 0.2")
    assert problems(text) == [
        "s.yaml:11:30: incidents.mix.cascading: category 'cascading' has a share but no entry "
        "under incidents.categories",
    ]


def test_service_of_an_unknown_team(minimal_yaml):
    text = edit(minimal_yaml, "team: app}", "team: ap}")
    assert problems(text) == [
        "s.yaml:8:19: org.services.api.team: unknown team 'ap' (did you mean 'app'?); known: app",
    ]


def test_depends_on_an_unknown_service(minimal_yaml):
    text = edit(minimal_yaml, "team: app}", "team: app, depends_on: [db]}")
    assert problems(text) == [
        "s.yaml:8:43: org.services.api.depends_on.0: unknown service 'db'; known: api",
    ]


def test_list_items_are_named_only_when_their_names_can_stand_for_them(minimal_yaml):
    """Items of a list are named in a path when every item has a distinct name that is not a
    number and has no dot (the sweep's path syntax); otherwise every item is numbered."""
    two = edit(
        minimal_yaml,
        "    - {name: app, size: 4, duties: [ic]}",
        "    - {name: app, size: 4, duties: [ic]}\n    - {name: web, size: 0}",
    )
    assert problems(two) == ["s.yaml:7:25: org.teams.web.size: Input should be greater than 0"]
    same = edit(two, "name: web", "name: app")
    assert [p.split(": ", 2)[1] for p in problems(same)] == ["org.teams.1.size"]
    dotted = edit(two, "name: web", "name: web.eu")
    assert [p.split(": ", 2)[1] for p in problems(dotted)] == ["org.teams.1.size"]


def test_team_too_small_for_its_rota(minimal_yaml):
    text = edit(minimal_yaml, "size: 4", "size: 1")
    assert problems(text) == [
        "s.yaml:6:19: org.teams.app.size: team 'app' of 1 is too small for its rota: "
        "1 per shift with 1 rest shift(s) needs at least 2",
    ]


def test_cross_check_on_a_defaulted_key_points_at_the_nearest_present_one(minimal_yaml):
    text = edit(minimal_yaml, "size: 4,", "size: 4, work_hours: {start: 18},")
    assert problems(text) == [
        "s.yaml:6:28: org.teams.app.work_hours.end: work_hours.end must be after start",
    ]


# --- scalars come through as pydantic expects ----------------------------------------------


@pytest.mark.parametrize("name", ["2024-01-01", "2024-01-01T10:00:00Z", "2024-01-01 10:00"])
def test_timestamps_stay_strings(minimal_yaml, name):
    text = edit(minimal_yaml, "{name: tiny}", f"{{name: {name}}}")
    assert load_scenario_text(text).metadata.name == name


def test_anchors_and_merges_are_plain_values(minimal_yaml):
    text = edit(minimal_yaml, "arrivals: {rate_per_week: 2}", "arrivals: &a {rate_per_week: 2}")
    text += "simulation: {replications: &r 3, event_log_sample: *r}\n"
    scn = load_scenario_text(text)
    assert scn.simulation.event_log_sample == 3
    assert type(scn.simulation.replications) is int


def test_non_string_key(minimal_yaml):
    assert problems(minimal_yaml + "1: x\n") == [
        "s.yaml:19:1: keys must be strings, not a number (1); quote it",
    ]
    text = edit(minimal_yaml, "{name: tiny}", "{name: tiny, null: 3}")
    assert problems(text) == ["s.yaml:3:24: metadata: keys must be strings, not a null (None); quote it"]


def test_unsupported_tag(minimal_yaml):
    assert problems(minimal_yaml + "x: !python/name:os.system ls\n") == [
        "s.yaml:19:4: x: unsupported YAML tag '!python/name:os.system'",
    ]


# --- junk: one clear line each, never a traceback ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "s.yaml:1:1: empty scenario: no YAML document (only blank lines or comments)"),
        (
            "# only\n\n# comments\n",
            "s.yaml:1:1: empty scenario: no YAML document (only blank lines or comments)",
        ),
        (
            "- a\n- b\n",
            "s.yaml:1:1: the top level must be a mapping (apiVersion, kind, metadata, ...), not a list",
        ),
        (
            "just words\n",
            "s.yaml:1:1: the top level must be a mapping (apiVersion, kind, metadata, ...), not a string",
        ),
        ("a: 1\x00\n", "s.yaml:1:5: not a text file (contains NUL bytes)"),
        ("a: 1\nb: x\x07\n", "s.yaml:2:5: character U+0007 is not allowed in YAML"),
        ("a: 1\n b: 2\n", "s.yaml:2:3: YAML syntax error: mapping values are not allowed here"),
        (
            "a:\n\t- 1\n",
            "s.yaml:2:1: YAML syntax error: found character '\\t' that cannot start "
            "any token (while scanning for the next token)",
        ),
        (
            "a: [1, 2\nb: 3\n",
            "s.yaml:2:2: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence)",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "s.yaml:2:1: YAML syntax error: expected a single document in the stream, "
            "but found another document",
        ),
        ("a: *nowhere\n", "s.yaml:1:4: YAML syntax error: found undefined alias 'nowhere'"),
        ("a: 1\nb: 2\na: 3\n", 's.yaml:3:1: duplicate key "a" in the mapping starting at line 1'),
        ("a: &x {b: *x}\n", "s.yaml:1:8: alias '*x' refers to a node that contains it (recursive alias)"),
        ("a: &x [1, *x]\n", "s.yaml:1:4: alias '*x' refers to a node that contains it (recursive alias)"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "s.yaml:1:68: nesting deeper than 64 levels"),
    ],
)
def test_junk_gives_one_located_line(text, expected):
    assert problems(text) == [expected]


def test_duplicate_key_deep_inside(minimal_yaml):
    text = edit(minimal_yaml, "{name: tiny}", "{name: tiny, name: other}")
    assert problems(text) == ['s.yaml:3:24: duplicate key "name" in the mapping starting at line 3']


def test_alias_bomb_is_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]" for p, c in zip("abcdefghi", "bcdefghij")]
    found = problems("\n".join(lines) + "\n")
    assert found == [
        "s.yaml:6:1: document expands to more than 200,000 nodes once aliases are "
        "expanded (an alias bomb?); refusing to load it"
    ]


def test_very_deep_flow_nesting_is_refused():
    found = problems("a: " + "[" * 500_000 + "]" * 500_000 + "\n")
    assert found == ["s.yaml:1:68: nesting deeper than 64 levels"]


def test_brackets_in_strings_and_comments_are_not_nesting(minimal_yaml):
    text = edit(minimal_yaml, "{name: tiny}", "{name: tiny, description: '" + "[" * 70 + "'}")
    text += "# " + "{" * 70 + "\n"
    assert load_scenario_text(text).metadata.description == "[" * 70


def test_oversized_text():
    assert problems("x" * (2 * 1024 * 1024 + 1)) == [
        "s.yaml:1:1: scenario is over 2 MB; a scenario may be at most 2 MB",
    ]


# --- files ---------------------------------------------------------------------------------


def file_problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert file_problems(path) == [f"{path}:1:1: no such file"]


def test_directory(tmp_path):
    assert file_problems(tmp_path) == [f"{tmp_path}:1:1: is a directory, not a scenario file"]


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.yaml"
    path.write_text("a: 1\n")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    assert file_problems(path) == [f"{path}:1:1: cannot read file: permission denied"]


def test_file_over_2_mb(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(3 * 1024 * 1024)
    assert file_problems(path) == [f"{path}:1:1: file is 3.0 MB; a scenario may be at most 2 MB"]


def test_binary_file(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"a: 1\nb: \x00\x01\x02\n")
    assert file_problems(path) == [f"{path}:2:4: not a text file (contains NUL bytes)"]


def test_invalid_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: caf\u00e9\n".encode("latin-1"))
    assert file_problems(path) == [f"{path}:2:10: not valid UTF-8 (byte 0xe9)"]


def test_utf8_bom_is_accepted(tmp_path, minimal_yaml):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + minimal_yaml.encode())
    assert load_scenario(path).metadata.name == "tiny"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert file_problems(path) == [
        f"{path}:1:1: empty scenario: no YAML document (only blank lines or comments)",
    ]


def test_errors_name_the_file(tmp_path, minimal_yaml):
    path = tmp_path / "typo.yaml"
    path.write_text(minimal_yaml + "behavoir: {}\n")
    assert file_problems(path) == [
        f"{path}:19:1: behavoir: unknown key 'behavoir' (did you mean 'behaviour'?)",
    ]


# --- records and helpers -------------------------------------------------------------------


def test_located_problem_format():
    assert str(LocatedProblem("f.yaml", 3, 7, "org.teams.0", "bad")) == "f.yaml:3:7: org.teams.0: bad"
    assert str(LocatedProblem("f.yaml", 1, 1, "", "empty")) == "f.yaml:1:1: empty"
    assert str(LocatedProblem("f.yaml", 1, 1, "", "two\nlines")) == "f.yaml:1:1: two lines"


def test_scenario_error_joins_its_problems():
    err = ScenarioError([LocatedProblem("f", 1, 1, "a", "x"), LocatedProblem("f", 2, 3, "", "y")])
    assert str(err) == "f:1:1: a: x\nf:2:3: y"
    assert len(err.problems) == 2


def test_scenario_sha256():
    assert scenario_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_default_scenario_is_embedded_and_valid():
    assert loader.DEFAULT_SCENARIO == "seed.yaml"
    assert default_scenario_text().strip()
    assert isinstance(load_default_scenario(), Scenario)


@pytest.mark.parametrize(
    "loc",
    [
        ("behaviour", "refocus", "uniform", "low"),
        (
            "behaviour",
            "refocus",
            "function-before[_number_is_constant(), tagged-union[Constant,Uniform]]",
            "uniform",
            "low",
        ),
        (
            "behaviour",
            "refocus",
            "tagged-union[Constant,Uniform]",
            "function-after[_ordered(), Uniform]",
            "low",
        ),
    ],
)
def test_pydantic_wrapper_tags_are_stripped_from_locations(minimal_yaml, loc):
    text = minimal_yaml + "behaviour:\n  refocus: {dist: uniform, low: 0, high: 3}\n"
    root = loader.parse_yaml(text, "s.yaml")
    err = {"type": "greater_than", "loc": loc, "msg": "Input should be greater than 0", "input": 0}
    assert str(loader._pydantic_problem(err, root, "s.yaml")) == (
        "s.yaml:20:33: behaviour.refocus.low: Input should be greater than 0"
    )
