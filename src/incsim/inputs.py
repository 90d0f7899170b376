"""The front door for incsim's input files: scenarios, drills, sweeps and drill transcripts.

Every kind is read the same way (``scenario.loader.read_scenario_text`` for the bytes,
``read_document`` for the YAML: size, NUL bytes, flow and block depth, aliases, positions) and
every problem is a ``LocatedProblem`` (``FILE:LINE:COL``) in a ``ScenarioError``. The file's
top-level ``kind:`` says which loader validates it; a file without one (or with a kind incsim does
not know) is read as a scenario, whose own checks then name the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incsim.scenario.loader import read_document, read_scenario_text

KINDS = ("Scenario", "Drill", "Sweep", "DrillTranscript")
"""The values of ``kind:`` an input file may declare."""

SCHEMA_KINDS = {"scenario": "Scenario", "drill": "Drill", "sweep": "Sweep", "transcript": "DrillTranscript"}
"""``incsim schema --kind`` names -> the ``kind:`` of the files the schema describes."""


@dataclass(frozen=True)
class Input:
    """A validated input file: its kind (one of ``KINDS``) and what its kind's loader made of it
    (a ``Scenario``, a ``LoadedDrill``, a ``Sweep`` or a ``Transcript``)."""

    kind: str
    value: Any


def kind_of(text: str, filename: str) -> str:
    """The kind of the input file in ``text`` (``Scenario`` when it declares none incsim knows)."""
    kind = read_document(text, filename).get("kind")
    return kind if isinstance(kind, str) and kind in KINDS else "Scenario"


def load_input_text(text: str, filename: str, base: Path | None = None) -> Input:
    """The input file in ``text``, validated by its kind's loader; ``base`` is the folder that
    paths inside it (a drill's or sweep's scenario) are relative to."""
    kind = kind_of(text, filename)
    if kind == "Drill":
        from incsim.scenario.drill import load_drill_text

        return Input(kind, load_drill_text(text, filename, base=base))
    if kind == "Sweep":
        from incsim.sweep.loading import load_sweep_text

        return Input(kind, load_sweep_text(text, filename, base))
    if kind == "DrillTranscript":
        from incsim.drill.transcript import transcript_from_text

        return Input(kind, transcript_from_text(text, filename))
    from incsim.scenario.loader import load_scenario_text

    return Input(kind, load_scenario_text(text, filename))


def load_input(path: str | Path) -> Input:
    """The input file at ``path``, validated by its kind's loader (see ``load_input_text``)."""
    p = Path(path)
    return load_input_text(read_scenario_text(p), str(path), base=p.parent)


def json_schema(kind: str) -> str:
    """The JSON Schema of one kind of input file (a ``SCHEMA_KINDS`` name), as deterministic text."""
    from incsim.scenario.jsonschema import JSON_SCHEMA_DIALECT

    if kind == "scenario":
        from incsim.scenario.jsonschema import scenario_json_schema

        return scenario_json_schema()
    if kind == "drill":
        from incsim.scenario.drill import drill_json_schema

        return drill_json_schema()
    if kind == "sweep":
        from incsim.sweep.schema import SweepFile

        schema = SweepFile.model_json_schema(by_alias=True, mode="validation")
    elif kind == "transcript":
        schema = _transcript_schema()
    else:
        raise KeyError(kind)
    return (
        json.dumps({"$schema": JSON_SCHEMA_DIALECT, **schema}, indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )


def _transcript_schema() -> dict:
    """A transcript's shape, from the actions the reader accepts (``transcript.DO_KEYS``)."""
    from incsim.drill.transcript import DO_KEYS

    actions = [
        {
            "type": "object",
            "title": do,
            "properties": {
                "t": {"type": "number", "minimum": 0},
                "do": {"const": do},
                **{k: {} for k in keys},
            },
            "required": ["t", "do", *keys],
        }
        for do, keys in DO_KEYS.items()
    ]
    return {
        "title": "DrillTranscript",
        "type": "object",
        "properties": {
            "apiVersion": {"const": "incsim/v1"},
            "kind": {"const": "DrillTranscript"},
            "drill": {"type": "string"},
            "seed": {"type": "integer", "minimum": 0},
            "protocol": {"type": "string"},
            "actions": {"type": "array", "items": {"oneOf": actions}},
        },
        "required": ["kind", "actions"],
    }


__all__ = ["KINDS", "SCHEMA_KINDS", "Input", "json_schema", "kind_of", "load_input", "load_input_text"]
