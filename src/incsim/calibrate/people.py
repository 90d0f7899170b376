"""The essay's people metrics measured from incident channels and call attendance reports.

Per incident channel: who joined and who posted, the IC's structured updates (the essay's
template: Status / Impact / Next steps / ETA) and the gaps between them, "any updates?"
requests, questions that name someone (``<@U123>`` and a ``?``) and how long the named person
took to post next, split into answers by someone who had posted in the channel already (in the
incident) and the others by the question's time in *their* zone (business hours: the
scenario's default working hours, Monday to Friday), and the time to the first person's post.

A call belongs to the incident whose channel is open (first to last message) when the call
starts (of several open at once, the one with most of the call's people among its members); its people are matched to the workspace by e-mail, then by name. Who posted in the
channel or held the IC role is essential; everyone else in the call watched, and their call
hours are the essay's "time spent by non-essential participants". Someone still in the call
within ``END_TOLERANCE_S`` of its last leave stayed to the end. Spectator questions: posts with a
question mark (not updates, not update requests) put in the channel while the call is on by the
call's people with no role (not the IC, never asked anything by name, posting nothing but
questions and requests), per hour they spent in it.

Engineer-hours: call hours of everyone in the incident's calls plus, for each poster, the time
from their first to their last post in the channel (time in a channel shows only as posts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

from incsim import intervals
from incsim.calibrate import fit
from incsim.calibrate.calls import Call, read_calls
from incsim.calibrate.records import MIN_SAMPLE, ExportError, month_label
from incsim.calibrate.slack import (
    DEFAULT_PATTERN,
    EXECUTIVE_PATTERN,
    Message,
    SlackChannel,
    Workspace,
    read_workspace,
)
from incsim.scenario.schema import WorkHours

UPDATE_PATTERN = r"(?is)\bstatus\b\W{0,3}:.*\bimpact\b\W{0,3}:.*\bnext steps?\b\W{0,3}:"
"""A structured update: the template's Status, Impact and Next steps fields, in that order (ETA optional)."""
REQUEST_PATTERNS = (
    r"(?i)\bany (?:news|updates?)\b",
    r"(?i)\bwhat'?s the (?:status|eta|latest)\b",
    r"(?i)\bwhere are we\b",
    r"(?i)(?:^|\s)(?:eta|status|update)\s*\?",
)
""""Any updates?" requests, in the words people use (each a regular expression)."""
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
END_TOLERANCE_S = 60.0
"""Someone who leaves within this many seconds of a call's end stayed to the end."""
_WORK = WorkHours()


def business_hours(t: datetime, tz_offset_s: int) -> bool:
    """Whether ``t`` falls in working hours (Monday to Friday) on a clock ``tz_offset_s`` east of UTC."""
    local = t + timedelta(seconds=tz_offset_s)
    hour = local.hour + local.minute / 60 + local.second / 3600
    return local.weekday() < 5 and _WORK.start <= hour < _WORK.end


@dataclass(frozen=True)
class Options:
    """How messages are read: what an update and an update request look like."""

    update_pattern: str = UPDATE_PATTERN
    request_patterns: tuple[str, ...] = REQUEST_PATTERNS

    def is_update(self, m: Message) -> bool:
        """A structured update (a bot may post it for the IC, as incident tools do)."""
        said = m.is_post or (m.bot and m.subtype not in ("channel_join", "channel_leave"))
        return said and re.search(self.update_pattern, m.text) is not None

    def is_request(self, m: Message) -> bool:
        """An "any updates?" request (a structured update never is one)."""
        return (
            m.is_post and not self.is_update(m) and any(re.search(p, m.text) for p in self.request_patterns)
        )


@dataclass
class CallPeople:
    """One call joined with its incident's channel."""

    call: Call
    hours: dict[str, float]
    """Hours in the call per person key (a member id, or ``call:NAME`` for someone not in the workspace)."""
    stayed: set[str]
    essential: set[str]
    over_time: list[tuple[datetime, int]]
    """People in the call after each join or leave."""
    joined: dict[str, datetime] = field(default_factory=dict)
    """Each person's first join."""
    spectator_hours: float = 0.0
    """Call hours of the people in it with no role: not the IC, never asked a question by name, and
    posting nothing in the channel but questions and requests."""
    spectator_questions: int = 0
    """Questions those people posted in the channel while the call was on."""

    @property
    def size(self) -> int:
        """Distinct people in the call."""
        return len(self.hours)

    @property
    def non_essential_hours(self) -> float:
        """Call hours of the people who never posted in the channel nor held a role."""
        return sum(h for k, h in self.hours.items() if k not in self.essential)


