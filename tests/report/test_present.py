"""``incsim present``: the PPTX opened with python-pptx, each slide's title, text, table and chart
data held against the folder's CSV and JSON (read here with pandas and json, not through the
deck's code); hostile names as text; damaged folders refused as ``incsim report`` refuses them."""

from __future__ import annotations

import html
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from present_helpers import (
    ASYNC,
    COMMAND,
    HOSTILE_CATEGORY,
    HOSTILE_NAME,
    ROBUSTNESS,
    WAR_ROOM,
    calibration_folder,
    close,
    hostile_run,
    pilot_folder,
    review_folder,
    robustness_folder,
)
from typer.testing import CliRunner

from incsim.cli import app
from incsim.output import sealed_json
from incsim.present import PresentError, build_deck, gather_inputs, render_deck, write_deck
from incsim.report.results import ReportError, load_results
from incsim.report.wording import Estimate, mean_ci, money_ci, money_short

runner = CliRunner()
EXEC_TITLES = [
    "The question and the answer",
    "Your own history",
    "The comparison, protocol by protocol",
    "Where the verdict differs by category",
    "Cost per year",
    "The executive channel",
    "Assumptions and validation",
    "Sources and how to reproduce",
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("present")


@pytest.fixture(scope="module")
def run(root) -> Path:
    return hostile_run(root)


@pytest.fixture(scope="module")
def csv(run) -> dict:
    summary = pd.read_csv(run / "summary.csv")
    incidents = pd.read_csv(run / "incidents.csv")
    return {"summary": summary, "incidents": incidents, "run": json.loads((run / "run.json").read_text())}


def _pptx(inputs, audience: str = "exec"):
    return Presentation(io.BytesIO(render_deck(build_deck(inputs, audience), "pptx")))


@pytest.fixture(scope="module")
def inputs(run):
    return gather_inputs([run])


@pytest.fixture(scope="module")
def prs(inputs):
    return _pptx(inputs)


def slide_by_title(prs, title: str):
    for s in prs.slides:
        if s.shapes.title.text == title:
            return s
    raise AssertionError(f"no slide titled {title!r}: {[s.shapes.title.text for s in prs.slides]}")


def shape(slide, name: str):
    found = [sh for sh in slide.shapes if sh.name == name]
    assert found, f"no {name} on {slide.shapes.title.text!r}"
    return found[0]


def texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def table_rows(slide) -> list[list[str]]:
    t = shape(slide, "table").table
    return [[t.cell(r, c).text for c in range(len(t.columns))] for r in range(len(t.rows))]


def series(slide) -> dict[str, list[float]]:
    chart = shape(slide, "chart").chart
    return {s.name: list(s.values) for s in chart.plots[0].series}


def categories(slide) -> list[str]:
    return [str(c) for c in shape(slide, "chart").chart.plots[0].categories]


def est(summary: pd.DataFrame, kind: str, protocol: str, metric: str, category: str = "all") -> Estimate:
    row = summary[
        (summary["kind"] == kind)
        & (summary["protocol"] == protocol)
        & (summary["metric"] == metric)
        & (summary["category"] == category)
    ].iloc[0]
    return Estimate(float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]))


# -- the slides, against the folder ------------------------------------------------------------


def test_every_slide_has_its_title_a_message_and_speaker_notes(prs):
    assert [s.shapes.title.text for s in prs.slides] == EXEC_TITLES
    for s in prs.slides:
        assert shape(s, "lead").text_frame.text.strip()
        notes = s.notes_slide.notes_text_frame.text
        assert "What it does not say" in notes and len(notes) > 150, s.shapes.title.text


