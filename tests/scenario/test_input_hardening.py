"""Hostile values in scenarios, drills, sweeps, transcripts and journals: each one refused with one
located line (``FILE:LINE:COL: reason``), exit 2, no traceback, no hang."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.cli import app
from incsim.drill.transcript import load_transcript, transcript_problems
from incsim.scenario.after import after_cycles
from incsim.scenario.drill import load_drill, load_drill_text
from incsim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
DRILL = SCENARIOS / "drills" / "db-failover.yaml"
TRANSCRIPT = ROOT / "tests" / "golden" / "drill-db-failover" / "transcript.yaml"
LOCATED = re.compile(r"^(?P<file>[^\n]+):(?P<line>\d+):(?P<col>\d+): (?P<why>[^\n]+)$")
runner = CliRunner()


def _refused(args: list[str], file: Path, line: int, says: str) -> str:
    """Run incsim; it must exit 2 with one located line at ``file:line``, saying ``says``."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    out = res.output.strip()
    assert "Traceback" not in out
    m = LOCATED.match(out)
    assert m is not None, out
    assert m["file"] == str(file) and int(m["line"]) == line, out
    assert says in m["why"], out
    return m["why"]


def _edited(tmp_path: Path, src: Path, old: str, new: str, name: str | None = None) -> Path:
    text = src.read_text()
    assert old in text, old
    out = tmp_path / (name or src.name)
    out.write_text(text.replace(old, new, 1))
    return out


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


# -- transcripts and journals -------------------------------------------------------------------------

LAST = '- {"t": 12.0, "do": "play", "role": "oncall", "action": "update", "status": "investigating", "next_steps": "call with the data team"}\n'
TRANSCRIPT_CASES = [  # (old text, new text, what the message says)
    ('"option": "room"', '"option": "nope"', "unknown option of decision 'failover': 'nope'"),
    ('"option": "room"', '"option": null', "expected a text, got null"),
    ("seed: 9", "seed: -1", "expected a whole number from 0 to 2**64-1, got -1"),
    ("seed: 9", 'seed: "7"', 'got "7"'),
    ("seed: 9", "seed: 18446744073709551616", "expected a whole number from 0 to 2**64-1"),
    ('"t": 9.0', '"t": .nan', "'t' must be a number of minutes from 0 to 144000"),
    ('"t": 12.0', '"t": .inf', "'t' must be a number of minutes"),
    ('"t": 12.0', '"t": 1e300', "'t' must be a number of minutes"),
    (LAST, LAST + '- {"t": 13.0, "do": "fire", "inject": "nope"}\n', "unknown inject: 'nope'"),
    (
        LAST,
        LAST + '- {"t": 13.0, "do": "mark", "expectation": "nope", "outcome": "met"}\n',
        "unknown expectation: 'nope'",
    ),
    (
        LAST,
        LAST + '- {"t": 13.0, "do": "mark", "expectation": "ack-5", "outcome": "great"}\n',
        "unknown outcome: 'great'",
    ),
    (
        LAST,
        LAST + '- {"t": 13.0, "do": "note", "text": "x", "objective": "nope"}\n',
        "unknown objective: 'nope'",
    ),
    (LAST, LAST + '- {"t": 13.0, "do": "play", "role": "ghost", "action": "ack"}\n', "unknown played role"),
    (LAST, LAST + '- {"t": 13.0, "do": "play", "role": "oncall", "action": "dance"}\n', "player's action"),
    (LAST, LAST + '- {"t": 13.0, "do": "play", "role": "oncall", "action": "update"}\n', "needs 'status'"),
    (
        LAST,
        LAST
        + '- {"t": 13.0, "do": "play", "role": "oncall", "action": "update", "status": "mitigated", "impact": 5}\n',
        "expected a list of the services affected",
    ),
    (LAST, LAST + '- {"t": 13.0, "do": "clock", "speed": "fast", "paused": true}\n', "expected a number"),
    (LAST, LAST + '- {"t": 13.0, "do": "clock", "speed": 1, "paused": 3}\n', "expected true or false"),
    (LAST, LAST + '- {"t": 13.0, "do": "note", "text": "x", "extra": 1}\n', "not 'extra'"),
    (LAST, LAST + '- {"t": 13.0, "do": "note", "text": ["a"]}\n', "expected a text"),
    ('protocol: "async-first"', "protocol: [1, 2]", "expected a text"),
    (
        'drill: "Payments database failover"',
        'drill: "7"',
        "recorded for the drill '7', not 'Payments database failover'",
    ),
]


