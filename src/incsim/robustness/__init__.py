"""Robustness: how far the comparison of protocols holds over the plausible range of every
assumption a scenario's ``uncertainty:`` section names.

``design`` (the parameter sets: the scenario, a line through each range, a Saltelli design),
``analysis`` (spreads, noise-only intervals, Sobol' indices, flip points) and ``study`` (running
a study into a sealed, resumable folder with ``robustness.json``).
"""

from __future__ import annotations

import importlib

_WHERE = {
    "DECISION_METRICS": "analysis",
    "comparisons": "analysis",
    "flip_points": "analysis",
    "sensitivity": "analysis",
    "Design": "design",
    "DesignError": "design",
    "build_design": "design",
    "parameters_of": "design",
    "StudyInterrupted": "study",
    "StudyOutcome": "study",
    "run_study": "study",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """The package's names, each loaded from its module when first asked for: the report reads a
    study's words (``robustness.words``) without loading the simulator the study runs.
    A convenience for Python users only: incsim's own modules import a name from the module that
    defines it, so the import graph that ``lint-imports`` and ``tests/core/test_layers.py`` check sees
    every dependency (a name loaded here by its string is invisible to them)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'incsim.robustness' has no attribute {name!r}")
    return getattr(importlib.import_module(f"incsim.robustness.{_WHERE[name]}"), name)
