"""The scenario schema: pydantic models that are the single source of truth for input.

Times are minutes unless a field name says otherwise (``_hours``, ``_days``, ``_per_hour``).
Every default below is documented with its source in ``scenarios/seed.yaml``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from incsim.scenario.durations import Constant, Duration, Lognormal, Uniform

API_VERSION = "incsim/v1"
CATEGORIES = ("single-service", "cascading", "platform-wide")
FLAGS = ("security", "data-loss", "regulatory")
Category = Literal["single-service", "cascading", "platform-wide"]
Flag = Literal["security", "data-loss", "regulatory"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
MAX_SEED = 2**64 - 1
"""The largest seed any input file may give: a 64-bit word (more runs than anyone repeats; NumPy's
seeding takes it as two of its 32-bit words, where a longer integer would only be slower)."""
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
MAX_TEAM = 10_000
"""The most people in one team: the model lays out each person's hours and rota one by one, and
the largest engineering organisations have tens of thousands of engineers in all, not in a team."""
MAX_REPLICATIONS = 100_000
"""The most replications a run may ask for: an interval's width shrinks as one over the square
root of the count, so 100,000 are a hundred times tighter than 10 and more than a decision needs."""
Name = Annotated[str, Field(min_length=1, max_length=200)]

# Standing duties a team's members hold (a team's ``duties:``; ``roles:`` is its old spelling,
# read for a release). ``service-owner`` and ``ic`` are resolved per incident.
Duty = Literal["ic", "security", "leadership", "legal", "pr", "compliance"]
Stakeholder = Literal[
    "service-owner", "ic", "security", "leadership", "legal", "pr", "compliance", "affected-owners"
]


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )


class Metadata(Strict):
    name: Name
    description: str = ""


class WorkHours(Strict):
    """Local working hours, Monday to Friday."""

    start: Annotated[float, Field(ge=0, lt=24)] = 9.0
    end: Annotated[float, Field(gt=0, le=24)] = 17.0
    weekends_off: bool = True


class OnCall(Strict):
    """The team's on-call rota: ``per_shift`` people at a time, handing over every ``shift_days``."""

    per_shift: PositiveInt = 1
    shift_days: PositiveFloat = 7.0
    rest_shifts: Annotated[int, Field(ge=0)] = 1
    """Shifts each person must be off between two on-call shifts."""
    backup: bool = True
    """When every on-call is busy, page a team member at work instead of queuing."""


class Team(Strict):
    name: Name
    size: Annotated[int, Field(gt=0, le=MAX_TEAM)]
    leads: Annotated[int, Field(ge=0)] = 1
    utc_offset_hours: Annotated[float, Field(ge=-12, le=14)] = 0.0
    work_hours: WorkHours = WorkHours()
    oncall: OnCall | None = OnCall()
    duties: list[Duty] = Field([], validation_alias=AliasChoices("duties", "roles"))


class Service(Strict):
    name: Name
    team: Name
    depends_on: list[Name] = []
    customer_facing: bool = True
    holds_customer_data: bool = False
    failure_weight: PositiveFloat = 1.0


class Org(Strict):
    teams: Annotated[list[Team], Field(min_length=1)]
    services: Annotated[list[Service], Field(min_length=1)]


class Decision(Strict):
    """A choice that must be agreed by named stakeholders before the incident can proceed."""

    name: Name
    stakeholders: Annotated[list[Stakeholder], Field(min_length=1)]
    deliberation: Duration = 5.0
    """Talking time once everyone is reached (the same in a room or a channel)."""


class CategorySpec(Strict):
    """The work an incident of one category needs."""

    diagnosis: Duration
    fix: Duration | None
    """Work after the decisions; ``null`` when diagnosing is the whole job."""
    consults_mean: Annotated[float, Field(ge=0, le=100)] = 0.5
    """Mean (Poisson) number of questions the debugger must put to another team's expert (at most
    100: more is no incident's diagnosis but a project's)."""
    recovery: Duration = 10.0
    """Time for an affected dependent to recover once its upstream is fixed."""
    decisions: list[Decision] = []
    cascade_probability: Probability = 0.0
    cascade_delay: Duration = 10.0
    damage_probability: Probability = 0.0
    """Chance that a dependent the cascade reaches needs its own fix rather than just recovery."""
    damage_fix: Duration | None = 20.0
    min_services: PositiveInt = 1


class FlagSpec(Strict):
    probability: Probability = 0.0
    decisions: list[Decision] = []
    exposure_per_min: NonNegativeFloat = 0.0
    """Records exposed per minute until the first decision (containment) is taken."""