_LOADED: list = []


def _drill():
    """The drill the golden transcript was recorded on, loaded once."""
    if not _LOADED:
        _LOADED.append(load_drill(DRILL).drill)
    return _LOADED[0]


def _transcript_refused(script: Path, line: int, says: str) -> None:
    """The transcript at ``script`` is refused with one located line, as ``incsim drill`` reads it."""
    try:
        problems = transcript_problems(load_transcript(script), _drill())
    except ScenarioError as exc:
        problems = exc.problems
    assert len(problems) == 1, problems
    m = LOCATED.match(str(problems[0]))
    assert m is not None and m["file"] == str(script) and int(m["line"]) == line, str(problems[0])
    assert says in m["why"], str(problems[0])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("old,new,says", TRANSCRIPT_CASES, ids=[c[2][:30] for c in TRANSCRIPT_CASES])
def test_a_hostile_transcript_is_one_located_line(tmp_path, old, new, says):
    src = tmp_path / "src.yaml"
    src.write_text(TRANSCRIPT.read_text())
    script = _edited(tmp_path, src, old, new, "t.yaml")
    _transcript_refused(script, _line_of(script, new.splitlines()[-1][:30]), says)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", [0, 3, 5, -1], ids=["unknown option", "seed '7'", "t .nan", "another drill"])
def test_incsim_drill_refuses_a_hostile_script_before_running(tmp_path, case):
    old, new, says = TRANSCRIPT_CASES[case]
    script = _edited(tmp_path, TRANSCRIPT, old, new, "t.yaml")
    line = _line_of(script, new.splitlines()[-1][:30])
    _refused(
        ["drill", str(DRILL), "--script", str(script), "-o", str(tmp_path / "o"), "-n", "0"],
        script,
        line,
        says,
    )
    assert not (tmp_path / "o" / "aar.html").exists()


@pytest.mark.timeout(60)
def test_a_nan_time_in_a_journal_is_refused_on_resume(tmp_path):
    # before: --resume looped for ever on a journal holding t: .nan
    out = tmp_path / "o"
    out.mkdir()
    journal = _edited(tmp_path, TRANSCRIPT, '"t": 9.0', '"t": .nan', "src.yaml")
    (out / "transcript.journal.yaml").write_text(journal.read_text())
    target = out / "transcript.journal.yaml"
    _refused(["drill", str(DRILL), "--resume", str(out), "-n", "0"], target, 10, "'t' must be a number")


# -- drills ---------------------------------------------------------------------------------------------

