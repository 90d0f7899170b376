"""Measured people figures written into a scenario's people parameters.

What is written, each with a ``calibrated:`` comment naming the source, n and the fit:

- the war rooms' ``invite.size`` (rule ``fixed-size``): distinct people per call, a lognormal by
  the moments of the logs (the model rounds each draw). A hybrid's room is sized by its own
  design ("only who is needed"), which the calls of a war-room habit do not measure;
- every room's ``stay_probability``: the share of watchers (people in a call who never posted
  in the channel) still there at the call's end;
- every protocol's ``update_cadence_min``: the median gap between the IC's structured updates;
- ``behaviour.update_requests_per_hour``: "any updates?" requests per channel hour, over the
  base's ``update_requests_factor_with_exec_channel`` when the export has an executive channel
  (``request_rate_to_write``);
- ``behaviour.reply_latency.working`` and ``.off_hours``: answer latencies by the answerer's
  hours, lognormal by the moments of the logs;
- ``behaviour.spectator_questions_per_hour``: questions the calls' spectators posted in the
  channel while the call was on, per spectator hour (given at least ``MIN_SPECTATOR_HOURS``).

A parameter without enough data (fewer than ``MIN_SAMPLE`` observations) is left as the base
has it, with its assumption comment and range, ready for a robustness study.
"""

from __future__ import annotations

import io
from pathlib import Path

from incsim.calibrate.calibration import lognormal_map, measured, scenario_yaml
from incsim.calibrate.records import MIN_SAMPLE

MIN_SPECTATOR_HOURS = 1.0
"""Fewer spectator hours than this in calls say too little about how often spectators ask."""


def _lognormal(fit: dict):
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
    if n["update_requests"] >= 1 and n["channel_hours"] > 0:
        out["update_requests_per_hour"] = (
            f"{n['update_requests']} requests over {n['channel_hours']:.1f} channel hours"
        )
    if fits["answer_business_hours_min"]:
        out["reply_latency.working"] = (
            f"answers in business hours, n={fits['answer_business_hours_min']['n']}"
        )
    if fits["answer_off_hours_min"]:
        out["reply_latency.off_hours"] = f"answers off hours, n={fits['answer_off_hours_min']['n']}"
    if n["spectator_hours"] >= MIN_SPECTATOR_HOURS:
        out["spectator_questions_per_hour"] = (
            f"{n['spectator_questions']} questions over {n['spectator_hours']:.1f} spectator hours in calls"
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
                    _lognormal(fits["call_size"]),
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
        rate, how = request_rate_to_write(
            float(people["update_requests_per_hour"]),
            detail.get("executive_channels") or [],
            load_scenario_text(base_text, base_name).behaviour.update_requests_factor_with_exec_channel,
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
    for key, name in (("working", "answer_business_hours_min"), ("off_hours", "answer_off_hours_min")):
        if f"reply_latency.{key}" in what:
            _put(
                _child(beh, "reply_latency"),
                key,
                _lognormal(fits[name]),
                f"{src}, {what[f'reply_latency.{key}']}, {logs}",
            )
    paths = [
        f"behaviour.{k}" for k in ("update_requests_per_hour", "spectator_questions_per_hour") if k in what
    ]
    paths += [
        f"behaviour.reply_latency.{k}" for k in ("working", "off_hours") if f"reply_latency.{k}" in what
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
    load_scenario_text(text, "calibrated scenario")
    return text
