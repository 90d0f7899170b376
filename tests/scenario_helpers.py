"""Helpers shared by tests that start from the default scenario and vary it."""

from __future__ import annotations

import copy
from pathlib import Path

from ruamel.yaml import YAML

# a small valid scenario (18 lines); tests derive broken variants by editing its text
MINIMAL_YAML = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: tiny}
org:
  teams:
    - {name: app, size: 4, duties: [ic]}
  services:
    - {name: api, team: app}
incidents:
  arrivals: {rate_per_week: 2}
  mix: {single-service: 1.0}
  categories:
    single-service:
      diagnosis: {dist: lognormal, median: 40, sigma: 0.6}
      fix: 15
protocols:
  - {name: war-room, kind: war-room}
  - {name: async-first, kind: async-first}
"""

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


def load_drill_here(text: str):
    """A drill file's text loaded as ``d.yaml`` beside the example scenarios (so ``scenario.path:
    seed.yaml`` resolves)."""
    from incsim.scenario.drill import load_drill_text

    return load_drill_text(text, "d.yaml", base=SEED_YAML.parent)


def drill_problems(text: str) -> list[str]:
    """The located problems a drill file's text is refused with (it must be refused)."""
    import pytest

    from incsim.scenario.loader import ScenarioError

    with pytest.raises(ScenarioError) as err:
        load_drill_here(text)
    return [str(p) for p in err.value.problems]
