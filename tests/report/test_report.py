"""``incsim report``: every chart's data against the results it is drawn from, escaping, no network,
Markdown, errors, determinism; and ``incsim pilot -o`` feeding the report its power curve."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from ruamel.yaml import YAML
from typer.testing import CliRunner

from incsim import api
from incsim.cli.pilot import pilot
from incsim.cli.report import report
from incsim.clock import weekday_time
from incsim.metrics import NON_ESSENTIAL
from incsim.model.events import Detected, Interrupted, Joined, Left, Resolved, RoomClosed, RoomOpened
from incsim.output import sealed_json
from incsim.report import (
    assumptions,
    build,
    build_report,
    charts,
    findings,
    md_escape,
    render_report,
    timeline,
    wording,
    write_report,
)

app = typer.Typer()
app.command("report")(report)
app.command("pilot")(pilot)
runner = CliRunner()

HOSTILE_NAME = '<script>alert("name")</script>'
HOSTILE_YAML = f"""\
# preamble: <script>alert("preamble")</script>
apiVersion: incsim/v1
kind: Scenario
metadata:
  name: '{HOSTILE_NAME}'
  description: "<img src=x onerror=alert(1)> [link](javascript:alert(1)) | pipe"
org:
  teams:
    - {{name: "app<b>", size: 4, duties: [ic]}}      # source <script>alert("comment")</script>
    - {{name: "ops$x$", size: 3, duties: [ic]}}
  services:
    - {{name: api, team: "app<b>"}}
incidents:
  arrivals: {{rate_per_week: 4}}
  mix: {{single-service: 1.0}}
  categories:
    single-service:
      diagnosis: {{dist: lognormal, median: 40, sigma: 0.6}}
      fix: 15
protocols:
  - {{name: "war-room</td><td>x", kind: war-room}}
  - {{name: "_async & co", kind: async-first}}
