"""``incsim drill``: run a game day or tabletop exercise from a drill file.

The console (default), line mode (``--plain``), a recorded transcript (``--script``) or the
defaults (``--auto``) drive one ``DrillSession``; ``--serve`` adds the projector, a page per played role
and the facilitator's page (``drill/server.py``). The
transcript is journalled into the results folder as actions happen, so an interrupted drill
keeps what was done and ``--resume DIR`` continues it.
"""

from __future__ import annotations

import re
import secrets
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import MAX_SEED, app, fail


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if (
        not sep
        or not port.isdigit()
        or not 0 <= int(port) <= 65535
        or (":" in host and not (host.startswith("[") and host.endswith("]")))
    ):
        fail([f"--serve: '{text}' is not HOST:PORT (e.g. 127.0.0.1:8765, or [::1]:8765 for IPv6)"])
    return host.strip("[]") or "127.0.0.1", int(port)


@app.command("drill")
def drill(
    file: Annotated[
        Path, typer.Argument(metavar="DRILL", help="Drill YAML file (kind: Drill).", show_default=False)
    ],
    plain: Annotated[
        bool, typer.Option("--plain", help="Line mode: commands on stdin, the feed on stdout.")
    ] = False,
    script: Annotated[
        Path | None,
        typer.Option(
            "--script", metavar="TRANSCRIPT.yaml", help="Replay a recorded transcript without a person."
        ),
    ] = None,
    auto: Annotated[
        bool,
        typer.Option(
            "--auto",
            help="Nobody plays: played roles stay empty (unless the drill "
            "names a stand-in); decisions take their defaults.",
        ),
    ] = False,
    serve: Annotated[
        str | None,
        typer.Option(
            "--serve",
            metavar="HOST:PORT",
            help="Serve the projector, the players' and the facilitator's "
            "pages (a session code off loopback).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", min=0, max=MAX_SEED, help="Seed (default: the transcript's, else drawn and printed)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Results folder (default: results/drill-NAME-seedS).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty results folder.")] = False,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", metavar="DIR", help="Continue an interrupted drill from its folder."),
    ] = None,
    replications: Annotated[
        int,
        typer.Option("--replications", "-n", min=0, help="Replications for the counterfactuals (0: none)."),
    ] = 20,
    speed: Annotated[
        float, typer.Option("--speed", min=0.01, help="Console clock: simulated minutes per real minute.")
    ] = 1.0,
    stepped: Annotated[
        bool, typer.Option("--stepped", help="Console clock: stepped to the next inject or decision.")
    ] = False,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help="With --serve: a further host name the devices use to reach it (repeatable).",
        ),
    ] = None,
) -> None:
    """Run a drill: facilitator console, --plain line mode, --script replay or --auto; writes the AAR."""
    from incsim.drill.aar import JOURNAL, prepare, write_outputs
    from incsim.drill.engine import DrillSession
    from incsim.drill.feed import safe_text
    from incsim.drill.transcript import load_transcript, transcript_problems
    from incsim.files import OutputError
    from incsim.scenario.drill import load_drill
    from incsim.scenario.loader import ScenarioError

    if sum(bool(x) for x in (script, auto, resume)) > 1:
        fail(["--script, --auto and --resume do not go together"])
    address = parse_address(serve) if serve is not None else None
    try:
        loaded = load_drill(file)
        transcript = None
        if resume is not None:
            journal = resume / JOURNAL
            if not journal.is_file():
                done = " (it holds a finished drill)" if (resume / "transcript.yaml").is_file() else ""
                fail([f"{resume}: no {JOURNAL} to resume from{done}"])
            transcript = load_transcript(journal)
        elif script is not None:
            transcript = load_transcript(script)
        if transcript is not None:
            wrong = transcript_problems(transcript, loaded.drill)
            if wrong:
                raise ScenarioError(wrong)
    except ScenarioError as exc:
        fail(exc.problems)
    if seed is None:
        seed = transcript.seed if transcript is not None else secrets.randbelow(2**31)
    elif transcript is not None and resume is not None and seed != transcript.seed:
        fail([f"--seed {seed} differs from the interrupted drill's seed {transcript.seed}"])
    if resume is not None:
        out = resume
    elif out is None:
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", file.stem).strip("-") or "drill"
        out = Path("results") / f"drill-{slug}-seed{seed}"
    try:
        if resume is None:
            prepare(out, force)
    except OutputError as exc:
        fail([str(exc)])
    session = DrillSession(loaded, seed, transcript, players=frozenset() if auto else None)
    headless = auto or script is not None
    if resume is not None:
        session.catch_up()
    if not headless:
        session.transcript.start_journal(out / JOURNAL)
    stop = None
    lock: AbstractContextManager = nullcontext()
    if address is not None:
        from incsim.drill.lock import guard
        from incsim.drill.server import serve as serve_views

        lock = guard(session)  # the server's threads read the session between steps, never during one
        host, port = address
        try:
            stop = serve_views(
                session,
                host,
                port,
                finish=lambda: write_outputs(session, out, force=True, replications=replications),
                allow_hosts=tuple(allow_host or ()),
            )
        except OSError as exc:
            fail([f"--serve {serve}: cannot listen: {exc.strerror or exc}"])
        typer.echo(
            f"projector: {stop.room_url}\nplayers join: {stop.join_url} (code {stop.served.code})\n"
            f"facilitator: {stop.facilitator_url}",
            err=True,
        )
    typer.echo(f"drill '{safe_text(session.title)}', seed {seed}, results in {out}", err=True)
    try:
        if headless:
            while not session.finished:
                with lock:
                    session.step()
        elif plain:
            from incsim.drill.plain import run_plain

            run_plain(session, sys.stdin, sys.stdout, lock=lock)
        else:
            from incsim.drill.console import run_console

            if resume is not None and session.clock_state is not None:
                speed = session.clock_state[0]  # where the interrupted console left its clock
            run_console(
                session,
                speed,
                stepped,
                out_dir=out,
                force=True,
                paused=resume is not None,
                replications=replications,
            )
            if not (out / "aar.html").is_file():
                typer.echo(
                    f"the drill was left unfinished; the transcript so far is in {out / JOURNAL}; "
                    f"continue with: incsim drill {file} --resume {out}",
                    err=True,
                )
                return
            typer.echo(f"wrote {out}/aar.html, aar.md, events.jsonl, transcript.yaml, run.json")
            return
        with lock:
            write_outputs(session, out, force=True, replications=replications)
    except KeyboardInterrupt:
        typer.echo(
            f"\ninterrupted: the transcript so far is in {out / JOURNAL}; continue with: "
            f"incsim drill {file} --resume {out}",
            err=True,
        )
        raise typer.Exit(130) from None
    except OutputError as exc:
        fail([str(exc)], code=1)
    finally:
        if stop is not None:
            stop()
    typer.echo(f"wrote {out}/aar.html, aar.md, events.jsonl, transcript.yaml, run.json")
