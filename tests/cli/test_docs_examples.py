"""Every example in the README and the documentation site is run, not read.

Each page's fenced ``bash`` and ``python`` blocks run in order in a fresh temporary folder that
links to the checkout's ``scenarios/``, ``scripts/``, ``src/`` and ``tests/`` (so a block can read
a results folder an earlier block of its page wrote). An ``incsim ...`` line runs in this process
through the command line's ``app``, as a shell would run it (``> FILE`` and ``< FILE`` as a shell
reads them; a leading ``!`` expects a refusal); every other piece of a ``bash`` block runs in
``bash -e -o pipefail``, with this interpreter's folder first on ``PATH``. A ``python`` block runs
in this process; when a block of plain text follows it, the block must print exactly that.

Documented substitutions, to keep the suite fast (``docs/testing.md``, "The documentation's
examples"): a replication count over 5 (``-n 50``, ``--replications 40``) runs with 2, and a
command that takes a count (run, replay, drill, calibrate) and is given none runs with ``-n 2``;
``verify`` runs with the count it names, which its verdict needs. A line ``<!-- docs-test: slow (reason) -->``
before a block runs it only with ``-m slow``, which runs its page's blocks as written (no
substitution); ``<!-- docs-test: skip (reason) -->`` never runs it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.cli import app

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINKED = ("scenarios", "scripts", "src", "tests")
"""What a page's temporary folder links to in the checkout."""
MARK = re.compile(r"^<!-- docs-test: (slow|skip) \((.+)\) -->$")
FENCE = re.compile(r"^```(\S*)\s*$")
MAX_REPLICATIONS = 5
"""A documented replication count above this runs with ``SUBSTITUTE_REPLICATIONS``."""
SUBSTITUTE_REPLICATIONS = "2"
COUNTED = ("run", "replay", "drill", "calibrate")
"""The commands with a replication count (``-n``); given none, they run with ``-n 2``."""
EXACT = ("verify",)
"""Commands whose count is never substituted: ``verify``'s verdict needs the count it names."""
HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    mark: str | None = None  # "slow" or "skip"
    reason: str = ""
    output: str | None = None  # the plain-text block that follows a python block

    def where(self) -> str:
        return f"{_id(self.page)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page`` that run (``bash`` and ``python``), with their marks."""
    lines = page.read_text(encoding="utf-8").split("\n")
    fenced: list[tuple[int, int, str, str, re.Match | None]] = []  # opening line, closing index, ...
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        if j == len(lines):
            raise AssertionError(f"{_id(page)}:{i + 1}: a fenced block is not closed")
        mark = MARK.match(lines[i - 1].strip()) if i > 0 else None
        fenced.append((i + 1, j, m.group(1), "\n".join(lines[i + 1 : j]) + "\n", mark))
        i = j + 1
    out = []
    for k, (line, close, lang, text, mark) in enumerate(fenced):
        if lang not in ("bash", "python"):
            continue
        output = None
        if lang == "python" and k + 1 < len(fenced) and fenced[k + 1][2] in ("", "text"):
            between = lines[close + 1 : fenced[k + 1][0] - 1]  # from the closing fence to the next opening
            if all(not s.strip() for s in between):
                output = fenced[k + 1][3]
        out.append(
            Block(
                page, line, lang, text, mark.group(1) if mark else None, mark.group(2) if mark else "", output
            )
        )
    return out


ALL = {page: blocks(page) for page in PAGES}


def substituted(argv: list[str]) -> list[str]:
    """``argv`` (``incsim`` left out) with the documented substitutions: a replication count
    over 5 becomes 2, and a command of ``COUNTED`` that names no count gets ``-n 2``."""
    out = list(argv)
    if out[:1] and out[0] in EXACT:
        return out
    for k, word in enumerate(out[:-1]):
        if word in ("-n", "--replications") and out[k + 1].isdigit() and int(out[k + 1]) > MAX_REPLICATIONS:
            out[k + 1] = SUBSTITUTE_REPLICATIONS
    if out[:1] and out[0] in COUNTED and not {"-n", "--replications"} & set(out):
        out += ["-n", SUBSTITUTE_REPLICATIONS]
    return out


