"""Arithmetic on sets of time intervals ``[(start, end), ...]`` (minutes)."""

from __future__ import annotations

Spans = list[tuple[float, float]]


def union(spans: Spans) -> Spans:
    """The sorted, non-overlapping union of ``spans`` (empty spans dropped)."""
    out: Spans = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def measure(spans: Spans) -> float:
    """Total length of already disjoint ``spans``."""
    return sum(b - a for a, b in spans)


def clip(spans: Spans, lo: float, hi: float) -> Spans:
    """``spans`` cut to ``[lo, hi]``."""
    return [(max(a, lo), min(b, hi)) for a, b in spans if min(b, hi) > max(a, lo)]


def subtract(a: Spans, b: Spans) -> Spans:
    """The parts of ``a`` not covered by ``b``."""
    out: Spans = []
    cover = union(b)
    for lo, hi in union(a):
        cur = lo
        for x, y in cover:
            if y <= cur or x >= hi:
                continue
            if x > cur:
                out.append((cur, x))
            cur = max(cur, y)
            if cur >= hi:
                break
        if cur < hi:
            out.append((cur, hi))
    return out
