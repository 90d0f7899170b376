"""Stop signals at seeded random moments: the command ends within seconds with 128 + the signal,
one line, no worker left behind, nothing half-written; an interrupted sweep resumes to the bytes
of an uninterrupted one."""

from __future__ import annotations

import random
import signal
import time

import pytest
from faultkit import finish, half_written, no_orphans, start, tree

from incsim.sweep import load_sweep, run_sweep

RNG = random.Random(13)  # the moments the signals arrive: seeded, so a failure can be repeated
CASES = [
    (sig, jobs, round(RNG.uniform(0.5, 4.0), 2))
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for jobs in ("1", "2")
]
# (SIGHUP, "2") is left to the slow run: at 1.31 s it hung (no exit within 20 s) in two of about
# ten whole-suite runs on a loaded machine, and could not be made to hang alone (120 tries under
# load). One way to that hang is found and mended (a worker started as the signal came, outside the
# pool's table: test_a_worker_started_as_the_signal_came_is_ended_with_the_pool); whether it was the
# only one is not known, and a hang now fails with every process's stacks (faultkit.finish)
FAST = {(signal.SIGINT, "2"), (signal.SIGTERM, "1")}


def _case(sig, jobs, delay):
    marks = () if (sig, jobs) in FAST else (pytest.mark.slow,)
    return pytest.param(sig, jobs, delay, marks=marks, id=f"{sig.name}-jobs{jobs}-{delay}s")


@pytest.mark.parametrize("sig, jobs, delay", [_case(*c) for c in CASES])
def test_a_run_stops_cleanly_on_every_signal(tmp_path, sig, jobs, delay):
    out = tmp_path / "X"
    proc = start("run", "-n", "400", "--seed", "3", "-o", str(out), "--jobs", jobs, cwd=tmp_path)
    time.sleep(delay)
    import os

    os.killpg(proc.pid, sig)  # to the whole group, as a terminal's Ctrl-C does
    code, stdout, stderr = finish(proc, within=20)
    assert code == 128 + sig, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[-1].startswith("interrupted"), stderr
    assert "Traceback" not in stderr
    if sig != signal.SIGINT:
        assert sig.name in lines[-1]
    no_orphans(proc.pid)
    assert not out.exists(), "an interrupted run left a folder behind"
    assert half_written(tmp_path) == []


def test_sigkill_leaves_no_worker_and_the_folder_stays_usable(tmp_path):
    import os

    out = tmp_path / "K"
    proc = start("run", "-n", "400", "--seed", "3", "-o", str(out), "--jobs", "2", "-q", cwd=tmp_path)
    time.sleep(RNG.uniform(1.5, 4.0))
    os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must follow it
    finish(proc, within=10)
    no_orphans(proc.pid)
    # killed before writing: no folder at all (at most a staging folder, which is not results)
    assert not out.exists() or all(p.name.startswith(".incsim-") for p in out.iterdir())
    again = start("run", "-n", "2", "--seed", "3", "-o", str(out), "-q", "--format", "csv", cwd=tmp_path)
    code, _, stderr = finish(again, within=60)
    assert code == 0, stderr
    assert half_written(out) == []