def substituted_text(text: str) -> str:
    """A shell piece with the same replication substitution, where it names ``-n N``."""
    if re.search(rf"\bincsim\s+({'|'.join(EXACT)})\b", text):
        return text

    def small(m: re.Match) -> str:
        return m.group(1) + (SUBSTITUTE_REPLICATIONS if int(m.group(2)) > MAX_REPLICATIONS else m.group(2))

    return re.sub(r"(\s(?:-n|--replications)\s+)(\d+)\b", small, text)


def pieces(text: str) -> list[str]:
    """A ``bash`` block's commands: continuation lines joined, a heredoc kept with its command,
    blank and comment-only lines dropped."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = HEREDOC.search(line)
        if m:
            body = [line]
            while i < len(lines) and lines[i] != m.group(1):
                body.append(lines[i])
                i += 1
            body.append(lines[i] if i < len(lines) else "")
            i += 1
            line = "\n".join(body)
        out.append(line)
    return out


def in_process(piece: str) -> tuple[bool, list[str], str | None, str | None] | None:
    """An ``incsim`` command a shell would run as ``(expect success, argv, stdin file, stdout
    file)``, or None when the piece needs a shell (pipes, variables, other programs)."""
    try:
        words = shlex.split(piece, comments=True)
    except ValueError:
        return None
    ok = True
    if words[:1] == ["!"]:
        ok, words = False, words[1:]
    if words[:1] != ["incsim"] or any(w in ("|", "&&", "||", ";", "&") or "$" in w for w in words):
        return None
    stdin = stdout = None
    argv = words[1:]
    while len(argv) >= 2 and argv[-2] in (">", "<"):
        if argv[-2] == ">":
            stdout = argv[-1]
        else:
            stdin = argv[-1]
        argv = argv[:-2]
    if any(w in (">", "<", ">>") or w.startswith((">", "<")) for w in argv):
        return None
    return ok, argv, stdin, stdout


def run_bash(block: Block, piece: str, folder: Path, small: bool) -> None:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    text = substituted_text(piece) if small else piece
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", text],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (
        f"{block.where()}: exit {done.returncode} from\n{piece}\n"
        f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )


def run_incsim(block: Block, piece: str, command: tuple, folder: Path, small: bool) -> None:
    ok, argv, stdin, stdout = command
    argv = substituted(argv) if small else argv
    text_in = (folder / stdin).read_text(encoding="utf-8") if stdin else None
    result = CliRunner().invoke(app, argv, input=text_in, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, (
            f"{block.where()}: exit {result.exit_code} from\n{piece}\n{result.output[-3000:]}"
        )
    else:
        assert result.exit_code != 0, (
            f"{block.where()}: expected a refusal from\n{piece}\n{result.output[-3000:]}"
        )
    if stdout:
        (folder / stdout).write_text(result.stdout, encoding="utf-8")


def run_python(block: Block) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.text, block.where(), "exec"), {"__name__": "__docs_example__"})  # noqa: S102
    if block.output is not None:
        assert printed.getvalue() == block.output, (
            f"{block.where()}: printed\n{printed.getvalue()}\nbut the page says\n{block.output}"
        )


def run_page(page: Path, folder: Path, with_slow: bool) -> list[str]:
    """Run every block of ``page`` in ``folder``; the blocks left out, with their reasons."""
    for name in LINKED:
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    left_out = []
    for block in ALL[page]:
        if block.mark == "skip" or (block.mark == "slow" and not with_slow):
            left_out.append(f"{block.where()}: {block.mark}: {block.reason}")
            continue
        if block.lang == "python":
            run_python(block)
            continue
        for piece in pieces(block.text):
            command = in_process(piece)
            if command is None:
                run_bash(block, piece, folder, small=not with_slow)
            else:
                run_incsim(block, piece, command, folder, small=not with_slow)
    return left_out


RUN = [p for p in PAGES if any(b.mark is None for b in ALL[p])]
SLOW = [p for p in PAGES if any(b.mark == "slow" for b in ALL[p])]


@pytest.mark.parametrize("page", RUN, ids=[_id(p) for p in RUN])
def test_every_example_on_the_page_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    left_out = run_page(page, tmp_path, with_slow=False)
    if left_out:
        print("\n".join(left_out))


@pytest.mark.slow
@pytest.mark.parametrize("page", SLOW, ids=[_id(p) for p in SLOW])
def test_the_slow_examples_on_the_page_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    run_page(page, tmp_path, with_slow=True)


def test_the_pages_have_examples_and_the_readme_its_two_set_up_commands():
    """The set-up commands are the README's, byte for byte as CI runs the second; every page that
    is a command's page has an example that runs."""
    readme = [b.text for b in ALL[ROOT / "README.md"]]
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/incsim run\n" in readme
    assert (
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest\n" in readme
    )
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest\n" in ci and "mkdocs build --strict" in ci
    commands = sorted((ROOT / "docs" / "commands").glob("*.md"))
    assert {p.stem for p in commands} >= {
        "run",
        "report",
        "sweep",
        "drill",
        "calibrate",
        "review",
        "replay",
        "pilot",
        "verify",
        "validate",
        "schema",
    }
    for page in commands:
        assert any(b.mark is None and b.lang == "bash" for b in ALL[page]), (
            f"{_id(page)}: no example that runs"
        )
    marked = [b for bs in ALL.values() for b in bs if b.mark]
    assert all(b.reason.strip() for b in marked)


