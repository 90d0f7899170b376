"""Named random streams and duration sampling.

One root seed; a ``SeedSequence`` per replication; inside it, a stream per *source* of
randomness and, for incident-level sources, per incident. Because the incident index is part
of the key, an extra draw in one incident (say, under a war room) never shifts the numbers
another incident sees: the same replication meets the same incidents under every protocol.
"""

from __future__ import annotations

import math

import numpy as np

from incsim.scenario.durations import Empirical, Exponential, Fixed, Lognormal, Triangular, Uniform

# Stable numeric ids: changing one changes every result, so only ever append.
SOURCES = {
    "arrivals": 0,      # when incidents happen and what they are
    "incident": 1,      # an incident's intrinsic work (diagnosis, fix, consults, decisions)
    "people": 2,        # retired (was: who stays in a room, invite sizes); kept so ids stay stable
    "latency": 3,       # retired (was: joining and reply latencies, triage length)
    "overhead": 4,      # retired (was: refocus, answer and reading times)
    "cascade": 5,       # which dependents a failure spreads to, and when
    "failures": 6,      # per-service failures in a finite-source population
    "questions": 7,     # spectators' questions in a room
    "leadership": 8,    # ad-hoc "any updates?" requests
    "watchers": 9,      # who follows the channel
    "debugger_ack": 10,  # the debugger acknowledging the page
    "ic_ack": 11,       # the IC acknowledging the page
    # one stream per purpose (and, where a person is named, per person), so that the n-th draw
    # of a stream means the same thing under every protocol
    "join_delay": 12,       # someone at work joining a room or an incident after a page
    "reply_latency": 13,    # someone answering in the channel
    "refocus": 14,          # regaining focus after leaving an incident
    "answer": 15,           # answering a channel question or interruption
    "interruption_refocus": 16,  # the short refocus after an interruption
    "reading": 17,          # reading the thread before answering or starting
    "briefing": 18,         # briefing a late joiner
    "write_update": 19,     # the IC writing a structured update
    "read_update": 20,      # a watcher reading an update
    "room_answer": 21,      # an answer given in the room
    "triage": 22,           # the length of a triage call
    "invite_size": 23,      # how many a fixed-size room invites
    "linger": 24,           # whether and how long someone stays in a room with nothing to do
    "off_hours_ack": 25,    # someone off hours acknowledging a page
    "write_exec_update": 26,  # the IC writing the executive update
    "drill_update": 27,     # a status update a drill's decision asks for
}


class Streams:
    """The random streams of one replication."""

    def __init__(self, root_seed: int, replication: int) -> None:
        self.root_seed = int(root_seed)
        self.replication = int(replication)
        self._cache: dict[tuple[int, ...], np.random.Generator] = {}

    def get(self, source: str, incident: int = -1, person: int = -1) -> np.random.Generator:
        """The generator for ``source`` (and ``incident``, when the source is per incident; and
        ``person``, a roster number, when it is per person in an incident)."""
        key: tuple[int, ...] = (SOURCES[source], incident + 1)
        if person >= 0:
            key = (*key, person + 1)
        gen = self._cache.get(key)
        if gen is None:
            seq = np.random.SeedSequence(self.root_seed, spawn_key=(self.replication, *key))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._cache[key] = gen
        return gen


def sample(dist, rng: np.random.Generator) -> float:
    """One draw, in minutes, from a scenario ``Duration``."""
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Exponential):
        return float(rng.exponential(dist.mean_min))
    if isinstance(dist, Lognormal):
        mu, sigma = dist.log_params()
        return float(math.exp(rng.normal(mu, sigma)))
    if isinstance(dist, Uniform):
        return float(rng.uniform(dist.low, dist.high))
    if isinstance(dist, Triangular):
        return float(rng.triangular(dist.low, dist.mode, dist.high))
    if isinstance(dist, Empirical):
        return float(dist.values[int(rng.integers(len(dist.values)))])
    raise TypeError(f"not a duration: {dist!r}")


def sample_or_zero(dist, rng: np.random.Generator) -> float:
    """A draw from ``dist``, or 0 when the scenario switched this cost off (``null``)."""
    return 0.0 if dist is None else sample(dist, rng)


# Keys of per-service failures sit far above any arrival-ordered incident id, so the two never meet.
_FAILURE_KEYS = 1 << 40
_FAILURES_PER_SERVICE = 1 << 24


def failure_stream_id(service_index: int, failure_number: int) -> int:
    """The stream key of a service's ``failure_number``-th failure (from 0), the same under
    every protocol whatever order failures of different services happen to arrive in."""
    if not 0 <= failure_number < _FAILURES_PER_SERVICE:
        raise ValueError(f"failure number {failure_number} out of range")
    return _FAILURE_KEYS + service_index * _FAILURES_PER_SERVICE + failure_number
