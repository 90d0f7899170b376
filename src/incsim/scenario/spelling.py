"""A scenario value in a few words: the one spelling the sweep (its labels, sentences and
``sweep.csv``) and the report (its assumptions table and model description) both use."""

from __future__ import annotations

from typing import Any


def is_distribution(node: Any) -> bool:
    """Whether a plain scenario node is a distribution (a mapping with a ``dist`` name)."""
    return isinstance(node, dict) and "dist" in node and isinstance(node.get("dist"), str)


def plain_number(x: Any) -> str:
    """A scalar as a reader writes it: ``true``, ``3`` for 3.0, else ``str``."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def format_value(value: Any) -> str:
    """A parameter's value in a few words: ``uniform(20, 30)``, ``lognormal(median 30, sigma 0.9)``."""
    if value is None:
        return "null (off)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_distribution(value):
        d = {k: v for k, v in value.items() if v is not None}
        kind = d.pop("dist")
        if kind == "fixed" and "value" in d:
            return plain_number(d["value"])
        if kind == "uniform":
            return f"uniform({plain_number(d.get('low'))}, {plain_number(d.get('high'))})"
        if kind == "triangular":
            return f"triangular({plain_number(d.get('low'))}, {plain_number(d.get('mode'))}, {plain_number(d.get('high'))})"
        if kind == "empirical":
            return f"empirical({', '.join(plain_number(v) for v in d.get('values', []))})"
        return f"{kind}({', '.join(f'{k} {plain_number(v)}' for k, v in d.items())})"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return plain_number(value)
