"""What the fuzz suites share: hypothesis's settings for a seeded, repeatable budget, and the
places of a document a mutation can reach."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def fuzz_settings(max_examples: int) -> settings:
    """A budget of ``max_examples`` drawn the same way every run (derandomised, no example
    database), with no per-example deadline: the bound on each run is ``bounds.bounded``'s."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def paths(doc, at=()):
    """Every place (a tuple of keys and indexes) in a plain document: the place itself first, then
    each value of a mapping or a list, depth first."""
    yield at
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from paths(v, (*at, i))
