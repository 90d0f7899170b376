"""Measured people figures written into a scenario's people parameters.

What is written, each with a ``calibrated:`` comment naming the source, n and the fit:

- the war-room protocols' room ``invite.size`` (rule ``fixed-size``): distinct people per call, a lognormal by
  the moments of the logs (the model rounds each draw). A hybrid's room is sized by its own
  design ("only who is needed"), which the calls of a war-room habit do not measure;
- every room's ``stay_probability``: the share of watchers (people in a call who never posted
  in the channel) still there at the call's end;
- every protocol's ``update_cadence_min``: the median gap between the IC's structured updates;
- ``behaviour.update_requests_per_hour``: "any updates?" requests per channel hour from the IC's
  arrival in the channel (the model's leadership asks the IC, from the IC's arrival on), over the
  base's ``update_requests_factor_with_exec_channel`` when the export has an executive channel
  (``request_rate_to_write``);
- the answer latencies, each the model's part of the wait (``reply_latencies``): answers by
  someone already in the incident give ``reply_latency.engaged``; by someone outside it at work,
  ``reply_latency.working``; by someone outside it off hours, ``page_ack_off_hours`` (paged for
  the question) or, when most of those answers came after the answerer's working day started,
  ``off_hours_questions: wait``;
- ``behaviour.spectator_questions_per_hour``: questions the calls' spectators posted in the
  channel while the call was on, per spectator hour (given at least ``MIN_SPECTATOR_HOURS``).

A parameter without enough data (fewer than ``MIN_SAMPLE`` observations) is left as the base
has it, with its assumption comment and range, ready for a robustness study.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from incsim.calibrate.calibration import lognormal_map, measured, scenario_yaml
from incsim.calibrate.records import MIN_SAMPLE

MIN_SPECTATOR_HOURS = 1.0
"""Fewer spectator hours than this in calls say too little about how often spectators ask."""


def lognormal_entry(fit: dict):
    return lognormal_map(fit["median_min"], fit["sigma"], digits=2)


def _put(parent, key: str, value, comment: str) -> None:
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(parent, CommentedMap):
        raise TypeError("expected a YAML mapping")
    parent.fa.set_block_style()  # a flow-style map cannot carry a comment per key
    parent.ca.items.pop(key, None)  # the base's comment on the old value no longer applies
    parent[key] = value
    parent.yaml_add_eol_comment(f"calibrated: {comment}", key)


def _child(parent, key: str):
    from ruamel.yaml.comments import CommentedMap

    if parent.get(key) is None:
        parent[key] = CommentedMap()
    return parent[key]


def written(people: dict, detail: dict) -> dict[str, str]:
    """Which people parameters the measurements support: parameter -> what it was fitted from."""
    n = detail["n"]
    fits = detail["fits"]
    out = {}
    if fits["call_size"]:
        out["room.invite.size"] = f"distinct people per call, n={fits['call_size']['n']} calls"
    if n["spectators"] >= MIN_SAMPLE:
        out["room.stay_probability"] = f"watchers still in the call at its end, n={n['spectators']}"
    if n["update_gaps"] >= MIN_SAMPLE:
        out["update_cadence_min"] = f"median gap between structured updates, n={n['update_gaps']}"
    if n.get("requests_with_ic", 0) >= 1 and n.get("ic_hours", 0) > 0:
        out["update_requests_per_hour"] = (
            f"{n['requests_with_ic']} requests over {n['ic_hours']:.1f} channel hours from the IC's arrival"
        )
    if fits.get("answer_in_incident_min"):
        out["reply_latency.engaged"] = (
            f"answers by people already in the incident, n={fits['answer_in_incident_min']['n']}"
        )
    if fits["answer_business_hours_min"]:
        out["reply_latency.working"] = (
            f"answers by people outside the incident in their business hours, "
            f"n={fits['answer_business_hours_min']['n']}"
        )
    if fits["answer_off_hours_min"]:
        out["off_hours"] = (
            f"answers by people outside the incident off hours, n={fits['answer_off_hours_min']['n']}"
        )
    if n["spectator_hours"] >= MIN_SPECTATOR_HOURS:
        out["spectator_questions_per_hour"] = (
            f"{n['spectator_questions']} questions over {n['spectator_hours']:.1f} spectator hours in calls"
        )
    return out


FLOOR_MIN = 0.5
"""The least mean a latency written as measured less the model's own part of the wait can have."""

WAIT_SHARE = 0.5
"""Off-hours answers from outside the incident: when more than this share came after the
answerer's working day started, the organisation waits for the morning (``off_hours_questions:
wait``) rather than paging for a question."""


