"""The run sheet: what a drill does with a given seed when nobody acts, for the facilitator to
plan with (``incsim validate DRILL --seed S``).

It is the dry run itself (the same ``DrillSession``, nobody playing, every decision taken at its
default when its countdown runs out), so the sheet for a seed is exactly what the room meets
with that seed until someone acts differently.
"""

from __future__ import annotations

from incsim.clock import drill_time
from incsim.drill.engine import DrillSession
from incsim.model.events import Kind

_MILESTONES = {
    Kind.DETECTED: "detected",
    Kind.ROOM_OPENED: "call opened",
    Kind.ESCALATED: "escalated",
    Kind.MITIGATED: "customer impact over (mitigated)",
    Kind.RESOLVED: "resolved",
}


def run_sheet(loaded, seed: int) -> str:
    """The run sheet of ``loaded`` (a ``LoadedDrill``) with ``seed``, as text lines."""
    s = DrillSession(loaded, seed, players=frozenset())
    while not s.finished:
        s.step()
    s.play_out()
    rows: list[tuple[float, int, str]] = []
    for f in s.fired.values():
        inj = s._injects[f.id]
        what = inj.title or inj.text
        rows.append(
            (f.t, 0, f"inject   {f.id} ({inj.lane}{', from ' + inj.sender if inj.sender else ''}): {what}")
        )
    for d in s.decided.values():
        dd = s._decisions[d.id]
        rows.append((d.prompted, 1, f"decision {d.id} asked of {dd.role}: {dd.prompt}"))
        label = next(o.label for o in dd.options if o.id == d.option)
        rows.append((d.t, 2, f"decision {d.id}: {label} ({'default' if d.by == 'default' else 'the model'})"))
    for e in s.world.log.events:
        if e.incident == 0 and e.kind in _MILESTONES:
            rows.append((e.t - s.t0, 3, f"model    {_MILESTONES[e.kind]}"))
    spec = s.spec
    head = [
        f"run sheet: {s.title}, seed {seed}, {s.protocol}; T+00:00 is {s.when(0.0).split('(')[1].rstrip(')')} "
        f"local; planned {s.duration:g} min",
        f"incident: {spec.category} on {', '.join(spec.roots)}; diagnosis {spec.diagnosis:.0f} min, "
        f"fix {spec.fix:.0f} min at full speed",
        "nobody acting: played roles do nothing, every decision takes its default at its timeout",
    ]
    lines = [f"{drill_time(t)}  {text}" for t, _, text in sorted(rows, key=lambda r: (r[0], r[1]))]
    never = [i.id for i in s.drill.injects if i.id not in s.fired and not i.on_demand]
    never += [d.id for d in s.drill.decisions if d.id not in s.decided]
    tail = [f"not reached with this seed: {', '.join(never)}"] if never else []
    on_demand = [i.id for i in s.drill.injects if i.on_demand]
    if on_demand:
        tail.append(f"on demand (the facilitator fires them): {', '.join(on_demand)}")
    ttr = s.ttr()
    tail.append(f"time to resolve: {ttr:.0f} min" if ttr is not None else "not resolved")
    return "\n".join(head + lines + tail) + "\n"
