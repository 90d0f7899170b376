"""The committed JSON Schema is exactly what the pydantic models generate today."""

import json
from importlib import resources

from incsim.scenario.jsonschema import scenario_json_schema

REGENERATE = "incsim schema -o src/incsim/scenario/scenario.schema.json"


def test_committed_schema_matches_the_models():
    committed = resources.files("incsim.scenario").joinpath("scenario.schema.json")
    assert committed.is_file(), f"scenario.schema.json is missing; run: {REGENERATE}"
    assert committed.read_text(encoding="utf-8") == scenario_json_schema(), (
        f"scenario.schema.json is out of date with schema.py; regenerate it with: {REGENERATE}"
    )


def test_schema_is_deterministic_and_uses_yaml_names():
    text = scenario_json_schema()
    assert text == scenario_json_schema()
    assert text.endswith("}\n")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert "apiVersion" in schema["properties"] and "api_version" not in schema["properties"]
    assert "mean" in schema["$defs"]["Lognormal"]["properties"]