"""


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in (result.stdout or "") + (result.stderr or "")
    return result


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    api.run_scenario(
        api.load(None), replications=4, seed=7, out_dir=out, command=["incsim", "run", "-n", "4"]
    )
    return out


@pytest.fixture(scope="module")
def data(results) -> build.ReportData:
    return build.gather(results)


@pytest.fixture(scope="module")
def html(results) -> str:
    return build_report(results, "html")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("hostile") / "scenario.yaml"
    src.write_text(HOSTILE_YAML, encoding="utf-8")
    out = src.parent / "run"
    api.run_scenario(api.load(src), replications=3, seed=3, out_dir=out)
    return out


def colours(d: build.ReportData) -> dict[str, str]:
    return charts.protocol_colours(d.results.protocols)


def by_gid(fig, gid: str) -> list:
    return [a for a in fig.findobj(lambda a: a.get_gid() == gid)]


# -- the headline and the tables ---------------------------------------------------------------


def test_headline_numbers_are_summary_csvs(results, data, html):
    summary = pd.read_csv(results / "summary.csv")
    run = json.loads((results / "run.json").read_text())
    base = run["protocols"][0]
    assert [h["protocol"] for h in data.headline] == run["protocols"][1:]
    for h in data.headline:
        for metric in ("engineer_hours", "ttr_min", "cost_usd"):
            row = summary[
                (summary["kind"] == "difference")
                & (summary["category"] == "all")
                & (summary["metric"] == metric)
                & (summary["protocol"] == f"{h['protocol']} - {base}")
            ]
            assert len(row) == 1
            est = h[metric]
            assert (est.mean, est.low, est.high) == pytest.approx(
                (row["mean"].iloc[0], row["ci_low"].iloc[0], row["ci_high"].iloc[0])
            )
        eh = h["engineer_hours"]
        mag = eh.negated() if eh.mean < 0 else eh
        assert f"{mag.mean:.1f}" in h["sentence"] and h["sentence"].startswith(h["protocol"][:1].upper())
        assert f"{abs(mag.low):.1f}" in h["sentence"] and f"{abs(mag.high):.1f}" in h["sentence"]
        assert f"{abs(h['ttr_min'].mean):.0f} min" in h["sentence"]
        assert h["sentence"].replace("'", "&#39;").replace('"', "&#34;") in html


def test_incidents_a_year_and_cost_per_year(results, data):
    inc = pd.read_csv(results / "incidents.csv")
    run = json.loads((results / "run.json").read_text())
    base = run["protocols"][0]
    expected = round((inc["protocol"] == base).sum() / run["replications"] / run["horizon_days"] * 365, 1)
    assert data.per_year == pytest.approx(expected)
    for row in data.key_numbers:
        assert row["cost_per_year"].mean == pytest.approx(row["cost_usd"].mean * expected)
        assert row["cost_per_year"].high == pytest.approx(row["cost_usd"].high * expected)


def test_headline_wording_follows_the_interval():
    fewer = wording.Estimate(-10.1, -11.2, -9.0)
    slower = wording.Estimate(11.0, 2.0, 20.0)
    text = wording.headline_sentence(
        "async-first", "war-room", fewer, slower, wording.Estimate(-1000, -1200, -800)
    )
    assert text.startswith(
        "Async-first used 10.1 fewer engineer-hours per incident than war-room (95% CI 9.0–11.2)"
    )
    assert "+11 min (95% CI +2 to +20): slower than war-room" in text
    noise = wording.headline_sentence(
        "b", "a", wording.Estimate(0.4, -0.5, 1.3), wording.Estimate(-3, -9, 4), wording.NAN_ESTIMATE
    )
    assert "about as many engineer-hours" in noise and "no clear difference in speed" in noise
    # a bound that rounds to zero keeps the digit that shows the interval excludes zero
    assert wording.ci_text(wording.Estimate(-17.0, -34.1, -0.3)) == "−34.1 to −0.3"


# -- TTR distributions -------------------------------------------------------------------------


def test_ecdf_series_are_the_sorted_ttrs_with_percentile_marks(results, data):
    inc = pd.read_csv(results / "incidents.csv")
    summary = pd.read_csv(results / "summary.csv")
    fig = charts.ecdf_figure(data.ecdf_all, colours(data))
    for p in data.results.protocols:
        ttr = np.sort(inc.loc[inc["protocol"] == p, "ttr_min"].to_numpy())
        e = data.ecdf_all[p]
        np.testing.assert_array_equal(e.x, ttr)
        np.testing.assert_allclose(e.y, np.arange(1, len(ttr) + 1) / len(ttr))
        assert e.p50 == np.percentile(ttr, 50) and e.p90 == np.percentile(ttr, 90)
        row = summary[
            (summary["kind"] == "protocol")
            & (summary["category"] == "all")
            & (summary["protocol"] == p)
            & (summary["metric"] == "ttr_min")
        ].iloc[0]
        assert (e.p50, e.p90) == pytest.approx((row["median"], row["p90"]), abs=1e-3)  # CSV keeps 4 decimals
        (line,) = by_gid(fig, f"all-ecdf-{p}")
        np.testing.assert_array_equal(line.get_xdata()[1:], ttr)
        assert line.get_ydata()[0] == 0 and line.get_ydata()[-1] == 1 and line.get_drawstyle() == "steps-post"
        assert line.get_color() == colours(data)[p]
        assert f"p50 {e.p50:,.0f} min, p90 {e.p90:,.0f} min" in line.get_label()
        (p50,) = by_gid(fig, f"all-p50-{p}")
        (p90,) = by_gid(fig, f"all-p90-{p}")
        assert (list(p50.get_xdata()), list(p50.get_ydata())) == ([e.p50], [0.5])
        assert (list(p90.get_xdata()), list(p90.get_ydata())) == ([e.p90], [0.9])
    assert fig.axes[0].get_xscale() == "log"


def test_long_ecdfs_are_thinned_to_exact_points():
    e = findings.ecdf(np.random.default_rng(1).lognormal(4, 1, 10_001))
    xs, ys = charts.ecdf_points(e, limit=500)
    assert len(xs) == 501 and xs[1] == e.x[0] and xs[-1] == e.x[-1] and ys[-1] == 1.0
    ranks = np.searchsorted(e.x, xs[1:], side="right")
    np.testing.assert_allclose(ys[1:], ranks / e.n)  # every drawn step is a true ECDF value
    assert np.max(np.diff(ys[1:])) <= 1 / 500 + 1 / e.n


def test_per_category_ecdfs(results, data):
    inc = pd.read_csv(results / "incidents.csv")
    assert data.categories == [
        c for c in ("single-service", "cascading", "platform-wide") if c in set(inc["category"])
    ]
    fig = charts.ecdf_grid_figure(data.ecdf_by_category, colours(data))
    assert [ax.get_title(loc="left").split(" (")[0] for ax in fig.axes] == data.categories
    for cat in data.categories:
        for p in data.results.protocols:
            ttr = np.sort(inc.loc[(inc["protocol"] == p) & (inc["category"] == cat), "ttr_min"].to_numpy())
            (line,) = by_gid(fig, f"cat-{cat}-ecdf-{p}")
            np.testing.assert_array_equal(line.get_xdata()[1:], ttr)
            (p90,) = by_gid(fig, f"cat-{cat}-p90-{p}")
            assert p90.get_xdata()[0] == np.percentile(ttr, 90)


# -- hours and cost ----------------------------------------------------------------------------


def test_hour_and_cost_bars_are_the_summary_means_with_their_cis(results, data):
    summary = pd.read_csv(results / "summary.csv")

    def stat(p, metric):
        return summary[
            (summary["kind"] == "protocol")
            & (summary["category"] == "all")
            & (summary["protocol"] == p)
            & (summary["metric"] == metric)
        ].iloc[0]

    fig = charts.hours_figure(data.key_numbers, colours(data))
    ax = fig.axes[0]
    assert ax.get_xticklabels()[0].get_text().startswith("engineer-hours per incident")
    assert ax.get_ylabel() == "hours per incident"
    for p in data.results.protocols:
        bars = by_gid(fig, f"hours-{p}")
        assert [b.get_height() for b in bars] == pytest.approx(
            [stat(p, "engineer_hours")["mean"], stat(p, "non_essential_hours")["mean"]]
        )
    whiskers = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(whiskers) == len(data.results.protocols)
    first = data.results.protocols[0]
    segs = whiskers[0].lines[2][0].get_segments()
    assert (segs[0][0][1], segs[0][1][1]) == pytest.approx(
        (stat(first, "engineer_hours")["ci_low"], stat(first, "engineer_hours")["ci_high"])
    )

    fig = charts.cost_figure(data.key_numbers, colours(data), data.per_year)
    per_incident = [b.get_height() for b in by_gid(fig, "cost_usd-bars")]
    per_year = [b.get_height() for b in by_gid(fig, "cost_per_year-bars")]
    means = [stat(p, "cost_usd")["mean"] for p in data.results.protocols]
    assert per_incident == pytest.approx(means)
    assert per_year == pytest.approx([m * data.per_year for m in means])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == data.results.protocols


# -- who was busy ------------------------------------------------------------------------------


def _events(results: Path, rep: int, incident: int) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for line in (results / "events" / f"replication-{rep:03d}.jsonl").read_text().splitlines():
        ev = json.loads(line)
        if ev["incident"] == incident:
            out.setdefault(ev["protocol"], []).append(ev)
    return out


def test_the_representative_incident_is_the_median_single_service_one(results, data):
    inc = pd.read_csv(results / "incidents.csv")
    base = data.results.baseline
    pick = data.pick
    assert pick is not None and pick.replication == 0 and pick.category == "single-service"
    single = inc[(inc["protocol"] == base) & (inc["category"] == "single-service")]
    target = single["ttr_min"].median()
    rep0 = single[single["replication"] == 0]
    best = (rep0["ttr_min"] - target).abs().min()
    chosen = rep0[rep0["incident_id"] == pick.incident]["ttr_min"].iloc[0]
    assert abs(chosen - target) == pytest.approx(best)
    assert [t.protocol for t in data.timelines] == data.results.protocols
    assert {t.incident for t in data.timelines} == {pick.incident}


def test_busy_intervals_add_up_to_the_incident_rows_and_match_the_events(results, data):
    inc = pd.read_csv(results / "incidents.csv")
    logs = _events(results, data.pick.replication, data.pick.incident)
    fig = charts.busy_figure(data.timelines, colours(data))
    for ax, tl in zip(fig.axes, data.timelines):
        row = inc[
            (inc["replication"] == tl.replication)
            & (inc["protocol"] == tl.protocol)
            & (inc["incident_id"] == tl.incident)
        ].iloc[0]
        # the chart's states are the incident row's hours, computed independently by metrics.py
        total = sum(p.minutes(s) for p in tl.people for s in timeline.BUSY_STATES) / 60
        assert total == pytest.approx(row["engineer_hours"], abs=1e-3)
        assert tl.minutes("spectating") / 60 == pytest.approx(row["non_essential_hours"], abs=1e-3)
        assert tl.minutes("refocusing") / 60 == pytest.approx(row["refocus_hours"], abs=1e-3)
        assert tl.ttr == pytest.approx(row["ttr_min"], abs=1e-3)
        evs = logs[tl.protocol]
        joined = {e["who"] for e in evs if e["kind"] == "joined"}
        touched = {e["who"] for e in evs if e["kind"] == "interrupted" and not e.get("engaged")}
        assert {p.who for p in tl.people} == joined | touched
        t0 = next(e["t"] for e in evs if e["kind"] == "detected")
        for person in tl.people:
            first = min(
                e["t"] for e in evs if e["who"] == person.who and e["kind"] in ("joined", "interrupted")
            )
            assert min(a for _, a, _ in person.spans) == pytest.approx(first - t0)
            roles = {e.get("role") for e in evs if e["who"] == person.who and e["kind"] == "joined"}
            if roles and roles <= set(NON_ESSENTIAL):
                assert person.minutes("responding") == 0
            for state in timeline.BUSY_STATES:
                spans = [(a, b) for s, a, b in person.spans if s == state]
                drawn = by_gid(fig, f"busy-{tl.protocol}-{person.who}-{state}")
                assert bool(drawn) == bool(spans)
                if spans:
                    xs = sorted(
                        (round(p.vertices[:, 0].min(), 6), round(p.vertices[:, 0].max(), 6))
                        for p in drawn[0].get_paths()
                    )
                    assert xs == sorted((round(a, 6), round(b, 6)) for a, b in spans)
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == [f"{p.who} · {p.role}" for p in reversed(tl.people)]
        assert tl.protocol in ax.get_title(loc="left")


def test_busy_timeline_rules_on_a_hand_written_log():
    evs = [
        Detected(
            100,
            3,
            category="single-service",
            flags=(),
            roots=("web",),
            diagnosis_min=40.0,
            fix_min=20.0,
            exposure_per_min=0.0,
        ),
        RoomOpened(100, 3, reason="test", limit=None),
        Joined(105, 3, "a-1", role="debugger", off_hours=False, team="a"),
        Joined(110, 3, "b-1", role="spectator", off_hours=False, team="b"),
        Interrupted(
            120,
            3,
            "a-1",
            answer_min=2,
            refocus_min=0,
            reason="spectator question",
            role="debugger",
            engaged=True,
        ),
        Joined(130, 3, "b-1", role="expert", change=True),
        Interrupted(
            140, 3, "c-1", answer_min=3, refocus_min=5, reason="read update", role="watcher", engaged=False
        ),
        Resolved(160, 3),
        RoomClosed(160, 3),
        Left(160, 3, "a-1", role="debugger", refocus_min=25),
        Left(160, 3, "b-1", role="expert", refocus_min=20),
    ]
    tl = timeline.busy_timeline(evs, "war-room", 0)
    people = {p.who: p for p in tl.people}
    assert [p.who for p in tl.people] == ["a-1", "b-1", "c-1"]
    assert people["a-1"].spans == (("responding", 5, 60), ("refocusing", 60, 85))
    assert people["a-1"].interruptions == (20,)
    assert people["b-1"].role == "expert"
    assert people["b-1"].spans == (("spectating", 10, 30), ("responding", 30, 60), ("refocusing", 60, 80))
    assert people["c-1"].spans == (("spectating", 40, 43), ("refocusing", 43, 48))
    assert tl.rooms == ((0, 60),) and tl.ttr == 60


# -- assumptions -------------------------------------------------------------------------------


def _count_leaves(node, named_item: bool = False) -> int:
    """Leaves as the table defines them: distributions and lists of scalars are one value each, and
    the ``name`` of a named list item is its label rather than a row."""
    if isinstance(node, dict) and node and "dist" not in node:
        return sum(_count_leaves(v) for k, v in node.items() if not (named_item and k == "name"))
    if isinstance(node, list) and node and any(isinstance(v, (dict, list)) for v in node):
        named = all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in node) and len(
            {v["name"] for v in node}
        ) == len(node)
        return sum(_count_leaves(v, named) for v in node)
    return 1


def test_every_written_parameter_is_listed_once_with_its_source(results, data):
    text = (results / "scenario.yaml").read_text()
    params = {p.path: p for p in data.parameters}
    assert len(params) == len(data.parameters) == _count_leaves(YAML(typ="safe").load(text))
    lines = text.splitlines()
    for p in data.parameters:
        key = p.path.rsplit(".", 1)[-1]
        assert re.search(rf"\b{re.escape(key)}:", lines[p.line - 1]), (p.path, p.line)
    assert params["behaviour.refocus"].value == "uniform(20, 30)"
    assert params["behaviour.refocus"].source == 'essay: "20-30 minutes to regain focus"'
    assert params["behaviour.reply_latency.working"].value == "lognormal(median 10, sigma 0.7)"
    assert params["incidents.mix.cascading"].source.startswith("essay: 70% single-service")
    assert params["incidents.mix.cascading"].inherited_from == "incidents.mix"
    assert params["org.teams.payments.size"].source.startswith("Team sizes and leads: assumption")
    assert params["org.teams.legal-comms.duties"].value == "legal, pr, compliance"
    assert params["org.teams.legal-comms.duties"].source.startswith("Decision-makers for data loss")
    assert params["protocols.hybrid.escalation.services_affected_at_least"].source == (
        "essay: cascade over 3+ services, customer data at risk, or the async thread moving too slowly"
    )
    assert params["apiVersion"].source == ""  # the file's preamble is not the first key's source
    assert "Each figure carries its source" in data.preamble
    assert params["costs.hourly_usd"].source_kind == "assumption"


def test_comment_rules_on_a_small_file():
    text = """\
