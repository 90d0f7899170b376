"""A connection flood on a served drill under the usual descriptor limit (``prlimit --nofile=1024``).

Before the server's bounds (``drill/wire.py``: a cap on connections, idle ones dropped), about
1,000 idle TCP connections used up the 1,024 descriptors: the projector stopped answering and the
facilitator's next note killed the drill with ``OSError: [Errno 24] Too many open files`` on the
journal. Here the drill runs in line mode with ``--serve`` in a child process whose descriptor
limit is 1,024; the test holds 1,100 idle connections open to it (more than the limit), then checks that the projector
answers, that a facilitator's note (from the page and from the terminal) reaches the journal, and
that the outputs are written when the drill ends."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from faultkit import SRC

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "scenarios" / "drills" / "cascading-outage.yaml"
FLOOD = 1_100  # more than the limit: without a cap the server would hold every descriptor
NOFILE = 1_024


def _get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _until(check, within: float, every: float = 0.5):
    """``check()``'s first true value within ``within`` seconds, else the last one."""
    deadline = time.monotonic() + within
    while True:
        try:
            got = check()
        except OSError:
            got = None
        if got or time.monotonic() > deadline:
            return got
        time.sleep(every)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs util-linux prlimit")
def test_a_served_drill_survives_a_connection_flood_at_1024_descriptors(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200", "PYTHONFAULTHANDLER": "1"}
    cmd = [sys.executable, "-m", "incsim", "drill", str(DRILL), "--plain", "--serve", "127.0.0.1:0"]
    cmd += ["--seed", "3", "-n", "0", "-o", str(out)]
    proc = subprocess.Popen(
        ["prlimit", f"--nofile={NOFILE}:{NOFILE}", *cmd],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    err: list[str] = []
    said: list[str] = []  # line mode's output (it prints a journal it cannot write)
    threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True).start()
    threading.Thread(target=lambda: said.extend(proc.stdout), daemon=True).start()
    flood: list[socket.socket] = []
    try:
        fac = _until(lambda: next((ln.split()[-1] for ln in err if ln.startswith("facilitator:")), None), 60)
        assert fac, "".join(err)
        base = fac.split("/f/")[0] + "/"
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        limits = Path(f"/proc/{proc.pid}/limits").read_text()
        assert any(ln.startswith("Max open files") and f" {NOFILE} " in ln for ln in limits.splitlines())

        for _ in range(FLOOD):
            try:
                flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                break  # the listen backlog is full for a moment: what is open is the flood
        assert len(flood) >= 0.9 * FLOOD

        # while the flood holds its places (idle connections are dropped after 10 s): the
        # projector answers at once (a 503 while the cap is full), and a note typed at the
        # terminal reaches the journal at once (the descriptors it needs are free)
        opened = time.monotonic()
        proc.stdin.write("n typed during the flood\n")
        proc.stdin.flush()
        status, _ = _get(base)
        assert status in (200, 503), status
        journal = out / "transcript.journal.yaml"

        def has(text: str) -> bool:
            return journal.is_file() and text in journal.read_text()

        assert _until(lambda: has("typed during the flood"), within=5, every=0.1), "".join(said)
        assert time.monotonic() - opened < 8, "too slow to tell: the idle connections may have gone"
        assert not any("cannot write the journal" in ln for ln in said), "".join(said)

        # once the idle connections are dropped the projector serves its page again, and a note
        # from the facilitator's page reaches the journal too
        assert _until(lambda: _get(base)[0] == 200, within=40), "the projector never answered again"
        assert proc.poll() is None, "".join(err)
        token = fac.rsplit("/", 1)[1]
        status, body = _get(
            fac + "/do",
            {"Content-Type": "application/json", "X-Incsim-Token": token},
            json.dumps({"cmd": "note", "text": "noted during the flood"}).encode(),
        )
        assert status == 200, body
        assert _until(lambda: has("noted during the flood"), within=10, every=0.1)
        assert not any("Too many open files" in ln or "Traceback" in ln for ln in err), "".join(err)

        # the drill ends and writes its outputs, the flood still open
        proc.stdin.write("q\n")
        proc.stdin.flush()
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0, "".join(err)
        for name in ("aar.html", "aar.md", "events.jsonl", "transcript.yaml", "run.json"):
            assert (out / name).is_file(), name
        assert not any("Traceback" in ln for ln in err), "".join(err)
    finally:
        for s in flood:
            s.close()
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
