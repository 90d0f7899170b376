"""A synthetic organisation with known people parameters, written as a Slack workspace export
and Zoom participants reports, for tests that read them back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class OrgParams:
    """The generating values a reader should recover."""

    incidents: int = 80
    call_size_median: float = 9.0
    call_size_sigma: float = 0.25
    stay: float = 0.6
    """Chance that a watcher stays to the end of the call."""
    update_gap_median_min: float = 15.0
    update_gap_sigma: float = 0.15
    requests_per_hour: float = 1.5
    reply_in_incident_median_min: float = 4.0
    """The debugger, asked by the IC, answers in this median (one such question per incident)."""
    reply_business_median_min: float = 20.0
    """People outside the incident, asked in their business hours: seeing the question, reading
    the thread and answering."""
    reply_off_median_min: float = 45.0
    reply_sigma: float = 0.5
    questions_per_incident: int = 4
    """Questions to people outside the incident."""
    spectator_questions_per_hour: float = 0.1
    """Questions each watcher posts in the channel per hour in the call."""
    executive_channel: bool = True
    """Whether the org has an ``#incident-executive`` channel, where the IC posts for leadership
    (the requests in incident channels are then the ones leadership still puts there)."""
    seed: int = 7


_OFFSETS = (0, 3600, -18000, 19800)  # London, Berlin, New York, India (seconds east of UTC)


def _ts(t: datetime) -> str:
    return f"{t.timestamp():.6f}"


def _zoom_time(t: datetime) -> str:
    return t.strftime("%m/%d/%Y %I:%M:%S %p")


def write_org(folder: Path, p: OrgParams = OrgParams()) -> tuple[Path, list[Path]]:
    """Write the export (``folder/slack``) and one Zoom report per incident; return their paths."""
    from incsim.calibrate.people import business_hours

    rng = np.random.default_rng(p.seed)
    qrng = np.random.default_rng(p.seed + 1)
    irng = np.random.default_rng(p.seed + 2)
    n_people = 120
    users = [
        {
            "id": f"U{i:03d}",
            "name": f"person{i}",
            "real_name": f"Person {i}",
            "tz_offset": _OFFSETS[i % 4],
            "profile": {"email": f"person{i}@example.com", "real_name": f"Person {i}"},
        }
        for i in range(n_people)
    ]
    users.append({"id": "B001", "name": "pagerbot", "real_name": "Pager Bot", "is_bot": True, "profile": {}})
    offset = {u["id"]: u["tz_offset"] for u in users[:n_people]}
    slack = folder / "slack"
    slack.mkdir(parents=True)
    channels, reports = [], []
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    for k in range(p.incidents):
        start = t0 + timedelta(minutes=float(rng.uniform(0, 180 * 24 * 60)))
        start = start.replace(microsecond=0)
        ids = rng.permutation(n_people)
        ic, debugger, lead = (f"U{i:03d}" for i in ids[:3])
        answerers = [f"U{i:03d}" for i in ids[3 : 3 + p.questions_per_incident]]
        pool = [f"U{i:03d}" for i in ids[3 + p.questions_per_incident :]]
        name = f"incident-{start:%Y-%m-%d}-{k:03d}"
        msgs = [
            {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": "B001",
                "ts": _ts(start),
                "text": "P1 alert",
            },
            {
                "type": "message",
                "subtype": "channel_join",
                "user": ic,
                "ts": _ts(start + timedelta(seconds=30)),
                "text": f"<@{ic}> has joined the channel",
            },
            {"type": "message", "user": debugger, "ts": _ts(start + timedelta(minutes=3)), "text": "looking"},
        ]
        t, n_updates = start + timedelta(minutes=5), int(rng.integers(4, 9))
        updates = []
        for _ in range(n_updates):
            updates.append(t)
            t += timedelta(minutes=float(rng.lognormal(np.log(p.update_gap_median_min), p.update_gap_sigma)))
        work_end = updates[-1]
        for q, who in enumerate(answerers):
            asked = start + timedelta(minutes=float(rng.uniform(6, (work_end - start).total_seconds() / 60)))
            asked = asked.replace(microsecond=0) + timedelta(seconds=q)  # distinct times
            median = (
                p.reply_business_median_min if business_hours(asked, offset[who]) else p.reply_off_median_min
            )
            answer = asked + timedelta(minutes=float(rng.lognormal(np.log(median), p.reply_sigma)))
            msgs.append(
                {
                    "type": "message",
                    "user": ic,
                    "ts": _ts(asked),
                    "text": f"<@{who}> did the deploy change it?",
                }
            )
            msgs.append(
                {
                    "type": "message",
                    "user": who,
                    "ts": _ts(answer),
                    "text": "yes, rolled back now",
                    "thread_ts": _ts(asked),
                }
            )
        # the IC asks the debugger, in the incident since their first post (its own stream)
        asked = start + timedelta(minutes=float(irng.uniform(6, (work_end - start).total_seconds() / 60)))
        asked = asked.replace(microsecond=0) + timedelta(seconds=30)
        lat = float(irng.lognormal(np.log(p.reply_in_incident_median_min), p.reply_sigma))
        msgs.append(
            {"type": "message", "user": ic, "ts": _ts(asked), "text": f"<@{debugger}> is it the cache?"}
        )
        msgs.append(
            {
                "type": "message",
                "user": debugger,
                "ts": _ts(asked + timedelta(minutes=lat)),
                "text": "not the cache",
            }
        )
        last = max([work_end, *(datetime.fromtimestamp(float(m["ts"]), UTC) for m in msgs)]) + timedelta(
            minutes=1
        )
        msgs.append({"type": "message", "user": ic, "ts": _ts(last), "text": "resolved, closing the channel"})
        for j, u in enumerate(updates):
            msgs.append(
                {
                    "type": "message",
                    "user": ic,
                    "ts": _ts(u + timedelta(microseconds=j)),
                    "text": f"*Status:* step {j}\n*Impact:* checkout\n*Next steps:* keep going\n*ETA:* unknown",
                }
            )
        hours = (last - start).total_seconds() / 3600
        for r in range(int(rng.poisson(p.requests_per_hour * hours))):
            at = start + timedelta(seconds=float(rng.uniform(60, (last - start).total_seconds() - 60)))
            msgs.append(
                {
                    "type": "message",
                    "user": lead,
                    "ts": _ts(at.replace(microsecond=r + 11)),
                    "text": "any updates?",
                }
            )
        channels.append({"id": f"C{k:03d}", "name": name, "created": int(start.timestamp())})
        # the call: the IC and the debugger stay to the end; watchers stay with probability p.stay
        size = max(3, int(round(rng.lognormal(np.log(p.call_size_median), p.call_size_sigma))))
        call_start = start + timedelta(minutes=2)
        call_end = last - timedelta(minutes=0.5)
        rows = []
        for i, who in enumerate([ic, debugger, *pool[: size - 2]]):
            join = call_start + timedelta(seconds=float(rng.uniform(0, 180)))
            stays = i < 2 or rng.random() < p.stay
            leave = call_end if stays else join + (call_end - join) * float(rng.uniform(0.1, 0.8))
            if i >= 2:  # a watcher's questions in the channel while in the call (their own stream)
                stay_s = (leave - join).total_seconds()
                for j in range(int(qrng.poisson(p.spectator_questions_per_hour * stay_s / 3600))):
                    at = join + timedelta(seconds=float(qrng.uniform(0, stay_s)))
                    msgs.append(
                        {
                            "type": "message",
                            "user": who,
                            "ts": _ts(at.replace(microsecond=500 + j)),
                            "text": "has anyone looked at the cache?",
                        }
                    )
            n = int(who[1:])
            rows.append(
                f"Person {n},person{n}@example.com,{_zoom_time(join)},{_zoom_time(leave)},"
                f"{round((leave - join).total_seconds() / 60)},No,No"
            )
        by_day: dict[str, list] = {}
        for m in sorted(msgs, key=lambda m: float(m["ts"])):
            day = datetime.fromtimestamp(float(m["ts"]), UTC).strftime("%Y-%m-%d")
            by_day.setdefault(day, []).append(m)
        (slack / name).mkdir()
        for day, day_msgs in by_day.items():
            (slack / name / f"{day}.json").write_text(json.dumps(day_msgs, indent=1))
        report = folder / f"zoom-{k:03d}.csv"
        report.write_text(
            "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,"
            "In Waiting Room\n" + "\n".join(rows) + "\n"
        )
        reports.append(report)
    if p.executive_channel:
        execs = [
            {
                "type": "message",
                "user": "U000",
                "ts": _ts(datetime.fromtimestamp(c["created"], UTC) + timedelta(minutes=20)),
                "text": f"{c['name']}: *Status:* investigating *Impact:* checkout *Next steps:* rollback",
            }
            for c in channels
        ]
        (slack / "incident-executive").mkdir()
        (slack / "incident-executive" / "2026-01-05.json").write_text(json.dumps(execs, indent=1))
        channels.append({"id": "CEXEC", "name": "incident-executive", "created": int(t0.timestamp())})
    (slack / "users.json").write_text(json.dumps(users, indent=1))
    (slack / "channels.json").write_text(json.dumps(channels, indent=1))
    return slack, reports