Weight = Annotated[float, Field(ge=0.0)]


class ArrivalProfile(Strict):
    """Relative arrival rate by local hour of the week (Monday 00-01 first); scaled to mean 1.

    Give either ``hour_of_week`` (168 weights) or the compact form ``weekday`` (7 weights,
    Monday first) times ``hour`` (24 weights); a missing compact part is flat.
    """

    hour_of_week: Annotated[list[Weight], Field(min_length=168, max_length=168)] | None = None
    weekday: Annotated[list[Weight], Field(min_length=7, max_length=7)] | None = None
    hour: Annotated[list[Weight], Field(min_length=24, max_length=24)] | None = None
    timezone: Name = Field("owner", validation_alias=AliasChoices("timezone", "clock"))
    """Whose local time the hours are in: ``owner`` (the failing service's team), a team's
    name, ``utc`` or a fixed offset such as ``UTC-8`` or ``UTC+5:30`` (no daylight saving).
    ``clock`` is the old spelling, read for a release."""


def clock_offset_hours(clock: str) -> float | None:
    """The offset from UTC of a fixed clock (``utc``, ``UTC-8``, ``UTC+5:30``); None for any other name."""
    m = re.fullmatch(r"(?i)utc(?:([+-])(\d{1,2})(?::([0-5]\d))?)?", clock)
    if m is None:
        return None
    if m.group(1) is None:
        return 0.0
    hours = int(m.group(2)) + int(m.group(3) or 0) / 60.0
    offset = hours if m.group(1) == "+" else -hours
    return offset if -12 <= offset <= 14 else None


class Burst(Strict):
    """A window in which incidents arrive ``factor`` times as often as the profile says."""

    at_min: NonNegativeFloat
    duration_min: PositiveFloat
    factor: PositiveFloat
    """Where windows overlap, the largest factor applies."""
    every_days: PositiveFloat | None = None
    """Repeat the window every so many days (``null``: once)."""


class Arrivals(Strict):
    rate_per_week: PositiveFloat
    """Poisson rate of P1 incidents (``per_service``: the rate of each service while it is up).

    With a ``profile`` this stays the weekly mean; ``bursts`` come on top of it.
    """
    per_service: bool = False
    """Each service fails on its own, and only while it is up (a finite-source population)."""
    profile: ArrivalProfile | None = None
    """When in the week incidents start (``null``: uniformly at any hour)."""
    bursts: list[Burst] = []


class ScriptedIncident(Strict):
    at_min: NonNegativeFloat
    service: Name
    category: Category = "single-service"
    flags: list[Flag] = []


class Incidents(Strict):
    arrivals: Arrivals | None = None
    scripted: list[ScriptedIncident] = []
    mix: dict[Category, Probability] = {"single-service": 1.0}
    categories: dict[Category, CategorySpec]
    flags: dict[Flag, FlagSpec] = {}


class ReplyLatency(Strict):
    """How long a channel message waits for its recipient, by what they are doing."""

    engaged: Duration | None = 3.0
    working: Duration | None = 15.0
    off_hours: Duration | None = 45.0


class Interruption(Strict):
    answer: Duration | None = 2.0
    refocus: Duration | None = 5.0


class Narration(Strict):
    """Slowdown of a person debugging in front of an audience: ``1 + per_listener * n`` (capped)."""

    per_listener: NonNegativeFloat = 0.04
    max_slowdown: Annotated[float, Field(ge=1.0)] = 1.6


class Behaviour(Strict):
    page_ack: Duration | None = 5.0
    """``null`` for every delay or overhead below switches it off."""
    page_ack_off_hours: Duration | None = 15.0
    join_delay: Duration | None = 5.0
    refocus: Duration | None = Uniform(dist="uniform", low=20, high=30)
    interruption: Interruption = Interruption()
    narration: Narration = Narration()
    room_answer: Duration | None = 2.0
    """A question answered aloud in a room."""
    reply_latency: ReplyLatency = ReplyLatency()
    read_thread: Duration | None = 10.0
    """A late joiner in a channel catches up by reading."""
    brief_late_joiner: Duration | None = 5.0
    """A late joiner in a room is briefed by the debugger."""
    late_joiner_after: NonNegativeFloat = 10.0
    """Minutes after a room opens past which a joiner needs a briefing."""
    channel_rounds: PositiveInt = 2
    """Message round-trips a decision takes in a channel before deliberation ends it."""
    spectator_questions_per_hour: NonNegativeFloat = 1.0
    """Questions each spectator in a room puts to the debugger."""
    spectator_suggestion_helps: Probability = 0.0
    """Chance that a spectator's question is a suggestion that saves the debugger work (0: the
    audience adds nothing, the essay's view)."""
    spectator_suggestion_saves: Duration | None = 10.0
    """Minutes of the debugger's remaining work a helpful suggestion saves."""
    update_requests_per_hour: NonNegativeFloat = 1.0
    """Ad-hoc "any updates?" requests to the IC from leadership."""
    update_requests_factor_with_exec_channel: Probability = 0.3
    write_update: Duration | None = 4.0
    write_executive_update: Duration | None = Field(
        2.0, validation_alias=AliasChoices("write_executive_update", "write_exec_update")
    )
    """The IC writing the executive channel's update (``write_exec_update`` is the old
    spelling, read for a release)."""
    read_update: Duration | None = 1.5
    debuggers: PositiveInt = 1
    """People of the owning team who debug an incident together: the debugger and, beyond one,
    teammates at work and free, paged in beside them."""
    extra_debugger_speed: NonNegativeFloat = 0.5
    """The speed each further debugger adds, as a fraction of one person's (below 1: they share
    the work less than perfectly)."""
    off_hours_slowdown: Annotated[float, Field(ge=1.0)] = 1.3
    """Debugging and fixing outside the person's working hours take this many times longer,
    judged minute by minute by their local clock (a night page speeds up when their day starts)."""
    off_hours_questions: Literal["page", "wait"] = "page"
    """A channel question (a consult, a decision's input) to someone off hours and part of no
    incident: ``page`` wakes them (paged into the incident as for any night page, leaving when
    their part is done), ``wait`` has them answer once their working day starts. The same rule
    holds in a room, whose invitees off hours are paged."""
    progress_while_waiting: Probability = 0.0
    """Fraction of normal speed the debugger keeps while waiting for an expert's answer; the same
    rule whether the answer comes in a room or in a channel."""
    progress_while_deciding: Probability = 0.0
    """Fraction of normal speed the debugger keeps while a decision is reached and deliberated
    (its stakeholders gathered, in a room or in a channel alike); the work done meanwhile is taken
    off what comes next (diagnosis after a containment decision, the fix after the others)."""


class Invite(Strict):
    """Who a room pulls in beyond the debugger and IC."""

    rule: Literal["fixed-size", "all-oncalls", "oncalls-and-leads"] = "fixed-size"
    size: Duration = Uniform(dist="uniform", low=8, high=12)
    """For ``fixed-size``: total people in the room (rounded)."""
    include_off_hours: bool = False
    """Wake people who are off hours (on-calls are always paged)."""


class Room(Strict):
    invite: Invite = Invite()
    busy_invitees: Literal["skip", "last", "when_free"] = "skip"
    """Someone the room would invite who is part of another incident: ``skip`` them; invite them
    ``last`` (after everyone free, so a capped room fills with free people first) and they come
    when free; or invite them in their place (``when_free``) and they come when free. Either way
    nobody is in two incidents at once, and nobody comes to a room that has closed (its
    invitations lapse; a room opened later invites afresh). Under ``last`` and ``when_free``,
    someone free when invited but busy by the time they could join comes when free too."""
    stay_probability: Probability = 0.7
    """A spectator stays "in case they are needed" until the end."""
    leave_after: Duration = 20.0
    """When a spectator does leave, how long they stayed."""


class Escalation(Strict):
    """Rules that move an async incident into a room."""

    services_affected_at_least: PositiveInt | None = None
    customer_data_at_risk: bool = False
    no_progress_min: PositiveFloat | None = None
    categories: list[Category] = []
    flags: list[Flag] = []


class Triage(Strict):
    """A short synchronous call at the start of a flagged incident, then async."""

    flags: list[Flag] = ["security"]
    max_people: PositiveInt = 3
    duration: Duration = 10.0
    escalate_before_triage: bool = False
    """Whether the escalation rules may open the full room before the triage call has ended: a
    rule met at detection, or while the incident waits for its call or is in it (a further
    service affected, the no-progress timer). Off: the call comes first and the rules are
    checked when it ends. On: such an escalation replaces the call (ending it then), and the
    containment decisions are taken in the full room, which stays open."""


class Protocol(Strict):
    name: Name
    strategy: Literal["war-room", "async-first", "hybrid"] = Field(alias="kind")
    """Which strategy the protocol follows (written ``kind:``, the key scenario files have always used)."""
    update_cadence_min: Annotated[float, Field(ge=1)] = 15.0
    """Minutes between the IC's structured updates (at least 1: writing one takes minutes)."""
    executive_channel: bool = True
    channel_watchers: Annotated[int, Field(ge=0)] = 3
    """People who follow the channel and read each update."""
    ic_may_escalate: bool = False
    """Async-first only: the IC may escalate to a call by the ``escalation`` rules (the essay's
    "clear escalation path from async to synchronous"); off, no call is ever opened."""
    room: Room = Room()
    escalation: Escalation = Escalation()
    triage: Triage | None = None


class Costs(Strict):
    hourly_usd: NonNegativeFloat = 100.0
    customer_impact_usd_per_min: NonNegativeFloat = 0.0
    off_hours_multiplier: Annotated[float, Field(ge=1.0)] = 1.0


class Simulation(Strict):
    horizon_days: Annotated[float, Field(gt=0, le=3660)] = 28.0
    """Simulated days (at most ten years: the people's rotas and hours are laid out over them)."""
    replications: Annotated[int, Field(gt=0, le=MAX_REPLICATIONS)] = 30
    seed: Seed | None = None
    event_log_sample: Annotated[int, Field(ge=0)] = 2
    """Replications whose full event logs are written."""
    baseline: Name | None = None
    """The protocol the others are compared against (default: the first)."""
    max_incidents: PositiveInt = 10_000
    """Hard limit on incidents in one replication; a scenario that needs more must raise it here."""


class Uncertain(Strict):
    """The plausible range of one scenario value that is an assumption, not a measurement.

    ``{low, high}`` alone is uniform over the range; ``loguniform`` is uniform in the logarithm
    (for a quantity known to within a factor); ``triangular`` peaks at ``mode``; ``lognormal``
    has ``median`` and ``sigma`` and is cut to ``[low, high]``. Robustness studies draw from it.
    """

    low: float
    high: float
    dist: Literal["uniform", "loguniform", "triangular", "lognormal"] = "uniform"
    mode: float | None = None
    """For ``triangular``: the most plausible value."""
    median: PositiveFloat | None = None
    """For ``lognormal``: its median before it is cut to the range."""
    sigma: PositiveFloat | None = None
    """For ``lognormal``: the standard deviation of its logarithm."""
    source: str = ""
    """Why this range: a measurement, the essay, or the assumption it is."""

    @model_validator(mode="after")
    def _consistent(self) -> Uncertain:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"a loguniform range needs low above 0, got {self.low:g}")
        if self.dist == "triangular" and (self.mode is None or not self.low <= self.mode <= self.high):
            raise ValueError("a triangular range needs a mode between low and high")
        if self.dist != "triangular" and self.mode is not None:
            raise ValueError(f"mode is for a triangular range, not {self.dist}")
        lognormal_keys = self.median is not None and self.sigma is not None
        if self.dist == "lognormal" and not (lognormal_keys and self.low >= 0):
            raise ValueError("a lognormal range needs median and sigma, and low of 0 or more")
        if self.dist != "lognormal" and (self.median is not None or self.sigma is not None):
            raise ValueError(f"median and sigma are for a lognormal range, not {self.dist}")
        return self


class Scenario(Strict):
    api_version: Literal["incsim/v1"] = Field(alias="apiVersion")
    kind: Literal["Scenario"]
    metadata: Metadata
    org: Org
    incidents: Incidents
    behaviour: Behaviour = Behaviour()
    protocols: Annotated[list[Protocol], Field(min_length=1)]
    costs: Costs = Costs()
    simulation: Simulation = Simulation()
    uncertainty: dict[Name, Uncertain] = {}
    """Dotted path of a value (the sweeps' path syntax) -> its plausible range."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )

    def team(self, name: str) -> Team:
        """The team called ``name``."""
        return next(t for t in self.org.teams if t.name == name)

    def protocol(self, name: str) -> Protocol:
        """The protocol called ``name``."""
        return next(p for p in self.protocols if p.name == name)


def ordered_protocols(scn: Scenario) -> list[str]:
    """Protocol names with the baseline (the one others are compared against) first."""
    names = [p.name for p in scn.protocols]
    base = scn.simulation.baseline or names[0]
    return [base] + [n for n in names if n != base]


__all__ = [
    "API_VERSION",
    "MAX_SEED",
    "Seed",
    "CATEGORIES",
    "FLAGS",
    "Scenario",
    "Protocol",
    "Team",
    "Service",
    "Decision",
    "CategorySpec",
    "FlagSpec",
    "Behaviour",
    "Duration",
    "Constant",
    "Lognormal",
    "Uniform",
    "Uncertain",
    "ordered_protocols",
]