def test_the_answer_states_the_paired_differences_and_what_it_covers(prs, csv):
    s = slide_by_title(prs, "The question and the answer")
    text = texts(s)
    diff = est(csv["summary"], "difference", f"{ASYNC} - {WAR_ROOM}", "engineer_hours")
    assert f"{ASYNC.capitalize()[:1]}" in text and f"than {WAR_ROOM}" in text
    lo, hi = sorted((-diff.low, -diff.high))
    assert f"{-diff.mean:.1f} fewer engineer-hours" in text or f"{diff.mean:.1f} more" in text
    assert f"95% CI {lo:.1f}\u2013{hi:.1f}" in text
    want = [
        est(csv["summary"], "difference", f"{p} - {WAR_ROOM}", "engineer_hours").mean
        for p in csv["run"]["protocols"][1:]
    ]
    assert categories(s) == csv["run"]["protocols"][1:]
    assert all(close(a, b) for a, b in zip(series(s)[f"engineer-hours vs {WAR_ROOM}"], want, strict=True))
    n = int((csv["incidents"]["protocol"] == WAR_ROOM).sum())
    assert f"Covers {n} simulated incidents per protocol" in text
    assert "95% CIs of simulation noise only" in text  # what the intervals cover, said on the slide
    assert f"in {csv['run']['replications']} replications of 21 days of {HOSTILE_NAME}" in text


def test_the_comparison_table_and_chart_are_summary_csv(prs, csv):
    s = slide_by_title(prs, "The comparison, protocol by protocol")
    rows = table_rows(s)
    protocols = csv["run"]["protocols"]
    assert [r[0] for r in rows[1:]] == protocols
    for r in rows[1:]:
        p = r[0]
        assert r[1] == mean_ci(est(csv["summary"], "protocol", p, "ttr_min"))
        assert r[2] == mean_ci(est(csv["summary"], "protocol", p, "engineer_hours"), 1)
        assert r[3] == mean_ci(est(csv["summary"], "protocol", p, "non_essential_hours"), 1)
        assert r[4] == mean_ci(est(csv["summary"], "protocol", p, "customer_impact_min"))
    assert categories(s) == protocols
    got = series(s)
    for metric, name in (
        ("engineer_hours", "engineer-hours"),
        ("non_essential_hours", "non-essential hours"),
    ):
        want = [est(csv["summary"], "protocol", p, metric).mean for p in protocols]
        assert all(close(a, b) for a, b in zip(got[name], want, strict=True)), (name, got[name], want)


def test_the_category_chart_is_ttr_per_category_and_the_findings_are_the_reports(prs, csv, inputs):
    s = slide_by_title(prs, "Where the verdict differs by category")
    d = inputs.run
    cats = [
        c for c in ("single-service", "cascading", "platform-wide") if c in set(csv["incidents"]["category"])
    ]
    assert categories(s) == cats
    for p, values in series(s).items():
        want = [est(csv["summary"], "protocol", p, "ttr_min", c).mean for c in cats]
        assert all(close(a, b) for a, b in zip(values, want, strict=True))
    text = texts(s)
    for finding in d.category_findings:
        assert finding in text
    if not d.category_findings:
        assert "In no category" in text
    summary = csv["summary"]
    wins = []
    for c in cats:  # the baseline faster beyond noise: the paired TTR difference's CI above zero
        for p in csv["run"]["protocols"][1:]:
            if est(summary, "difference", f"{p} - {WAR_ROOM}", "ttr_min", c).low > 0:
                wins.append(f"{c} (vs {p})")
    lead = shape(s, "lead").text_frame.text
    assert lead == (
        f"{WAR_ROOM.capitalize()} still resolves faster for: {', '.join(wins)}." if wins else lead
    )
    assert wins or "still resolves faster" not in lead


