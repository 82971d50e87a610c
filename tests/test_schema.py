"""docs/scenario.schema.json is generated from the models, is up to date, and accepts the library."""

from __future__ import annotations

import json

import jsonschema
import yaml

from simulator.cli import scenario_json_schema
from tests.conftest import ROOT


def test_published_schema_is_up_to_date_and_accepts_every_shipped_scenario():
    published = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert published == json.loads(json.dumps(scenario_json_schema())), (
        "run: crisisdrill scenario schema -o docs/scenario.schema.json"
    )
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), published)