@dataclass
class IncidentPeople:
    """What one incident channel (and its calls) shows about the people in it."""

    channel: SlackChannel
    posters: list[str]
    participants: list[str]
    ic: str | None
    updates: list[datetime]
    requests: list[tuple[str, datetime]]
    questions: list[dict]
    joins: list[tuple[str, datetime]]
    leaves: list[tuple[str, datetime]]
    first_responder_min: float | None
    asks: list[tuple[str, datetime]] = field(default_factory=list)
    """Posts with a question mark that are neither an update nor an update request: who, when."""
    calls: list[CallPeople] = field(default_factory=list)
    incident_id: str | None = None
    _channel_hours: float | None = field(default=None, repr=False, compare=False)

    @property
    def hours(self) -> float:
        """Hours from the channel's first message to its last."""
        return (self.channel.last - self.channel.first).total_seconds() / 3600

    @property
    def ic_since(self) -> datetime | None:
        """When the IC came into the channel: their first post or join (None with no IC)."""
        times = [
            m.t
            for m in self.channel.messages
            if m.user == self.ic and (m.is_post or m.subtype == "channel_join")
        ]
        return min(times) if self.ic is not None and times else None

    @property
    def ic_hours(self) -> float:
        """Hours from the IC's coming into the channel to its last message (0 with no IC)."""
        since = self.ic_since
        return 0.0 if since is None else max(0.0, (self.channel.last - since).total_seconds() / 3600)

    @property
    def requests_with_ic(self) -> int:
        """Update requests put while the IC was in the channel (the model's leadership asks the IC)."""
        since = self.ic_since
        return 0 if since is None else sum(t >= since for _, t in self.requests)

    @property
    def update_gaps_min(self) -> list[float]:
        """Minutes between consecutive structured updates."""
        return [(b - a).total_seconds() / 60 for a, b in pairwise(self.updates)]

    @property
    def month(self) -> str:
        """The month the channel opened (UTC), ``YYYY-MM``."""
        return month_label(self.channel.first)

    def channel_hours(self) -> float:
        """Each poster's first-to-last post span, summed."""
        if self._channel_hours is None:  # the review's noise bands ask for it thousands of times
            spans: dict[str, list[datetime]] = {}
            for m in self.channel.messages:
                if m.is_post:
                    spans.setdefault(m.user, []).append(m.t)
            self._channel_hours = sum((max(ts) - min(ts)).total_seconds() / 3600 for ts in spans.values())
        return self._channel_hours

    def engineer_hours(self) -> float:
        """Call hours of everyone plus channel hours of the posters."""
        return self.channel_hours() + sum(sum(c.hours.values()) for c in self.calls)


def _questions(msgs: list[Message], ws: Workspace) -> list[dict]:
    out = []
    for i, m in enumerate(msgs):
        if not m.is_post or "?" not in m.text:
            continue
        for to in dict.fromkeys(MENTION.findall(m.text)):
            if to == m.user:
                continue
            answer = next((n.t for n in msgs[i + 1 :] if n.is_post and n.user == to), None)
            person = ws.people.get(to)
            offset = person.tz_offset_s if person else 0
            out.append(
                {
                    "who": m.user,
                    "to": to,
                    "t": m.t,
                    "answered": answer,
                    "latency_min": None if answer is None else (answer - m.t).total_seconds() / 60,
                    "business": business_hours(m.t, offset),
                    # already in the incident: they had posted in its channel before
                    "in_incident": any(n.is_post and n.user == to for n in msgs[:i]),
                    # asked off hours and answered in business hours: after their day started
                    "after_day_start": answer is not None
                    and not business_hours(m.t, offset)
                    and business_hours(answer, offset),
                }
            )
    return out


def channel_people(chan: SlackChannel, ws: Workspace, options: Options = Options()) -> IncidentPeople:
    """One incident channel's people, updates, requests, questions, joins and leaves."""
    msgs = chan.messages
    posters = list(dict.fromkeys(m.user for m in msgs if m.is_post))
    joins = [(m.user, m.t) for m in msgs if m.subtype == "channel_join" and m.user]
    leaves = [(m.user, m.t) for m in msgs if m.subtype == "channel_leave" and m.user]
    participants = list(dict.fromkeys([*posters, *(u for u, _ in joins)]))
    update_msgs = [m for m in msgs if options.is_update(m)]
    by_poster: dict[str, int] = {}
    for m in update_msgs:
        if m.is_post:  # the IC is a person: updates a bot posted name nobody
            by_poster[m.user] = by_poster.get(m.user, 0) + 1
    ic = max(by_poster, key=lambda u: (by_poster[u], -posters.index(u))) if by_poster else None
    first_post = next((m.t for m in msgs if m.is_post), None)
    return IncidentPeople(
        channel=chan,
        posters=posters,
        participants=participants,
        ic=ic,
        updates=[m.t for m in update_msgs],
        requests=[(m.user, m.t) for m in msgs if options.is_request(m)],
        questions=_questions(msgs, ws),
        joins=joins,
        leaves=leaves,
        asks=[
            (m.user, m.t)
            for m in msgs
            if m.is_post and "?" in m.text and not options.is_update(m) and not options.is_request(m)
        ],
        first_responder_min=None if first_post is None else (first_post - chan.first).total_seconds() / 60,
    )


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


