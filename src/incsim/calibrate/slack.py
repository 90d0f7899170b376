"""Reading a Slack workspace export: its people and its incident channels, message by message.

The export is a folder or a zip holding ``users.json`` (the members, with their e-mail in
``profile.email`` and their clock in ``tz_offset``, seconds east of UTC), ``channels.json``
(the public channels: ``id``, ``name``, ``created``; private ones in ``groups.json`` when the
export has them) and a folder per channel with one file per
day (``YYYY-MM-DD.json``, a list of messages). A message has ``ts`` (Unix seconds as text,
also its id), ``user``, ``text`` and, for anything but a plain post, a ``subtype``
(``channel_join``, ``channel_leave``, ``bot_message``, ...). A thread reply carries the
``thread_ts`` of its parent and sits in the day file of the day it was written; an edited
message keeps its ``ts`` and text as last edited, with ``edited: {user, ts}``. Bots post with
``subtype: bot_message`` (and a ``bot_id``) or as a user whose ``is_bot`` is true.

Problems are located: ``EXPORT/channel/2026-03-02.json:LINE:COL`` for bad JSON (``EXPORT.zip:channel/...`` in a zip),
``EXPORT/channel/2026-03-02.json: message INDEX`` for a message of the wrong shape.
"""

from __future__ import annotations

import fnmatch
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from incsim.calibrate.records import ExportError
from incsim.calibrate.source import MAX_BYTES

DEFAULT_PATTERN = "incident-*"
"""Which channels are incident channels, by name (the essay: ``#incident-YYYY-MM-DD-...``)."""

EXECUTIVE_PATTERN = "*executive*"
"""Which channels are executive channels, by name (the essay's ``#incident-executive``, where the
IC posts simplified updates for leadership): never incident channels; their presence says the
organisation had one."""

SKIPPED_SUBTYPES = frozenset(
    {
        "message_changed",
        "message_deleted",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "pinned_item",
        "unpinned_item",
    }
)
"""Subtypes that are not something a person said in the incident (an edit's record, a rename)."""


@dataclass(frozen=True)
class Person:
    """A workspace member as ``users.json`` describes them."""

    id: str
    name: str
    real_name: str
    email: str | None
    tz_offset_s: int
    bot: bool


@dataclass(frozen=True)
class Message:
    """One message of an incident channel, in UTC."""

    t: datetime
    user: str | None
    """The member who wrote it (None for a bot without a user)."""
    text: str
    subtype: str | None
    bot: bool
    thread: datetime | None = None
    """The parent's time, for a thread reply (None for a top-level message or a parent)."""
    edited: bool = False

    @property
    def is_post(self) -> bool:
        """Something a person wrote (not a join or leave, not a bot)."""
        return (
            not self.bot and self.user is not None and self.subtype not in ("channel_join", "channel_leave")
        )


@dataclass
class SlackChannel:
    """One incident channel: its messages in time order."""

    id: str
    name: str
    created: datetime | None
    messages: list[Message] = field(default_factory=list)

    @property
    def first(self) -> datetime:
        """Time of the first message."""
        return self.messages[0].t

    @property
    def last(self) -> datetime:
        """Time of the last message."""
        return self.messages[-1].t


@dataclass
class Workspace:
    """What was read from one export: its people and its incident channels (by first message)."""

    source: str
    people: dict[str, Person]
    channels: list[SlackChannel]
    skipped: dict[str, int] = field(default_factory=dict)
    """Messages left out, by reason (never silently)."""
    executive: list[str] = field(default_factory=list)
    """Executive channels with messages (by ``EXECUTIVE_PATTERN``): the organisation had one."""


class _Files:
    """The export's files by their path inside it, from a folder or a zip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.json"))
        elif path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile:
                raise ExportError(
                    f"{path}: neither a folder nor a zip file (a Slack export is one or the other)"
                ) from None
            self.names = sorted(n for n in self.zip.namelist() if n.endswith(".json"))
        else:
            raise ExportError(f"{path}: no such file or folder")
        # a zip made from a folder holds everything under one top folder
        root = next(
            (
                n[: -len("channels.json")]
                for n in self.names
                if PurePosixPath(n).name == "channels.json" and n.count("/") <= 1
            ),
            None,
        )
        if root is None:
            raise ExportError(f"{path}: no channels.json: not a Slack workspace export")
        self.root = root

    def where(self, name: str) -> str:
        """The place of a file of the export: ``FOLDER/NAME``, or ``EXPORT.zip:NAME``."""
        return f"{self.path}:{self.root}{name}" if self.zip is not None else str(self.path / self.root / name)

    def json(self, name: str) -> object:
        full = self.root + name
        try:
            if self.zip is not None:
                info = self.zip.getinfo(full)
                if info.file_size > MAX_BYTES:
                    raise ExportError(f"{self.where(name)}: larger than {MAX_BYTES // 2**20} MB")
                data = self.zip.read(full)
            else:
                data = (self.path / full).read_bytes()
        except KeyError:
            raise ExportError(f"{self.where(name)}: missing from the export") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            # a damaged member (bad CRC, truncated data), an unsupported compression, a password
            raise ExportError(f"{self.where(name)}: cannot unpack it from the zip: {exc}") from None
        except OSError as exc:
            raise ExportError(f"{self.where(name)}: cannot read: {exc.strerror or exc}") from None
        try:
            return json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise ExportError(f"{self.where(name)}: not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise ExportError(
                f"{self.where(name)}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
            ) from None

    def days(self, channel: str) -> list[str]:
        prefix = f"{self.root}{channel}/"
        return [
            n[len(self.root) :]
            for n in self.names
            if n.startswith(prefix) and n.count("/") == prefix.count("/")
        ]


def slack_time(value: object) -> datetime:
    """A Slack ``ts`` (Unix seconds as text, ``"1614556800.000200"``) as a UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a Slack timestamp, got {value!r}")
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):  # not a number, NaN, infinite, beyond the calendar
        raise ValueError(f"not a Slack timestamp: {value!r}") from None


