"""A post-incident timeline from an incident channel, its calls and the incident export: the
essay's "automated timeline generation from the Slack channel".

Entries in time order: the alert, who joined and left the channel and the call, the IC's
structured updates (with the gap since the last), "any updates?" requests, questions to named
people and when they were answered, decisions where a message states one, and the incident's
start and resolution from the export; then the incident's measured figures.

Privacy: people appear under stable pseudonyms (the same member, the same name, in every
timeline: a hash of their member id) unless real names are asked for, and message text appears
only when asked for (``include_text``); each timeline says which.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime

from incsim.calibrate.people import MENTION, IncidentPeople, Options, incident_row
from incsim.calibrate.slack import Workspace

DECISION_PATTERN = r"(?i)\b(?:decision|decided|we will|agreed)\b"
"""A message that states a decision."""
_ANIMALS = (
    "heron",
    "otter",
    "lynx",
    "wren",
    "ibex",
    "marten",
    "puffin",
    "gecko",
    "tapir",
    "egret",
    "bison",
    "koala",
    "finch",
    "okapi",
    "raven",
    "stoat",
)


def pseudonym(member: str) -> str:
    """A stable, readable stand-in for a member id or a call participant's key."""
    h = int.from_bytes(hashlib.sha256(member.encode("utf-8")).digest()[:4], "big")
    return f"{_ANIMALS[h % len(_ANIMALS)]}-{(h >> 4) % 4096:03x}"


@dataclass(frozen=True)
class Entry:
    """One line of a timeline."""

    t: datetime
    what: str
    text: str | None = None


class Names:
    """Who someone is in a timeline: a pseudonym, or their name when real names are asked for."""

    def __init__(self, ws: Workspace, real: bool) -> None:
        self.ws, self.real = ws, real

    def __call__(self, key: str | None) -> str:
        if key is None:
            return "a bot"
        if self.real:
            person = self.ws.people.get(key)
            return person.real_name if person else key.removeprefix("call:")
        return pseudonym(key)

    def text(self, text: str) -> str:
        """Message text with its mentions written as the names the timeline uses."""
        return MENTION.sub(lambda m: "@" + self(m.group(1)), text)


def entries(
    inc: IncidentPeople, names: Names, include_text: bool, export=None, options: Options = Options()
) -> list[Entry]:
    """The incident's timeline entries, in time order."""
    out: list[Entry] = []

    def add(t, what, msg=None):
        out.append(Entry(t, what, names.text(msg.text) if include_text and msg is not None else None))

    msgs = inc.channel.messages
    if msgs[0].bot:
        add(msgs[0].t, "the channel opens with a bot's alert", msgs[0])
    else:
        add(msgs[0].t, f"the channel opens: {names(msgs[0].user)} posts first", msgs[0])
    for who, t in inc.joins:
        out.append(Entry(t, f"{names(who)} joins the channel"))
    for who, t in inc.leaves:
        out.append(Entry(t, f"{names(who)} leaves the channel"))
    last_update = None
    for m in msgs:
        if options.is_update(m):
            gap = (
                ""
                if last_update is None
                else f" ({(m.t - last_update).total_seconds() / 60:.0f} min after the last)"
            )
            add(m.t, f"structured update by {names(m.user)}{gap}", m)
            last_update = m.t
        elif options.is_request(m):
            add(m.t, f"{names(m.user)} asks for an update", m)
        elif m.is_post and re.search(DECISION_PATTERN, m.text):
            add(m.t, f"decision stated by {names(m.user)}", m)
    by_t = {m.t: m for m in msgs}
    for q in inc.questions:
        answer = (
            "unanswered"
            if q["answered"] is None
            else f"answered after {q['latency_min']:.0f} min, {'business' if q['business'] else 'off'} hours "
            f"for them"
        )
        add(q["t"], f"{names(q['who'])} asks {names(q['to'])} a question ({answer})", by_t.get(q["t"]))
    for c in inc.calls:
        people = {k: names(k) for k in c.hours}
        out.append(Entry(c.call.start, f"call starts ({c.call.format}, {c.call.id})"))
        for key, t in sorted(c.joined.items(), key=lambda kv: (kv[1], people[kv[0]])):
            role = "" if key in c.essential else " (watching)"
            out.append(Entry(t, f"{people[key]} joins the call{role}"))
        peak = max((n for _, n in c.over_time), default=0)
        out.append(
            Entry(
                c.call.end,
                f"call ends: {c.size} people in it (at most {peak} at once), "
                f"{len(c.stayed)} to the end, "
                f"{c.non_essential_hours:.2f} non-essential hours",
            )
        )
    if export is not None and inc.incident_id is not None:
        rec = next((i for i in export.incidents if i.id == inc.incident_id), None)
        if rec is not None:
            out.append(Entry(rec.start, f"incident {rec.id} starts (the export)"))
            if rec.resolved is not None:
                out.append(Entry(rec.resolved, f"incident {rec.id} resolved (the export)"))
    return sorted(out, key=lambda e: e.t)


