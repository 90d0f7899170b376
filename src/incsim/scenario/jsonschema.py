"""The JSON Schema of a scenario file, generated from the pydantic models (for editors and CI)."""

from __future__ import annotations

import json

from incsim.scenario.schema import Scenario

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> str:
    """The JSON Schema of ``Scenario`` by alias, as deterministic text ending in a newline."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema = {"$schema": JSON_SCHEMA_DIALECT, **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