def _moments(dist) -> tuple[float, float]:
    """Mean and variance of a scenario duration (0 for a cost switched off), from 20,000 draws of
    a fixed stream: the same scenario gives the same figures."""
    from incsim.model.streams import sample_or_zero

    rng = np.random.default_rng(0)
    draws = np.array([sample_or_zero(dist, rng) for _ in range(20_000)])
    return float(draws.mean()), float(draws.var())


def _lognormal_moments(fit: dict) -> tuple[float, float]:
    s2 = fit["sigma"] ** 2
    mean = fit["median_min"] * float(np.exp(s2 / 2))
    return mean, mean**2 * float(np.expm1(s2))


def _less(fit: dict, parts: list[tuple[float, float]]) -> dict:
    """The lognormal whose sum with independent ``parts`` (mean, variance) has the mean and the
    variance of ``fit``: each part's mean and variance taken off (the mean at least ``FLOOR_MIN``,
    the variance at least a hundredth of the mean squared)."""
    mean, var = _lognormal_moments(fit)
    mean = max(FLOOR_MIN, mean - sum(m for m, _ in parts))
    var = max(0.01 * mean**2, var - sum(v for _, v in parts))
    s2 = float(np.log1p(var / mean**2))
    return {"median_min": mean * float(np.exp(-s2 / 2)), "sigma": float(np.sqrt(s2)), "n": fit["n"]}


def reply_latencies(detail: dict, beh) -> dict[str, tuple[dict | None, str]]:
    """What the model needs, for each kind of measured answer, to give its whole wait; each with
    how it was derived. ``beh`` is the base scenario's behaviour.

    The model composes a channel answer (``Staffing.ask``): someone already in the incident sees
    the question after ``reply_latency.engaged`` and writes the answer (``interruption.answer``);
    someone outside it at work sees it after ``reply_latency.working``, reads the thread
    (``read_thread``) and writes; someone outside it off hours is paged (acknowledged after
    ``page_ack_off_hours``), and, part of the incident once they join, sees it after
    ``reply_latency.engaged`` and writes (the model charges no reading to someone in the
    incident: ``Participation.reading_cost``), or under ``off_hours_questions: wait`` answers as at work once their day starts. The measured
    latency is the whole wait, so the parameter is the lognormal whose sum with the model's other
    parts has the measured mean and variance (``_less``). Keys: ``reply_latency.engaged``,
    ``reply_latency.working``, and ``page_ack_off_hours`` or ``off_hours_questions`` (the value
    "wait", no fit)."""
    fits = detail["fits"]
    answer, read = _moments(beh.interruption.answer), _moments(beh.read_thread)
    out: dict[str, tuple[dict | None, str]] = {}

    def how(parts: list[tuple[float, float]], what: str) -> str:
        return (
            f"the measured wait less {sum(m for m, _ in parts):.1f} min on average of {what} "
            f"(means and variances taken off)"
        )

    engaged = _moments(beh.reply_latency.engaged)
    if fits.get("answer_in_incident_min"):
        f = _less(fits["answer_in_incident_min"], [answer])
        out["reply_latency.engaged"] = (f, how([answer], "writing the answer"))
        engaged = _lognormal_moments(f)
    if fits["answer_business_hours_min"]:
        parts = [read, answer]
        f = _less(fits["answer_business_hours_min"], parts)
        out["reply_latency.working"] = (f, how(parts, "reading the thread and writing the answer"))
    if fits["answer_off_hours_min"]:
        share = detail.get("off_hours_answers_after_day_start") or 0.0
        if share > WAIT_SHARE:
            out["off_hours_questions"] = (None, f"{share:.0%} of them came after the answerer's day started")
        else:
            parts = [engaged, answer]
            f = _less(fits["answer_off_hours_min"], parts)
            out["page_ack_off_hours"] = (
                f,
                how(parts, "seeing it once in the incident and writing the answer")
                + f"; paged: {share:.0%} of them came after the answerer's day started",
            )
    return out


def request_rate_to_write(measured: float, executive: list[str], factor: float) -> tuple[float | None, str]:
    """``behaviour.update_requests_per_hour`` from the measured rate, and how it was derived.

    The parameter is the rate leadership asks in the incident channel with no executive channel to
    read; a protocol with one scales it by ``factor``. The measured rate is what the organisation's
    channels saw under its own practice: with an executive channel in the export (``executive``),
    the parameter is the measured rate over ``factor``, so that a protocol with an executive
    channel asks at the measured rate; without one, it is the measured rate. None (nothing
    written) when the organisation had an executive channel and ``factor`` is 0: no parameter
    gives its measured rate."""
    if not executive:
        return round(measured, 3), "in incident channels with no executive channel: as measured"
    chans = ", ".join(f"#{c}" for c in executive)
    if factor <= 0:
        return None, ""
    return (
        round(measured / factor, 3),
        f"in incident channels beside an executive channel ({chans}): "
        f"the measured {measured:.3f}/h over update_requests_factor_with_exec_channel {factor:g}",
    )


