"""Every export reader driven with mutated fixture files (real snapshots among them) (hypothesis, a fixed seed and a
budget): the outcome is a result or one-line refusal (exit 0 or 2), never a traceback, never a
run longer than ``BOUND_S`` seconds of CPU (stopped there by ``bounds.bounded``, not measured after).

What is fuzzed: each JSON and JSON Lines export (a value anywhere in a record replaced by a
hostile one, a key removed, the text cut short), the CSV exports (a cell replaced, a row cut
short or lengthened) and the CSV column mapping (a value replaced). Each mutated file goes through
what ``calibrate``, ``review`` and ``replay`` do with it before any simulation: reading, the fits,
the monthly review and the replay window; a few through the command line itself."""

from __future__ import annotations

import json
from pathlib import Path

from bounds import bounded
from fuzz_helpers import fuzz_settings, paths
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from incsim.calibrate.calibration import calibrate
from incsim.calibrate.readers import read_export
from incsim.calibrate.records import ExportError
from incsim.calibrate.replay import window
from incsim.calibrate.review import review
from incsim.cli import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
JSON_FILES = sorted(
    [
        *FIX.glob("*.json"),
        *FIX.glob("*.jsonl"),
        *(FIX / "public").glob("*.json"),
        *(FIX / "public" / "snapshots").glob("*.json"),
        FIX / "public" / "statuspage_incidents",
    ]
)
JSON_FILES = [p for p in JSON_FILES if p.name != "pagerduty_responses.json"]
BOUND_S = 10.0
runner = CliRunner()
FUZZ = fuzz_settings(30)

EDGES = st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])  # no UTC time at all
TIMES = st.one_of(
    EDGES,
    st.sampled_from(
        [
            "2999-06-01T00:00:00Z",
            "1900-01-01T00:00:00Z",
            "1970-01-01T00:00:00+05:30",
            "2026-02-30T00:00:00Z",
            "not a time",
        ]
    ),
)
NUMBERS = st.sampled_from(
    [10**400, -(10**400), 3e11, 1e300, -3600, -1, 0, float("nan"), float("inf"), "1e999", "x"]
)
HOSTILE = st.sampled_from(
    [
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2999-06-01T00:00:00Z",
        "1900-01-01T00:00:00Z",
        "1970-01-01T00:00:00+05:30",
        "not a time",
        "",
        "NaN",
        "-1",
        "1e999",
        "3e11",
        10**400,
        -(10**400),
        10**20,
        1e308,
        3e11,
        -3600,
        -1,
        0,
        0.5,
        float("nan"),
        float("inf"),
        None,
        True,
        [],
        {},
        [[[[]]]],
        {"name": None},
        "\u202e\x1b[31m",
        "x" * 500,
    ]
)


READ = {
    "created_at",
    "resolved_at",
    "started_at",
    "updated_at",
    "acknowledged_at",
    "mitigated_at",
    "detected_at",
    "occurred_at",
    "begin",
    "end",
    "modified",
    "date",
    "at",
    "when",
    "value",
    "description",
    "seconds_to_resolve",
    "seconds_to_first_ack",
    "seconds_to_engage",
    "engaged_seconds",
    "engaged_user_count",
    "active_user_count",
    "value_seconds",
    "workload_minutes_total",
    "workload_minutes_working",
    "business_hour_interruptions",
    "off_hour_interruptions",
    "status",
    "impact",
    "mode",
    "category",
    "id",
}
"""Fields some reader reads (times, durations, counts, states, ids)."""


def _read_here(at) -> bool:
    """Whether a place holds a field some reader reads."""
    return bool(at) and at[-1] in READ


def _place(data, doc):
    """A place in ``doc``: mostly one a reader reads, sometimes any."""
    places = list(paths(doc))
    read = [a for a in places if _read_here(a) and not isinstance(_get(doc, a), (dict, list))]
    pool = read if read and data.draw(st.integers(0, 9), label="anywhere") else places[1:] or places
    return data.draw(st.sampled_from(pool), label="at")


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False  # the fixture's own broken line (the reader's test of it is elsewhere)
    return True


def _get(doc, at):
    for k in at:
        doc = doc[k]
    return doc


def _hostile(data, doc, at):
    """A hostile value for the place: a time for a time, a number for a number, else anything."""
    now = _get(doc, at)
    if isinstance(now, str) and now[:2] in ("19", "20") and "T" in now:
        return data.draw(st.one_of(TIMES, TIMES, TIMES, HOSTILE), label="value")  # mostly a time
    if (
        isinstance(now, (int, float))
        and not isinstance(now, bool)
        or (isinstance(now, str) and now.isdigit())
    ):
        return data.draw(st.one_of(NUMBERS, NUMBERS, NUMBERS, HOSTILE), label="value")  # mostly a number
    return data.draw(HOSTILE, label="value")


def _set(doc, at, value, delete=False):
    if not at:
        return value
    parent = doc
    for k in at[:-1]:
        parent = parent[k]
    if delete and isinstance(parent, dict):
        parent.pop(at[-1], None)
    else:
        parent[at[-1]] = value
    return doc


