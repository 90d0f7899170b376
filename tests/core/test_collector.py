"""fewer_collections raises the young-generation threshold inside its block and restores it."""

from __future__ import annotations

import gc

import pytest

from incsim.collector import YOUNG_THRESHOLD, fewer_collections


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_threshold_is_raised_inside_and_restored_after(thresholds) -> None:
    gc.set_threshold(700, 11, 12)
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 11, 12)
        with fewer_collections():
            assert gc.get_threshold() == (YOUNG_THRESHOLD, 11, 12)
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 11, 12)  # the outer block still runs
    assert gc.get_threshold() == (700, 11, 12)


def test_it_is_restored_when_the_block_fails(thresholds) -> None:
    gc.set_threshold(500, 10, 10)
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (500, 10, 10)


def test_a_higher_threshold_or_collection_switched_off_is_left_alone(thresholds) -> None:
    for setting in [(YOUNG_THRESHOLD * 2, 10, 10), (0, 10, 10)]:
        gc.set_threshold(*setting)
        with fewer_collections():
            assert gc.get_threshold() == setting
        assert gc.get_threshold() == setting
