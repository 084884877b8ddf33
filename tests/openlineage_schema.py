"""Validate OpenLineage events against the spec's JSON schemas vendored in ``tests/fixtures/openlineage/``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parent / "fixtures" / "openlineage"


def facets_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Every facet of an event: run, job, and each dataset's facets, input and output facets."""
    groups = [event["run"].get("facets", {}), event["job"].get("facets", {})]
    for dataset in event.get("inputs", []):
        groups += [dataset.get("facets", {}), dataset.get("inputFacets", {})]
    for dataset in event.get("outputs", []):
        groups += [dataset.get("facets", {}), dataset.get("outputFacets", {})]
    return [facet for group in groups for facet in group.values()]


def event_validator() -> Callable[[dict[str, Any]], set[str]]:
    """A function that validates one event against the schema its ``schemaURL`` names and each facet against
    the schema its ``_schemaURL`` names (offline: a URL that no vendored file has fails), and returns the
    facet schema file names it checked."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    files = [SPEC / "OpenLineage.json", *SPEC.glob("facets/*.json")]
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    registry: Registry[Any] = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in documents)

    def check(instance: dict[str, Any], schema_url: str) -> None:
        Draft202012Validator(
            {"$ref": schema_url}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        ).validate(instance)

    def validate(event: dict[str, Any]) -> set[str]:
        check(event, event["schemaURL"])
        names = set()
        for facet in facets_of(event):
            check(facet, facet["_schemaURL"])
            names.add(facet["_schemaURL"].split("#")[0].rsplit("/", 1)[1])
        return names

    return validate