def person_index(ws: Workspace) -> tuple[dict[str, str], dict[str, str]]:
    """Member ids by e-mail and by name (real name and handle), for matching call participants."""
    by_email = {p.email: p.id for p in ws.people.values() if p.email}
    by_name: dict[str, str] = {}
    for p in ws.people.values():
        for n in (p.real_name, p.name):
            by_name.setdefault(_name_key(n), p.id)
    return by_email, by_name


def merged_hours(spans: list[tuple[datetime, datetime]]) -> float:
    """Hours covered by a person's sessions (a second device or an overlap counted once)."""
    return intervals.measure(intervals.union([(a.timestamp(), b.timestamp()) for a, b in spans])) / 3600


def call_people(call: Call, inc: IncidentPeople, index: tuple[dict[str, str], dict[str, str]]) -> CallPeople:
    """A call's people matched to the workspace, with their hours, who stayed and who was essential."""
    by_email, by_name = index
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for s in call.sessions:
        key = (
            (by_email.get(s.email) if s.email else None)
            or by_name.get(_name_key(s.name))
            or f"call:{_name_key(s.name)}"
        )
        spans.setdefault(key, []).append((s.join, s.leave))
    end = call.end
    stayed = {k for k, v in spans.items() if (end - max(b for _, b in v)).total_seconds() <= END_TOLERANCE_S}
    essential = {k for k in spans if k in inc.posters or k == inc.ic}
    steps = sorted(
        [(a, 1) for v in spans.values() for a, _ in v] + [(b, -1) for v in spans.values() for _, b in v],
        key=lambda x: (x[0], x[1]),
    )
    over, n = [], 0
    for t, d in steps:
        n += d
        over.append((t, n))
    hours = {k: merged_hours(v) for k, v in spans.items()}
    # a role: the IC, anyone asked by name, anyone who posted more than questions and requests
    # (the debugger's findings, a fix): the rest watched, whatever they asked meanwhile
    said = {*inc.asks, *inc.requests}
    doers = {m.user for m in inc.channel.messages if m.is_post and (m.user, m.t) not in said}
    roles = {inc.ic, *(q["to"] for q in inc.questions), *doers}
    spectators = {k for k in spans if k not in roles}
    asked = sum(1 for who, t in inc.asks if who in spectators and call.start <= t <= end)
    return CallPeople(
        call,
        hours,
        stayed,
        essential,
        over,
        {k: min(a for a, _ in v) for k, v in spans.items()},
        sum(hours[k] for k in spectators),
        asked,
    )


def measure(
    ws: Workspace, calls: list[Call] = (), options: Options = Options(), export=None
) -> tuple[list[IncidentPeople], list[Call]]:
    """Every incident channel measured, with its calls; and the calls no channel was open for."""
    incidents = [channel_people(c, ws, options) for c in ws.channels]
    index = person_index(ws)
    orphans = []
    for call in calls:
        open_ = [i for i in incidents if i.channel.first <= call.start <= i.channel.last]
        if not open_:
            orphans.append(call)
            continue
        # several channels open at once: the one whose people are most in the call, then the newest
        keys = set(call_people(call, open_[0], index).hours)
        home = max(open_, key=lambda i: (len(keys & set(i.participants)), i.channel.first))
        home.calls.append(call_people(call, home, index))
    if export is not None:
        for inc in incidents:  # the export's incident that started nearest the channel's opening
            near = min(
                export.incidents,
                key=lambda i: abs((i.start - inc.channel.first).total_seconds()),
                default=None,
            )
            if (
                near is not None
                and near.start <= inc.channel.last
                and (near.resolved is None or near.resolved >= inc.channel.first - timedelta(hours=1))
            ):
                inc.incident_id = near.id
    return incidents, orphans


def _median(values) -> float | None:
    v = [x for x in values if x is not None]
    return float(median(v)) if v else None


