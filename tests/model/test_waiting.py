"""FirstOf wakes a process in exactly the step ``a | b`` would: the same order of everything."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from incsim.model.waiting import FirstOf


def _trace(seed: int, cheap: bool) -> list[tuple]:
    """Processes that wait on timeouts or on signals set by others, many at the same instant
    (times on a coarse grid), logging every wake; ``cheap`` waits with FirstOf, else with ``|``."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    log: list[tuple] = []
    signals = [env.event() for _ in range(3)]

    def either(a, b):
        return FirstOf(env, a, b) if cheap else a | b

    def either3(a, b, c):
        return FirstOf(env, FirstOf(env, a, b), c) if cheap else a | b | c

    def fire(k: int) -> None:
        ev, signals[k] = signals[k], env.event()
        ev.succeed()

    def worker(name: int):
        for step in range(12):
            pick = int(rng.integers(4))
            if pick == 0:
                yield either(env.timeout(int(rng.integers(0, 4))), signals[int(rng.integers(3))])
            elif pick == 1:
                yield either3(signals[0], signals[1], env.timeout(int(rng.integers(0, 3))))
            elif pick == 2:
                yield env.timeout(int(rng.integers(0, 3)))
            else:
                fire(int(rng.integers(3)))
                yield env.timeout(0)
            log.append((env.now, name, step))

    def ticker():
        for _ in range(40):
            yield env.timeout(1)
            fire(int(rng.integers(3)))
            log.append((env.now, "tick"))

    for name in range(6):
        env.process(worker(name))
    env.process(ticker())
    env.run()
    return log


@pytest.mark.parametrize("seed", range(60))
def test_first_of_wakes_in_the_same_order_as_a_condition(seed: int) -> None:
    plain, cheap = _trace(seed, cheap=False), _trace(seed, cheap=True)
    assert cheap == plain
    assert len({t for t, *_ in plain}) > 3  # the processes did live through several instants


def test_an_event_already_processed_wakes_at_once_and_a_failure_is_passed_on() -> None:
    env = simpy.Environment()
    done = env.event().succeed()
    seen = []

    def proc():
        yield env.timeout(1)
        yield FirstOf(env, done, env.event())  # `done` was processed at time 0
        seen.append(env.now)
        bad = env.event()
        bad.fail(ValueError("no"))
        try:
            yield FirstOf(env, bad, env.timeout(5))
        except ValueError:
            seen.append(("failed", env.now))

    env.process(proc())
    env.run()
    assert seen == [1, ("failed", 1)]