# preamble
a: 1            # own comment
b:
  # heads the block
  c: 'x # not a comment'
  d: 2
  e: {dist: uniform, low: 1, high: 2}  # first half,
  f: 3                                 # second half

  g: 4
h:              # parent note
  i: 5
list:
  # items
  - {name: one, v: 1}
  - {name: two, v: 2}
"""
    params, preamble = assumptions.scenario_parameters(text)
    got = {p.path: (p.value, p.source, p.inherited_from) for p in params}
    assert preamble == "preamble"
    assert got["a"] == ("1", "own comment", "")
    assert got["b.c"] == ("x # not a comment", "heads the block", "")
    assert got["b.d"] == ("2", "heads the block", "")
    assert got["b.e"] == ("uniform(1, 2)", "first half, second half", "")  # a comment continued below
    assert got["b.f"] == ("3", "first half, second half", "")
    assert got["b.g"] == ("4", "", "")  # a blank line ends a comment's reach
    assert got["h.i"] == ("5", "parent note", "h")
    assert got["list.one.v"] == ("1", "items", "") and got["list.two.v"] == ("2", "items", "")
    assert "list.one.name" not in got


def test_schema_defaults_are_listed_apart(data):
    defaults = {p.path: p.value for p in data.defaults}
    written = {p.path for p in data.parameters}
    assert defaults["org.teams.platform.work_hours.start"] == "9"
    assert defaults["protocols.async-first.triage"] == "null (off)"
    assert not set(defaults) & written
    assert all(p.default and p.source == "schema default" for p in data.defaults)


# -- STRESS-DES ----------------------------------------------------------------------------------


def test_model_description_follows_stress_des(data, html):
    ids = [it["id"] for sec in data.stress for it in sec["items"]]
    assert ids == [
        "1.1",
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5.1",
        "2.5.2",
        "2.5.3",
        "2.5.4",
        "2.5.5",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "4.1",
        "4.2",
        "4.3",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "6.1",
    ]
    assert [s["section"] for s in data.stress] == [
        "1. Objectives",
        "2. Logic",
        "3. Data",
        "4. Experimentation",
        "5. Implementation",
        "6. Code access",
    ]
    assert "Monks" in html and "10.1080/17477778.2018.1442155" in html
    text = " ".join(t for sec in data.stress for it in sec["items"] for t in it["text"])
    assert "4 independent replications" in text and "28 simulated days" in text


# -- safety: escaping and no network -----------------------------------------------------------

RESOURCE = re.compile(
    r"""\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//"""  # attributes
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import""",
    re.IGNORECASE,
)  # CSS


def test_scenario_text_is_escaped_in_html_and_markdown(hostile):
    html = build_report(hostile, "html")
    assert (
        "<script" not in html.lower()
        and "<img" not in html.lower()
        and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    )
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in html
    assert "war-room&lt;/td&gt;&lt;td&gt;x" in html and "</td><td>x" not in html
    assert "&lt;b&gt;" in html and "<b>&lt;" not in html
    assert "&lt;script&gt;alert(&#34;comment&#34;)&lt;/script&gt;" in html  # a source comment
    md = build_report(hostile, "md")
    assert "<script" not in md.lower() and "<img" not in md.lower()
    assert "\\[link\\](javascript" in md and not re.search(r"(?<!\\)\]\(javascript", md)  # no live link
    assert '&lt;script>alert("name")&lt;/script>' in md
    assert "war-room&lt;/td>&lt;td>x" in md and "\\_async &amp; co" in md
    assert "ops\\$x\\$" in md  # no maths in Markdown renderers


def test_matplotlib_labels_cannot_run_mathtext(hostile):
    data = build.gather(hostile)
    fig = charts.busy_figure(data.timelines, charts.protocol_colours(data.results.protocols))
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any("ops\\$x\\$" in t for t in labels)
    svg = charts.svg(fig, "busy")
    assert "ops$x$" in svg and "<script" not in svg


def test_the_html_is_self_contained(html):
    assert not RESOURCE.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower() and "<img" not in html.lower()
    assert "default-src 'none'" in html  # the CSP forbids fetching anything
    assert html.count("<svg ") >= 5
    assert not re.search(r"<\?xml|<!DOCTYPE svg", html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # inline SVGs do not clash


# -- Markdown --------------------------------------------------------------------------------


def test_markdown_report_with_chart_files(results, data, tmp_path):
    out = tmp_path / "study.md"
    res = invoke("report", str(results), "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == str(out)
    md = out.read_text()
    assert md.startswith("# Incident response compared: war-room vs async-first vs hybrid")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert set(links) == {
        f"study_charts/{n}.svg" for n in ("ttr-ecdf", "ttr-ecdf-by-category", "hours", "cost", "who-was-busy")
    }
    for link in links:
        svg = (tmp_path / link).read_text()
        assert svg.startswith("<?xml") and "<svg" in svg and not RESOURCE.search(svg)
    assert md_escape(data.headline[0]["sentence"]) in md
    assert "| protocol | TTR median / p90 |" in md and "### 7.6 Code access" in md
    text = build_report(results, "md")
    assert text == md.replace("study_charts/", "report_charts/")


# -- the command line: errors, default output, determinism -----------------------------------


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda d: d / "missing", ["missing", "no such results folder"]),
        (lambda d: (d / "file.txt").write_text("x") and d / "file.txt", ["file.txt", "not a folder"]),
        (lambda d: (d / "empty").mkdir() or d / "empty", ["empty", "not an incsim results folder"]),
        (lambda d: d / "partial", ["partial", "missing summary.csv"]),
        (lambda d: d / "badjson", ["run.json", "not valid JSON"]),
        (lambda d: d / "badcsv", ["incidents.csv", "damaged"]),
        (lambda d: d / "badpilot", ["pilot.json", "power_by_month"]),
        (lambda d: d / "editedpilot", ["pilot.json", "self_sha256"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(results, tmp_path, make, words):
    for name, broken in (
        ("partial", "summary.csv"),
        ("badjson", "run.json"),
        ("badcsv", "incidents.csv"),
        ("badpilot", None),
        ("editedpilot", None),
    ):
        shutil.copytree(results, tmp_path / name, ignore=shutil.ignore_patterns("report*"))
        if name == "partial":
            (tmp_path / name / broken).unlink()
        elif name == "badjson":
            (tmp_path / name / broken).write_text("{not json")
        elif name == "badcsv":
            (tmp_path / name / broken).write_text("a,b\n1,2\n")
        elif name == "badpilot":  # whole, but not written by `incsim pilot -o`
            (tmp_path / name / "pilot.json").write_text(sealed_json({"months": 3}))
        else:  # edited by hand: its seal no longer matches
            (tmp_path / name / "pilot.json").write_text('{"months": 3, "self_sha256": "0"}')
    res = invoke("report", str(make(tmp_path)))
    assert res.exit_code == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, lines
    for w in words:
        assert w in lines[0]


def test_unknown_format_is_a_usage_error(results):
    res = invoke("report", str(results), "--format", "pdf")
    assert res.exit_code == 2


def test_default_output_same_input_same_bytes(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("report*"))
    first = invoke("report", str(copy))
    assert first.exit_code == 0 and first.stdout.strip() == str(copy / "report.html")
    a = (copy / "report.html").read_bytes()
    second = invoke("report", str(copy), "--format", "html")
    assert second.exit_code == 0 and (copy / "report.html").read_bytes() == a
    assert render_report(copy, "html").text.encode() == a
    assert not [p for p in copy.iterdir() if p.name.startswith(".report")]  # no temporary files left
    other = write_report(copy, fmt="md")
    assert other == copy / "report.md" and (copy / "report_charts" / "ttr-ecdf.svg").is_file()


def test_without_event_logs_the_busy_chart_is_left_out(results, tmp_path):
    copy = tmp_path / "nolog"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("events", "report*"))
    run = json.loads((copy / "run.json").read_text())  # as a run that kept no event logs writes it
    run["event_log_replications"] = []
    run["files"] = [f for f in run["files"] if not f["path"].startswith("events/")]
    (copy / "run.json").write_text(sealed_json(run))
    html = build_report(copy, "html")
    assert 'aria-label="Who was busy' not in html and "this chart is left out" in html


# -- incsim pilot -o and the power chart -------------------------------------------------------


def test_pilot_json_feeds_the_power_chart(results, tmp_path):
    copy = tmp_path / "with-pilot"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("report*"))
    res = invoke(
        "pilot",
        "--from-results",
        str(copy),
        "--protocol",
        "war-room",
        "--per-month",
        "20",
        "--trials",
        "400",
        "--seed",
        "5",
        "--json",
        "-o",
        str(copy),
    )
    assert res.exit_code == 0, res.stderr
    printed = json.loads(res.stdout)
    saved = json.loads((copy / "pilot.json").read_text())
    assert {k: v for k, v in saved.items() if k not in ("power_by_month", "self_sha256")} == printed
    curve = saved["power_by_month"]
    months = [r["month"] for r in curve]
    found = [saved[s]["months_for_80pct_power"] for s in ("mttr", "median", "geomean")]
    top = max([24, *(m for m in found if m is not None)])
    assert months[:24] == list(range(1, 25)) and months[-1] == min(top, saved["max_months"])
    assert all(r["n_per_arm"] == round(20 * r["month"]) for r in curve)
    by_month = {r["month"]: r for r in curve}
    for stat, m in zip(("mttr", "median", "geomean"), found):
        if m is not None:  # the report's month of 80% power is where the curve crosses 0.8
            assert by_month[m]["power"][stat] >= 0.8
            if m - 1 in by_month:
                assert by_month[m - 1]["power"][stat] < 0.8
    data = build.gather(copy)
    fig = charts.power_figure(data.pilot)
    for stat in ("mttr", "median", "geomean"):
        (line,) = by_gid(fig, f"power-{stat}")
        assert list(line.get_xdata()) == months
        assert list(line.get_ydata()) == [r["power"][stat] for r in curve]
    html = build_report(copy, "html")
    assert "How long must a pilot run" in html and 'aria-label="Chance a pilot detects the gain' in html
    assert 'aria-label="Chance a pilot' not in build_report(results, "html")


def test_pilot_without_a_monthly_rate_writes_no_curve(results, tmp_path):
    res = invoke(
        "pilot",
        "--mean",
        "90",
        "--sd",
        "120",
        "--per-arm",
        "30",
        "--trials",
        "200",
        "--seed",
        "1",
        "-o",
        str(tmp_path / "p"),
    )
    assert res.exit_code == 0, res.stderr
    assert json.loads((tmp_path / "p" / "pilot.json").read_text())["power_by_month"] is None
    (tmp_path / "f").write_text("x")
    bad = invoke(
        "pilot",
        "--mean",
        "90",
        "--sd",
        "120",
        "--per-arm",
        "30",
        "--trials",
        "200",
        "-o",
        str(tmp_path / "f"),
    )
    assert bad.exit_code == 2 and len(bad.stderr.splitlines()) == 1 and "not a folder" in bad.stderr


def test_numbers_read_like_a_person_wrote_them():
    assert wording.num(-1234.4, 0, money=True) == "−$1,234"
    assert wording.num(11.04, 0, sign=True) == "+11" and wording.num(-0.2) == "0"
    assert (
        wording.money_short(510782) == "$511k"
        and wording.money_short(1_250_000) == "$1.25M"
        and wording.money_short(980) == "$980"
    )
    assert wording.mean_ci(wording.Estimate(21.66, 18.58, 24.74), 1) == "21.7 [18.6–24.7]"
    assert wording.mean_ci(wording.Estimate(5.0, math.nan, math.nan)) == "5"
    assert (
        weekday_time(0) == "Mon 00:00 UTC"
        and weekday_time(1440 + 153.5) == "Tue 02:33 UTC"
        and weekday_time(7 * 1440) == "Mon 00:00 UTC"
    )
