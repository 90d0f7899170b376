"""How the world's events and a drill's conditions read in the facilitator's feed."""

from __future__ import annotations

from incsim.clock import drill_time
from incsim.model.events import (
    Affected,
    Answer,
    Decision,
    DecisionRequested,
    Detected,
    Escalated,
    Event,
    Fixed,
    Joined,
    Left,
    Mitigated,
    Paged,
    Question,
    Recovered,
    Resolved,
    RoomClosed,
    RoomOpened,
    Update,
)

_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_UNSAFE = {
    c: "\ufffd"
    for c in (*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20), *range(0x7F, 0xA0), *_BIDI)
}


def safe_text(text: str) -> str:
    """``text`` with control characters and bidirectional overrides replaced by U+FFFD: shown
    on a page or a terminal, it cannot reorder what follows it or send an escape sequence."""
    return str(text).translate(_UNSAFE)


def effect_text(eff, now: float, phase: str, recovery: float | None = None) -> str:
    """What a decision's effect does to the simulated incident, in words with its timing
    (``now``: minutes since T0; ``phase``: the debugger's current work; ``recovery``: when the
    model's schedule says the service recovers, minutes since T0, None when it cannot say)."""
    do = eff.do
    if do in ("roll_back", "fail_over"):
        what = {"roll_back": "rollback", "fail_over": "failover"}[do]
        work = f"about {eff.extra_min:g} min of work" if eff.extra_min else "no work of its own"
        change = round(abs(1 - eff.remaining_work) * 100)
        left = (
            "the work left before the fix is unchanged"
            if eff.remaining_work == 1
            else f"then {change:d}% {'less' if eff.remaining_work < 1 else 'more'} of the remaining work"
        )
        end = f"; done near {drill_time(now + eff.extra_min)}" if eff.extra_min else ""
        near = f"; the service should recover near {drill_time(recovery)}" if recovery is not None else ""
        return f"{what} started ({work}{end}); {left} (the debugger is at: {phase}){near}"
    if do == "open_room":
        who = ", ".join(eff.with_) if eff.with_ else "the protocol's invitees"
        return f"call opened; paged into it: {who} (they join after acknowledging)"
    if do == "close_room":
        return "call closed; the incident carries on in the channel"
    if do == "page":
        return f"paged: {', '.join(eff.who)} (they join after acknowledging)"
    if do == "escalate":
        return f"escalated to a call: {eff.reason}"
    if do == "contain":
        off = f"; taken offline until mitigated: {', '.join(eff.take_offline)}" if eff.take_offline else ""
        return f"contained: the exposure stops growing at {drill_time(now)}{off}"
    if do == "status_update":
        return "status page updated"
    return "nothing changes in the simulation"


def condition_text(c) -> str:
    """A condition in a facilitator's words, e.g. ``3+ services down``."""
    parts = []
    if c.services_affected_at_least is not None:
        parts.append(f"{c.services_affected_at_least}+ services down")
    if c.exposure_over is not None:
        parts.append(f"exposure over {c.exposure_over:g}")
    if c.room_open is not None:
        parts.append("call open" if c.room_open else "no call")
    if c.mitigated is not None:
        parts.append("mitigated" if c.mitigated else "not mitigated")
    if c.minutes_without_mitigation is not None:
        parts.append(f"{c.minutes_without_mitigation:g} min unmitigated")
    return " and ".join(parts)


def describe(ev: Event, t0: float) -> tuple[float, str, str, str, str] | None:
    """How a world event reads in the feed (t since T0, channel, sender, text, kind), or None to leave it out."""
    t = ev.t - t0
    if isinstance(ev, Detected):
        return (
            t,
            "incident",
            "monitoring",
            f"detected: {ev.category} incident on {', '.join(ev.roots)}"
            + (f" [{', '.join(ev.flags)}]" if ev.flags else ""),
            "event",
        )
    if isinstance(ev, Affected) and ev.via:
        return t, "incident", "monitoring", f"{ev.service} is failing too (via {ev.via})", "event"
    if isinstance(ev, Paged):
        return t, "page", "pager", f"paged {ev.who} ({ev.role})", "event"
    if isinstance(ev, Joined) and not ev.change:
        return t, "incident", ev.who, f"{ev.who} joined as {ev.role}", "event"
    if isinstance(ev, Left):
        return t, "incident", ev.who, f"{ev.who} left", "event"
    if isinstance(ev, Question):
        return (
            t,
            "executive" if ev.who == "leadership" else "incident",
            ev.who,
            f"{ev.topic} → {ev.to}",
            "event",
        )
    if isinstance(ev, Answer):
        return t, "incident", ev.who, f"answered {ev.to} after {ev.wait_min:.0f} min", "event"
    if isinstance(ev, Update):
        lane = ev.channel if ev.channel in ("executive", "status") else "incident"
        text = ev.text or f"status: {ev.status}" + (
            f"; impact: {', '.join(ev.impact)}" if ev.impact else ""
        ) + (f"; next: {ev.next_steps}" if ev.next_steps else "")
        return t, lane, ev.who, text, "update"
    if isinstance(ev, DecisionRequested):
        return t, "incident", "ic", f"decision needed: {ev.name}", "event"
    if isinstance(ev, Decision):
        return (
            t,
            "incident",
            ev.who or "ic",
            f"decided: {ev.name} ({ev.medium}, {ev.wait_min:.0f} min)",
            "event",
        )
    if isinstance(ev, RoomOpened):
        return t, "incident", "ic", f"call opened ({ev.reason})", "event"
    if isinstance(ev, RoomClosed):
        return t, "incident", "ic", "call closed", "event"
    if isinstance(ev, Escalated):
        return t, "incident", "ic", f"escalated: {ev.reason}", "event"
    if isinstance(ev, Fixed):
        return t, "incident", "monitoring", f"{ev.service} fixed", "event"
    if isinstance(ev, Recovered):
        return t, "incident", "monitoring", f"{ev.service} recovered", "event"
    if isinstance(ev, Mitigated):
        return t, "incident", "monitoring", "customer impact over (mitigated)", "event"
    if isinstance(ev, Resolved):
        return t, "incident", "ic", "resolved", "event"
    return None
