"""How the world's events and a drill's conditions read in the facilitator's feed."""

from __future__ import annotations

from incsim.model.events import Event, Kind


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
    d = ev.data
    t = ev.t - t0
    k = ev.kind
    if k is Kind.DETECTED:
        return t, "incident", "monitoring", f"detected: {d.get('category')} incident on {', '.join(d.get('roots', []))}" + \
            (f" [{', '.join(d['flags'])}]" if d.get("flags") else ""), "event"
    if k is Kind.AFFECTED and d.get("via"):
        return t, "incident", "monitoring", f"{d.get('service')} is failing too (via {d.get('via')})", "event"
    if k is Kind.PAGED:
        return t, "page", "pager", f"paged {ev.who} ({d.get('role')})", "event"
    if k is Kind.JOINED and not d.get("change"):
        return t, "incident", ev.who, f"{ev.who} joined as {d.get('role')}", "event"
    if k is Kind.LEFT:
        return t, "incident", ev.who, f"{ev.who} left", "event"
    if k is Kind.QUESTION:
        return t, "exec" if ev.who == "leadership" else "incident", ev.who, f"{d.get('topic')} → {d.get('to')}", "event"
    if k is Kind.ANSWER:
        return t, "incident", ev.who, f"answered {d.get('to')} after {d.get('wait_min', 0):.0f} min", "event"
    if k is Kind.UPDATE:
        chan = {"executive": "exec", "status": "status"}.get(d.get("channel"), "incident")
        text = d.get("text") or f"status: {d.get('status')}" + (
            f"; impact: {', '.join(d['impact'])}" if d.get("impact") else "") + (
            f"; next: {d['next_steps']}" if d.get("next_steps") else "")
        return t, chan, ev.who, text, "update"
    if k is Kind.DECISION_REQUESTED:
        return t, "incident", "ic", f"decision needed: {d.get('name')}", "event"
    if k is Kind.DECISION:
        return t, "incident", ev.who or "ic", (f"decided: {d.get('name')} ({d.get('medium')}, "\
            f"{d.get('wait_min', 0):.0f} min)"), "event"
    if k is Kind.ROOM_OPENED:
        return t, "incident", "ic", f"call opened ({d.get('reason')})", "event"
    if k is Kind.ROOM_CLOSED:
        return t, "incident", "ic", "call closed", "event"
    if k is Kind.ESCALATED:
        return t, "incident", "ic", f"escalated: {d.get('reason')}", "event"
    if k is Kind.FIXED:
        return t, "incident", "monitoring", f"{d.get('service')} fixed", "event"
    if k is Kind.RECOVERED:
        return t, "incident", "monitoring", f"{d.get('service')} recovered", "event"
    if k is Kind.MITIGATED:
        return t, "incident", "monitoring", "customer impact over (mitigated)", "event"
    if k is Kind.RESOLVED:
        return t, "incident", "ic", "resolved", "event"
    return None
