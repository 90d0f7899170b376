"""One kind of results folder: every command's folder is staged and sealed with the same
``run.json``, ``check_seal`` accepts each of them, and a ``--force`` stopped between two files
leaves the earlier folder whole (never half old, half new)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from incsim.output import OutputError, check_seal

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"
EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (staging folders included) by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _stopped_at_the_second_file(monkeypatch, folder: Path):
    """Make the second rename of a results file into ``folder`` raise as a stop signal would
    (temporary and staging names do not count: only a name a reader would see)."""
    real = os.replace
    seen = []

    def replace(src, dst):
        dst = Path(dst)
        if dst.parent == folder and not dst.name.startswith(".") and len(seen) < 2:
            seen.append(dst.name)
            if len(seen) == 2:
                raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return seen


def _calibration(out: Path, force: bool, value: str) -> None:
    from incsim.calibrate.folder import write_folder

    write_folder(
        out,
        {
            "calibration.json": f'{{"v": "{value}"}}\n',
            "report.html": f"<p>{value}</p>\n",
            "scenario.yaml": f"# {value}\n",
        },
        force,
        ["incsim", "calibrate"],
    )


def _run(out: Path, force: bool, value: str) -> None:
    from incsim import api

    api.run_scenario(
        api.load(None), replications=1, seed={"old": 1, "new": 2}[value], out_dir=out, force=force
    )


def _drill(out: Path, force: bool, value: str) -> None:
    from incsim.drill.aar import write_outputs
    from incsim.drill.engine import DrillSession
    from incsim.scenario.drill import load_drill

    s = DrillSession(load_drill(FAILOVER), {"old": 1, "new": 2}[value])
    write_outputs(s, out, force=force, replications=0)


@pytest.mark.parametrize("write", [_calibration, _run, _drill], ids=["calibrate", "run", "drill"])
def test_force_stopped_between_two_files_leaves_the_earlier_folder_whole(tmp_path, monkeypatch, write):
    out = tmp_path / "out"
    write(out, False, "old")
    before = tree(out)
    check_seal(out, "run.json")
    seen = _stopped_at_the_second_file(monkeypatch, out)
    with pytest.raises(KeyboardInterrupt):
        write(out, True, "new")
    monkeypatch.undo()
    assert len(seen) == 2  # the stop came between two files of the new folder
    assert tree(out) == before  # the earlier folder, whole: no new file beside old ones
    check_seal(out, "run.json")
    write(out, True, "new")  # and the next try replaces it whole
    assert check_seal(out, "run.json") and tree(out) != before


def test_a_failed_publish_into_a_new_folder_leaves_no_folder(tmp_path, monkeypatch):
    out = tmp_path / "fresh"
    _stopped_at_the_second_file(monkeypatch, out)
    with pytest.raises(KeyboardInterrupt):
        _calibration(out, False, "x")
    assert not out.exists()


def test_calibrate_check_and_review_folders_carry_the_sealed_run_json(tmp_path, minimal_yaml):
    from typer.testing import CliRunner

    from incsim.cli import app

    runner = CliRunner()
    export = str(EXPORTS / "incidentio.json")
    res = runner.invoke(app, ["calibrate", export, "-o", str(tmp_path / "cal")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["review", export, "-o", str(tmp_path / "rev")])
    assert res.exit_code == 0, res.output
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(minimal_yaml)
    res = runner.invoke(
        app,
        [
            "calibrate",
            export,
            "--check",
            str(scenario),
            "-n",
            "2",
            "--seed",
            "3",
            "-o",
            str(tmp_path / "chk"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert {"check.json", "check.html"} <= set(tree(tmp_path / "chk"))
    for name, kind in (("cal", "calibration"), ("rev", "review"), ("chk", "check")):
        folder = tmp_path / name
        assert not (folder / "manifest.json").exists()
        record = check_seal(folder, "run.json")
        assert record["kind"] == kind and record["command"][0] == "incsim"
        listed = {e["path"] for e in record["files"]}
        assert listed == set(tree(folder)) - {"run.json"}
        first = sorted(listed)[0]
        (folder / first).write_bytes((folder / first).read_bytes() + b" ")
        with pytest.raises(OutputError, match="damaged"):
            check_seal(folder)


def test_a_folder_the_journal_lives_in_is_published_with_the_journal_taken_away(tmp_path, monkeypatch):
    """The drill's journal leaves in the same change as the results arrive: stopped halfway, the
    folder holds the journal (so ``--resume`` still works) and nothing else."""
    from incsim.drill.aar import JOURNAL, prepare, write_outputs
    from incsim.drill.engine import DrillSession
    from incsim.scenario.drill import load_drill

    out = tmp_path / "live"
    prepare(out, False)
    s = DrillSession(load_drill(FAILOVER), 3)
    s.transcript.start_journal(out / JOURNAL)
    s.advance(9)
    s.decide("failover", "failover")
    journal = (out / JOURNAL).read_bytes()
    _stopped_at_the_second_file(monkeypatch, out)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(s, out, replications=0)
    monkeypatch.undo()
    assert tree(out) == {JOURNAL: journal}


def test_rewriting_the_journal_on_resume_is_all_or_nothing(tmp_path):
    """A journal rewritten under a file-size limit (the write fails part-way) keeps its earlier
    content instead of being cut short."""
    journal = tmp_path / "transcript.journal.yaml"
    journal.write_text("# an earlier journal\n" + "x" * 4000 + "\n")
    before = journal.read_bytes()
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from incsim.drill.transcript import Transcript\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))\n"
        "t = Transcript(drill='d' * 3000, seed=1, protocol='war-room')\n"
        "try:\n"
        "    t.start_journal(Path(sys.argv[1]))\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(journal)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "27"  # EFBIG: the write did fail
    assert journal.read_bytes() == before


def test_the_folder_module_imports_nothing_of_incsim_and_output_not_the_simulator():
    code = (
        "import sys, incsim.files; a = sorted(m for m in sys.modules if m.startswith('incsim.'));"
        "import incsim.output, incsim.calibrate.folder, incsim.report, incsim.pilot_baseline;"
        "print(a, 'incsim.experiment' in sys.modules, 'incsim.model.world' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "['incsim.files'] False False"


def test_incsim_pilot_on_the_command_line_does_not_load_the_simulator(tmp_path):
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in ('incsim.api', 'incsim.experiment', "
        "'incsim.model.world', 'simpy') if m in sys.modules)))\n"
        "sys.argv = ['incsim', 'pilot', '--mean', '90', '--sd', '120', '--per-arm', '20', '--trials', '200', "
        "'--seed', '1', '--json', '-o', sys.argv[1]]\n"
        "from incsim.entry import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "p")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert check_seal(tmp_path / "p", "run.json")["kind"] == "pilot"


def test_publish_keeps_unrelated_files_and_drops_what_the_earlier_manifest_listed(tmp_path):
    from incsim import files

    out = tmp_path / "o"
    files.write_folder(out, [("a.txt", b"a"), ("sub/b.txt", b"b")], {"kind": "demo"})
    (out / "notes.txt").write_text("mine")
    files.write_folder(out, [("c.txt", b"c")], {"kind": "demo"}, force=True)
    assert tree(out) == {"c.txt": b"c", "notes.txt": b"mine", "run.json": (out / "run.json").read_bytes()}
    assert [e["path"] for e in check_seal(out)["files"]] == ["c.txt"]


def _pilot(out: Path) -> None:
    from incsim import api
    from incsim.pilot import pilot_report

    baseline = api.load_baseline(90.0, 120.0, None, None, (), None, None)
    api.write_pilot_json(
        out,
        baseline,
        pilot_report(
            baseline,
            improvement=0.2,
            per_arm=20,
            per_month=None,
            months=None,
            threshold=0.1,
            trials=200,
            seed=1,
        ),
    )


def test_a_pilot_folder_is_sealed_and_a_pilot_joins_a_results_folder_s_manifest(tmp_path, monkeypatch):
    from incsim import api

    fresh = tmp_path / "p"
    _pilot(fresh)
    record = check_seal(fresh, "run.json")
    assert record["kind"] == "pilot" and [e["path"] for e in record["files"]] == ["pilot.json"]
    results = tmp_path / "r"
    api.run_scenario(api.load(None), replications=1, seed=1, out_dir=results)
    run = check_seal(results, "run.json")
    before = tree(results)
    _stopped_at_the_second_file(monkeypatch, results)
    with pytest.raises(KeyboardInterrupt):
        _pilot(results)
    monkeypatch.undo()
    assert tree(results) == before
    _pilot(results)
    joined = check_seal(results, "run.json")
    assert {e["path"] for e in joined["files"]} == {e["path"] for e in run["files"]} | {"pilot.json"}
    assert {k: v for k, v in joined.items() if k not in ("files", "self_sha256")} == {
        k: v for k, v in run.items() if k not in ("files", "self_sha256")
    }


@pytest.mark.parametrize("manifest", ["sweep.json", "manifest.json"])
def test_a_pilot_does_not_put_a_run_json_over_a_folder_another_manifest_seals(tmp_path, manifest):
    """A sweep's folder is sealed by ``sweep.json``: a ``run.json`` beside it would be the one
    ``check_seal`` reads, and the sweep's own files would go unchecked."""
    from incsim import files
    from incsim.pilot_defaults import PilotError

    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "summary.csv").write_text("a\n1\n")
    files.write_manifest(folder, ["summary.csv"], manifest, {"kind": "sweep"})
    before = tree(folder)
    with pytest.raises(PilotError, match=rf"^{tmp_path / 'sweep'}: .*{manifest}") as info:
        _pilot(folder)
    assert "\n" not in str(info.value)
    assert tree(folder) == before
    assert check_seal(folder)["kind"] == "sweep"