def test_the_cost_per_year_is_cost_per_incident_times_the_incident_rate(prs, csv):
    s = slide_by_title(prs, "Cost per year")
    inc, run = csv["incidents"], csv["run"]
    per_year = round(
        int((inc["protocol"] == WAR_ROOM).sum()) / run["replications"] / run["horizon_days"] * 365, 1
    )
    protocols = run["protocols"]
    want = [est(csv["summary"], "protocol", p, "cost_usd").mean * per_year for p in protocols]
    got = series(s)["cost per year, $"]
    assert all(close(a, b) for a, b in zip(got, want, strict=True)), (got, want)
    rows = table_rows(s)
    diff = est(csv["summary"], "difference", f"{ASYNC} - {WAR_ROOM}", "cost_usd")
    year = Estimate(diff.mean * per_year, diff.low * per_year, diff.high * per_year)
    assert rows[2][0] == ASYNC and rows[2][3] == money_ci(year)
    text = texts(s)
    assert f"{per_year:,.1f} incidents a year" in text
    assert "not priced in this scenario ($0 a minute)" in text  # the seed leaves customer impact unpriced
    assert text.count(f"vs {WAR_ROOM}: customer impact") == len(protocols) - 1
    for p in protocols[1:]:  # cost = labour + price x impact, price 0: the labour difference is the cost's
        cost = est(csv["summary"], "difference", f"{p} - {WAR_ROOM}", "cost_usd").mean
        impact = est(csv["summary"], "difference", f"{p} - {WAR_ROOM}", "customer_impact_min").mean
        price = -cost / impact
        if price > 0:
            side = "below" if impact > 0 else "above"
            assert f"worth {side} {money_short(price)} (break-even price" in text, (p, price, text)
        else:
            assert "whatever a minute of customer impact is worth" in text


def test_the_executive_channel_slide_reads_the_scenario(prs, csv):
    s = slide_by_title(prs, "The executive channel")
    text = texts(s)
    assert "Every 15 minutes leadership gets an update" in text
    assert "any updates?" in text
    for p in csv["run"]["protocols"]:
        assert f"{p}: executive update every 15 min" in text
    want = [est(csv["summary"], "protocol", p, "interruptions").mean for p in csv["run"]["protocols"]]
    assert all(close(a, b) for a, b in zip(series(s)["interruptions"], want, strict=True))


def test_the_sources_slide_gives_the_command_from_run_json(prs, csv):
    text = texts(slide_by_title(prs, "Sources and how to reproduce"))
    assert "Reproduce: " + " ".join(COMMAND) in text
    assert f"Seed {csv['run']['seed']}" in text and csv["run"]["scenario_sha256"][:16] in text


def test_hostile_names_are_text_in_the_pptx_and_escaped_in_the_html(prs, inputs):
    assert HOSTILE_NAME in prs.core_properties.title
    every = "\n".join(texts(s) for s in prs.slides)
    assert WAR_ROOM in every and ASYNC in every and HOSTILE_NAME in every
    page = render_deck(build_deck(inputs), "html").decode()
    for raw in (WAR_ROOM, ASYNC, HOSTILE_NAME):
        assert raw not in page and html.escape(raw) in page


def test_the_page_allows_only_its_own_style_and_script(inputs):
    import base64
    import hashlib
    import re

    page = render_deck(build_deck(inputs), "html").decode()
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp and "unsafe" not in csp and "http" not in csp
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(styles) == len(scripts) == 1
    for kind, body in (("style-src", styles[0]), ("script-src", scripts[0])):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp
    assert (
        ' style="' not in page and "<link" not in page and "<img" not in page and " on" + "error=" not in page
    )


# -- review, pilot and robustness folders ------------------------------------------------------


@pytest.fixture(scope="module")
def review_dir(root) -> Path:
    return review_folder(root)


@pytest.fixture(scope="module")
def full(run, root, review_dir):
    folders = [run, review_dir, pilot_folder(run, root), robustness_folder(root)]
    inputs = gather_inputs(folders)
    return folders, _pptx(inputs), inputs