def test_an_interrupted_sweep_resumes_to_the_bytes_of_an_uninterrupted_one(tmp_path, tiny_sweep):
    import os

    sweep_file = tiny_sweep(reps=15)
    whole = tmp_path / "whole"
    run_sweep(load_sweep(sweep_file), out_dir=whole)
    cut = tmp_path / "cut"
    proc = start("sweep", str(sweep_file), "-o", str(cut), "--jobs", "1", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not list((cut / "points").glob("point-*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(RNG.uniform(0.0, 0.5))
    os.killpg(proc.pid, signal.SIGTERM)
    code, _, stderr = finish(proc, within=20)
    if code == 0:
        pytest.skip("the sweep finished before the signal arrived")
    assert code == 143, stderr
    assert "resume" in stderr.strip().splitlines()[-1]
    assert half_written(cut) == []
    outcome = run_sweep(load_sweep(sweep_file), out_dir=cut)
    assert outcome.resumed >= 1
    assert tree(cut) == tree(whole)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_dask_run_stops_cleanly_and_its_tasks_are_cancelled(tmp_path, sig):
    import os

    distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        out = tmp_path / "D"
        proc = start(
            "run",
            "-n",
            "400",
            "--seed",
            "3",
            "-o",
            str(out),
            "--scheduler",
            cluster.scheduler_address,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 60
        while not any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.1)  # wait until replications run on the cluster
        time.sleep(RNG.uniform(0.2, 2.0))
        os.killpg(proc.pid, sig)
        code, _, stderr = finish(proc, within=30)
        assert code == 128 + sig, stderr
        assert "Traceback" not in stderr and stderr.strip().splitlines()[-1].startswith("interrupted")
        no_orphans(proc.pid)
        assert not out.exists()
        deadline = time.monotonic() + 15
        while any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(client.processing().values()), "the cluster still runs the interrupted replications"


def test_a_signal_during_publishing_is_honoured_after_the_last_rename(tmp_path, monkeypatch):
    import os

    from incsim import api, files, output, signals

    previous = {s: signal.getsignal(s) for s in signals.STOP_SIGNALS}
    real_replace = os.replace
    renames = []

    def replace(src, dst):
        if ".incsim-" not in str(dst):  # a rename into the results folder, not into staging
            renames.append(dst)
            if len(renames) == 2:
                os.kill(os.getpid(), signal.SIGTERM)
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    signals.install()
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            api.run_scenario(api.load(None), replications=2, seed=1, out_dir=tmp_path / "o")
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert info.value.published == tmp_path / "o" and info.value.code == 143
    assert len(renames) > 2  # every file was moved in before the signal took effect
    output.check_seal(tmp_path / "o")


READERS = [
    ("report", signal.SIGTERM),
    ("report", signal.SIGINT),
    ("pilot", signal.SIGHUP),
    ("schema", signal.SIGINT),
]


@pytest.mark.parametrize(
    "command, sig",
    [
        pytest.param(
            c,
            s,
            marks=() if (c, s) == ("report", signal.SIGTERM) else (pytest.mark.slow,),
            id=f"{c}-{s.name}",
        )
        for c, s in READERS
    ],
)
def test_report_pilot_and_schema_stop_cleanly_and_write_all_or_nothing(tmp_path, command, sig):
    import os

    from incsim import api
    from incsim.output import check_seal

    results = tmp_path / "r"
    api.run_scenario(api.load(None), replications=3, seed=6, out_dir=results)
    target, args = {
        "report": (tmp_path / "rep.md", ["report", str(results), "-o", str(tmp_path / "rep.md")]),
        "pilot": (
            tmp_path / "p" / "pilot.json",
            [
                "pilot",
                "--from-results",
                str(results),
                "--protocol",
                "war-room",
                "--per-month",
                "4",
                "--trials",
                "20000",
                "--seed",
                "2",
                "-o",
                str(tmp_path / "p"),
            ],
        ),
        "schema": (tmp_path / "s.json", ["schema", "-o", str(tmp_path / "s.json")]),
    }[command]
    proc = start(*args, cwd=tmp_path)
    time.sleep(RNG.uniform(0.3, 2.5))
    os.killpg(proc.pid, sig)
    code, _, stderr = finish(proc, within=20)
    assert "Traceback" not in stderr
    if code == 0:  # it finished first: then its output is whole
        assert target.exists()
    else:
        assert code == 128 + sig, stderr
        assert stderr.strip().splitlines()[-1].startswith("interrupted")
        assert not target.exists()
    no_orphans(proc.pid)
    assert half_written(tmp_path) == []
    check_seal(results)  # a reader never changes what it read


# A signal's handler runs wherever the main thread is: inside a callback whose exceptions Python
# prints and drops (a weak reference's, as the import system keeps for its module locks, or a
# __del__), the interruption used to be lost with a traceback, and the command ran on.
SWALLOWING = {
    "weakref-callback": "class X: pass\nx = X()\nr = weakref.ref(x, lambda ref: os.kill(os.getpid(), SIG))\ndel x\n",
    "__del__": "class X:\n    def __del__(self): os.kill(os.getpid(), SIG)\nx = X()\ndel x\n",
}
CHILD = """\
import os, signal, sys, time, weakref
sys.path.insert(0, {src!r})
from incsim import signals
SIG = signal.{sig}
signals.install()
try:
{body}
    for _ in range(200):  # the rest of the command (10 s), which a lost signal lets run on
        time.sleep(0.05)
    print("ran on")
except signals.Interrupted as stop:
    print("stopped by", stop.name)
    sys.exit(stop.code)
"""


@pytest.mark.parametrize("where", sorted(SWALLOWING))
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_inside_a_callback_that_drops_exceptions_still_stops_the_command(where, sig, tmp_path):
    import subprocess
    import sys
    import textwrap

    from faultkit import SRC

    body = textwrap.indent(SWALLOWING[where], "    ")
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(src=str(SRC), sig=sig.name, body=body), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 128 + sig, (proc.stdout, proc.stderr)
    assert proc.stdout.strip() == f"stopped by {sig.name}"
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


def test_a_worker_started_as_the_signal_came_is_ended_with_the_pool(monkeypatch):
    """A stop signal can land in the moment between a worker's start and the pool's noting it
    (``ProcessPoolExecutor._spawn_process``). That worker is in no table the pool keeps, waits
    for work that never comes, and at exit Python waits for it forever: the command hangs. The
    pool is stopped with every child this process started, so it ends too."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from incsim.api import executor_for
    from incsim.signals import Interrupted

    started = []
    spawn = ProcessPoolExecutor._spawn_process

    def spawn_then_signal(pool):
        before = set(pool._processes)
        spawn(pool)
        (new,) = set(pool._processes) - before
        started.append(pool._processes.pop(new))  # the signal came before the pool noted it
        raise Interrupted(signal.SIGHUP)

    monkeypatch.setattr(ProcessPoolExecutor, "_spawn_process", spawn_then_signal)
    try:
        with pytest.raises(Interrupted), executor_for(jobs=2) as pool:
            pool.submit(int, 1)
        assert len(started) == 1
        started[0].join(5.0)
        assert not started[0].is_alive(), "a worker outlived its pool"
        assert multiprocessing.active_children() == []
    finally:
        for proc in started:  # without the fix, never leave it for Python's exit to wait on
            if proc.is_alive():
                proc.kill()
                proc.join()


_LATE_SIGNAL = """
import os, signal, sys, time
from incsim import signals

signals.install()


class Late:
    def __del__(self):  # runs while Python tears its modules down, after its signal handling ended
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
        sys.stderr.write("survived\\n")


late = Late()
sys.exit(0)
"""


def test_a_stop_signal_after_the_command_finished_leaves_its_exit_status(tmp_path):
    """A signal landing in Python's last moments (module teardown, once the command has done its
    work and every exit handler has run) does not kill the process: the status stays 0."""
    import os
    import subprocess
    import sys

    from faultkit import SRC

    proc = subprocess.run(
        [sys.executable, "-c", _LATE_SIGNAL],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "survived\n")
