"""Named random streams and duration sampling.

One root seed; a ``SeedSequence`` per replication; inside it, a stream per *source* of
randomness and, for incident-level sources, per incident. Because the incident index is part
of the key, an extra draw in one incident (say, in a room) never shifts the numbers
another incident sees: the same replication meets the same incidents under every protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.random.bit_generator import ISeedSequence
from numpy.typing import DTypeLike

from incsim.scenario.durations import (
    Constant,
    Duration,
    Empirical,
    Exponential,
    Lognormal,
    Triangular,
    Uniform,
)

# Stable numeric ids: changing one changes every result, so only ever append.
SOURCES = {
    "arrivals": 0,  # when incidents happen and what they are
    "incident": 1,  # an incident's intrinsic work (diagnosis, fix, consults, decisions)
    "people": 2,  # retired (was: who stays in a room, invite sizes); kept so ids stay stable
    "latency": 3,  # retired (was: joining and reply latencies, triage length)
    "overhead": 4,  # retired (was: refocus, answer and reading times)
    "cascade": 5,  # which dependents a failure spreads to, and when
    "failures": 6,  # per-service failures in a finite-source population
    "questions": 7,  # spectators' questions in a room
    "leadership": 8,  # ad-hoc "any updates?" requests
    "watchers": 9,  # who follows the channel
    "debugger_ack": 10,  # the debugger acknowledging the page
    "ic_ack": 11,  # the IC acknowledging the page
    # one stream per purpose (and, where a person is named, per person), so that the n-th draw
    # of a stream means the same thing under every protocol
    "join_delay": 12,  # someone at work joining a room or an incident after a page
    "reply_latency": 13,  # someone answering in the channel
    "refocus": 14,  # regaining focus after leaving an incident
    "answer": 15,  # answering a channel question or interruption
    "interruption_refocus": 16,  # the short refocus after an interruption
    "reading": 17,  # reading the thread before answering or starting
    "briefing": 18,  # briefing a late joiner
    "write_update": 19,  # the IC writing a structured update
    "read_update": 20,  # a watcher reading an update
    "room_answer": 21,  # an answer given in the room
    "triage": 22,  # the length of a triage call
    "invite_size": 23,  # how many a fixed-size room invites
    "linger": 24,  # whether and how long someone stays in a room with nothing to do
    "off_hours_ack": 25,  # someone off hours acknowledging a page
    "write_executive_update": 26,  # the IC writing the executive update
    "drill_update": 27,  # a status update a drill's decision asks for
    "suggestions": 28,  # whether a spectator's question is a suggestion that saves work
    "suggestion_saves": 29,  # how much work a useful suggestion saves
    "helpers": 30,  # further debuggers acknowledging their page
    "drill_work": 31,  # a drill's own diagnosis and fix work, when its author gives a range
}


class Streams:
    """The random streams of one replication."""

    def __init__(self, root_seed: int, replication: int) -> None:
        self.root_seed = int(root_seed)
        self.replication = int(replication)
        self._cache: dict[tuple[int, ...], np.random.Generator] = {}
        self._prefixes: dict[int, SeedPool] = {}

    def get(self, source: str, incident: int = -1, person: int = -1) -> np.random.Generator:
        """The generator for ``source`` (and ``incident``, when the source is per incident; and
        ``person``, a roster number, when it is per person in an incident)."""
        src = SOURCES[source]
        key: tuple[int, ...] = (src, incident + 1) if person < 0 else (src, incident + 1, person + 1)
        gen = self._cache.get(key)
        if gen is None:
            # Exactly the stream of np.random.SeedSequence(root_seed, spawn_key=(replication, *key))
            # fed to PCG64, at a fraction of the cost: the pool after the root, the replication and
            # the source is kept, and only the incident (and person) words are mixed in per stream.
            prefix = self._prefixes.get(src)
            if prefix is None:
                prefix = self._prefixes[src] = SeedPool.start(self.root_seed, (self.replication, src))
            words: Sequence[int]
            if 0 <= key[1] <= _M32 and (person < 0 or key[2] <= _M32):  # one word each: the usual case
                words = key[1:]
            else:
                words = [w for n in key[1:] for w in _uint32_words(n)]
            # numpy's type stubs leave out the ISeedSequence that PCG64 takes (as it takes SeedSequence)
            gen = np.random.Generator(np.random.PCG64(_Words(prefix.seed_after(words))))  # type: ignore[arg-type]
            self._cache[key] = gen
        return gen


# -- NumPy's SeedSequence hash, in Python ---------------------------------------------------------
# The constants and steps of numpy.random.SeedSequence (numpy/random/bit_generator.pyx, after
# M. E. O'Neill's seed_seq_fe): a pool of four 32-bit words; every entropy word is hashed with a
# multiplier that advances at each use and mixed into each pool word; the state is the pool hashed
# again. Keeping the pool after a key's common prefix lets a stream cost a few words of mixing.
# tests/model/test_streams.py checks the result against NumPy for many keys.
_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715


def _powers(init: int, mult: int, n: int) -> list[int]:
    out = [init]
    for _ in range(n):
        out.append(out[-1] * mult & _M32)
    return out


_HASH_A = _powers(_INIT_A, _MULT_A, 16 + 4 * 64)  # enough for 64 entropy words past the pool
_HASH_B = _powers(_INIT_B, _MULT_B, 8)


def _uint32_words(n: int) -> list[int]:
    """``n`` as NumPy splits an entropy integer: 32-bit words, least significant first."""
    if n < 0:
        raise ValueError(f"seeds and keys must be non-negative, got {n}")
    if n == 0:
        return [0]
    out = []
    while n:
        out.append(n & _M32)
        n >>= 32
    return out


class SeedPool:
    """SeedSequence's entropy pool after some words: the four pool words and the hashes used."""

    __slots__ = ("pool", "used")

    def __init__(self, pool: tuple[int, int, int, int], used: int) -> None:
        self.pool, self.used = pool, used

    @classmethod
    def start(cls, root: int, spawn_prefix: tuple[int, ...]) -> SeedPool:
        """The pool after ``root`` (padded to four words, as NumPy does when a spawn key
        follows) and the first words of the spawn key."""
        run = _uint32_words(root)
        run += [0] * (4 - len(run))
        ha = _HASH_A
        pool = []
        for i in range(4):
            v = (run[i] ^ ha[i]) * ha[i + 1] & _M32
            pool.append(v ^ (v >> 16))
        k = 4
        for src in range(4):
            for dst in range(4):
                if src != dst:
                    v = (pool[src] ^ ha[k]) * ha[k + 1] & _M32
                    k += 1
                    r = (_MIX_L * pool[dst] - _MIX_R * (v ^ (v >> 16))) & _M32
                    pool[dst] = r ^ (r >> 16)
        rest = run[4:] + [w for n in spawn_prefix for w in _uint32_words(n)]
        return cls((pool[0], pool[1], pool[2], pool[3]), k).absorb_words(rest)

    def absorb(self, ints: tuple[int, ...]) -> SeedPool:
        """The pool after the entropy integers ``ints`` as well."""
        return self.absorb_words([w for n in ints for w in _uint32_words(n)])

    def absorb_words(self, words: list[int]) -> SeedPool:
        """The pool after the 32-bit ``words`` as well."""
        if self.used + 4 * len(words) + 1 > len(_HASH_A):  # the last word reads ha[used + 4n]
            raise ValueError("key too long for the stream hash")
        m0, m1, m2, m3 = self.pool
        ha, k = _HASH_A, self.used
        for w in words:
            v = (w ^ ha[k]) * ha[k + 1] & _M32
            r = (_MIX_L * m0 - _MIX_R * (v ^ (v >> 16))) & _M32
            m0 = r ^ (r >> 16)
            v = (w ^ ha[k + 1]) * ha[k + 2] & _M32
            r = (_MIX_L * m1 - _MIX_R * (v ^ (v >> 16))) & _M32
            m1 = r ^ (r >> 16)
            v = (w ^ ha[k + 2]) * ha[k + 3] & _M32
            r = (_MIX_L * m2 - _MIX_R * (v ^ (v >> 16))) & _M32
            m2 = r ^ (r >> 16)
            v = (w ^ ha[k + 3]) * ha[k + 4] & _M32
            r = (_MIX_L * m3 - _MIX_R * (v ^ (v >> 16))) & _M32
            m3 = r ^ (r >> 16)
            k += 4
        return SeedPool((m0, m1, m2, m3), k)

    def seed_after(self, words: Sequence[int]) -> np.ndarray:
        """``absorb_words(words).state()`` in one pass, without the intermediate pool (what every
        new stream pays; the two are checked against each other and against NumPy in the tests)."""
        k = self.used
        if k + 4 * len(words) + 1 > len(_HASH_A):
            raise ValueError("key too long for the stream hash")
        m0, m1, m2, m3 = self.pool
        ha = _HASH_A
        for w in words:
            h0, h1, h2, h3, h4 = ha[k : k + 5]
            v = (w ^ h0) * h1 & _M32
            r = (_MIX_L * m0 - _MIX_R * (v ^ (v >> 16))) & _M32
            m0 = r ^ (r >> 16)
            v = (w ^ h1) * h2 & _M32
            r = (_MIX_L * m1 - _MIX_R * (v ^ (v >> 16))) & _M32
            m1 = r ^ (r >> 16)
            v = (w ^ h2) * h3 & _M32
            r = (_MIX_L * m2 - _MIX_R * (v ^ (v >> 16))) & _M32
            m2 = r ^ (r >> 16)
            v = (w ^ h3) * h4 & _M32
            r = (_MIX_L * m3 - _MIX_R * (v ^ (v >> 16))) & _M32
            m3 = r ^ (r >> 16)
            k += 4
        # the state: pool word i & 3 hashed with the i-th B multiplier; two 32-bit words per
        # 64-bit one, the lower first (as ``view(np.uint64)`` reads them on a little-endian machine)
        b0, b1, b2, b3, b4, b5, b6, b7, b8 = _HASH_B
        v0 = (m0 ^ b0) * b1 & _M32
        v1 = (m1 ^ b1) * b2 & _M32
        v2 = (m2 ^ b2) * b3 & _M32
        v3 = (m3 ^ b3) * b4 & _M32
        v4 = (m0 ^ b4) * b5 & _M32
        v5 = (m1 ^ b5) * b6 & _M32
        v6 = (m2 ^ b6) * b7 & _M32
        v7 = (m3 ^ b7) * b8 & _M32
        return np.array(
            [
                (v0 ^ (v0 >> 16)) | (v1 ^ (v1 >> 16)) << 32,
                (v2 ^ (v2 >> 16)) | (v3 ^ (v3 >> 16)) << 32,
                (v4 ^ (v4 >> 16)) | (v5 ^ (v5 >> 16)) << 32,
                (v6 ^ (v6 >> 16)) | (v7 ^ (v7 >> 16)) << 32,
            ],
            dtype=np.uint64,
        )

    def state(self) -> np.ndarray:
        """``generate_state(4, np.uint64)``: what PCG64 seeds itself with."""
        hb, pool = _HASH_B, self.pool
        words = []
        for i in range(8):
            v = (pool[i & 3] ^ hb[i]) * hb[i + 1] & _M32
            words.append(v ^ (v >> 16))
        return np.array(words, dtype=np.uint32).view(np.uint64)


class _Words(ISeedSequence):
    """A seed sequence whose state is already computed (PCG64 asks it for four 64-bit words)."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: DTypeLike = np.uint32) -> np.ndarray:
        """The precomputed words (PCG64 asks for exactly these: four of 64 bits)."""
        if n_words != 4 or np.dtype(dtype) != np.uint64:
            raise ValueError("only PCG64's request (4 words of 64 bits) is precomputed")
        return self.words


def sample(dist: Duration, rng: np.random.Generator) -> float:
    """One draw, in minutes, from a scenario ``Duration``."""
    if isinstance(dist, Constant):
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


def sample_or_zero(dist: Duration | None, rng: np.random.Generator) -> float:
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