def test_a_folder_a_killed_write_left_half_replaced_is_refused_as_such(tmp_path):
    """A kill while files are moved (SIGKILL cannot be held back) leaves the earlier manifest and
    some files in a staging folder: the reader's one line says what happened and what mends it."""
    from incsim import files

    out = tmp_path / "o"
    files.write_folder(out, [("a.txt", b"a"), ("b.txt", b"b")], {"kind": "demo"})
    aside = out / ".incsim-old-x1"
    aside.mkdir()
    for name in ("run.json", "a.txt"):
        os.replace(out / name, aside / name)
    (out / "a.txt").write_bytes(b"new a")
    for name in (None, "run.json"):
        with pytest.raises(OutputError) as info:
            check_seal(out, name)
        message = str(info.value)
        assert message.startswith(f"{out}: ") and "\n" not in message
        assert "interrupted" in message and "--force" in message
    (out / "a.txt").unlink()
    os.replace(aside / "a.txt", out / "a.txt")
    os.replace(aside / "run.json", out / "run.json")
    aside.rmdir()
    assert check_seal(out)["kind"] == "demo"  # put back, the folder is whole again


def test_a_pilot_does_not_seal_a_folder_a_killed_write_left_half_replaced(tmp_path):
    """Its run.json would vouch for a mix of earlier and new files (``pilot --from-results`` would
    then read them as whole)."""
    from incsim import files
    from incsim.pilot_defaults import PilotError

    out = tmp_path / "o"
    files.write_folder(out, [("incidents.csv", b"a\n1\n"), ("summary.csv", b"b\n2\n")], {"kind": "demo"})
    aside = out / ".incsim-old-x1"
    aside.mkdir()
    for name in ("run.json", "incidents.csv"):
        os.replace(out / name, aside / name)
    (out / "incidents.csv").write_bytes(b"a\n3\n")
    before = tree(out)
    with pytest.raises(PilotError, match="interrupted") as info:
        _pilot(out)
    assert "\n" not in str(info.value) and str(info.value).startswith(f"{out}: ")
    assert tree(out) == before
