"""``incsim validate`` and ``incsim schema`` through the typer app: exit codes and exact lines."""

import json

import pytest
from typer.testing import CliRunner

from incsim.cli import app
from incsim.scenario.jsonschema import scenario_json_schema

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result


def test_valid_file_prints_a_summary(tmp_path, minimal_yaml):
    path = tmp_path / "tiny.yaml"
    path.write_text(minimal_yaml)
    result = run("validate", str(path))
    assert result.exit_code == 0
    assert result.stdout == f"{path}: ok (tiny, 1 team, 1 service, 2 protocols)\n"
    assert result.stderr == ""


def test_invalid_file_prints_located_lines_to_stderr(tmp_path, minimal_yaml):
    path = tmp_path / "typo.yaml"
    path.write_text(minimal_yaml.replace("size: 4", "szie: 4") + "behavoir: {}\n")
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:6:7: org.teams.app.size: missing required key 'size'",
        f"{path}:6:19: org.teams.app.szie: unknown key 'szie' (did you mean 'size'?)",
        f"{path}:19:1: behavoir: unknown key 'behavoir' (did you mean 'behaviour'?)",
    ]


def test_cross_check_problem(tmp_path, minimal_yaml):
    path = tmp_path / "team.yaml"
    path.write_text(minimal_yaml.replace("team: app}", "team: ap}"))
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:8:19: org.services.api.team: unknown team 'ap' (did you mean 'app'?); known: app\n"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.yaml", None, "1:1: no such file"),
        ("empty.yaml", b"", "1:1: empty scenario: no YAML document (only blank lines or comments)"),
        ("binary.yaml", b"\x7fELF\x02\x01\x00\x00", "1:7: not a text file (contains NUL bytes)"),
        ("latin1.yaml", "name: caf\u00e9\n".encode("latin-1"), "1:10: not valid UTF-8 (byte 0xe9)"),
        (
            "list.yaml",
            b"- 1\n",
            "1:1: the top level must be a mapping (apiVersion, kind, metadata, ...), not a list",
        ),
        (
            "syntax.yaml",
            b"a: [1\n",
            "2:1: YAML syntax error: expected ',' or ']', but got "
            "'<stream end>' (while parsing a flow sequence)",
        ),
        ("dup.yaml", b"a: 1\na: 2\n", '2:1: duplicate key "a" in the mapping starting at line 1'),
    ],
)
def test_junk_files_give_one_line_and_exit_2(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"{path}:{message}\n"


def test_directory(tmp_path):
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path}:1:1: is a directory, not a scenario file\n"


def test_schema_prints_the_json_schema():
    result = run("schema")
    assert result.exit_code == 0
    assert result.stdout == scenario_json_schema()
    assert "apiVersion" in json.loads(result.stdout)["required"]


def test_schema_writes_a_file(tmp_path):
    out = tmp_path / "scenario.schema.json"
    result = run("schema", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8") == scenario_json_schema()


def test_schema_to_an_unwritable_place(tmp_path):
    out = tmp_path / "no" / "such" / "dir.json"
    result = run("schema", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"{out}: cannot write: No such file or directory\n"


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "validate" in result.stdout + result.stderr
    assert "schema" in result.stdout + result.stderr


# -- every kind of input file through the one front door -------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SWEEP = ROOT / "scenarios" / "sweeps" / "war-room-size.yaml"
DRILL = ROOT / "scenarios" / "drills" / "db-failover.yaml"


def test_validate_reads_a_sweep_as_a_sweep():
    result = run("validate", str(SWEEP))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{SWEEP}: ok (sweep 'war-room-size', 15 points, 10 replications each)\n"


def test_a_bad_sweep_is_located_in_the_sweep_file(tmp_path):
    bad = tmp_path / "sweep.yaml"
    bad.write_text(
        SWEEP.read_text()
        .replace("scenario: ../seed.yaml", f"scenario: {ROOT / 'scenarios' / 'seed.yaml'}")
        .replace("replications: 10", "replicatoins: 10")
    )
    result = run("validate", str(bad))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:17:1: replicatoins: unknown key 'replicatoins' (did you mean 'replications'?)"
    ]


def test_validate_reads_a_transcript_and_locates_its_problems(tmp_path):
    from incsim.drill.transcript import Action, Transcript

    good = tmp_path / "t.yaml"
    good.write_text(
        Transcript(
            "Payments database failover",
            4,
            "async-first",
            [Action(9.0, "decide", {"decision": "failover", "option": "failover"})],
        ).text()
    )
    result = run("validate", str(good))
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout == f"{good}: ok (drill transcript of 'Payments database failover', 1 action, seed 4)\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace('"do": "decide"', '"do": "decied"'))
    result = run("validate", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:8:3: actions.0: expected an action with 'do' one of: decide")


def test_a_drill_file_gets_the_flow_depth_guard(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text(
        DRILL.read_text().replace("hotwash:\n", "hotwash: " + "[" * 3000 + "]" * 3000 + "\nx:\n", 1)
    )
    line = DRILL.read_text().split("hotwash:\n")[0].count("\n") + 1
    result = run("validate", str(deep))
    assert result.exit_code == 2
    assert result.stderr == f"{deep}:{line}:74: nesting deeper than 64 levels\n"


@pytest.mark.parametrize(
    "kind, title, key",
    [
        ("scenario", "Scenario", "org"),
        ("drill", "Drill", "decisions"),
        ("sweep", "SweepFile", "parameters"),
        ("transcript", "DrillTranscript", "actions"),
    ],
)
def test_schema_covers_every_kind(kind, title, key):
    result = run("schema", "--kind", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == title and key in schema["properties"]
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_the_transcript_schema_names_every_action_the_reader_accepts():
    from incsim.drill.transcript import DO_KEYS

    schema = json.loads(run("schema", "--kind", "transcript").stdout)
    actions = schema["properties"]["actions"]["items"]["oneOf"]
    assert {a["properties"]["do"]["const"]: a["required"][2:] for a in actions} == {
        k: list(v) for k, v in DO_KEYS.items()
    }
