"""Helpers shared by tests that start from the default scenario and vary it."""

from __future__ import annotations

import copy
from pathlib import Path

from ruamel.yaml import YAML

SEED_YAML = Path(__file__).resolve().parents[1] / "scenarios" / "seed.yaml"


def load_seed() -> dict:
    """The default scenario as plain data."""
    return YAML(typ="safe").load(SEED_YAML.read_text())


def variant(base: dict, path: str, value) -> dict:
    """A deep copy of ``base`` with the dotted ``path`` set to ``value``.

    A key met inside a list picks the entry with that ``name`` (``protocols.war-room.room``).
    """
    doc = copy.deepcopy(base)
    *parents, last = path.split(".")
    cur = doc
    for key in parents:
        if isinstance(cur, list):
            cur = next(item for item in cur if item.get("name") == key)
        else:
            cur = cur.setdefault(key, {})
    cur[last] = value
    return doc
