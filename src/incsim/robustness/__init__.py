"""Robustness: how far the comparison of protocols holds over the plausible range of every
assumption a scenario's ``uncertainty:`` section names.

``design`` (the parameter sets: the scenario, a line through each range, a Saltelli design),
``analysis`` (spreads, noise-only intervals, Sobol' indices, flip points) and ``study`` (running
a study into a sealed, resumable folder with ``robustness.json``).
"""

from __future__ import annotations

from incsim.robustness.analysis import DECISION_METRICS, comparisons, flip_points, sensitivity
from incsim.robustness.design import Design, DesignError, build_design, parameters_of
from incsim.robustness.study import StudyInterrupted, StudyOutcome, run_study

__all__ = ["DECISION_METRICS", "Design", "DesignError", "StudyInterrupted", "StudyOutcome", "build_design",
           "comparisons", "flip_points", "parameters_of", "run_study", "sensitivity"]
