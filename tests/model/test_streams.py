"""The per-source, per-incident streams are exactly NumPy's SeedSequence + PCG64 streams for their key."""

from __future__ import annotations

import numpy as np
import pytest

from incsim.model.streams import SOURCES, Streams, failure_stream_id


def _numpy(root: int, replication: int, key: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root, spawn_key=(replication, *key))))


@pytest.mark.parametrize("root", [0, 1, 7, 2**32 - 1, 2**32, 2**64 + 5, 20261130, 2**130 + 3])
@pytest.mark.parametrize("replication", [0, 3, 2**33])
def test_streams_equal_numpy_seed_sequences(root: int, replication: int) -> None:
    streams = Streams(root, replication)
    for source, incident, person in [
        ("arrivals", -1, -1),
        ("incident", 0, -1),
        ("incident", 41, -1),
        ("reply_latency", 5, 0),
        ("reply_latency", 5, 17),
        ("failures", failure_stream_id(3, 12), -1),
        ("write_executive_update", 10**6, 2),
    ]:
        key = (SOURCES[source], incident + 1) + ((person + 1,) if person >= 0 else ())
        ours, theirs = streams.get(source, incident, person), _numpy(root, replication, key)
        assert ours.bit_generator.state == theirs.bit_generator.state, (source, incident, person)
        assert ours.random(3).tolist() == theirs.random(3).tolist()


def test_a_stream_is_made_once_and_continues() -> None:
    streams = Streams(5, 1)
    first = streams.get("incident", 2).random()
    assert streams.get("incident", 2) is streams.get("incident", 2)
    assert streams.get("incident", 2).random() != first
    assert Streams(5, 1).get("incident", 2).random() == first


def test_negative_seeds_are_refused() -> None:
    with pytest.raises(ValueError):
        Streams(-1, 0).get("arrivals")


def test_a_new_streams_seed_is_the_pools_state_after_its_words() -> None:
    """``seed_after`` (one pass, what ``get`` uses) equals absorbing the words and then hashing
    the state, for keys of one to 62 words and for words of every size."""
    from incsim.model.streams import SeedPool

    rng = np.random.default_rng(3)
    pool = SeedPool.start(20261130, (0, 1))
    for n in [1, 2, 3, 7, 62]:
        for _ in range(20):
            words = [int(w) for w in rng.integers(0, 2**32, size=n, dtype=np.uint64)]
            assert pool.seed_after(words).tolist() == pool.absorb_words(words).state().tolist(), words
    assert pool.seed_after([0, 2**32 - 1]).tolist() == pool.absorb_words([0, 2**32 - 1]).state().tolist()
    with pytest.raises(ValueError, match="key too long"):
        pool.seed_after([7] * 63)


@pytest.mark.parametrize(
    "incident,person", [(2**32 - 2, -1), (2**32 - 1, -1), (5, 2**32 - 2), (5, 2**32 - 1), (2**40, 2**33)]
)
def test_keys_at_the_word_boundary_equal_numpy(incident: int, person: int) -> None:
    key = (SOURCES["reply_latency"], incident + 1) + ((person + 1,) if person >= 0 else ())
    ours, theirs = Streams(9, 2).get("reply_latency", incident, person), _numpy(9, 2, key)
    assert ours.bit_generator.state == theirs.bit_generator.state
