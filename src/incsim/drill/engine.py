"""A drill session: the same SimPy ``World`` that ``incsim run`` uses, stepped by a facilitator.

The world plays every simulated person; the session adds what the drill file scripts (injects,
decisions and their effects on the world) and records what the people in the room do (the
transcript). Given the same drill, seed and transcript, a session logs the same events.
The session is the record of a drill; the after-action layer (``drill.aar.write_outputs``) reads
it and writes the outputs, so this module imports neither the AAR nor its counterfactuals.

Control returns to the caller only with every event at or before ``now`` processed, so a
human action taken at ``now`` and the same action replayed from a transcript at ``now`` meet
the same world.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from incsim.clock import drill_time, weekday_time
from incsim.drill.feed import describe, effect_text, safe_text
from incsim.drill.incident import drill_scenario, incident_spec
from incsim.drill.players import Playing
from incsim.drill.records import (
    FeedItem,
    Option,
    PendingDecision,
    RoleCard,
    Status,
    Upcoming,
)
from incsim.drill.schedule import expected_recovery, needs_debugger
from incsim.drill.showing import INCIDENT, TICK, Showing
from incsim.drill.transcript import Action, Transcript
from incsim.model.events import Affected, Decision, Detected, Event, Injected, Kind, Update
from incsim.model.incidents import IncidentSpec
from incsim.model.live_incident import LiveIncident
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.drill import (
    ChangeWork,
    CloseRoom,
    Contain,
    DecisionDef,
    Drill,
    Escalate,
    Inject,
    LoadedDrill,
    Nothing,
    OpenRoom,
    Page,
    StatusUpdate,
)


@dataclass
class Fired:
    """An inject that has fired, for the timeline and the expectations."""

    id: str
    t: float
    on_demand: bool


@dataclass
class Decided:
    """A decision taken: when it was asked, when and how it was answered, and by whom."""

    id: str
    prompted: float
    t: float
    option: str
    by: str  # "room", "default" (timed out) or "model" (a simulated role)
    real_s: float | None = None  # seconds the room took in real time (the clock may have been paused)


class DrillSession(Playing, Showing):
    """One run of a drill on the simulated world, driven by a person, a transcript or defaults."""

    def __init__(
        self,
        loaded: LoadedDrill,
        seed: int,
        transcript: Transcript | None = None,
        *,
        protocol: str | None = None,
        replication: int = 0,
        spec: IncidentSpec | None = None,
        policy: dict[str, tuple[str, float]] | None = None,
        players: frozenset[str] | set[str] | None = None,
    ) -> None:
        """``players``: the played roles a person plays (None: all of them; empty: nobody, ``--auto``)."""
        self.loaded = loaded
        self.drill: Drill = loaded.drill
        self.seed = int(seed)
        self.title = self.drill.metadata.title
        self.protocol = protocol or self.drill.scenario.protocol
        self.scenario = drill_scenario(loaded.scenario)
        self.spec = spec if spec is not None else incident_spec(loaded, self.seed)
        self.t0 = self.spec.at
        owner = next(s.team for s in self.scenario.org.services if s.name == self.spec.roots[0])
        self.local_t0 = self.t0 + self.scenario.team(owner).utc_offset_hours * 60.0
        self.clock_state: tuple[float, bool] | None = None  # the console's last speed and pause
        self.duration = self.drill.metadata.duration_min
        self.streams = Streams(self.seed, replication)
        # no horizon: a horizon ends only arrivals and per-service failures, and the drill's world
        # has neither (drill_scenario); it meets its own incident alone
        self.world = World(self.scenario, self.protocol, self.streams, [self.spec])
        self._feed: list[FeedItem] = []
        self.fired: dict[str, Fired] = {}
        self.decided: dict[str, Decided] = {}
        self.prompted: dict[str, float] = {}
        self._queue: list[str] = []  # prompted decisions waiting, oldest first
        self._due: dict[str, float] = {}  # item id -> absolute time it is due (after-chains)
        self.notes: list[dict] = []
        self.marks: dict[str, tuple[str, float]] = {}
        self.hotwash_answers: list[tuple[str, str]] = []
        self.plan: list[dict] = []
        self._replay = list(transcript.actions) if transcript is not None else []
        self.transcript = Transcript(drill=self.title, seed=self.seed, protocol=self.protocol)
        self._policy = dict(policy or {})  # counterfactuals: decision id -> (option, minutes after prompt)
        self._halt = False
        self._injects = {i.id: i for i in self.drill.injects}
        self._decisions = {d.id: d for d in self.drill.decisions}
        self._roles = {r.id: r for r in self.drill.seats}
        self._cast(players)
        self.world.log.subscribe(self._on_event)
        self.world.run(until=self.t0)
        self.world.run_until(
            lambda ev: False, limit=self.t0
        )  # the incident is detected at T0, before any inject
        for item in [*self.drill.injects, *self.drill.decisions]:
            if item.at is not None:  # never on an on-demand inject (the drill's checks refuse it)
                self._due[item.id] = self.t0 + item.at
        self._settle()

    # -- clock --------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated minutes since T0 (the incident's start)."""
        return self.world.env.now - self.t0

    @property
    def run(self) -> LiveIncident | None:
        """The incident's live state (None before it is detected)."""
        return self.world.live.get(INCIDENT)

    @property
    def resolved(self) -> bool:
        """Whether the incident is resolved."""
        run = self.run
        return run is not None and run.resolved.triggered

    @property
    def finished(self) -> bool:
        """Resolved, or past the planned duration."""
        return self.resolved or self.now >= self.duration - TICK

    def next_stop(self) -> float | None:
        """Sim time (since T0) of the next inject or decision deadline, if any is scheduled."""
        times = [t for t in self._stops() if t > self.world.env.now + TICK]
        return min(times) - self.t0 if times else None

    def _stops(self) -> list[float]:
        out = [t for iid, t in self._due.items() if iid not in self.fired and iid not in self.prompted]
        out += [self._deadline(d) for d in self._queue]
        out += [self._policy_time(d) for d in self._queue if d in self._policy]
        out += self._condition_times()
        return out

    def _condition_times(self) -> list[float]:
        """When a time-driven condition (minutes without mitigation, exposure) would come true:
        stopping there makes it fire at the same instant however the clock is driven."""
        run = self.run
        if run is None:
            return []
        out = []
        det = next((e for e in self.world.log.events if isinstance(e, Detected)), None)
        rate = det.exposure_per_min if det is not None else 0.0
        for item in [*self.drill.injects, *self.drill.decisions]:
            c = item.when
            if c is None or item.id in self._due:
                continue
            if c.minutes_without_mitigation is not None and not run.mitigated:
                out.append(self.t0 + c.minutes_without_mitigation)
            if c.exposure_over is not None and rate > 0 and det is not None and not run.contained:
                out.append(det.t + c.exposure_over / rate)
        return out

    def _deadline(self, did: str) -> float:
        return self.prompted[did] + self._decisions[did].timeout_min

    def _policy_time(self, did: str) -> float:
        return min(self.prompted[did] + self._policy[did][1], self._deadline(did))

    def advance(self, minutes: float) -> list[FeedItem]:
        """Run forward ``minutes`` (simulated); stops early when a decision is prompted."""
        start = len(self._feed)
        self._run_to(self.world.env.now + max(0.0, minutes))
        return self._feed[start:]

    def step(self) -> list[FeedItem]:
        """Run to the next inject or decision (or the end of the drill)."""
        start = len(self._feed)
        nxt = self.next_stop()
        end = self.t0 + self.duration
        target = min(self.t0 + nxt, end) if nxt is not None else end
        if target <= self.world.env.now + TICK and not self.finished:
            target = end
        self._run_to(target)
        return self._feed[start:]

    def _run_to(self, target: float) -> None:
        """Advance the world to ``target`` (absolute), taking every scheduled stop on the way."""
        self._halt = False
        while not self._halt:
            stops = [t for t in self._stops() if t > self.world.env.now + TICK]
            stops += [a.t + self.t0 for a in self._replay[:1]]
            limit = min([target, *stops])
            self.world.run_until(lambda ev: self._halt, limit=limit)
            if self._halt:
                break
            self.world.run(until=limit)
            self._settle()
            if limit >= target - TICK or self._halt:
                break
        self._quiet()

    def _quiet(self) -> None:
        """Finish the present instant: what a person sees, and acts on, is never half of one moment."""
        self.world.run_until(lambda ev: False, limit=self.world.env.now)
        self._settle()

    def _settle(self) -> None:
        """Fire what is due now, take timed-out defaults, apply replayed actions; repeat until quiet."""
        while True:
            now = self.world.env.now
            changed = False
            for iid in sorted(self._due, key=lambda k: (self._due[k], k)):
                if (
                    self._due[iid] <= now + TICK
                    and iid not in self.fired
                    and iid not in self.prompted
                    and self._premise(iid)
                ):
                    self._trigger(iid)
                    changed = True
            changed |= self._check_conditions()
            for did in list(self._queue):
                if did in self._policy and self._policy_time(did) <= now + TICK:
                    self._take(did, self._policy[did][0], "room")
                    changed = True
                elif self._deadline(did) <= now + TICK:
                    self._take(did, self._decisions[did].default, "default")
                    changed = True
            if changed:
                continue
            if self._replay and self._replay[0].t + self.t0 <= now + TICK:
                # a person acted on a quiet world: everything of this instant had happened first
                if self.world.env.peek() <= now:
                    self.world.run_until(lambda ev: False, limit=now)
                else:
                    self._apply(self._replay.pop(0))
                continue
            return

    # -- triggers -------------------------------------------------------------------------------
    def _trigger(self, iid: str) -> None:
        if iid in self._injects:
            self._fire(self._injects[iid], on_demand=False)
        else:
            self._prompt(self._decisions[iid])

    def _followers(self, ref: str, option: str | None = None) -> None:
        """Schedule the items whose ``after`` names ``ref`` (or ``ref.option``)."""
        now = self.world.env.now
        for item in [*self.drill.injects, *self.drill.decisions]:
            if item.after is None or item.id in self._due:
                continue
            name, _, opt = item.after.partition(".")
            if name == ref and (not opt or opt == option):
                self._due[item.id] = now + item.delay_min

    def _check_conditions(self) -> bool:
        """Schedule (or fire) the items whose condition now holds; whether any did."""
        hit = False
        for item in [*self.drill.injects, *self.drill.decisions]:
            if item.when is None or item.id in self._due:
                continue
            if self._holds(item.when):
                hit = True
                self._due[item.id] = self.world.env.now + item.delay_min
                if item.delay_min <= 0:
                    self._trigger(item.id)
        return hit

    def _holds(self, c) -> bool:
        run = self.run
        if run is None:
            return False
        if c.services_affected_at_least is not None and len(run.affected) < c.services_affected_at_least:
            return False
        if c.exposure_over is not None and self.exposure() < c.exposure_over - TICK:
            return False
        if c.room_open is not None and run.room_open != c.room_open:
            return False
        if c.mitigated is not None and run.mitigated != c.mitigated:
            return False
        late = c.minutes_without_mitigation
        return late is None or (not run.mitigated and self.now >= late - TICK)

    def _premise(self, iid: str) -> bool:
        """Whether the item's premise (``only_if``) holds now (no premise: it does)."""
        item = self._injects.get(iid) or self._decisions[iid]
        return item.only_if is None or self._holds(item.only_if)

    def _blocked(self) -> list[str]:
        """Items due but waiting for their premise."""
        now = self.world.env.now
        return [
            i
            for i, t in self._due.items()
            if t <= now + TICK and i not in self.fired and i not in self.prompted and not self._premise(i)
        ]

    def _on_event(self, ev: Event) -> None:
        """Every world event: to the feed, and a chance for conditions to hold."""
        item = describe(ev, self.t0)
        if item is not None:
            self._post(*item)
        if ev.kind in (
            Kind.DETECTED,
            Kind.AFFECTED,
            Kind.ROOM_OPENED,
            Kind.ROOM_CLOSED,
            Kind.MITIGATED,
            Kind.DECISION,
            Kind.RESOLVED,
        ):
            before = len(self._queue)
            blocked = self._blocked()
            self._check_conditions()
            if (
                len(self._queue) > before
                or ev.kind is Kind.RESOLVED
                or any(self._premise(i) for i in blocked)
            ):
                self._halt = True  # the room should see this before the clock moves on

    def _post(self, t: float, lane: str, sender: str, text: str, source: str) -> FeedItem:
        item = FeedItem(len(self._feed), round(t, 6), lane, safe_text(sender), safe_text(text), source)
        self._feed.append(item)
        return item

    def _fire(self, inj: Inject, on_demand: bool) -> None:
        now = self.world.env.now
        self.fired[inj.id] = Fired(inj.id, now - self.t0, on_demand)
        self.world.log.add(Injected(now, INCIDENT, inj.sender, what="inject", id=inj.id))
        head = f"{inj.title}: " if inj.title and inj.lane != "page" else ""
        to = f" → {inj.to}" if inj.to else ""
        self._post(now - self.t0, inj.lane, inj.sender or "facilitator", f"{head}{inj.text}{to}", "inject")
        self._followers(inj.id)

    def _prompt(self, d: DecisionDef) -> None:
        now = self.world.env.now
        self.prompted[d.id] = now
        role = self._roles.get(d.role)
        self._post(
            now - self.t0,
            "facilitator",
            d.role,
            f"Decision for {role.title if role else d.role}: "
            f"{d.prompt} (default in {d.timeout_min:g} min: {d.default})",
            "decision",
        )
        if role is not None and (not role.played or role.id in self.stand_ins) and d.id not in self._policy:
            self._take(d.id, d.default, "model")  # a simulated role: the model's person takes the default
            return
        self._queue.append(d.id)
        self._halt = True
        if self.run is not None and needs_debugger(d):
            self.run.wait_on(d.id, True)

    # -- decisions and their effects ----------------------------------------------------------------
    def _take(self, did: str, option: str, by: str) -> None:
        d = self._decisions[did]
        now = self.world.env.now
        if did in self._queue:
            self._queue.remove(did)
        self.decided[did] = Decided(did, self.prompted[did] - self.t0, now - self.t0, option, by)
        opt = next(o for o in d.options if o.id == option)
        self.world.log.add(
            Injected(
                now,
                INCIDENT,
                d.role,
                what="decision",
                id=did,
                option=option,
                by=by,
                wait_min=round(now - self.prompted[did], 6),
            )
        )
        how = {"room": "decided", "default": "timed out, default", "model": "(simulated) chose"}[by]
        self._post(
            now - self.t0,
            "facilitator",
            d.role,
            f"{d.id}: {how}: {opt.label} ({now - self.prompted[did]:.0f} min after it was asked)",
            "decision",
        )
        run = self.run
        for eff in opt.effects:
            if run is not None and not run.resolved.triggered:
                near = expected_recovery(self.world, run, eff, now)
                self._post(
                    now - self.t0,
                    "incident",
                    "model",
                    effect_text(eff, now - self.t0, run.phase, None if near is None else near - self.t0),
                    "effect",
                )
            self._effect(eff, d)
        if run is not None:
            run.wait_on(did, False)
        self._followers(did, option)

    def _effect(self, eff: Any, d: DecisionDef) -> None:
        run = self.run
        world = self.world
        if run is None or run.resolved.triggered or isinstance(eff, Nothing):
            return
        if isinstance(eff, OpenRoom):
            # named people: only they are paged in; none named: the protocol's invite rule decides
            world.rooms.open(run, f"drill decision: {d.id}", invite=not eff.with_)
            self._page(run, eff.with_)
        elif isinstance(eff, CloseRoom):
            world.participation.close_room(run)
        elif isinstance(eff, Page):
            self._page(run, eff.who)
        elif isinstance(eff, Escalate):
            if not run.room_open:
                world.inject_escalation(INCIDENT, eff.reason)
        elif isinstance(eff, Contain):
            if not run.contained:
                run.contained = True
                world.emit(
                    run,
                    Decision,
                    d.role,
                    name=f"containment: {d.id}",
                    medium="drill",
                    wait_min=0.0,
                    containment=True,
                )
            for svc in eff.take_offline:
                if svc not in run.affected:
                    run.affected.add(svc)
                    run.recovered.discard(svc)
                    world.emit(
                        run,
                        Affected,
                        service=svc,
                        via="containment",
                        customer_facing=svc in world.customer_facing,
                    )
        elif isinstance(eff, ChangeWork):
            run.change_work(eff.remaining_work, eff.extra_min)
            world.emit(
                run, Injected, d.role, what=eff.do, remaining_work=eff.remaining_work, extra_min=eff.extra_min
            )
        elif isinstance(eff, StatusUpdate):
            who = run.ic.id if run.ic is not None else d.role
            chosen = [
                ref
                for ref in eff.if_chosen
                if (taken := self.decided.get(ref.partition(".")[0]))
                and taken.option == ref.partition(".")[2]
            ]
            world.emit(
                run,
                Update,
                who,
                channel="status",
                status="mitigated" if run.mitigated else "investigating",
                text=eff.if_chosen[chosen[0]] if chosen else eff.text,
                write_min=run.draw(world.scn.behaviour.write_update, "drill_update"),
            )

    def _page(self, run: LiveIncident, names: list[str]) -> None:
        world = self.world
        for name in names:
            eng = world.roster.engineers.get(name)
            if eng is None and name in world.roster.teams:
                eng = world.staffing.responder_for(run, name)
            if eng is None:
                eng = world.staffing.with_role(run, name)
            if eng is not None:
                world.env.process(world.staffing.pull_in(run, eng, "stakeholder"))

    # -- what the room does -------------------------------------------------------------------------
    def decide(self, decision_id: str, option_id: str, real_s: float | None = None) -> None:
        """Take ``option_id`` for the pending decision ``decision_id`` now; ``real_s``: the seconds
        the room took in real time, when a screen measured them (a paused clock shows none)."""
        d = self._decisions.get(decision_id)
        if d is None:
            raise KeyError(f"no decision '{decision_id}'")
        if decision_id not in self._queue:
            raise ValueError(f"decision '{decision_id}' is not waiting for an answer")
        if option_id not in {o.id for o in d.options}:
            raise KeyError(f"decision '{decision_id}' has no option '{option_id}'")
        args = {"decision": decision_id, "option": option_id}
        if real_s is not None:
            args["real_s"] = round(float(real_s), 1)
        self._record(Action(self.now, "decide", args))
        if d.role in self.playing:  # the player's decision: its events are theirs
            with self._as_player(d.role, "decide"):
                self._take(decision_id, option_id, "room")
        else:
            self._take(decision_id, option_id, "room")
        if real_s is not None:
            self.decided[decision_id] = dataclasses.replace(self.decided[decision_id], real_s=args["real_s"])
        self._quiet()

    def fire(self, inject_id: str) -> None:
        """Fire an inject now (an on-demand one, or a scheduled one early)."""
        inj = self._injects.get(inject_id)
        if inj is None:
            raise KeyError(f"no inject '{inject_id}'")
        if inject_id in self.fired:
            raise ValueError(f"inject '{inject_id}' has fired already")
        self._record(Action(self.now, "fire", {"inject": inject_id}))
        self._fire(inj, on_demand=True)
        self._quiet()

    def note(self, text: str, objective: str | None = None) -> None:
        """A timestamped facilitator note, optionally tagged to an objective."""
        if objective is not None and objective not in {o.id for o in self.drill.objectives}:
            raise KeyError(f"no objective '{objective}'")
        self._record(Action(self.now, "note", {"text": text, "objective": objective}))
        self.notes.append({"t": self.now, "text": text, "objective": objective})
        tag = f"[{objective}] " if objective else ""
        self._post(self.now, "facilitator", "facilitator", f"{tag}{text}", "note")

    def mark(self, expectation_id: str, outcome: str) -> None:
        """Mark an expectation met, partial or missed."""
        if outcome not in ("met", "partial", "missed"):
            raise ValueError(f"outcome must be met, partial or missed, not '{outcome}'")
        if expectation_id not in {e.id for i in self.drill.injects for e in i.expectations}:
            raise KeyError(f"no expectation '{expectation_id}'")
        self._record(Action(self.now, "mark", {"expectation": expectation_id, "outcome": outcome}))
        self.marks[expectation_id] = (outcome, self.now)

    def hotwash(self, question: str, answer: str) -> None:
        """Record a hot-wash answer."""
        self._record(Action(self.now, "hotwash", {"question": question, "answer": answer}))
        self.hotwash_answers.append((question, answer))

    def action(self, action: str, owner: str, due: str) -> None:
        """Add a row to the improvement plan."""
        self._record(Action(self.now, "action", {"action": action, "owner": owner, "due": due}))
        self.plan.append({"action": action, "owner": owner, "due": due})

    def clock(self, speed: float, paused: bool) -> None:
        """Record the console clock's speed and pause here (``--resume`` starts from the last)."""
        self._record(Action(self.now, "clock", {"speed": float(speed), "paused": bool(paused)}))
        self.clock_state = (float(speed), bool(paused))

    def when(self, minutes: float) -> str:
        """T+MM:SS of simulated time with the local day and time, e.g. ``T+09:00 (Tue 14:19)``."""
        return f"{drill_time(minutes)} ({weekday_time(round(self.local_t0 + minutes), None)})"

    def _record(self, act: Action) -> None:
        self.transcript.add(act)

    def _apply(self, act: Action) -> None:
        """Apply a replayed action; one that no longer fits (a decision not waiting) is skipped."""
        a = act.args
        if act.action == "decide":
            if a["decision"] in self._queue:
                self.decide(a["decision"], a["option"], a.get("real_s"))
        elif act.action == "fire":
            if a["inject"] not in self.fired:
                self.fire(a["inject"])
        elif act.action == "note":
            self.note(a["text"], a.get("objective"))
        elif act.action == "mark":
            self.mark(a["expectation"], a["outcome"])
        elif act.action == "hotwash":
            self.hotwash(a["question"], a["answer"])
        elif act.action == "action":
            self.action(a["action"], a["owner"], a["due"])
        elif act.action == "clock":
            self.clock(a["speed"], a["paused"])
        elif act.action == "play":
            rest = {k: v for k, v in a.items() if k not in ("role", "action")}
            try:
                self.act(a["role"], a["action"], **rest)
            except (KeyError, ValueError):
                pass  # no longer fits the world (like a decision not waiting)

    def catch_up(self) -> None:
        """Apply every action still waiting in the replayed transcript (``--resume``): the clock
        ends at the last one."""
        while self._replay:
            self._run_to(self._replay[-1].t + self.t0)

    # -- the end ------------------------------------------------------------------------------------
    def play_out(self) -> None:
        """Let the model finish the incident: pending and later decisions take their defaults."""
        if self.world.env.now < self.t0 + self.duration:
            self._run_to(self.t0 + self.duration)
        self.catch_up()  # what was done after the planned end (hot wash, plan, notes) is replayed too
        while not self.resolved:
            stops = [t for t in self._stops() if t > self.world.env.now + TICK]
            if stops:
                self._run_to(min(stops))
            else:
                self.world.run_until(lambda ev: self._halt or ev.kind is Kind.RESOLVED)
                self._settle()
                if self.world.env.peek() == math.inf and not self.resolved:
                    break
        self.world.run_until(lambda ev: False, limit=self.world.env.now)

    def ttr(self) -> float | None:
        """Minutes from detection to resolution, when resolved."""
        det = next((e.t for e in self.world.log.events if e.kind is Kind.DETECTED), None)
        res = next((e.t for e in self.world.log.events if e.kind is Kind.RESOLVED), None)
        return None if det is None or res is None else res - det


__all__ = [
    "DrillSession",
    "FeedItem",
    "Option",
    "PendingDecision",
    "RoleCard",
    "Status",
    "Upcoming",
    "drill_scenario",
    "incident_spec",
]
