"""The OpenAPI document of the JSON API, and a checker for the JSON Schema it uses.

The document (`openapi.yaml`) is the contract; the checker validates an answer
against it. It covers the part of JSON Schema 2020-12 the document uses (`type`,
`enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
`maxItems`, `minimum`, `maxLength`, `pattern`, `format` date, date-time and uri,
`oneOf`, local `$ref`) and refuses any other keyword, so the document cannot use
one that nothing checks.
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

SCHEMA_PATH = Path(__file__).with_name("openapi.yaml")
PREFIX = "/api/portal/v1"

KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "maxItems",
        "minimum",
        "maxLength",
        "pattern",
        "format",
        "oneOf",
        "$ref",
        "description",
    }
)
TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


@functools.cache
def openapi() -> dict[str, Any]:
    """The OpenAPI document, read once."""
    with SCHEMA_PATH.open(encoding="utf-8") as source:
        document: dict[str, Any] = yaml.safe_load(source)
    return document


def _resolve(reference: str) -> dict[str, Any]:
    if not reference.startswith("#/"):
        raise ValueError(f"only local references are used: {reference}")
    node: Any = openapi()
    for part in reference[2:].split("/"):
        node = node[part]
    return dict(node)


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, TYPES[name])


def _format_error(value: str, fmt: str) -> str | None:
    try:
        if fmt == "date":
            datetime.date.fromisoformat(value)
        elif fmt == "date-time":
            moment = datetime.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                return "a date-time without a time zone"
        elif fmt == "uri":
            parts = urlparse(value)
            if not (parts.scheme and parts.netloc):
                return "not an absolute URI"
    except ValueError:
        return f"not a {fmt}"
    return None


def errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every way `value` breaks `schema`, each with its JSON path; [] when it holds."""
    unknown = set(schema) - KNOWN_KEYWORDS
    if unknown:
        raise ValueError(f"{path}: the checker does not know {sorted(unknown)}")
    if "$ref" in schema:
        return errors(value, _resolve(schema["$ref"]), path)
    found: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in names):
            return [f"{path}: {value!r} is not of type {schema['type']}"]
    if "const" in schema and value != schema["const"]:
        found.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not errors(value, s, path)]
        if len(matching) != 1:
            found.append(f"{path}: matches {len(matching)} of oneOf, not exactly one")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{path}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if "format" in schema:
            problem = _format_error(value, schema["format"])
            if problem:
                found.append(f"{path}: {value!r} is {problem}")
    if "minimum" in schema and _is_type(value, "number") and value < schema["minimum"]:
        found.append(f"{path}: {value} is below {schema['minimum']}")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                found += errors(item, schema["items"], f"{path}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{path}: {name!r} is missing")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += errors(item, properties[name], f"{path}.{name}")
            elif extra is False:
                found.append(f"{path}: {name!r} is not in the schema")
            elif isinstance(extra, dict):
                found += errors(item, extra, f"{path}.{name}")
    return found


def operation(path: str, method: str) -> dict[str, Any]:
    """The operation of `path` (a template of the document, e.g.
    `/rooms/{room_id}/messages`) and `method`; KeyError when undocumented."""
    operations: dict[str, Any] = openapi()["paths"][path]
    return dict(operations[method.lower()])


def documented_statuses(path: str, method: str) -> set[int]:
    return {int(status) for status in operation(path, method)["responses"]}


def response_schema(path: str, method: str, status: int) -> dict[str, Any] | None:
    """The JSON schema of the answer `status` to `method path`; None when that
    answer has no JSON body; KeyError when the status is not documented."""
    response = operation(path, method)["responses"][str(status)]
    if "$ref" in response:
        response = _resolve(response["$ref"])
    content = response.get("content", {}).get("application/json")
    return None if content is None else dict(content["schema"])
