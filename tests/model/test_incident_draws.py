"""Drawing incidents from cached tables gives exactly the draws of the plain NumPy calls it replaces."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

import numpy as np
import pytest

from incsim.model.incidents import DrawTables, choice_cdf, draw_category_and_flags
from incsim.scenario.loader import load_scenario
from incsim.scenario.schema import CATEGORIES, FLAGS


def _tables(seed: int) -> list[np.ndarray]:
    """Probability tables of many shapes: one entry, equal, zeros inside, tiny and skewed weights."""
    rng = np.random.default_rng(seed)
    out = [np.array([1.0]), np.array([0.5, 0.5]), np.array([1.0, 0.0, 2.0, 0.0]), np.array([1e-9, 1.0, 1e-9])]
    for n in (2, 3, 5, 17, 60):
        w = rng.random(n) ** 3
        out.append(w / w.sum())
        out.append(rng.integers(1, 10, size=n).astype(float) / rng.integers(1, 10, size=n).sum())
    return out


@pytest.mark.parametrize("seed", range(40))
def test_searching_the_cumulative_table_is_numpys_choice(seed: int) -> None:
    for k, p in enumerate(_tables(seed)):
        if abs(p.sum() - 1.0) > 1e-8:
            p = p / p.sum()
        ours, theirs = np.random.default_rng([seed, k]), np.random.default_rng([seed, k])
        cdf = choice_cdf(p)
        for _ in range(300):
            assert bisect_right(cdf, ours.random()) == int(theirs.choice(len(p), p=p))
        assert ours.bit_generator.state == theirs.bit_generator.state  # the same amount drawn


@pytest.mark.parametrize("seed", range(40))
def test_a_block_of_uniforms_is_the_same_uniforms_one_by_one(seed: int) -> None:
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    for n in (1, 4, 5):
        assert ours.random(n).tolist() == [theirs.random() for _ in range(n)]
    assert ours.bit_generator.state == theirs.bit_generator.state


def _old_draw_category_and_flags(scn, rng):
    """draw_category_and_flags as it was: rng.choice over the mix, then one uniform per flag."""
    inc = scn.incidents
    cats = [c for c in CATEGORIES if inc.mix.get(c, 0.0) > 0]
    probs = np.array([inc.mix[c] for c in cats], dtype=float)
    cat = cats[int(rng.choice(len(cats), p=probs / probs.sum()))]
    flag_draws = {f: rng.random() for f in FLAGS}
    return cat, tuple(f for f in FLAGS if f in inc.flags and flag_draws[f] < inc.flags[f].probability)


@pytest.mark.parametrize("name", ["seed", "fintech", "large-org", "startup"])
def test_draw_category_and_flags_draws_what_it_drew_before(name: str) -> None:
    scn = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / f"{name}.yaml")
    tables = DrawTables(scn)
    kinds = set()
    for seed in range(30):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        for _ in range(50):
            got = draw_category_and_flags(scn, ours, tables)
            assert got == _old_draw_category_and_flags(scn, theirs)
            kinds.add(got)
        assert ours.bit_generator.state == theirs.bit_generator.state
    assert len(kinds) > 1  # the check saw more than one outcome