def _privacy_note(real: bool, include_text: bool) -> str:
    who = (
        "People appear under their names."
        if real
        else "People appear under stable pseudonyms (the same person has the same pseudonym in every timeline)."
    )
    text = (
        "Message text is included: it may name people."
        if include_text
        else "Message text is left out (give --include-text to include it)."
    )
    return f"{who} {text}"


def markdown(
    inc: IncidentPeople,
    ws: Workspace,
    *,
    include_text: bool = False,
    real_names: bool = False,
    export=None,
    options: Options = Options(),
) -> str:
    """The incident's timeline as Markdown."""
    names = Names(ws, real_names)
    row = incident_row(inc)
    lines = [
        f"# Timeline: {inc.channel.name}",
        "",
        f"_{_privacy_note(real_names, include_text)}_",
        "",
        "| time (UTC) | what |",
        "|---|---|",
    ]
    for e in entries(inc, names, include_text, export, options):
        what = e.what.replace("|", "\\|")
        if e.text is not None:
            what += ": " + " ".join(e.text.split()).replace("|", "\\|")
        lines.append(f"| {e.t:%Y-%m-%d %H:%M:%S} | {what} |")
    lines += ["", "## Measured", ""]
    lines += [
        f"- {k.replace('_', ' ')}: {_fmt(v)}" for k, v in row.items() if k not in ("channel", "first", "last")
    ]
    return "\n".join(lines) + "\n"


def html_page(
    inc: IncidentPeople,
    ws: Workspace,
    *,
    include_text: bool = False,
    real_names: bool = False,
    export=None,
    options: Options = Options(),
) -> str:
    """The incident's timeline as a self-contained HTML page."""
    names = Names(ws, real_names)
    esc = html.escape
    rows = "".join(
        f"<tr><td>{e.t:%Y-%m-%d %H:%M:%S}</td><td>{esc(e.what)}"
        + (f"<blockquote>{esc(e.text)}</blockquote>" if e.text is not None else "")
        + "</td></tr>\n"
        for e in entries(inc, names, include_text, export, options)
    )
    figures = "".join(
        f"<li>{esc(k.replace('_', ' '))}: {esc(_fmt(v))}</li>"
        for k, v in incident_row(inc).items()
        if k not in ("channel", "first", "last")
    )
    title = esc(f"Timeline: {inc.channel.name}")
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td{padding:.2em .6em;"
        "vertical-align:top}blockquote{margin:.2em 0;color:#444;white-space:pre-wrap}</style></head>\n"
        f"<body><h1>{title}</h1><p><em>{esc(_privacy_note(real_names, include_text))}</em></p>\n"
        f"<table><tr><th>time (UTC)</th><th>what</th></tr>\n{rows}</table>\n"
        f"<h2>Measured</h2><ul>{figures}</ul></body></html>\n"
    )


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)
