"""Cycles in a drill's ``after`` chains, found in time linear in the number of items."""

from __future__ import annotations

from typing import Any


def after_cycles(
    deps: dict[str, set[str]], where: dict[str, tuple[str, int]]
) -> list[tuple[tuple[Any, ...], str]]:
    """Items whose ``after`` chain comes back to themselves (reported once per cycle).

    Each item has at most one ``after``, so the chains form a functional graph: one walk from
    every item not yet seen, marking what it visits, finds each cycle once in linear time."""
    out = []
    state: dict[str, int] = {}  # 1: on the walk in progress, 2: done
    for start in sorted(deps):
        if start in state:
            continue
        chain: list[str] = []
        cur: str | None = start
        while cur is not None and cur not in state:
            state[cur] = 1
            chain.append(cur)
            nxt = sorted(deps.get(cur, ()))
            cur = nxt[0] if nxt and nxt[0] in deps else None
        if cur is not None and state[cur] == 1:  # the walk came back onto itself: a new cycle
            cycle = chain[chain.index(cur) :]
            first = min(cycle, key=lambda c: where[c])
            k = cycle.index(first)
            ring = cycle[k:] + cycle[:k] + [first]
            if len(ring) > 10:  # a long ring in one line: its ends and its length
                ring = [*ring[:4], f"... ({len(cycle)} items) ...", *ring[-3:]]
            out.append(((*where[first], "after"), "'after' goes round in a cycle: " + " -> ".join(ring)))
        for c in chain:
            state[c] = 2
    return out