def _json_text(doc) -> str:
    # json.dumps writes NaN/Infinity (which Python's reader takes) and integers of any length
    return json.dumps(doc)


def _through_everything(path: Path, fits: bool = True, **kw) -> None:
    """What calibrate, review and replay do with an export before simulating (the fits, the costly
    part, when ``fits``): no exception but ExportError, in bounded time."""
    try:
        with bounded(BOUND_S):  # a run past the bound is stopped, not waited for
            exp = read_export(path, **kw)
            if fits:
                calibrate(exp)
            review(exp, 6)
            window(exp, 30)
    except ExportError as exc:
        assert "\n" not in str(exc).strip(), str(exc)


def _cli(path: Path, *extra: str) -> None:
    for cmd in (
        ["calibrate", str(path), "--json", *extra],
        ["review", str(path), "--format", "json", *extra],
    ):
        with bounded(BOUND_S):
            res = runner.invoke(app, cmd)
        assert res.exit_code in (0, 2), (cmd, res.output, res.exception)
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        assert "Traceback" not in res.output


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_json_exports_mutated(tmp_path_factory, data):
    src = data.draw(st.sampled_from(JSON_FILES), label="file")
    folder = tmp_path_factory.mktemp("fuzz")
    target = folder
    if src.is_dir():  # a folder of single-incident files: one of them mutated, the rest as they are
        files = sorted(src.glob("*.json"))
        for f in files:
            (folder / f.name).write_text(f.read_text())
        src = data.draw(st.sampled_from(files), label="member")
    else:
        target = folder / src.name
    text = src.read_text()
    out = folder / src.name
    how = data.draw(st.sampled_from(["value", "value", "value", "delete", "cut"]), label="how")
    if how == "cut":
        text = text[: data.draw(st.integers(0, len(text)), label="cut at")]
    elif src.suffix == ".jsonl":
        lines = text.splitlines()
        n = data.draw(st.sampled_from([k for k, ln in enumerate(lines) if _parses(ln)]), label="line")
        doc = json.loads(lines[n])
        at = _place(data, doc)
        lines[n] = _json_text(_set(doc, at, _hostile(data, doc, at), delete=how == "delete"))
        text = "\n".join(lines)
    else:
        doc = json.loads(text)
        at = _place(data, doc)
        text = _json_text(_set(doc, at, _hostile(data, doc, at), delete=how == "delete"))
    out.write_text(text)
    _through_everything(target, fits=data.draw(st.booleans(), label="fits"))
    if data.draw(st.integers(0, 9), label="cli") == 0:
        _cli(target)


CSV_FILES = [(FIX / "pagerduty.csv", None), (FIX / "generic.csv", FIX / "generic_cols.yaml")]
CELLS = st.sampled_from(
    [
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "1" * 5000,
        "1e400",
        "3e11",
        "-5",
        "nan",
        "",
        "2026-13-45T99:99:99Z",
        '"',
        "a,b",
        "2999-01-01T00:00:00Z",
    ]
)


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_csv_exports_and_mappings_mutated(tmp_path_factory, data):
    src, mapping = data.draw(st.sampled_from(CSV_FILES), label="file")
    rows = src.read_text().splitlines()
    n = data.draw(st.integers(1, len(rows) - 1), label="row")
    cells = rows[n].split(",")
    how = data.draw(st.sampled_from(["cell", "cell", "short", "long", "mapping"]), label="how")
    folder = tmp_path_factory.mktemp("fuzz")
    kw = {}
    if mapping is not None:
        kw["mapping"] = folder / "cols.yaml"
        cols = mapping.read_text()
        if how == "mapping":
            lines = [ln for ln in cols.splitlines() if ln and not ln.startswith("#")]
            k = data.draw(st.integers(0, len(lines) - 1), label="mapping line")
            key = lines[k].split(":")[0]
            value = data.draw(
                st.sampled_from(
                    [
                        "Nope",
                        "[1, 2]",
                        "{a: b}",
                        "",
                        "*x",
                        "&x Opened",
                        "Opened\t",
                        "'" + "x" * 300 + "'",
                        "null",
                        "9" * 500,
                    ]
                ),
                label="mapping value",
            )
            lines[k] = f"{key}: {value}"
            cols = "\n".join(lines) + "\n"
        kw["mapping"].write_text(cols)
    if how == "cell":
        typed = [i for i, c in enumerate(cells) if c[:1].isdigit()]  # times and numbers
        pool = typed if typed and data.draw(st.integers(0, 9), label="anywhere") else list(range(len(cells)))
        i = data.draw(st.sampled_from(pool), label="cell")
        cells[i] = data.draw(CELLS, label="value")
    elif how == "short":
        cells = cells[: data.draw(st.integers(1, max(1, len(cells) - 1)), label="keep")]
    elif how == "long":
        cells.append("extra")
    rows[n] = ",".join(cells)
    out = folder / src.name
    out.write_text("\n".join(rows) + "\n")
    _through_everything(out, fits=data.draw(st.booleans(), label="fits"), **kw)
    if data.draw(st.integers(0, 9), label="cli") == 0:
        _cli(out, *(["--mapping", str(kw["mapping"])] if kw else []))