def test_the_history_slide_is_the_review(full):
    folders, prs, _ = full
    review = json.loads((folders[1] / "review.json").read_text())
    s = slide_by_title(prs, "Your own history")
    rows = table_rows(s)
    assert [r[0] for r in rows[1:]] == [m["month"] for m in review["months"]]
    assert [r[1] for r in rows[1:]] == [str(m["incidents"]) for m in review["months"]]
    assert [r[-1] for r in rows[1:]] == [m["verdict"] for m in review["months"]]
    assert all(
        close(a, b) for a, b in zip(series(s)["MTTR"], [m["mttr_min"] for m in review["months"]], strict=True)
    )
    counts = {}
    for m in review["months"]:
        for k, v in m["by_category"].items():
            counts[k] = counts.get(k, 0) + v
    assert f"{HOSTILE_CATEGORY} {counts[HOSTILE_CATEGORY]}" in texts(s)


def test_the_pilot_slide_is_pilot_json(full):
    folders, prs, _ = full
    pilot = json.loads((folders[2] / "pilot.json").read_text())
    s = slide_by_title(prs, "The pilot: when can the data speak?")
    chart = shape(s, "chart").chart
    assert chart.chart_type == XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS  # months where they belong
    mttr = next(x for x in chart.plots[0].series if x.name == "MTTR (mean)")
    months = [float(v) for v in mttr._element.xpath("./c:xVal//c:pt/c:v/text()")]
    assert months == [r["month"] for r in pilot["power_by_month"]]
    assert all(
        close(a, r["power"]["mttr"]) for a, r in zip(mttr.values, pilot["power_by_month"], strict=True)
    )
    text = texts(s)
    assert f"{pilot['p_worse'] * 100:.0f}% chance its MTTR looks worse" in text
    m = pilot["mttr"]["months_for_80pct_power"]
    assert (
        (f"MTTR (mean): 80% power after {m} month" in text)
        if m
        else "MTTR (mean): 80% power not reached" in text
    )
    assert "Davidovi" in texts(slide_by_title(prs, "Sources and how to reproduce"))


def test_the_robustness_slide_is_robustness_json(full):
    _, prs, _ = full
    s = slide_by_title(prs, "What would change the answer")
    text = texts(s)
    assert "better in 93% of them" in text and "better in 41% of them" in text
    assert "protocols[war-room].room.stay_probability: " in text and "flips at 0.35" in text
    sens = sorted(
        (r for r in ROBUSTNESS["sensitivity"] if r["metric"] == "engineer_hours"), key=lambda r: -r["total"]
    )
    assert categories(s) == [r["parameter"] for r in sens]
    assert series(s)["total effect"] == [r["total"] for r in sens]
    assert series(s)["first order"] == [r["first_order"] for r in sens]
    titles = [x.shapes.title.text for x in prs.slides]
    assert titles.index("What would change the answer") < titles.index("The pilot: when can the data speak?")


def test_every_pptx_shape_lies_on_its_slide_and_none_overlap(full):
    prs = _pptx(full[2], "engineering")
    for slide in prs.slides:
        boxes = []
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0, (slide.shapes.title.text, sh.name)
            assert sh.left + sh.width <= prs.slide_width and sh.top + sh.height <= prs.slide_height, (
                slide.shapes.title.text,
                sh.name,
            )
            boxes.append((sh.name, sh.left, sh.top, sh.left + sh.width, sh.top + sh.height))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
                assert apart, (slide.shapes.title.text, a[0], b[0])


def test_engineering_adds_every_paired_difference(inputs, csv):
    prs = _pptx(inputs, "engineering")
    rows = table_rows(slide_by_title(prs, "Every paired difference"))
    pairs = list(
        dict.fromkeys(
            csv["summary"].loc[
                (csv["summary"]["kind"] == "difference") & (csv["summary"]["category"] == "all"), "protocol"
            ]
        )
    )
    assert [r[0] for r in rows[1:]] == pairs
    for r in rows[1:]:
        assert r[2] == mean_ci(est(csv["summary"], "difference", r[0], "engineer_hours"), 1, sign=True)
    assert len(prs.slides) == len(EXEC_TITLES) + 1


