"""The HTML deck in headless Chromium at 1920x1080 and 1280x720: no console error, no request but
the page itself, no element leaving its slide, every slide reached with the keyboard, the presenter
view showing the current slide's notes, and a PDF print of one page per slide.

A control deck with an overfull slide checks that the overflow detector does detect.
Set ``INCSIM_DECK_SHOTS=DIR`` to keep a PNG of every slide.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM
from deck_browser import drive
from present_helpers import hostile_run, pilot_folder, review_folder, robustness_folder

from incsim.present import build_deck, gather_inputs, render_deck

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (apt-get install -y chromium)")
SIZES = [(1920, 1080), (1280, 720)]


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    root = tmp_path_factory.mktemp("deck-browser")
    run = hostile_run(root)
    folders = [run, review_folder(root), pilot_folder(run, root), robustness_folder(root)]
    return build_deck(gather_inputs(folders), "engineering")


@pytest.fixture(scope="module")
def seen(deck, tmp_path_factory):
    page = tmp_path_factory.mktemp("deck-page") / "deck.html"
    page.write_bytes(render_deck(deck, "html"))
    shots = os.environ.get("INCSIM_DECK_SHOTS")
    return page, drive(page.as_uri(), SIZES, shots=Path(shots) if shots else None)


def test_no_console_error_and_no_request_but_the_page(seen):
    page, result = seen
    assert result["errors"] == [], result["errors"]
    assert set(result["requests"]) == {page.as_uri()}, result["requests"]


def test_every_slide_is_reached_by_keyboard_and_nothing_overflows(deck, seen):
    _, result = seen
    titles = [s.title for s in deck.slides]
    for size in SIZES:
        walk = result["walks"][size]
        steps = [w for w in walk if "title" in w]
        assert [w["index"] for w in steps] == list(range(len(titles))), size
        assert [w["title"] for w in steps] == titles
        assert [w["hash"] for w in steps] == [f"#{i + 1}" for i in range(len(titles))]
        assert {w["title"]: w["bad"] for w in steps if w["bad"]} == {}, size
        assert walk[-2] == {"index": len(titles) - 1, "after_end": True}
        assert walk[-1] == {"index": 0, "after_home": True}


def test_the_presenter_view_shows_the_current_notes_and_the_next_title(deck, seen):
    _, result = seen
    import json

    view = json.loads(result["presenter"])
    assert view["on"] and view["panel"] == "block"
    assert view["notes"] == view["slide_notes"] == deck.slides[0].notes
    assert view["next"] == deck.slides[1].title


def test_the_pdf_print_has_one_page_per_slide(deck, seen):
    _, result = seen
    assert result["pdf"][:5] == b"%PDF-"
    assert result["pdf_pages"] == len(deck.slides)


def test_the_overflow_detector_detects(deck, tmp_path):
    crowded = replace(deck.slides[0], points=tuple(f"point {i} " + "word " * 40 for i in range(30)))
    page = tmp_path / "crowded.html"
    page.write_bytes(render_deck(replace(deck, slides=[crowded]), "html"))
    result = drive(page.as_uri(), [(1280, 720)], pdf=False)
    assert result["walks"][(1280, 720)][0]["bad"], "an overfull slide went unnoticed"
