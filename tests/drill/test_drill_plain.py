"""``incsim drill --plain``, ``--script``, ``--auto`` and ``--resume`` through the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from incsim.cli import app
from incsim.drill.aar import JOURNAL

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = str(ROOT / "scenarios" / "drills" / "db-failover.yaml")
OUTPUTS = ("aar.html", "aar.md", "events.jsonl", "run.json", "transcript.yaml")
PLAY = (
    "\n".join(
        [
            "h",
            "a 2",
            "pl oncall ack",  # the player takes the page at T+2
            "s",  # to the replica note at T+8
            'pl oncall update status=investigating next_steps="primary CPU at 100%, failover?"',
            "n mitigate the replica looks healthy",
            "s",  # to the failover decision at T+9
            "s",  # refused: the decision waits for the room
            "d failover",  # the pending decision's option
            "a 25",
            "m ack-5 met",
            "w 3 we failed over fast",
            "p Automate failover | data team | 2027-02-01",
            "e",
            "q",
        ]
    )
    + "\n"
)


def drill(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["drill", FAILOVER, *args], input=input)


def test_plain_mode_plays_a_drill_from_stdin(tmp_path):
    out = tmp_path / "plain"
    res = drill("--plain", "--seed", "5", "-o", str(out), "-n", "2", input=PLAY)
    assert res.exit_code == 0, res.output
    text = res.output
    assert "DECISION failover for oncall" in text and "commands (one per line)" in text
    assert "failover: decided: Fail over to the replica" in text
    assert "[mitigate] the replica looks healthy" in text
    assert "! decision failover is waiting" in text
    assert "payments-2 joined as debugger" in text and "primary CPU at 100%, failover?" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)  # the journal is gone
    transcript = (out / "transcript.yaml").read_text()
    assert '"do": "decide", "decision": "failover", "option": "failover"' in transcript
    assert '"do": "play", "role": "oncall", "action": "ack"' in transcript
    aar = (out / "aar.md").read_text()
    assert "Automate failover" in aar and "we failed over fast" in aar and "| met | T+" in aar


def test_script_replays_plain_mode_byte_for_byte(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert drill("--plain", "--seed", "5", "-o", str(first), "-n", "2", input=PLAY).exit_code == 0
    res = drill("--script", str(first / "transcript.yaml"), "-o", str(second), "-n", "2")
    assert res.exit_code == 0, res.output
    for name in OUTPUTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_auto_takes_every_default(tmp_path):
    res = drill("--auto", "--seed", "2", "-o", str(tmp_path / "auto"), "-n", "0")
    assert res.exit_code == 0, res.output
    aar = (tmp_path / "auto" / "aar.md").read_text()
    assert aar.count("default (timed out)") == 2
    assert "Counterfactuals were not computed." in aar


def test_a_non_empty_output_folder_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "old.csv").write_text("x")
    res = drill("--auto", "--seed", "2", "-o", str(tmp_path), "-n", "0")
    assert res.exit_code == 2
    assert res.output.strip().endswith(
        "folder is not empty (earlier results?); choose another -o or pass --force"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["old.csv"]


def test_a_bad_drill_is_one_located_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        Path(FAILOVER)
        .read_text()
        .replace("path: ../seed.yaml", f"path: {ROOT / 'scenarios' / 'seed.yaml'}")
        .replace("after: replica-note", "after: replica-note2")
    )
    res = CliRunner().invoke(app, ["drill", str(bad), "--auto", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    (line,) = res.output.strip().splitlines()
    assert (
        line.startswith(f"{bad}:")
        and "unknown inject or decision 'replica-note2' (did you mean 'replica-note'?)" in line
    )
    assert not (tmp_path / "o").exists()


def test_an_interrupted_plain_drill_resumes(tmp_path):
    out = tmp_path / "r"
    # end of input without 'q' still finishes; an interruption is simulated by leaving a journal
    first = drill(
        "--plain", "--seed", "6", "-o", str(out), "-n", "0", input="s\ns\nd failover\na 3\nn half way\n"
    )
    assert first.exit_code == 0
    journal = out / JOURNAL
    journal.write_text((out / "transcript.yaml").read_text())
    for name in OUTPUTS:
        (out / name).unlink()
    res = drill("--plain", "--resume", str(out), "-n", "0", input="n resumed\nq\n")
    assert res.exit_code == 0, res.output
    transcript = (out / "transcript.yaml").read_text()
    assert (
        transcript.index('"option": "failover"') < transcript.index("half way") < transcript.index("resumed")
    )
    assert not journal.exists()


def test_resume_without_a_journal_says_so(tmp_path):
    res = drill("--plain", "--resume", str(tmp_path))
    assert res.exit_code == 2 and f"no {JOURNAL} to resume from" in res.output


def test_ctrl_c_keeps_the_journal_and_exits_130(tmp_path):
    """A real process in line mode, interrupted after two actions: the journal holds both."""
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "int"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "incsim",
            "drill",
            FAILOVER,
            "--plain",
            "--seed",
            "4",
            "-o",
            str(out),
            "-n",
            "0",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        proc.stdin.write("s\ns\nd failover\nn written before the interrupt\n")
        proc.stdin.flush()
        for line in proc.stdout:  # wait until the note has been taken (it is echoed in the feed)
            if "written before the interrupt" in line:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert f"--resume {out}" in err
    assert [p.name for p in out.iterdir()] == [JOURNAL]
    journal = (out / JOURNAL).read_text()
    assert '"option": "failover"' in journal and "written before the interrupt" in journal


def test_a_bad_serve_address_is_one_line_and_writes_nothing(tmp_path):
    res = drill("--auto", "--serve", "nope", "-o", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert (
        res.output.strip() == "--serve: 'nope' is not HOST:PORT (e.g. 127.0.0.1:8765, or [::1]:8765 for IPv6)"
    )
    res = drill("--auto", "--serve", "::1:8765", "-o", str(tmp_path / "o"))
    assert res.exit_code == 2 and "[::1]:8765 for IPv6" in res.output
    assert not (tmp_path / "o").exists()