def test_a_calibration_folder_is_named_on_the_assumptions_slide(run, inputs, tmp_path):
    from dataclasses import replace

    from incsim.present.folders import kind_of, read_calibration

    cal = calibration_folder(tmp_path)
    calib = json.loads((cal / "calibration.json").read_text())
    assert kind_of(cal) == "calibration"
    with_cal = replace(inputs, calibration=read_calibration(cal), calibration_path=cal)
    text = "\n".join(build_deck(with_cal).slides[-2].points)
    assert (
        f"Calibration of pagerduty.json: {calib['n']} incidents; durations best fit "
        f"{calib['overall']['best_family']}" in text
    )
    assert "scenario does not use these fits" in text  # the seed scenario is not calibrated
    (cal / "report.html").write_text((cal / "report.html").read_text() + " ")
    with pytest.raises(PresentError, match=r"report.html: damaged"):
        gather_inputs([run, cal])


def test_a_run_without_incidents_still_gives_a_deck(tmp_path):
    from present_helpers import SEED

    from incsim import api

    src = tmp_path / "empty.yaml"
    src.write_text(SEED.read_text().replace("  horizon_days: 28", "  horizon_days: 0.01"))
    api.run_scenario(api.load(src), replications=2, seed=1, out_dir=tmp_path / "run")
    deck = build_deck(gather_inputs([tmp_path / "run"]))
    prs = Presentation(io.BytesIO(render_deck(deck, "pptx")))
    assert [s.shapes.title.text for s in prs.slides] == EXEC_TITLES
    assert "Covers 0 simulated incidents" in texts(prs.slides[0])
    assert b"<section" in render_deck(deck, "html")


