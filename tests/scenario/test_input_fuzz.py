"""Every input file kind driven with mutated real files (hypothesis, a fixed seed and a budget):
scenarios, drills, sweeps, drill transcripts and journals. The outcome is a value or one located
refusal (``FILE:LINE:COL: reason``; exit 0 or 2), never a traceback, never a run longer than
``BOUND_S`` seconds of CPU (CPU, not wall time: the bound holds on a busy machine).

What is fuzzed: the files under ``scenarios/`` (scenarios, the example drills, the sweeps) and the
golden drill transcript, with a value anywhere replaced by a hostile one (huge, negative, NaN or
infinite, of the wrong type, deeply nested, empty), a key removed, or the text cut short. Each
mutated file goes through the one front end (``inputs.load_input``); a transcript is also checked
against its drill and, now and then, replayed as ``--script`` or resumed as a journal (in line
mode, ``--plain``, with no input: the model plays the rest out); now and then a file goes through
``incsim validate`` itself. ``-m slow`` runs a longer budget and plays each valid drill out
(``--auto``). Every step runs under ``bounds.bounded``: past ``BOUND_S`` of CPU (or six times that
of wall time, a run waiting for input) it is stopped and the test fails."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from bounds import bounded
from fuzz_helpers import fuzz_settings, paths
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from incsim.cli import app
from incsim.drill.transcript import load_transcript, transcript_problems
from incsim.inputs import load_input
from incsim.scenario.drill import load_drill
from incsim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
FILES = sorted(
    [
        *SCENARIOS.glob("*.yaml"),
        *(SCENARIOS / "drills").glob("*.yaml"),
        *(SCENARIOS / "sweeps").glob("*.yaml"),
    ]
)
TRANSCRIPT = ROOT / "tests" / "golden" / "drill-db-failover" / "transcript.yaml"
DRILL = SCENARIOS / "drills" / "db-failover.yaml"
BOUND_S = 10.0
LOCATED = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")
runner = CliRunner()
FUZZ = fuzz_settings(12)
LONG = settings(FUZZ, max_examples=200)


def _deep(n: int) -> list:
    """A list nested ``n`` deep."""
    out: list = [1]
    for _ in range(n - 1):
        out = [out]
    return out


HOSTILE = st.sampled_from(
    [
        10**400,
        -(10**400),
        10**20,
        2**64,
        1e308,
        1e300,
        1e9,
        -1,
        -1e-300,
        0,
        1e-300,
        0.5,
        float("nan"),
        float("inf"),
        float("-inf"),
        "7",
        "",
        "x" * 5000,
        "\u202e\x1b[31m",
        None,
        True,
        [],
        {},
        _deep(70),
        {"dist": "lognormal", "median": 1e300, "sigma": 300},
        {"do": "fail_over", "extra_min": 1e9},
        {"name": None},
    ]
)
NUMBERS = st.sampled_from(
    [10**400, 1e300, 1e9, 2**64, -1, -1e300, 0, float("nan"), float("inf"), "1e999", "x"]
)


def _get(doc, at):
    for k in at:
        doc = doc[k]
    return doc


def _mutated(data, text: str) -> str:
    """``text`` (YAML) with one hostile change: a value replaced, a key removed, or cut short."""
    how = data.draw(st.sampled_from(["value", "value", "value", "number", "delete", "cut"]), label="how")
    if how == "cut":
        return text[: data.draw(st.integers(0, len(text)), label="cut at")]
    doc = yaml.safe_load(text)
    places = [a for a in paths(doc) if a]
    if how == "number":  # most of the hazards are numbers: mostly a number for a number
        nums = [
            a for a in places if isinstance(_get(doc, a), (int, float)) and not isinstance(_get(doc, a), bool)
        ]
        places = nums or places
    at = data.draw(st.sampled_from(places), label="at")
    parent = _get(doc, at[:-1])
    if how == "delete" and isinstance(parent, dict):
        parent.pop(at[-1])
    else:
        parent[at[-1]] = data.draw(NUMBERS if how == "number" else HOSTILE, label="value")
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10_000)


def _layout(tmp: Path) -> Path:
    """A copy of ``scenarios/`` (a drill or sweep finds its scenario by a relative path)."""
    dest = tmp / "scenarios"
    shutil.copytree(SCENARIOS, dest, ignore=shutil.ignore_patterns("validation"))
    return dest


def _one_front_end(path: Path) -> object | None:
    """What ``load_input`` makes of ``path``: a value, or None after a located refusal."""
    try:
        with bounded(BOUND_S):
            value = load_input(path).value
    except ScenarioError as exc:
        assert exc.problems, "a refusal names its problem"
        for p in exc.problems:
            assert LOCATED.match(str(p)), str(p)
        value = None
    return value


def _cli(*args: str) -> None:
    with bounded(BOUND_S):
        res = runner.invoke(app, list(args), input="")
    assert res.exit_code in (0, 2), (args, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        assert all(LOCATED.match(ln) for ln in res.output.strip().splitlines()), res.output


def _files(data, tmp_path_factory, long: bool) -> None:
    src = data.draw(st.sampled_from(FILES), label="file")
    tree = _layout(tmp_path_factory.mktemp("fuzz"))
    target = tree / src.relative_to(SCENARIOS)
    target.write_text(_mutated(data, src.read_text()))
    value = _one_front_end(target)
    if data.draw(st.integers(0, 9), label="cli") == 0:
        _cli("validate", str(target))
    if long and value is not None and target.parent.name == "drills":
        _cli("drill", str(target), "--auto", "--seed", "3", "-n", "0", "-o", str(target.parent / "out"))


@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_input_files_mutated(tmp_path_factory, data):
    _files(data, tmp_path_factory, long=False)


@pytest.mark.slow
@settings(LONG)
@given(data=st.data())
def test_input_files_mutated_long(tmp_path_factory, data):
    _files(data, tmp_path_factory, long=True)


def _transcripts(data, tmp_path_factory, long: bool) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    text = _mutated(data, TRANSCRIPT.read_text())
    journal = data.draw(st.booleans(), label="as a journal")
    target = tmp / ("transcript.journal.yaml" if journal else "t.yaml")
    target.write_text(text)
    if _one_front_end(target) is not None:
        with bounded(BOUND_S):
            script = load_transcript(target)
            problems = transcript_problems(script, load_drill(DRILL).drill)
        for p in problems:
            assert LOCATED.match(str(p)), str(p)
    if long or data.draw(st.integers(0, 5), label="replay") == 0:  # a replay costs a drill's run
        # a journal is resumed in line mode with no input (the console would wait for a person)
        how = (
            ["--resume", str(tmp), "--plain"] if journal else ["--script", str(target), "-o", str(tmp / "o")]
        )
        _cli("drill", str(DRILL), *how, "-n", "0")


@settings(FUZZ, max_examples=8)
@given(data=st.data())
def test_transcripts_and_journals_mutated(tmp_path_factory, data):
    _transcripts(data, tmp_path_factory, long=False)


@pytest.mark.slow
@settings(LONG, max_examples=60)  # each replays a drill, or is refused first: about 0.4 s of CPU
@given(data=st.data())
def test_transcripts_and_journals_mutated_long(tmp_path_factory, data):
    _transcripts(data, tmp_path_factory, long=True)
