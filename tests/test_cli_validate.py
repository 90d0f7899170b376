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
    assert result.stderr == (f"{path}:8:19: org.services.api.team: unknown team 'ap' "
                             "(did you mean 'app'?); known: app\n")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.yaml", None, "1:1: no such file"),
    ("empty.yaml", b"", "1:1: empty scenario: no YAML document (only blank lines or comments)"),
    ("binary.yaml", b"\x7fELF\x02\x01\x00\x00", "1:7: not a text file (contains NUL bytes)"),
    ("latin1.yaml", "name: caf\u00e9\n".encode("latin-1"), "1:10: not valid UTF-8 (byte 0xe9)"),
    ("list.yaml", b"- 1\n",
     "1:1: the top level must be a mapping (apiVersion, kind, metadata, ...), not a list"),
    ("syntax.yaml", b"a: [1\n", "2:1: YAML syntax error: expected ',' or ']', but got "
                                "'<stream end>' (while parsing a flow sequence)"),
    ("dup.yaml", b"a: 1\na: 2\n", "2:1: duplicate key \"a\" in the mapping starting at line 1"),
])
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
