"""What the model's schedule says about a drill's incident: which decisions the debugger waits
for, and when the service should recover after a rollback or failover, where that is known.

The debugger's work is known in advance only when nothing random stands between now and the
fix's end: the debugger is working (not in a triage call or a model decision), no consult with
another team's expert is left in the diagnosis, no decision of the model's own comes between the
diagnosis and the fix, and the debugger's speed does not change on the way (their working day
does not start or end). Then the root service recovers when the fix is done (``Lifecycle._respond``).
Anywhere else the feed says nothing of recovery rather than guess.
"""

from __future__ import annotations

from typing import Any

from incsim.model.live_incident import LiveIncident
from incsim.scenario.drill import ChangeWork, DecisionDef


def needs_debugger(d: DecisionDef) -> bool:
    """Whether the debugger needs decision ``d`` before working on: one of its options changes
    their work (a rollback or a failover), so until the room decides they wait."""
    return any(isinstance(eff, ChangeWork) for opt in d.options for eff in opt.effects)


def expected_recovery(world: Any, run: LiveIncident, eff: Any, now: float) -> float | None:
    """When the root service should recover after ``eff`` (a rollback or failover taken at
    ``now``), in simulated minutes, or None where the model's schedule does not say."""
    if not isinstance(eff, ChangeWork) or run.debugger is None:
        return None
    plan = run.work_left(now)
    if plan is None or run.phase not in ("diagnose", "fix"):
        return None
    left, rate = plan
    spec = run.spec
    if run.phase == "diagnose":
        if spec.consults or any(not d.containment for d in spec.decisions):
            return None  # an expert's answer or a decision of the model's own: its time is drawn
        later = spec.fix * run.work_factor * eff.remaining_work  # the fix, at the new pace
    else:
        later = 0.0
    work = left * eff.remaining_work + eff.extra_min + later
    # the interruption being answered now, then those queued, come before the work
    end = now + max(0.0, run.paying_until - now) + sum(run.interruptions_due) + work / rate
    if run.debugger.next_change(now) < end:
        return None  # their speed changes on the way
    return end
