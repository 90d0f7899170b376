"""What the players do: a played role's actions on the world, as events in the same log.

A role with a person (``playing``) acts only through ``act``: the model takes none of the
actions of the place it holds (``Seat.holds``; ``model/players.py`` leaves them to the player),
so what the player does not do does not happen. Every action is logged as an ``Injected``
record (``what="player"``, ``id`` the action, ``by`` the role) followed by the events it causes;
those events are the player's, and the only ones a played role's expectations count.

A role with nobody playing it (``--auto``) is empty unless the drill names a stand-in: then the
model's person plays it, as it plays every role that is not ``played``.
"""

from __future__ import annotations

from typing import Any

from incsim.drill.transcript import ACTIONS
from incsim.model.events import Answer, Injected, Question, Update

CHANNELS = {"incident": "incident", "exec": "executive", "executive": "executive", "status": "status"}
STATUSES = ("investigating", "mitigated")
INCIDENT = 0


class Playing:
    """The players' side of a ``DrillSession`` (it uses the session's world, log and feed)."""

    def _cast(self, players: frozenset[str] | set[str] | None) -> None:
        """Who plays what: ``players`` names the roles with a person (None: every played role)."""
        roles = self.drill.seats
        playable = {r.id for r in roles if r.played}
        if players is not None and set(players) - playable:
            bad = sorted(set(players) - playable)
            raise KeyError(
                f"no played role {', '.join(repr(b) for b in bad)}; played roles: "
                f"{', '.join(sorted(playable)) or '(none)'}"
            )
        self.playing = frozenset(playable if players is None else players)
        self.stand_ins = frozenset(
            r.id for r in roles if r.played and r.stand_in and r.id not in self.playing
        )
        self.vacant = frozenset(playable - self.playing - self.stand_ins)
        held = {
            r.holds for r in roles if r.holds is not None and (r.id in self.playing or r.id in self.vacant)
        }
        self.world.players.hold(held, self.drill.metadata.page_timeout_min)
        self.player_events: dict[int, str] = {}  # index in the log -> the role whose action caused it
        self.handed_over: dict[
            str, str
        ] = {}  # a played IC's role -> the person they played, once handed over

    def model_played(self) -> list[str]:
        """The roles the model's people played: those not played, and the stand-ins of empty ones."""
        return [r.id for r in self.drill.seats if not r.played or r.id in self.stand_ins]

    def drill_role(self, name: str | None):
        """The drill role ``name`` stands for: a role id, or the role holding the place ``name``."""
        if name is None:
            return None
        role = self._roles.get(name)
        if role is None:
            role = next((r for r in self.drill.seats if r.holds == name), None)
        return role

    def person(self, role_id: str) -> str:
        """Who a player is in the log: the person whose place the role holds, else the role id."""
        role = self._roles[role_id]
        run = self.run
        if role_id in self.handed_over:
            return self.handed_over[role_id]
        if role.holds is None or run is None:
            return role_id
        eng = run.ic if role.holds == "ic" else run.debugger
        return eng.id if eng is not None else role_id

    def pages_waiting(self, role_id: str) -> bool:
        """Whether a page waits for ``role_id``'s player to acknowledge it."""
        role = self._roles.get(role_id)
        return (
            role is not None
            and role.holds is not None
            and self.world.players.waiting_for(INCIDENT, role.holds)
        )

    def act(self, role_id: str, action: str, **args: Any) -> None:
        """Player ``role_id`` does ``action`` now (one of ``ACTIONS``); a ``ValueError`` says why not."""
        role = self._roles.get(role_id)
        if role is None or role_id not in self.playing:
            raise KeyError(f"nobody plays a role '{role_id}'")
        if action not in ACTIONS:
            raise KeyError(f"unknown action '{action}'; one of: {', '.join(ACTIONS)}")
        missing = [k for k in ACTIONS[action] if k not in args]
        if missing:
            raise ValueError(f"{action} needs {', '.join(missing)}")
        run = self.run
        if run is None or run.resolved.triggered:
            raise ValueError("the incident is not running")
        if action == "handover":  # refused before anything is logged
            why = self.world.players.hand_over_refused(run, self._successor(role, args["to"]))
            if why:
                raise ValueError(why)
        with self._as_player(role_id, action):
            self._do(role, action, args)
        self._record_play(role_id, action, args)
        self._quiet()

    def _successor(self, role, name: Any):
        """Who takes command from the played IC ``role`` when handing over to ``name`` (a person,
        or a team: its responder); a ``ValueError`` says why nobody can."""
        world = self.world
        if role.holds != "ic" or role.id in self.handed_over:
            raise ValueError(f"{role.title} does not hold command to hand over")
        to = world.roster.engineers.get(str(name))
        if to is None and str(name) in world.roster.teams:
            to = world.staffing.responder_for(self.run, str(name))
        if to is None:
            raise ValueError(f"nobody '{name}' can take command (a person or a team)")
        return to

    def _record_play(self, role_id: str, action: str, args: dict) -> None:
        from incsim.drill.transcript import Action

        self._record(Action(self.now, "play", {"role": role_id, "action": action, **args}))

    def _as_player(self, role_id: str, action: str):
        """Mark every event logged inside the block as caused by ``role_id``'s player."""
        session = self

        class _Mark:
            # the player's record goes into the log just before the first event the action
            # causes, or at its end if it caused none at once: an action refused before it
            # changed anything (a ValueError) leaves no record, as it leaves no transcript line
            def __enter__(self):
                log = self.log = session.world.log
                self.start = len(log)
                self.mark = Injected(
                    session.world.env.now,
                    INCIDENT,
                    session.person(role_id),
                    what="player",
                    id=action,
                    by=role_id,
                )
                self.marked = False
                add = type(log).add

                def first_the_mark(event):
                    if not self.marked:
                        self.marked = True
                        add(log, self.mark)
                    return add(log, event)

                log.add = first_the_mark

            def __exit__(self, exc_type, *exc):
                del self.log.add
                if exc_type is None and not self.marked:
                    self.log.add(self.mark)
                for i in range(self.start, len(self.log)):
                    session.player_events[i] = role_id
                return False

        return _Mark()

    def _do(self, role, action: str, a: dict) -> None:
        world, run = self.world, self.run
        who = self.person(role.id)
        if action == "ack":
            if role.holds is None or not world.players.waiting_for(INCIDENT, role.holds):
                raise ValueError(f"no page is waiting for {role.title} to acknowledge")
            world.players.acknowledge(run, role.holds)
        elif action in ("join", "leave"):
            eng = world.roster.engineers.get(who)
            if eng is None:
                raise ValueError(f"{role.title} has no place in the incident to {action}")
            if action == "leave":
                world.participation.leave(run, eng.id)
            elif role.holds is not None and world.players.waiting_for(INCIDENT, role.holds):
                world.players.acknowledge(run, role.holds)
            else:
                world.participation.join(run, eng, role.holds or "stakeholder")
        elif action == "update":
            channel = CHANNELS.get(str(a.get("channel", "incident")))
            status = a["status"]
            if channel is None or status not in STATUSES:
                raise ValueError(
                    f"an update goes to incident, executive or status with a status of {' or '.join(STATUSES)}"
                )
            eta = a.get("eta")
            world.emit(
                run,
                Update,
                who,
                channel=channel,
                status=status,
                impact=tuple(str(x) for x in a.get("impact") or ()) or None,
                next_steps=str(a["next_steps"]) if a.get("next_steps") else None,
                eta_min=float(eta) if isinstance(eta, (int, float)) and not isinstance(eta, bool) else None,
                text=str(a["text"]) if a.get("text") else None,
                write_min=run.draw(world.scn.behaviour.write_update, "drill_update"),
            )
        elif action == "answer":
            asked = [e for e in world.log.events if isinstance(e, Question) and e.to == who]
            if not asked:
                raise ValueError(f"nobody has asked {role.title} anything")
            q = asked[-1]
            world.emit(run, Answer, who, to=q.who, medium=q.medium, wait_min=world.env.now - q.t)
        elif action == "ask":
            team = str(a["team"])
            if team not in world.roster.teams:
                raise ValueError(f"no team '{team}'")
            expert = world.staffing.responder_for(run, team)
            if expert is None:
                raise ValueError(f"nobody of {team} can be asked now")
            world.emit(
                run,
                Question,
                who,
                to=expert.id,
                medium="room" if run.room_open else "channel",
                topic="consult",
            )
            world.env.process(world.staffing.ask(run, expert, "consult", "expert"))
        elif action == "page":
            self._page(run, [str(a["who"])])
        elif action == "mitigated":
            self._declare_mitigated(run, who)
        elif action == "handover":
            world.communication.hand_over(run, self._successor(role, a["to"]))
            self.handed_over[role.id] = who
        elif action == "escalate":
            if run.room_open and not run.in_triage_call:
                raise ValueError("a call is open already")
            world.inject_escalation(INCIDENT, str(a.get("reason") or f"{role.title} escalated"))

    def _declare_mitigated(self, run, who: str) -> None:
        """Declare the incident mitigated: a ``mitigated`` update to the incident channel and the
        status page, and the model's verdict in the feed. The model's own ``mitigated`` (every
        customer-facing service back, the roots fixed) is what customers meet; a declaration
        ahead of it is told as premature, naming what is still down."""
        world = self.world
        down = sorted(s for s in run.affected if s in world.customer_facing and s not in run.recovered)
        unfixed = sorted(set(run.spec.roots) - run.fixed)
        for channel in ("incident", "status"):
            world.emit(
                run,
                Update,
                who,
                channel=channel,
                status="mitigated",
                impact=tuple(down) or None,
                write_min=run.draw(world.scn.behaviour.write_update, "drill_update"),
            )
        if run.mitigated:
            verdict = "declared mitigated; the simulation agrees: every customer-facing service is back"
        else:
            still = down or unfixed
            verdict = (
                f"declared mitigated too early: in the simulation {', '.join(still)} "
                f"{'is' if len(still) == 1 else 'are'} still {'down' if down else 'unfixed'}; "
                f"customers keep failing while the status page says mitigated"
            )
        self._post(self.now, "incident", "model", verdict, "effect")

    def counts_for(self, index: int, event, name: str | None) -> bool:
        """Whether the event at ``index`` of the log counts for an expectation of role ``name``."""
        role = self.drill_role(name)
        if role is None:  # a place no drill role holds: the model's events of that place
            return name is None or getattr(event, "role", None) == name
        if role.id in self.playing:
            return self.player_events.get(index) == role.id
        if role.id in self.vacant:
            return False  # nobody plays it and nobody stands in: nothing it could have done counts
        place = role.holds or name
        return getattr(event, "role", None) == place or event.who == self.person(role.id)
