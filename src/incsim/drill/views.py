"""What each screen of a served drill may see, as plain JSON-able data.

Three kinds of view of one session: the facilitator's (everything), the room's on the projector
and each played role's on its own device. The room's and a player's views are built from
allow-lists, never by deleting from the facilitator's: recommended options, notes, marks,
expectations, upcoming injects and other roles' pages are never in them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from incsim.clock import drill_time

ROOM_CHANNELS = ("incident", "executive", "status", "email", "page")
PLAYER_CHANNELS = ("incident", "executive", "status", "email")
FEED_TAIL = 60


def _item(f) -> dict[str, Any]:
    return {
        "i": f.index,
        "t": f.t,
        "clock": drill_time(f.t),
        "channel": f.lane,  # the JSON key the served pages read
        "sender": f.sender,
        "text": f.text,
        "kind": f.source,  # the JSON key the served pages read
    }


def _status(session) -> dict[str, Any]:
    st = session.status()
    return {
        "clock": drill_time(st.now),
        "local": st.local,
        "now": st.now,
        "services_affected": st.services_affected,
        "mitigated": st.mitigated,
        "resolved": st.resolved,
        "room_open": st.room_open,
        "people_engaged": st.people_engaged,
        "exposure": round(st.exposure),
        "protocol": st.protocol,
        "finished": session.finished,
    }


def _decision(session, role: str | None = None) -> dict[str, Any] | None:
    """The decision waiting (for ``role``, when given), its options without any recommendation."""
    p = session.pending_decision()
    if p is None or (role is not None and p.role != role):
        return None
    return {
        "id": p.id,
        "prompt": p.prompt,
        "role": p.role,
        "deadline": drill_time(p.deadline),
        "options": [{"id": o.id, "label": o.label} for o in p.options],
    }


def room_view(session) -> dict[str, Any]:
    """The projector's view: the clock, the state, the public channels and the decision asked."""
    feed = [
        f
        for f in session.feed()
        if f.lane in ROOM_CHANNELS or (f.lane == "facilitator" and f.source == "decision")
    ]
    return {
        "view": "room",
        "title": session.title,
        "status": _status(session),
        "feed": [_item(f) for f in feed[-FEED_TAIL:]],
        "decision": _decision(session),
        "roles": [
            {"id": r.id, "title": r.title, "played": r.id in session.playing} for r in session.drill.seats
        ],
    }


def _pages_for(session, role) -> list[str]:
    """Words that mark a page as this role's: its id, its title, and the person it plays."""
    return [w.lower() for w in (role.id, role.title, session.person(role.id)) if w]


def player_view(session, role_id: str) -> dict[str, Any]:
    """A played role's view: its card, its channels, its own pages, what is asked of it."""
    role = session._roles[role_id]
    marks = _pages_for(session, role)
    feed = []
    for f in session.feed():
        if f.lane in PLAYER_CHANNELS:
            feed.append(f)
        elif f.lane == "page" and any(
            re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", f.text.lower()) for m in marks
        ):
            feed.append(f)
        elif f.lane == "facilitator" and f.source == "decision" and f.sender == role_id:
            feed.append(f)
    return {
        "view": "player",
        "title": session.title,
        "status": _status(session),
        "role": {
            "id": role.id,
            "title": role.title,
            "briefing": role.briefing,
            "person": session.person(role.id),
            "holds": role.holds or "",
        },
        "page_waiting": session.pages_waiting(role_id),
        "feed": [_item(f) for f in feed[-FEED_TAIL:]],
        "decision": _decision(session, role_id),
    }


def facilitator_view(session, joined: dict[str, int]) -> dict[str, Any]:
    """Everything: the whole feed, the decision with its recommendation, expectations, upcoming."""
    p = session.pending_decision()
    decision = None
    if p is not None:
        decision = dataclasses.asdict(p)
        decision["deadline"] = drill_time(p.deadline)
    return {
        "view": "facilitator",
        "title": session.title,
        "status": _status(session),
        "feed": [_item(f) for f in session.feed()[-FEED_TAIL * 2 :]],
        "decision": decision,
        "upcoming": [{"id": u.id, "when": u.when, "channel": u.lane} for u in session.upcoming()],
        "on_demand": [{"id": i, "title": t} for i, t in session.on_demand()],
        "expectations": [{"id": i, "text": t, "outcome": o or ""} for i, t, o in session.expectations()],
        "roles": [
            {"id": r.id, "title": r.title, "played": r.id in session.playing, "devices": joined.get(r.id, 0)}
            for r in session.drill.seats
        ],
        "hotwash": list(session.drill.hotwash),
        "objectives": [{"id": o.id, "text": o.text} for o in session.drill.objectives],
    }