def _people(files: _Files) -> dict[str, Person]:
    doc = files.json("users.json")
    if not isinstance(doc, list):
        raise ExportError(f"{files.where('users.json')}: expected a list of members")
    out = {}
    for i, u in enumerate(doc):
        if not isinstance(u, dict) or not isinstance(u.get("id"), str):
            raise ExportError(f"{files.where('users.json')}: member {i}: expected an object with an id")
        prof = u.get("profile") if isinstance(u.get("profile"), dict) else {}
        tz = u.get("tz_offset", 0)
        out[u["id"]] = Person(
            id=u["id"],
            name=str(u.get("name") or u["id"]),
            real_name=str(u.get("real_name") or prof.get("real_name") or u.get("name") or u["id"]),
            email=(str(prof["email"]).lower() if prof.get("email") else None),
            tz_offset_s=int(tz) if isinstance(tz, (int, float)) and not isinstance(tz, bool) else 0,
            bot=bool(u.get("is_bot")) or u["id"] == "USLACKBOT",
        )
    return out


def _message(raw: object, people: dict[str, Person]) -> Message:
    if not isinstance(raw, dict):
        raise ValueError("expected a message object")
    user = raw.get("user")
    if user is not None and not isinstance(user, str):
        raise ValueError(f"user: expected an id, got {user!r}")
    subtype = raw.get("subtype")
    t = slack_time(raw.get("ts"))
    thread = raw.get("thread_ts")
    parent = slack_time(thread) if thread is not None and thread != raw.get("ts") else None
    bot = (
        subtype == "bot_message"
        or raw.get("bot_id") is not None
        and user is None
        or (user is not None and user in people and people[user].bot)
    )
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    return Message(
        t=t,
        user=user,
        text=text,
        subtype=subtype if isinstance(subtype, str) else None,
        bot=bool(bot),
        thread=parent,
        edited=isinstance(raw.get("edited"), dict),
    )


def read_workspace(
    path: Path | str,
    pattern: str = DEFAULT_PATTERN,
    names: list[str] | None = None,
    executive_pattern: str = EXECUTIVE_PATTERN,
) -> Workspace:
    """The export's people and its incident channels: those named in ``names``, else those whose
    name matches the shell-style ``pattern`` and not ``executive_pattern`` (the executive channels,
    listed apart). A channel with no messages is left out."""
    path = Path(path)
    files = _Files(path)
    people = _people(files)
    doc = files.json("channels.json")
    if not isinstance(doc, list):
        raise ExportError(f"{files.where('channels.json')}: expected a list of channels")
    if files.root + "groups.json" in files.names:  # private channels, in exports that include them
        groups = files.json("groups.json")
        if not isinstance(groups, list):
            raise ExportError(f"{files.where('groups.json')}: expected a list of channels")
        doc = doc + groups
    wanted = set(names) if names else None
    channels, skipped, executive = [], {}, []
    seen_names = set()
    for i, c in enumerate(doc):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise ExportError(f"{files.where('channels.json')}: channel {i}: expected an object with a name")
        name = c["name"]
        seen_names.add(name)
        if fnmatch.fnmatchcase(name, executive_pattern) and (wanted is None or name not in wanted):
            if files.days(name):
                executive.append(name)
            continue
        if (name not in wanted) if wanted is not None else not fnmatch.fnmatchcase(name, pattern):
            continue
        created = c.get("created")
        chan = SlackChannel(
            id=str(c.get("id") or name),
            name=name,
            created=slack_time(created) if isinstance(created, (int, float)) else None,
        )
        for day in files.days(name):
            msgs = files.json(day)
            if not isinstance(msgs, list):
                raise ExportError(f"{files.where(day)}: expected a list of messages")
            for j, raw in enumerate(msgs):
                try:
                    m = _message(raw, people)
                except ValueError as exc:
                    raise ExportError(f"{files.where(day)}: message {j}: {exc}") from None
                if m.subtype in SKIPPED_SUBTYPES:
                    skipped[m.subtype] = skipped.get(m.subtype, 0) + 1
                    continue
                chan.messages.append(m)
        if chan.messages:
            chan.messages.sort(key=lambda m: m.t)
            channels.append(chan)
    if wanted is not None and wanted - seen_names:
        missing = ", ".join(sorted(wanted - seen_names))
        raise ExportError(f"{files.where('channels.json')}: no channel named {missing}")
    if not channels:
        raise ExportError(
            f"{path}: no incident channel with messages "
            f"({'named ' + ', '.join(sorted(wanted)) if wanted else 'matching ' + repr(pattern)})"
        )
    channels.sort(key=lambda c: (c.first, c.name))
    return Workspace(str(path), people, channels, dict(sorted(skipped.items())), sorted(executive))