DRILL_CASES = [  # (old text, new text, what the message says)
    ("{do: fail_over, remaining_work: 0.25, extra_min: 5}", "{do: fail_over, extra_min: 1e9}", "43200"),
    ("{do: fail_over, remaining_work: 0.25, extra_min: 5}", "{do: fail_over, remaining_work: 1e9}", "100"),
    ("    delay_min: 1\n", "    delay_min: 1e300\n", "144000"),
    ("    timeout_min: 5\n    default: debug", "    timeout_min: 1e300\n    default: debug", "144000"),
    ("  duration_min: 60\n", "  duration_min: 1e300\n", "144000"),
    ("{minutes_without_mitigation: 30}", "{minutes_without_mitigation: 1e300}", "144000"),
    ("by_min: 10, event: joined", "by_min: .inf, event: joined", "finite"),
    ("role: oncall, score: 2}", "role: oncall, score: 1e308}", "100"),
    ("  start: Tue 14:10\n", "  draw: {seed: -1}\n", "greater than or equal to 0"),
    ("  start: Tue 14:10\n", "  draw: {seed: 18446744073709551616}\n", "18446744073709551615"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("old,new,says", DRILL_CASES, ids=[c[1][:30] for c in DRILL_CASES])
def test_a_hostile_drill_number_is_one_located_line(tmp_path, old, new, says):
    (tmp_path / "seed.yaml").write_text((SCENARIOS / "seed.yaml").read_text())
    (tmp_path / "drills").mkdir()
    text = DRILL.read_text()
    if "draw" in new:  # a drawn incident takes no category, roots or start
        text = text.replace("  category: single-service\n  roots: [payments-api]\n", "")
    src = tmp_path / "drills" / "src.yaml"
    src.write_text(text)
    path = _edited(tmp_path / "drills", src, old, new, "d.yaml")
    line = _line_of(path, new.strip().splitlines()[0][:25])
    _refused(["validate", str(path)], path, line, says)


def test_the_failover_of_a_billion_minutes_no_longer_runs_for_ever(tmp_path):
    """The issue's case: passed validate, and the drill never ended (memory growing)."""
    (tmp_path / "seed.yaml").write_text((SCENARIOS / "seed.yaml").read_text())
    (tmp_path / "drills").mkdir()
    src = tmp_path / "drills" / "src.yaml"
    src.write_text(DRILL.read_text().replace("    default: debug", "    default: failover"))
    path = _edited(tmp_path / "drills", src, "remaining_work: 0.25, extra_min: 5", "extra_min: 1e9", "d.yaml")
    why = _refused(
        ["drill", str(path), "--auto", "-o", str(tmp_path / "o"), "-n", "0"], path, 89, "extra_min"
    )
    assert "43200" in why


def _chain(n: int, cycle: bool) -> str:
    """A drill whose injects form one ``after`` chain of ``n`` (closed into a ring when ``cycle``)."""
    lines = [
        "apiVersion: incsim/v1",
        "kind: Drill",
        "metadata: {title: chain, duration_min: 60}",
        "scenario: {path: seed.yaml, protocol: async-first}",
        "incident: {category: single-service, roots: [payments-api], start: Tue 14:10}",
        "injects:",
        f"  - {{id: i0, {'after: i' + str(n - 1) if cycle else 'at: 0'}, text: x}}",
    ]
    lines += [f"  - {{id: i{k}, after: i{k - 1}, text: x}}" for k in range(1, n)]
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # reading 10,000 injects' YAML takes about 10 s; the check itself a fraction
@pytest.mark.timeout(120)
def test_a_ten_thousand_inject_chain_validates():
    """The cycle check was cubic (2,000 injects: 25 s; 10,000: over 10 minutes)."""
    loaded = load_drill_text(_chain(10_000, cycle=False), "d.yaml", base=SCENARIOS)
    assert len(loaded.drill.injects) == 10_000
    with pytest.raises(ScenarioError) as exc:
        load_drill_text(_chain(10_000, cycle=True), "d.yaml", base=SCENARIOS)
    problems = [str(p) for p in exc.value.problems]
    assert len(problems) == 1 and problems[0] == (
        "d.yaml:7:14: injects.0.after: 'after' goes round in a cycle: "
        "i0 -> i9999 -> i9998 -> i9997 -> ... (10000 items) ... -> i2 -> i1 -> i0"
    )


class _Counting(dict):
    """A dict that counts its ``get`` calls: the cycle check's unit of work."""

    calls = 0

    def get(self, key, default=None):
        type(self).calls += 1
        return super().get(key, default)


@pytest.mark.parametrize("n", [10, 1_000, 20_000])
def test_the_cycle_check_does_linear_work(n):
    where = {f"i{k}": ("injects", k) for k in range(n)}
    cases = [  # (deps, cycles expected): a chain, one ring of n, n/2 rings of two
        ({f"i{k}": {f"i{k - 1}"} for k in range(1, n)}, 0),
        ({f"i{k}": {f"i{(k - 1) % n}"} for k in range(n)}, 1),
        ({f"i{k}": {f"i{k ^ 1}"} for k in range(n)}, n // 2),
    ]
    for deps, cycles in cases:
        _Counting.calls = 0
        found = after_cycles(_Counting(deps), where)
        assert len(found) == cycles
        assert _Counting.calls <= n  # each item's 'after' is looked up once


# -- scenarios ------------------------------------------------------------------------------------------

SCENARIO = SCENARIOS / "startup.yaml"
SCENARIO_CASES = [  # (old text, new text, what the message says)
    ("diagnosis: {dist: lognormal, median: 25, sigma: 0.9}", "diagnosis: 1e300", "43200"),
    (
        "diagnosis: {dist: lognormal, median: 25, sigma: 0.9}",
        "diagnosis: {dist: lognormal, median: 25, sigma: 300}",
        "5",
    ),
    (
        "diagnosis: {dist: lognormal, median: 25, sigma: 0.9}",
        "diagnosis: {dist: lognormal, mean: 1e-300, sd: 40000}",
        "log-sd",
    ),
    ("{name: backend, size: 5,", "{name: backend, size: 100000000,", "10000"),
    ("consults_mean: 0.2", "consults_mean: 1e300", "100"),
    ("rate_per_week: 1.5", "rate_per_week: .nan", "finite"),
    ("    update_cadence_min: 15\n", "    update_cadence_min: 0.000001\n", "greater than or equal to 1"),
    ("  horizon_days: 91 ", "  horizon_days: 1e300 ", "3660"),
    ("  replications: 20\n", "  replications: 1000000000\n", "100000"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("old,new,says", SCENARIO_CASES, ids=[c[1][:30] for c in SCENARIO_CASES])
def test_a_hostile_scenario_number_is_one_located_line(tmp_path, old, new, says):
    # before: a diagnosis of 1e300 or a team of 10**8 hung `incsim run`; a log-sd of 300 or a
    # mean of 1e300 consultations stopped it with a traceback; all passed `validate`
    path = _edited(tmp_path, SCENARIO, old, new)
    line = _line_of(path, new[:25])
    _refused(["validate", str(path)], path, line, says)
    if old.startswith("diagnosis") and "1e300" in new:  # `run` refuses it as `validate` does
        _refused(["run", str(path), "-n", "1", "-o", str(tmp_path / "r")], path, line, says)


@pytest.mark.parametrize("seed", ["-1", "18446744073709551616", "9" * 5000])
def test_a_scenario_seed_beyond_64_bits_is_refused(tmp_path, seed):
    path = _edited(tmp_path, SCENARIO, "  replications: 20\n", f"  replications: 20\n  seed: {seed}\n")
    why = _refused(["validate", str(path)], path, _line_of(path, "  seed: "), "")
    assert "seed" in why or "5,000 digits" in why, why


# -- sweeps ---------------------------------------------------------------------------------------------

SWEEP = SCENARIOS / "sweeps" / "war-room-size.yaml"
SWEEP_CASES = [  # (old text, new text, what the message says)
    # before: 309-digit values in the messages (and, from -1e308 to 1e308, numpy overflowing)
    ("values: [4, 6, 10, 15, 20]", "values: {from: -1e308, to: 20, steps: 3}", "-1000000000000000"),
    ("replications: 10\n", "replications: 1000000000\n", "100000"),  # before: accepted
    ("seed: 7\n", "seed: 18446744073709551616\n", "18446744073709551615"),
]


@pytest.mark.parametrize("old,new,says", SWEEP_CASES, ids=[c[1][:30] for c in SWEEP_CASES])
def test_a_hostile_sweep_number_is_one_located_line(tmp_path, old, new, says):
    (tmp_path / "seed.yaml").write_text((SCENARIOS / "seed.yaml").read_text())
    (tmp_path / "sweeps").mkdir()
    path = _edited(tmp_path / "sweeps", SWEEP, old, new, "s.yaml")
    line = _line_of(path, new.strip().splitlines()[-1][:20])
    _refused(["validate", str(path)], path, line, says)


def test_the_command_line_s_seed_bound_is_the_files():
    from incsim.cli.common import MAX_SEED as CLI_MAX
    from incsim.scenario.schema import MAX_SEED

    assert CLI_MAX == MAX_SEED


@pytest.mark.parametrize("command", ["run", "drill", "validate"])
def test_a_seed_beyond_64_bits_on_the_command_line_is_refused(tmp_path, command):
    # before: `drill --seed 10**700` stopped with "key too long for the stream hash", and a
    # seed of 2**70 wrote a transcript that could not be replayed
    target = str(DRILL if command != "run" else SCENARIO)
    extra = ["--auto", "-n", "0", "-o", str(tmp_path / "o")] if command == "drill" else []
    extra += ["-n", "1", "-o", str(tmp_path / "o")] if command == "run" else []
    res = runner.invoke(app, [command, target, "--seed", str(2**64), *extra])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert "--seed" in res.output and "18446744073709551615" in res.output, res.output


def test_a_drill_title_sends_no_escape_or_bidi_override_to_the_terminal(tmp_path):
    # before: the command's own line "drill 'TITLE', seed S, results in DIR" printed the title raw,
    # so an OSC sequence in it (here one that retitles the terminal window) reached the terminal
    text = (
        DRILL.read_text()
        .replace(
            "  title: Payments database failover\n",
            '  title: "Payments \\u202edatabase\\x1b]0;pwned\\x07 failover"\n',
            1,
        )
        .replace(
            "text: Restore payments within 45 minutes",
            'text: "Restore \\u202epayments\\x1b[31m within 45 minutes"',
            1,
        )
    )
    assert "pwned" in text
    drill = tmp_path / "drills" / "hostile.yaml"
    drill.parent.mkdir()
    drill.write_text(text.replace("path: ../", f"path: {SCENARIOS}/"))
    res = runner.invoke(
        app, ["drill", str(drill), "--auto", "-n", "0", "--seed", "3", "-o", str(tmp_path / "o")]
    )
    assert res.exit_code == 0, res.output
    assert "database" in res.output and "pwned" in res.output
    assert not _raw_controls(res.output)
    # the after-action report, in either form, and what validate prints (its summary and a run sheet)
    for name in ("aar.md", "aar.html"):
        shown = (tmp_path / "o" / name).read_text(encoding="utf-8")
        assert "pwned" in shown and "Restore" in shown and not _raw_controls(shown), name
    for extra in ([], ["--seed", "3"]):
        res = runner.invoke(app, ["validate", str(drill), *extra])
        assert res.exit_code == 0 and "pwned" in res.output and not _raw_controls(res.output), res.output


def _raw_controls(text: str) -> set[str]:
    """The escape, bell and right-to-left override characters in ``text``."""
    return set(text) & {"\x1b", "\x07", "\u202e"}


def test_a_refusal_quoting_hostile_text_sends_no_escape_to_the_terminal(tmp_path):
    # a refusal quotes what the file says: here a transcript's drill title holding an OSC sequence
    script = _edited(
        tmp_path, TRANSCRIPT, 'drill: "Payments database failover"', 'drill: "x\\x1b]0;pwned\\x07"'
    )
    res = runner.invoke(app, ["drill", str(DRILL), "--script", str(script), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert "recorded for the drill 'x" in res.output and "pwned" in res.output
    assert "\x1b" not in res.output and "\x07" not in res.output
