"""A validated scenario together with the text and source it came from: what a run records
(``scenario.yaml``, its sha256 in ``run.json``) and what a sweep or a robustness study varies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from incsim.scenario.loader import default_scenario_text, load_scenario_text, read_scenario_text
from incsim.scenario.schema import Scenario

DEFAULT_SOURCE = "<embedded default: seed.yaml>"
"""The source recorded for the embedded default scenario."""


@dataclass
class LoadedScenario:
    """A validated scenario with the text and source it came from."""

    scenario: Scenario
    text: str
    source: str


def load_with_text(path: str | Path | None) -> LoadedScenario:
    """Load and validate the scenario at ``path`` (the embedded default when None)."""
    if path is None:
        text = default_scenario_text()
        return LoadedScenario(load_scenario_text(text, "seed.yaml"), text, DEFAULT_SOURCE)
    text = read_scenario_text(path)
    return LoadedScenario(load_scenario_text(text, str(path)), text, str(path))