def summary(incidents: list[IncidentPeople]) -> dict:
    """The ``people`` object of ``calibrate --json``."""
    gaps = [g for i in incidents for g in i.update_gaps_min]
    rate = request_rate(
        {
            "update_requests": [len(i.requests) for i in incidents],
            "channel_hours": [i.hours for i in incidents],
        }
    )
    qs = [q for i in incidents for q in i.questions if q["latency_min"] is not None]
    calls = [c for i in incidents for c in i.calls]
    people_in_calls = sum(c.size for c in calls)
    with_call = [i for i in incidents if i.calls]
    return {
        "incidents": len(incidents),
        "update_gap_median_min": _median(gaps),
        "update_requests_per_hour": rate["per_hour"],
        "answer_latency_median_min": {
            "business_hours": _median(q["latency_min"] for q in qs if q["business"]),
            "off_hours": _median(q["latency_min"] for q in qs if not q["business"]),
        },
        "call_size_median": _median(c.size for c in calls),
        "stay_to_end_share": sum(len(c.stayed) for c in calls) / people_in_calls if people_in_calls else None,
        "non_essential_hours_per_incident": (
            sum(sum(c.non_essential_hours for c in i.calls) for i in with_call) / len(with_call)
        )
        if with_call
        else None,
    }


def samples(incidents: list[IncidentPeople]) -> dict[str, list[float]]:
    """The pooled observations behind the summary (what a fit or a KS distance needs)."""
    calls = [c for i in incidents for c in i.calls]
    spectators = [k in c.stayed for c in calls for k in c.hours if k not in c.essential]
    qs = [q for i in incidents for q in i.questions if q["latency_min"] is not None]
    return {
        "update_gap_min": [g for i in incidents for g in i.update_gaps_min],
        "call_size": [float(c.size) for c in calls],
        "spectator_stayed": [float(s) for s in spectators],
        "answer_in_incident_min": [q["latency_min"] for q in qs if q["in_incident"]],
        "answer_business_min": [q["latency_min"] for q in qs if q["business"] and not q["in_incident"]],
        "answer_off_min": [q["latency_min"] for q in qs if not q["business"] and not q["in_incident"]],
        "answer_off_after_day_start": [
            float(q["after_day_start"]) for q in qs if not q["business"] and not q["in_incident"]
        ],
        "non_essential_hours": [sum(c.non_essential_hours for c in i.calls) for i in incidents if i.calls],
        "update_requests": [float(len(i.requests)) for i in incidents],
        "channel_hours": [i.hours for i in incidents],
        "requests_with_ic": [float(i.requests_with_ic) for i in incidents],
        "ic_hours": [i.ic_hours for i in incidents],
        "spectator_questions": [float(c.spectator_questions) for c in calls],
        "spectator_hours": [c.spectator_hours for c in calls],
    }


def request_rate(
    s: dict[str, list[float]], requests_key: str = "update_requests", hours_key: str = "channel_hours"
) -> dict:
    """ "Any updates?" requests per hour over the summed channel hours, from ``samples`` (or the same
    keys read from simulated event logs): requests, hours and the rate (None with no hours). With
    ``requests_with_ic`` and ``ic_hours``: the requests and hours from the IC's arrival on."""
    requests, hours = sum(s[requests_key]), sum(s[hours_key])
    return {
        "requests": int(requests),
        "hours": float(hours),
        "per_hour": requests / hours if hours > 0 else None,
    }


def incident_row(inc: IncidentPeople) -> dict:
    """One incident's figures, JSON-ready."""
    gaps = inc.update_gaps_min
    lat = [q["latency_min"] for q in inc.questions if q["latency_min"] is not None]
    return {
        "channel": inc.channel.name,
        "incident": inc.incident_id,
        "month": inc.month,
        "first": inc.channel.first.isoformat(),
        "last": inc.channel.last.isoformat(),
        "hours": inc.hours,
        "participants": len(inc.participants),
        "posters": len(inc.posters),
        "updates": len(inc.updates),
        "update_gap_median_min": _median(gaps),
        "update_requests": len(inc.requests),
        "update_requests_per_hour": len(inc.requests) / inc.hours if inc.hours > 0 else None,
        "questions": len(inc.questions),
        "unanswered": sum(q["answered"] is None for q in inc.questions),
        "answer_latency_median_min": _median(lat),
        "time_to_first_responder_min": inc.first_responder_min,
        "calls": len(inc.calls),
        "call_size_max": max((c.size for c in inc.calls), default=None),
        "stay_to_end_share": (sum(len(c.stayed) for c in inc.calls) / sum(c.size for c in inc.calls))
        if inc.calls
        else None,
        "non_essential_hours": sum(c.non_essential_hours for c in inc.calls) if inc.calls else None,
        "engineer_hours": inc.engineer_hours(),
    }


