"""The deck as one self-contained HTML page to present from a browser.

One ``<section>`` per slide, sized 16:9 to the window (every length in ``em`` of a font set from
the slide's width, so a slide looks the same at any size and nothing moves between 1280x720 and
1920x1080). Keyboard: right, down, page down, space or enter for the next slide; left, up, page
up or backspace for the previous; home and end; ``p`` toggles the presenter view (the slide
beside its speaker notes and the next slide's title). The address keeps the slide number
(``#3``). Printing gives one slide per page, without the notes.

The page makes no request: its one style sheet and one script are inline and allowed by their
sha256 in a strict Content-Security-Policy, charts are inline
SVG, and every string from the folders is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from incsim.present.deck import Deck, Slide, Table
from incsim.present.svg import chart_svg


def csp_hash(text: str) -> str:
    """A Content-Security-Policy source that allows exactly this inline ``text`` (its sha256)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


STYLE = """
:root { --w: min(100vw, calc(100vh * 16 / 9)); }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #1d1f21; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: #1b1b1b; overflow: hidden; }
#deck { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; }
.slide { display: none; width: var(--w); height: calc(var(--w) * 9 / 16); font-size: calc(var(--w) / 80);
  background: #fff; padding: 1.6em 2.2em 1.2em; flex-direction: column; overflow: hidden; position: relative; }
.slide.current { display: flex; }
.slide h1 { font-size: 2.2em; margin: 0 0 0.35em; line-height: 1.15; color: #0b3d62; }
.slide .lead { font-size: 1.3em; font-weight: 600; margin: 0 0 0.8em; line-height: 1.3; }
.slide .body { flex: 1; display: flex; gap: 1.5em; min-height: 0; }
.slide .text { flex: 1 1 55%; min-width: 0; display: flex; flex-direction: column; gap: 0.6em; }
.slide .body.full .text { flex-basis: 100%; }
.slide figure { flex: 1 1 45%; margin: 0; min-width: 0; display: flex; align-items: flex-start; }
.slide .body.chart-only figure { flex-basis: 100%; }
.slide svg.chart { width: 100%; height: auto; max-height: 100%; }
.slide ul { margin: 0; padding-left: 1.1em; font-size: 1.05em; line-height: 1.35; }
.slide li { margin-bottom: 0.45em; overflow-wrap: anywhere; }
.slide table { border-collapse: collapse; font-size: 0.88em; width: 100%; }
.slide th, .slide td { text-align: left; padding: 0.25em 0.5em; border-bottom: 1px solid #ddd;
  overflow-wrap: anywhere; vertical-align: top; }
.slide th { background: #eef3f7; }
.slide table.long { font-size: 0.7em; }
.slide .num { position: absolute; right: 2.2em; bottom: 0.6em; font-size: 0.55em; color: #777; }
.slide .notes { display: none; }
#panel { display: none; }
body.presenter { --w: min(62vw, calc(92vh * 16 / 9)); }
body.presenter #deck { right: 36vw; }
body.presenter #panel { display: block; position: absolute; top: 0; right: 0; bottom: 0; width: 36vw;
  background: #f4f1e8; padding: 1.2em; overflow: auto; font-size: 1.15rem; line-height: 1.45; }
#panel h2 { font-size: 1rem; margin: 0 0 0.4em; color: #555; text-transform: uppercase; letter-spacing: 0.05em; }
#panel .next { margin-top: 1.2em; color: #555; }
@page { size: 13.333in 7.5in; margin: 0; }
@media print {
  :root { --w: 13.333in; }
  html, body { height: auto; background: #fff; overflow: visible; }
  #deck { position: static; display: block; }
  body.presenter #deck { right: auto; }
  .slide, .slide.current { display: flex; break-after: page; page-break-after: always; }
  .slide:last-child { break-after: auto; page-break-after: auto; }
  #panel, body.presenter #panel { display: none; }
}
"""

SCRIPT = """
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var notes = document.getElementById('notes-text');
  var next = document.getElementById('next-title');
  var at = 0;
  function show(i) {
    at = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach(function (s, k) { s.classList.toggle('current', k === at); });
    notes.textContent = slides[at].querySelector('.notes p').textContent;
    next.textContent = at + 1 < slides.length ? slides[at + 1].querySelector('h1').textContent : '(last slide)';
    if (location.hash !== '#' + (at + 1)) { history.replaceState(null, '', '#' + (at + 1)); }
    document.title = slides[at].querySelector('h1').textContent + ' \\u2014 ' + document.body.dataset.title;
  }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'PageDown' || k === ' ' || k === 'Enter') { show(at + 1); }
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'PageUp' || k === 'Backspace') { show(at - 1); }
    else if (k === 'Home') { show(0); }
    else if (k === 'End') { show(slides.length - 1); }
    else if (k === 'p' || k === 'P') { document.body.classList.toggle('presenter'); }
    else { return; }
    e.preventDefault();
  });
  window.addEventListener('hashchange', function () { show(parseInt(location.hash.slice(1), 10) - 1 || 0); });
  show(parseInt(location.hash.slice(1), 10) - 1 || 0);
}());
"""

CSP = "; ".join(
    [
        "default-src 'none'",
        f"script-src {csp_hash(SCRIPT)}",
        f"style-src {csp_hash(STYLE)}",
        "img-src 'none'",
        "font-src 'none'",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


def _table(t: Table) -> str:
    cls = ' class="long"' if len(t.rows) > 8 else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in t.rows)
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _slide(s: Slide, n: int, total: int, colours: dict[str, str]) -> str:
    text = []
    if s.points:
        text.append("<ul>" + "".join(f"<li>{escape(p)}</li>" for p in s.points) + "</ul>")
    if s.table is not None:
        text.append(_table(s.table))
    layout = "split" if text and s.chart is not None else ("full" if text else "chart-only")
    body = (f'<div class="text">{"".join(text)}</div>' if text else "") + (
        f"<figure>{chart_svg(s.chart, colours)}</figure>" if s.chart is not None else ""
    )
    return (
        f'<section class="slide" id="slide-{n}" data-key="{escape(s.key)}" aria-label="{escape(s.title)}">'
        f'<h1>{escape(s.title)}</h1><p class="lead">{escape(s.lead)}</p>'
        f'<div class="body {layout}">{body}</div><div class="num">{n} / {total}</div>'
        f'<aside class="notes"><p>{escape(s.notes)}</p></aside></section>'
    )


def html_text(deck: Deck) -> str:
    """The deck as one HTML page (no external resource; style and script allowed by hash)."""
    from incsim.report.charts import protocol_colours

    colours = protocol_colours(deck.protocols)
    total = len(deck.slides)
    slides = "".join(_slide(s, i, total, colours) for i, s in enumerate(deck.slides, 1))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(deck.title)}</title><style>{STYLE}</style></head>"
        f'<body data-title="{escape(deck.title)}"><main id="deck">{slides}</main>'
        '<div id="panel" aria-live="polite"><h2>Speaker notes</h2><p id="notes-text"></p>'
        '<p class="next">Next: <span id="next-title"></span></p></div>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )
