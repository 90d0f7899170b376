"""The drill file (``kind: Drill``): a game day or tabletop exercise on a scenario's organisation.

A drill names the scenario it runs on (a path or inline), the incident, who takes which seat,
the objectives, timed or conditional injects, decisions whose options change the simulation,
tabletop modules and hot-wash questions. ``load_drill`` validates it and reports every problem
as ``FILE:LINE:COL: path: message``, like the scenario loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from ruamel.yaml.comments import CommentedMap

from incsim.scenario.after import after_cycles
from incsim.scenario.checks import did_you_mean
from incsim.scenario.drill_values import (  # noqa: F401  (HORIZON_DAYS, HORIZON_MIN: read from here by their users)
    DAYS,
    HORIZON_DAYS,
    HORIZON_MIN,
    Id,
    Lane,
    Minutes,
    MinutesOrNone,
    Outcome,
    new_spelling,
    parse_start,
)
from incsim.scenario.durations import MAX_MINUTES, Duration
from incsim.scenario.loader import (
    LocatedProblem,
    ScenarioError,
    load_scenario_text,
    pos_of,
    problem_at,
    read_document,
    read_scenario_text,
    schema_problems,
    to_plain,
    validate_data,
    warn_old_spellings,
)
from incsim.scenario.overrides import (
    OverrideError,
    apply_override,
    scenario_data,
)
from incsim.scenario.schema import Category, Flag, Scenario, Seed


class _Strict(BaseModel):
    """Base for every drill section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        strict=True,
        allow_inf_nan=False,
        populate_by_name=True,
    )


class DrillMetadata(_Strict):
    """What the exercise is, for whom, and how long it runs."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    audience: str = ""
    duration_min: Minutes = 60.0
    """Planned length of the exercise in simulated minutes from the incident's start (T0)."""
    facilitator_notes: str = ""
    how_to_run: str = ""
    page_timeout_min: Minutes = 15.0
    """Minutes a page to a played role waits for its player's acknowledgement before it goes to
    the next person of the rota (the secondary), whom the model then plays."""


class ScenarioRef(_Strict):
    """The organisation the drill runs on: a scenario file (relative to the drill) or inline."""

    path: str | None = None
    inline: dict[str, Any] | None = None
    protocol: str
    """The protocol the drill starts under (a name from the scenario's ``protocols``)."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Values changed for this drill, by scenario path in the sweeps' syntax, e.g.
    ``protocols.async-first.executive_channel: false``; the changed scenario is validated again."""

    @model_validator(mode="after")
    def _one_source(self) -> ScenarioRef:
        if (self.path is None) == (self.inline is None):
            raise ValueError("give exactly one of 'path' or 'inline'")
        return self


class Draw(_Strict):
    """Take the first incident the scenario's arrivals produce with this seed."""

    seed: Seed


class IncidentDef(_Strict):
    """The incident: stated (category, roots, flags, local start time) or drawn from the scenario."""

    category: Category | None = None
    roots: list[str] = []
    flags: list[Flag] = []
    start: str | None = None
    """Local day and time in the first root's owner team's zone, e.g. ``Tue 14:10``."""
    draw: Draw | None = None
    diagnosis_min: Duration | None = None
    """The debugger's diagnosis work at full speed (minutes, or a distribution such as
    ``{dist: uniform, low: 20, high: 30}`` drawn with the drill's seed); without it, the
    scenario's category draws it."""
    fix_min: Duration | None = None
    """The fix work after the diagnosis and the decisions, as ``diagnosis_min``."""

    @model_validator(mode="after")
    def _stated_or_drawn(self) -> IncidentDef:
        if self.draw is None and (self.category is None or not self.roots or self.start is None):
            raise ValueError("give 'category', 'roots' and 'start', or 'draw: {seed: S}'")
        if self.draw is not None and (self.category is not None or self.roots or self.start is not None):
            raise ValueError("'draw' takes the whole incident from the scenario; drop category/roots/start")
        if self.start is not None and parse_start(self.start) is None:
            raise ValueError(f"start '{self.start}' is not a day and a time such as 'Tue 14:10'")
        return self


class Seat(_Strict):
    """A seat at the exercise's table (a drill file's ``seats:``; ``roles:`` is the old spelling,
    read for a release), with the briefing its player reads."""

    id: Id
    title: str
    briefing: str = ""
    played: bool = True
    """Whether a person takes it; a seat not taken is left to the model's people."""
    holds: Literal["ic", "debugger"] | None = None
    """The place in the simulated incident the role holds: the incident commander, or the
    debugger (the owning team's on-call). When a person plays it, the model takes none of that
    place's actions (no updates for a played IC, no acknowledgement for a played on-call)."""
    stand_in: bool = False
    """With nobody playing it (``--auto``), the model's person stands in: the role's actions are
    the model's and its expectations count them. Without a stand-in an empty role does nothing."""


class Objective(_Strict):
    """What the exercise trains; expectations measure it."""

    id: Id
    text: str


class Condition(_Strict):
    """A condition on the simulated state; it holds when every given part holds."""

    services_affected_at_least: Annotated[int, Field(ge=1)] | None = None
    exposure_over: Annotated[float, Field(ge=0, le=1e15)] | None = None
    """Records exposed (a count: at most 1e15, far beyond any breach yet reported)."""
    room_open: bool | None = None
    mitigated: bool | None = None
    minutes_without_mitigation: Minutes | None = None

    @model_validator(mode="after")
    def _something(self) -> Condition:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("a condition needs at least one of: " + ", ".join(Condition.model_fields))
        return self


class Expectation(_Strict):
    """Who must do what by when; the facilitator marks it, or ``event`` lets the log decide."""

    id: Id
    text: str
    objective: str | None = None
    by_min: MinutesOrNone | None = None
    """Deadline, minutes after the inject fires."""
    score: Annotated[float, Field(ge=0, le=100)] = 1.0
    """The expectation's weight against the others (0 to 100; their sum is the score's base)."""
    event: (
        Annotated[
            Literal[
                "paged",
                "joined",
                "update",
                "decision",
                "room_opened",
                "escalated",
                "mitigated",
                "resolved",
                "executive_update",
                "status_update",
            ],
            BeforeValidator(new_spelling),
        ]
        | None
    ) = None
    """What in the event log meets it (an update in the executive channel, on the status page, ...)."""
    role: str | None = None
    """With ``event``: only events of this role count: a seat's id (a taken seat's expectation
    counts only what its player does), or a place in the incident (``debugger``, ``ic``,
    ``expert``, ...; the seat holding it, if any, stands for it)."""


class _Timed(_Strict):
    """When something happens: at T+minutes, after another item, or on a condition."""

    at: MinutesOrNone | None = None
    after: str | None = None
    """An inject id, a decision id (any option) or ``decision.option``."""
    delay_min: MinutesOrNone = 0.0
    when: Condition | None = None
    only_if: Condition | None = None
    """Its premise: once due, it waits until this holds (a decision to close the call is asked
    only while a call is open); never holding, it never happens."""


class Inject(_Timed):
    """A message that reaches the room (page, channel post, email, executive's question)."""

    id: Id
    title: str = ""
    lane: Lane = Field("incident", validation_alias=AliasChoices("lane", "channel"))
    """The feed's lane it appears in (``channel:`` is the old spelling, read for a release)."""
    sender: str = Field("", alias="from")
    to: str = ""
    text: str
    on_demand: bool = False
    """Not on the timeline: the facilitator fires it when they see fit."""
    expectations: list[Expectation] = []


# -- decision effects ----------------------------------------------------------------------


class OpenRoom(_Strict):
    """Open a room (a synchronous call); ``with`` names who is paged into it."""

    do: Literal["open_room"]
    with_: list[str] = Field([], alias="with")
    """Teams, roles (security, leadership, ...) or people (``team-N``) paged into the room."""


class CloseRoom(_Strict):
    """Close the call; the incident carries on in the channel."""

    do: Literal["close_room"]


class Page(_Strict):
    """Page teams, roles or people into the incident."""

    do: Literal["page"]
    who: Annotated[list[str], Field(min_length=1)]
    """Teams, roles or people to page into the incident."""


class Escalate(_Strict):
    """Escalate to a room as the protocol's rules would."""

    do: Literal["escalate"]
    reason: str = "drill decision"


class Contain(_Strict):
    """Contain a security incident: the exposure stops growing."""

    do: Literal["contain"]
    take_offline: list[str] = []
    """Services taken down by the containment (customer impact until the incident is mitigated)."""


class ChangeWork(_Strict):
    """Roll back or fail over: changes the work left before the fix."""

    do: Literal["roll_back", "fail_over"]
    remaining_work: Annotated[float, Field(gt=0, le=100)] = 1.0
    """Multiplies the debugger's remaining work (0.3: 70% less; 1.5: 50% more; at most 100)."""
    extra_min: Annotated[float, Field(ge=0, le=MAX_MINUTES)] = 0.0
    """Minutes of work the change itself adds (the rollback or failover being carried out); at
    most a scenario's longest span of work (``durations.MAX_MINUTES``): a change that takes
    longer would keep the drill's incident, and its updates, going past any end."""


class StatusUpdate(_Strict):
    """Post an update on the status page (the IC's time)."""

    do: Literal["status_update"]
    text: str = ""
    if_chosen: dict[str, str] = {}
    """Texts that follow the room's earlier choices: ``decision.option`` -> the text posted when
    that option was taken (the first that was, in order); ``text`` otherwise."""


class Nothing(_Strict):
    """Change nothing (wait, keep investigating)."""

    do: Literal["nothing"]


Effect = Annotated[
    OpenRoom | CloseRoom | Page | Escalate | Contain | ChangeWork | StatusUpdate | Nothing,
    Field(discriminator="do"),
]
EFFECTS = (
    "open_room",
    "close_room",
    "page",
    "escalate",
    "contain",
    "roll_back",
    "fail_over",
    "status_update",
    "nothing",
)


class DecisionOption(_Strict):
    """One answer to a decision and what it does to the simulation."""

    id: Id
    label: str
    recommended: bool = False
    effects: list[Effect] = []


class DecisionDef(_Timed):
    """A decision put to a seat, with a countdown and a default taken when it runs out."""

    id: Id
    prompt: str
    role: str
    timeout_min: Minutes = 5.0
    default: str
    options: Annotated[list[DecisionOption], Field(min_length=2)]


class Module(_Strict):
    """A tabletop module: a group of injects and decisions with discussion questions."""

    id: Id
    title: str
    injects: list[str] = []
    decisions: list[str] = []
    questions: list[str] = []


class Drill(_Strict):
    """A game day or tabletop exercise on a scenario's organisation."""

    api_version: Literal["incsim/v1"] = Field(alias="apiVersion")
    kind: Literal["Drill"]
    metadata: DrillMetadata
    scenario: ScenarioRef
    incident: IncidentDef
    seats: list[Seat] = Field([], validation_alias=AliasChoices("seats", "roles"))
    objectives: list[Objective] = []
    injects: list[Inject] = []
    decisions: list[DecisionDef] = []
    modules: list[Module] = []
    hotwash: list[str] = []


# -- loading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadedDrill:
    """A validated drill with its scenario and the texts and sources they came from."""

    drill: Drill
    scenario: Scenario
    text: str
    source: str
    scenario_text: str
    scenario_source: str


def _fail(file: str, message: str, root: CommentedMap, loc: tuple[Any, ...], key: bool = True) -> NoReturn:
    raise ScenarioError([problem_at(root, file, loc, message, model=Drill, key=key)])


def load_drill_text(text: str, filename: str = "<string>", base: Path | None = None) -> LoadedDrill:
    """The validated drill in YAML ``text``; a ``ScenarioError`` lists every problem, located."""
    root = read_document(text, filename, "drill")  # the limits every input file gets (flow depth too)
    data = to_plain(root, filename)
    try:
        drill = Drill.model_validate(data)
    except ValidationError as exc:
        problems = sorted(
            dict.fromkeys(schema_problems(exc, root, filename, Drill, {"do": "effect"})),
            key=lambda p: (p.line, p.col),
        )
        raise ScenarioError(problems) from None
    scn_text, scn_source, scenario = _scenario(drill, root, filename, text, base)
    scenario = _with_changes(drill, scenario, root, filename)
    problems = [
        problem_at(root, filename, loc, msg, model=Drill) for loc, msg in cross_check(drill, scenario)
    ]
    if problems:
        raise ScenarioError(sorted(dict.fromkeys(problems), key=lambda p: (p.line, p.col)))
    warn_old_spellings(root, filename, Drill)
    return LoadedDrill(drill, scenario, text, filename, scn_text, scn_source)


def _scenario(
    drill: Drill, root: CommentedMap, filename: str, text: str, base: Path | None
) -> tuple[str, str, Scenario]:
    ref = drill.scenario
    if ref.path is not None:
        path = Path(ref.path)
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            scn_text = read_scenario_text(path)
        except ScenarioError as exc:
            _fail(filename, f"cannot use scenario: {exc.problems[0]}", root, ("scenario", "path"), key=False)
        return scn_text, str(path), load_scenario_text(scn_text, str(path))
    # inline: validate the block's own lines, dedented, so its errors point into the drill file
    inline = root["scenario"]["inline"]
    line0, col0 = pos_of(inline) or (0, 0)
    lines = text.removeprefix("\ufeff").splitlines()
    block = []
    for k in range(line0, len(lines)):
        ln = lines[k]
        indent = len(ln) - len(ln.lstrip(" "))
        if k > line0 and ln.strip() and not ln.lstrip().startswith("#") and indent < col0:
            break
        block.append(ln[col0:])
    flow = lines[line0][col0 : col0 + 1] == "{"
    scn_text = "\n".join(block) + "\n"
    if flow:  # a one-line {...} mapping: its text is already valid YAML on its own
        scn_text = lines[line0][col0:] + "\n"
    try:
        scenario = load_scenario_text(scn_text, filename, warn=False)
    except ScenarioError as exc:
        moved = [
            LocatedProblem(
                filename,
                p.line + line0,
                p.col + col0,
                f"scenario.inline.{p.path}" if p.path else "scenario.inline",
                p.message,
            )
            for p in exc.problems
        ]
        raise ScenarioError(moved) from None
    # the block's own node carries the drill file's positions: its old spellings are warned there
    warn_old_spellings(inline, filename, Scenario)
    return scn_text, f"{filename}#scenario.inline", scenario


def _with_changes(drill: Drill, scenario: Scenario, root: CommentedMap, filename: str) -> Scenario:
    """``scenario`` with the drill's ``scenario.set`` values, validated again (errors at their keys)."""
    changes = drill.scenario.set
    if not changes:
        return scenario
    data = scenario_data(scenario)
    for path, value in changes.items():
        try:
            data = apply_override(data, path, value)
        except OverrideError as exc:
            _fail(filename, str(exc), root, ("scenario", "set", path))
    changed, problems = validate_data(data)  # the checks a scenario file gets, expected size included
    if changed is None:
        _fail(
            filename,
            f"the scenario with these changes is not valid: {problems[0]}",
            root,
            ("scenario", "set"),
            key=False,
        )
    return changed


def _closest(name: str, known: list[str]) -> str:
    return f"{did_you_mean(name, known)}; known: {', '.join(known) if known else '(none)'}"


def cross_check(drill: Drill, scn: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Problems no single field shows: references, cycles, names unknown to the scenario, times."""
    out: list[tuple[tuple[Any, ...], str]] = []
    protocols = [p.name for p in scn.protocols]
    if drill.scenario.protocol not in protocols:
        out.append(
            (
                ("scenario", "protocol"),
                (
                    f"unknown protocol '{drill.scenario.protocol}'"
                    f"{_closest(drill.scenario.protocol, protocols)}"
                ),
            )
        )
    services = [s.name for s in scn.org.services]
    inc = drill.incident
    for i, r in enumerate(inc.roots):
        if r not in services:
            out.append((("incident", "roots", i), f"unknown service '{r}'{_closest(r, services)}"))
    if inc.category is not None and inc.category not in scn.incidents.categories:
        out.append(
            (
                ("incident", "category"),
                (
                    f"the scenario has no category '{inc.category}'"
                    f"{_closest(inc.category, sorted(scn.incidents.categories))}"
                ),
            )
        )
    if inc.draw is not None and scn.incidents.arrivals is None and not scn.incidents.scripted:
        out.append((("incident", "draw"), "the scenario has no arrivals to draw an incident from"))
    seats = [r.id for r in drill.seats]
    objectives = [o.id for o in drill.objectives]
    injects = [i.id for i in drill.injects]
    decisions = {d.id: [o.id for o in d.options] for d in drill.decisions}
    _dupes(out, "seats", seats)
    held: dict[str, str] = {}
    for i, r in enumerate(drill.seats):
        if r.holds is not None and r.holds in held:
            out.append((("seats", i, "holds"), f"'{r.holds}' is held by seat '{held[r.holds]}' already"))
        elif r.holds is not None:
            held[r.holds] = r.id
    _dupes(out, "objectives", objectives)
    _dupes(out, "injects", injects)
    _dupes(out, "decisions", list(decisions))
    overlap = set(injects) & set(decisions)
    for i, iid in enumerate(injects):
        if iid in overlap:
            out.append((("injects", i, "id"), f"'{iid}' is both an inject and a decision id"))
    teams = [t.name for t in scn.org.teams]
    scn_duties = sorted({r for t in scn.org.teams for r in t.duties})
    people = [f"{t.name}-{k + 1}" for t in scn.org.teams for k in range(t.size)]
    horizon = drill.metadata.duration_min
    # sets for the lookups: a drill of thousands of items is checked in linear time
    known_injects, known_objectives, known_seats = set(injects), set(objectives), set(seats)
    known_names = {*teams, *scn_duties, *people}
    deps: dict[str, set[str]] = {}
    items = [("injects", i, x) for i, x in enumerate(drill.injects)] + [
        ("decisions", i, x) for i, x in enumerate(drill.decisions)
    ]
    for sect, i, item in items:
        given = [k for k in ("at", "after", "when") if getattr(item, k) is not None]
        on_demand = getattr(item, "on_demand", False)
        if on_demand and given:
            out.append(((sect, i, given[0]), "an on-demand inject has no 'at', 'after' or 'when'"))
        elif not on_demand and len(given) != 1:
            what = "give exactly one of 'at', 'after' or 'when'" + (
                " (or 'on_demand: true')" if sect == "injects" else ""
            )
            out.append(((sect, i, given[1]) if len(given) > 1 else (sect, i), what))
        if item.at is not None and item.at > horizon:
            out.append(
                (
                    (sect, i, "at"),
                    (
                        f"T+{item.at:g} is past the drill's planned duration "
                        f"({horizon:g} min, metadata.duration_min)"
                    ),
                )
            )
        if item.after is not None:
            ref, _, opt = item.after.partition(".")
            if ref in decisions:
                if opt and opt not in decisions[ref]:
                    out.append(
                        (
                            (sect, i, "after"),
                            (f"decision '{ref}' has no option '{opt}'{_closest(opt, decisions[ref])}"),
                        )
                    )
            elif ref in known_injects and not opt:
                pass
            else:
                out.append(
                    (
                        (sect, i, "after"),
                        (
                            f"unknown inject or decision '{item.after}'"
                            f"{_closest(ref, injects + list(decisions))}"
                        ),
                    )
                )
            deps[item.id] = {ref}
        if sect == "injects":
            for j, exp in enumerate(item.expectations):
                if exp.objective is not None and exp.objective not in known_objectives:
                    out.append(
                        (
                            (sect, i, "expectations", j, "objective"),
                            (f"unknown objective '{exp.objective}'{_closest(exp.objective, objectives)}"),
                        )
                    )
        else:
            if item.role not in known_seats:
                out.append(((sect, i, "role"), f"unknown seat '{item.role}'{_closest(item.role, seats)}"))
            opts = [o.id for o in item.options]
            if item.default not in opts:
                out.append(
                    ((sect, i, "default"), f"unknown option '{item.default}'{_closest(item.default, opts)}")
                )
            if sum(o.recommended for o in item.options) > 1:
                out.append(((sect, i, "options"), "at most one option may be recommended"))
            _dupes(out, (sect, i, "options"), opts)
            for j, opt in enumerate(item.options):
                for k, eff in enumerate(opt.effects):
                    where = (sect, i, "options", j, "effects", k)
                    names = list(getattr(eff, "with_", [])) + list(getattr(eff, "who", []))
                    key = "with" if isinstance(eff, OpenRoom) else "who"
                    for n, name in enumerate(names):
                        if name not in known_names:
                            out.append(
                                (
                                    (*where, key, n),
                                    (
                                        f"'{name}' is no team, duty or person of the "
                                        f"scenario{_closest(name, teams + scn_duties)}"
                                    ),
                                )
                            )
                    for n, svc in enumerate(getattr(eff, "take_offline", [])):
                        if svc not in services:
                            out.append(
                                (
                                    (*where, "take_offline", n),
                                    f"unknown service '{svc}'{_closest(svc, services)}",
                                )
                            )
                    for ref in getattr(eff, "if_chosen", {}):
                        dec, _, opt = ref.partition(".")
                        if dec not in decisions or opt not in decisions[dec]:
                            out.append(
                                ((*where, "if_chosen", ref), f"'{ref}' is no decision.option of this drill")
                            )
    out += after_cycles(deps, {x.id: (sect, i) for sect, i, x in items})
    for i, m in enumerate(drill.modules):
        for j, ref in enumerate(m.injects):
            if ref not in known_injects:
                out.append((("modules", i, "injects", j), f"unknown inject '{ref}'{_closest(ref, injects)}"))
        for j, ref in enumerate(m.decisions):
            if ref not in decisions:
                out.append(
                    (
                        ("modules", i, "decisions", j),
                        f"unknown decision '{ref}'{_closest(ref, list(decisions))}",
                    )
                )
    return out


def _dupes(out: list, where: Any, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            loc = (where, i, "id") if isinstance(where, str) else (*where, i, "id")
            out.append((loc, f"duplicate id '{x}'"))
        seen.add(x)


def load_drill(path: str | Path) -> LoadedDrill:
    """The validated drill in the YAML file at ``path`` (a scenario path is relative to it)."""
    p = Path(path)
    return load_drill_text(read_scenario_text(p), str(path), base=p.parent)


def drill_json_schema() -> str:
    """The JSON Schema of drill files, as deterministic text ending in a newline."""
    import json

    from incsim.scenario.jsonschema import JSON_SCHEMA_DIALECT

    schema = {"$schema": JSON_SCHEMA_DIALECT, **Drill.model_json_schema(by_alias=True, mode="validation")}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


__all__ = [
    "EFFECTS",
    "Drill",
    "LoadedDrill",
    "drill_json_schema",
    "load_drill",
    "load_drill_text",
    "parse_start",
]
