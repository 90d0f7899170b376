"""The HTML report in a real browser: headless Chromium renders it with no console error and no
network request, and a full-page screenshot comes out.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: file
descriptors 3 and 4, NUL-separated JSON), so no websocket client or other Python package is
needed. The page's own requests are observed with ``Network.requestWillBeSent`` on the page's
session, which leaves out Chromium's background traffic. A control page with a deliberate
console error and a remote image checks that the detectors do detect.

Set ``INCSIM_REPORT_SCREENSHOT=path.png`` to keep the report's screenshot for a look.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import SKIP_WITHOUT_CHROMIUM, WIDTH, png_size, render

from incsim import api
from incsim.report import write_report

pytestmark = SKIP_WITHOUT_CHROMIUM


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "run"
    api.run_scenario(api.load(None), replications=4, seed=7, out_dir=out)
    return write_report(out)


def test_the_detectors_detect(tmp_path):
    page = tmp_path / "control.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>control</title></head><body>'
        '<img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script></body></html>'
    )
    seen = render(page.as_uri())
    assert any("boom" in e for e in seen["errors"]), seen["errors"]
    assert "http://127.0.0.1:9/x.png" in seen["requests"]


def test_the_report_renders_without_errors_or_network(report_file, tmp_path):
    seen = render(report_file.as_uri())
    assert seen["errors"] == [], seen["errors"]
    assert seen["requests"] == [report_file.as_uri()], seen["requests"]
    assert seen["title"].startswith("Incident response compared: war-room vs async-first vs hybrid")
    assert seen["svgs"] >= 5
    assert seen["scroll_width"] <= WIDTH  # nothing overflows sideways
    width, height = png_size(seen["png"])
    assert width == WIDTH and height >= 3000 and len(seen["png"]) > 100_000
    keep = os.environ.get("INCSIM_REPORT_SCREENSHOT")
    (Path(keep) if keep else tmp_path / "report.png").write_bytes(seen["png"])


# what a reader sees of the headline's verdicts and of "What would change the answer": each item
# rendered with a height (not hidden, not collapsed) and its text
SECTION_PROBE = """(() => {
  const shown = el => el.getBoundingClientRect().height > 0;
  const texts = sel => [...document.querySelectorAll(sel)].filter(shown).map(el => el.textContent.trim());
  const heading = document.getElementById('what-would-change');
  return {heading: heading && shown(heading) ? heading.textContent : null, verdicts: texts('#verdicts li'),
          prices: texts('[data-price]'), flips: texts('[data-flip]'), changes: texts('ul.changes > li').length,
          tornados: [...document.querySelectorAll('svg.chart')].filter(shown)
                      .filter(s => (s.getAttribute('aria-label') || s.textContent).includes('assumption alone')).length};
})()"""


def test_the_robustness_sections_render(tmp_path):
    from robustness_helpers import FLIP_YAML

    scenario = tmp_path / "flip.yaml"
    scenario.write_text(FLIP_YAML)
    loaded = api.load(scenario)
    api.run_scenario(loaded, replications=4, seed=2, out_dir=tmp_path / "run")
    from incsim.robustness import run_study

    run_study(loaded, samples=4, replications=2, seed=2, out_dir=tmp_path / "rob")
    page = write_report(tmp_path / "run", robustness_dir=tmp_path / "rob")
    seen = render(page.as_uri(), probe=SECTION_PROBE)
    assert seen["errors"] == [], seen["errors"]
    assert seen["requests"] == [page.as_uri()], seen["requests"]
    assert seen["scroll_width"] <= WIDTH
    got = seen["probe"]
    assert got["heading"] == "What would change the answer"
    assert got["changes"] == 6  # one line per decision metric against the baseline
    assert got["tornados"] == 2  # engineer-hours and time to resolve
    assert (
        len(got["prices"]) == 2
        and "unless a service-minute of customer impact costs more than $" in got["prices"][1]
    )
    assert any("costs.customer_impact_usd_per_min is above" in f for f in got["flips"]), got["flips"]


def test_a_plain_run_carries_its_tornado_charts(tmp_path):
    """Without a robustness study the report draws the tornado from the run's own tornado.json."""
    from robustness_helpers import FLIP_YAML

    from incsim.robustness.ends import run_files

    scenario = tmp_path / "flip.yaml"
    scenario.write_text(FLIP_YAML)
    loaded = api.load(scenario)
    api.run_scenario(loaded, replications=3, seed=2, out_dir=tmp_path / "run", also=run_files(loaded))
    page = write_report(tmp_path / "run")
    seen = render(page.as_uri(), probe=SECTION_PROBE)
    assert seen["errors"] == [], seen["errors"]
    got = seen["probe"]
    assert got["heading"] == "What would change the answer"
    assert got["changes"] == 0  # no study: no spread, no drivers
    assert got["tornados"] == 2  # engineer-hours and time to resolve, from tornado.json