# -- refusals ----------------------------------------------------------------------------------


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_a_damaged_run_is_refused_with_the_reports_message(run, tmp_path):
    bad = _copy(run, tmp_path / "bad")
    path = bad / "summary.csv"
    path.write_text(path.read_text().replace("0.", "1.", 1))
    with pytest.raises(ReportError) as report_says:
        load_results(bad)
    res = runner.invoke(app, ["present", str(bad), "-o", str(tmp_path / "d.pptx")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.strip() == str(report_says.value)
    assert not (tmp_path / "d.pptx").exists()


@pytest.mark.parametrize(
    "case",
    [
        "edited-review",
        "edited-robustness",
        "shapeless-robustness",
        "two-runs",
        "no-run",
        "stranger",
        "bad-suffix",
    ],
)
def test_bad_inputs_are_one_line_errors(case, run, review_dir, tmp_path):
    args: list[str]
    if case == "edited-review":
        rev = _copy(review_dir, tmp_path / "r2")
        (rev / "review.json").write_text((rev / "review.json").read_text().replace('"month"', '"month" ', 1))
        args, want = [str(run), str(rev)], "review.json: damaged"
    elif case == "edited-robustness":
        rob = robustness_folder(tmp_path)
        (rob / "robustness.json").write_text((rob / "robustness.json").read_text().replace("0.93", "0.99"))
        args, want = [str(run), str(rob)], "self_sha256"
    elif case == "shapeless-robustness":
        study = json.loads(json.dumps(ROBUSTNESS))
        del study["flip_points"][1]["value"]
        args, want = [str(run), str(robustness_folder(tmp_path, study))], "flip_points[1] lacks value"
    elif case == "two-runs":
        args, want = [str(run), str(run)], "a second run folder"
    elif case == "no-run":
        args, want = [str(robustness_folder(tmp_path))], "no run folder"
    elif case == "stranger":
        (tmp_path / "x").mkdir()
        args, want = [str(run), str(tmp_path / "x")], "not an incsim run, review"
    else:
        args, want = [str(run), "-o", str(tmp_path / "deck.pdf")], "give a .pptx or .html"
    res = runner.invoke(
        app, ["present", *args, "-o", str(tmp_path / "deck.pptx")] if "-o" not in args else ["present", *args]
    )
    assert res.exit_code == 2, res.output
    assert want in res.stderr and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output


# -- files ---------------------------------------------------------------------------------------


def test_the_command_writes_both_formats_and_the_same_folders_give_the_same_bytes(run, inputs, tmp_path):
    res = runner.invoke(app, ["present", str(run), "-o", str(tmp_path / "deck.pptx")])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(tmp_path / "deck.pptx")
    # the module's deck was rendered earlier in another call: no clock in the bytes
    assert (tmp_path / "deck.pptx").read_bytes() == render_deck(build_deck(inputs), "pptx")
    assert Presentation(str(tmp_path / "deck.pptx")).slides[0].shapes.title.text == EXEC_TITLES[0]
    write_deck([run], tmp_path / "deck.html")
    assert (tmp_path / "deck.html").read_bytes() == render_deck(build_deck(inputs), "html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.html", "deck.pptx"]  # no temporary left


def test_a_pilot_json_with_its_seal_broken_is_refused(run, tmp_path):
    pilot = tmp_path / "p"
    pilot.mkdir()
    (pilot / "pilot.json").write_text(sealed_json({"months": 3}))
    with pytest.raises(PresentError, match="no 'power_by_month'"):
        gather_inputs([run, pilot / "pilot.json"])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_pptx_one_page_per_slide(full, tmp_path):
    import re
    import subprocess

    folders, prs, _ = full
    deck = tmp_path / "deck.pptx"
    deck.write_bytes(render_deck(build_deck(gather_inputs(folders)), "pptx"))
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(deck),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = (tmp_path / "deck.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == len(prs.slides)


def test_the_reproduce_command_carries_the_seed_run_json_records():
    from incsim.present.words import command_line

    assert (
        command_line({"command": ["incsim", "run", "-o", "my run"], "seed": 5})
        == "incsim run -o 'my run' --seed 5"
    )
    assert command_line({"command": ["incsim", "run", "--seed", "7"], "seed": 7}) == "incsim run --seed 7"
    assert command_line({"command": ["incsim", "run", "--seed=7"], "seed": 7}) == "incsim run --seed=7"
    assert command_line({"seed": 7}).startswith("n/a")


def test_a_study_written_by_incsim_robustness_is_read_from_its_sealed_folder(tmp_path):
    """The real command's folder (its manifest vouches for robustness.json, which carries no seal
    of its own), not only a hand-written study: the slide's drivers are the study's."""
    from robustness_helpers import FLIP_YAML

    from incsim import api
    from incsim.robustness import run_study

    scenario = tmp_path / "flip.yaml"
    scenario.write_text(FLIP_YAML)
    loaded = api.load(scenario)
    api.run_scenario(loaded, replications=3, seed=2, out_dir=tmp_path / "run")
    run_study(loaded, samples=4, replications=2, seed=2, out_dir=tmp_path / "rob")
    study = json.loads((tmp_path / "rob" / "robustness.json").read_text())
    assert "self_sha256" not in study
    s = slide_by_title(
        _pptx(gather_inputs([tmp_path / "run", tmp_path / "rob"])), "What would change the answer"
    )
    sens = sorted(
        (
            r
            for r in study["sensitivity"]
            if r["metric"] == "engineer_hours"
            and r["baseline"] == "war-room"
            and r["alternative"] == "async-first"
        ),
        key=lambda r: -r["total"],
    )
    assert categories(s) == [r["parameter"] for r in sens]
    # a study whose file was edited after it was sealed is refused like any damaged folder
    (tmp_path / "rob" / "robustness.json").write_text(json.dumps({**study, "samples": 99}))
    with pytest.raises(PresentError):
        gather_inputs([tmp_path / "run", tmp_path / "rob"])
