"""What a drill session shows its interfaces: feed items, role cards, upcoming injects, the
pending decision and the status, as immutable records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed: an event, an inject, a decision, a note or an update."""

    index: int
    t: float
    lane: str  # "incident"|"executive"|"page"|"status"|"email"|"facilitator"
    sender: str
    text: str
    source: str  # what put it there: "event"|"inject"|"decision"|"note"|"update"|"effect"


@dataclass(frozen=True)
class RoleCard:
    """A role of the drill and whether a person in the room plays it."""

    id: str
    title: str
    briefing: str
    played: bool


@dataclass(frozen=True)
class Upcoming:
    """A scheduled inject or decision that has not happened yet."""

    id: str
    when: str
    lane: str
    at: float | None  # None: waits on a condition or on another item


@dataclass(frozen=True)
class Option:
    """One option of a decision."""

    id: str
    label: str
    recommended: bool


@dataclass(frozen=True)
class PendingDecision:
    """The decision waiting for the room, with the time its default is taken."""

    id: str
    prompt: str
    role: str
    options: tuple[Option, ...]
    default: str
    deadline: float


@dataclass(frozen=True)
class Status:
    """The simulated state at a glance."""

    now: float
    services_affected: int
    mitigated: bool
    resolved: bool
    room_open: bool
    people_engaged: int
    exposure: float
    protocol: str
    local: str = ""
    """The local day and time now where the incident started (the first root's owner team)."""