def monthly(incidents: list[IncidentPeople]) -> dict[str, dict]:
    """The people figures per month the channels opened in (``summary``'s keys, plus engineer-hours
    per incident and the median time to the first responder)."""
    months: dict[str, list[IncidentPeople]] = {}
    for inc in incidents:
        months.setdefault(inc.month, []).append(inc)
    return {label: month_figures(months[label]) for label in sorted(months)}


def month_figures(incs: list[IncidentPeople]) -> dict:
    """One month's people figures from its incidents (``monthly``'s row; the review's noise bands
    compute the same row on resampled months)."""
    row = summary(incs)
    row["engineer_hours_per_incident"] = sum(i.engineer_hours() for i in incs) / len(incs)
    row["time_to_first_responder_median_min"] = _median(i.first_responder_min for i in incs)
    return row


def detail(incidents: list[IncidentPeople], orphans: list[Call], ws: Workspace) -> dict:
    """Everything behind ``summary``: counts, per-incident rows and months (``people_detail`` in JSON)."""
    s = samples(incidents)
    calls = [c for i in incidents for c in i.calls]
    spectator_hours = sum(c.spectator_hours for c in calls)
    return {
        "source": ws.source,
        "skipped_messages": ws.skipped,
        "executive_channels": ws.executive,
        "n": {
            "update_gaps": len(s["update_gap_min"]),
            "calls": len(s["call_size"]),
            "answers": len(s["answer_in_incident_min"])
            + len(s["answer_business_min"])
            + len(s["answer_off_min"]),
            "answers_in_incident": len(s["answer_in_incident_min"]),
            "answers_business_hours": len(s["answer_business_min"]),
            "answers_off_hours": len(s["answer_off_min"]),
            "update_requests": sum(len(i.requests) for i in incidents),
            "channel_hours": sum(i.hours for i in incidents),
            "requests_with_ic": sum(i.requests_with_ic for i in incidents),
            "ic_hours": sum(i.ic_hours for i in incidents),
            "spectators": len(s["spectator_stayed"]),
            "spectator_questions": sum(c.spectator_questions for c in calls),
            "spectator_hours": spectator_hours,
        },
        # each answer's latency (what --base takes the model's reading and writing from) and the
        # share of off-hours answers posted after the answerer's working day had started
        "answer_latencies_min": {
            "in_incident": s["answer_in_incident_min"],
            "business_hours": s["answer_business_min"],
            "off_hours": s["answer_off_min"],
        },
        "off_hours_answers_after_day_start": sum(s["answer_off_after_day_start"])
        / len(s["answer_off_after_day_start"])
        if s["answer_off_after_day_start"]
        else None,
        "spectator_questions_per_hour": sum(c.spectator_questions for c in calls) / spectator_hours
        if spectator_hours > 0
        else None,
        "spectator_stay_share": (sum(s["spectator_stayed"]) / len(s["spectator_stayed"]))
        if s["spectator_stayed"]
        else None,
        "fits": {
            "call_size": fit.lognormal_of_logs(s["call_size"], MIN_SAMPLE),
            "answer_in_incident_min": fit.lognormal_of_logs(s["answer_in_incident_min"], MIN_SAMPLE),
            "answer_business_hours_min": fit.lognormal_of_logs(s["answer_business_min"], MIN_SAMPLE),
            "answer_off_hours_min": fit.lognormal_of_logs(s["answer_off_min"], MIN_SAMPLE),
        },
        "calls_outside_channels": [c.id for c in orphans],
        "incidents": [incident_row(i) for i in incidents],
        "months": monthly(incidents),
    }


def read_people(
    slack,
    calls=(),
    *,
    calls_mapping=None,
    pattern: str = DEFAULT_PATTERN,
    channels: list[str] | None = None,
    options: Options = Options(),
    export=None,
    executive_pattern: str = EXECUTIVE_PATTERN,
) -> tuple[Workspace, list[IncidentPeople], list[Call]]:
    """Read a Slack export and call reports and measure them (what ``calibrate --slack`` does)."""
    for p in (options.update_pattern, *options.request_patterns):
        try:
            re.compile(p)
        except re.error as exc:
            raise ExportError(f"pattern {p!r}: not a regular expression ({exc})") from None
    ws = read_workspace(slack, pattern, channels, executive_pattern)
    incidents, orphans = measure(ws, read_calls(list(calls), calls_mapping), options, export)
    return ws, incidents, orphans