def test_the_reader_finds_every_marked_block_and_its_output(tmp_path: Path):
    """The parser on a page written here: marks, outputs and heredocs are read as a reader reads them."""
    page = tmp_path / "page.md"
    text = (
        "# t\n\n<!-- docs-test: skip (a reason) -->\n```bash\nincsim run -n 50\n```\n\n"
        "```python\nprint(1)\n```\n\n```\n1\n```\n\n```bash\ncat > f <<'EOF'\nx: 1\nEOF\n"
        "incsim validate f  # a comment\n! incsim validate missing.yaml\n```\n"
    )
    page.write_text(text, encoding="utf-8")
    got = blocks(page)
    assert [(b.lang, b.mark, b.reason, b.output) for b in got] == [
        ("bash", "skip", "a reason", None),
        ("python", None, "", "1\n"),
        ("bash", None, "", None),
    ]
    assert pieces(got[2].text) == [
        "cat > f <<'EOF'\nx: 1\nEOF",
        "incsim validate f  # a comment",
        "! incsim validate missing.yaml",
    ]
    assert in_process("incsim validate f  # a comment") == (True, ["validate", "f"], None, None)
    assert in_process("! incsim validate missing.yaml") == (False, ["validate", "missing.yaml"], None, None)
    assert in_process("incsim schema > s.json") == (True, ["schema"], None, "s.json")
    assert in_process("incsim x | head") is None and in_process("python -m incsim run") is None
    assert substituted(["run", "s.yaml", "-n", "50"]) == ["run", "s.yaml", "-n", "2"]
    assert substituted(["run", "-n", "3"]) == ["run", "-n", "3"]
    assert substituted(["run"]) == ["run", "-n", "2"]
    assert substituted(["pilot", "--per-arm", "60"]) == ["pilot", "--per-arm", "60"]
    assert substituted(["verify", "--replications", "30"]) == ["verify", "--replications", "30"]
    assert substituted(["replay", "x.json"]) == ["replay", "x.json", "-n", "2"]
    assert substituted(["drill", "d.yaml", "-n", "0"]) == ["drill", "d.yaml", "-n", "0"]
    assert substituted_text("python -m incsim run -n 40 --seed 1") == "python -m incsim run -n 2 --seed 1"


def test_the_readme_links_to_pages_that_exist():
    """The README is read on its own (on GitHub, in a checkout), outside the site's strict build:
    each of its links into the checkout names a file that is there, and an anchor a heading of it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    local = [link for link in links if not link.startswith(("http://", "https://"))]
    assert len(local) >= 20
    for link in local:
        path, _, anchor = link.partition("#")
        assert (ROOT / path).is_file(), f"README.md links to {path}, which is not there"
        if anchor:
            headings = re.findall(r"(?m)^#+ (.+)$", (ROOT / path).read_text(encoding="utf-8"))
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).strip().replace(" ", "-") for h in headings}
            assert anchor in slugs, f"README.md links to {link}: no such heading"