def people_scenario(base_text: str, base_name: str, people: dict, detail: dict) -> str:
    """The scenario's text with the measured people parameters written in. Validated before it is returned."""
    from incsim.scenario.loader import load_scenario_text

    yaml = scenario_yaml()
    doc = yaml.load(base_text)
    src = f"Slack export {Path(detail['source']).name}"
    what = written(people, detail)
    fits = detail["fits"]
    logs = "lognormal by moments of logs"
    for proto in doc.get("protocols") or []:
        if "update_cadence_min" in what:
            _put(
                proto,
                "update_cadence_min",
                round(float(people["update_gap_median_min"]), 2),
                f"{src}, {what['update_cadence_min']}",
            )
        if proto.get("kind") == "async-first" and proto.get("room") is None:
            continue  # no room to size
        if "room.invite.size" in what and proto.get("kind") == "war-room":
            room = _child(proto, "room")
            invite = _child(room, "invite")
            if invite.get("rule", "fixed-size") == "fixed-size":
                room.ca.items.pop(
                    "invite", None
                )  # the base's comment on the invitation spoke of the old size
                _put(
                    invite,
                    "size",
                    lognormal_entry(fits["call_size"]),
                    f"{src}, {what['room.invite.size']}, {logs}",
                )
        if "room.stay_probability" in what:
            _put(
                _child(proto, "room"),
                "stay_probability",
                round(float(detail["spectator_stay_share"]), 3),
                f"{src}, {what['room.stay_probability']}, their share",
            )
    beh = _child(doc, "behaviour")
    if "update_requests_per_hour" in what:
        n = detail["n"]
        rate, how = request_rate_to_write(
            n["requests_with_ic"] / n["ic_hours"],
            detail.get("executive_channels") or [],
            load_scenario_text(
                base_text, base_name, warn=False
            ).behaviour.update_requests_factor_with_exec_channel,
        )
        if rate is None:
            del what["update_requests_per_hour"]
        else:
            _put(beh, "update_requests_per_hour", rate, f"{src}, {what['update_requests_per_hour']} {how}")
    if "spectator_questions_per_hour" in what:
        _put(
            beh,
            "spectator_questions_per_hour",
            round(float(detail["spectator_questions_per_hour"]), 3),
            f"{src}, {what['spectator_questions_per_hour']}",
        )
    answers = reply_latencies(detail, load_scenario_text(base_text, base_name, warn=False).behaviour)
    whose = {
        "reply_latency.engaged": "reply_latency.engaged",
        "reply_latency.working": "reply_latency.working",
        "page_ack_off_hours": "off_hours",
        "off_hours_questions": "off_hours",
    }
    paths = []
    for key, (f, how) in answers.items():
        parent, leaf = (_child(beh, "reply_latency"), key.split(".")[1]) if "." in key else (beh, key)
        value = "wait" if f is None else lognormal_entry(f)
        _put(
            parent,
            leaf,
            value,
            f"{src}, {what.get(whose[key], 'answers')}, {how}" + ("" if f is None else f", {logs}"),
        )
        paths.append(f"behaviour.{key}")
    paths += [
        f"behaviour.{k}" for k in ("update_requests_per_hour", "spectator_questions_per_hour") if k in what
    ]
    for proto in doc.get("protocols") or []:
        paths += [
            f"protocols.{proto.get('name')}.{k}"
            for k in ("update_cadence_min", "room.stay_probability")
            if k in what
        ]
        if "room.invite.size" in what and proto.get("kind") == "war-room":
            paths.append(f"protocols.{proto.get('name')}.room.invite.size")
    measured(doc, paths)
    name = str(doc["metadata"]["name"])
    if not name.endswith("-calibrated"):
        doc["metadata"]["name"] = f"{name}-calibrated"
    buf = io.StringIO()
    yaml.dump(doc, buf)
    text = buf.getvalue()
    if not text.startswith("# Calibrated"):
        text = (
            f"# Calibrated by `incsim calibrate` from {src} on the base scenario {base_name}.\n"
            f"# Measured values carry a `calibrated:` comment; the rest keep their source.\n" + text
        )
    load_scenario_text(text, "calibrated scenario", warn=False)  # the base was warned at its own lines
    return text
