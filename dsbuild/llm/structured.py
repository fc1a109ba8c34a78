"""Structured output: a task's output fields as a JSON schema, and getting a valid object back.

The schema is sent as `response_format` where the backend takes it; whatever comes back is still
parsed defensively (a bare object, a fenced ```json block, an object inside prose) and validated,
because JSON mode and weaker backends do not guarantee the shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from jsonschema import Draft202012Validator

from ..errors import UserError

TYPES = ("string", "integer", "number", "boolean")
MODES = ("json_schema", "json_object", "none")
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)
_THINK = re.compile(r"^\s*<think>(.*?)</think>\s*", re.DOTALL)


def schema_for(fields: Mapping[str, str | Mapping], where: str = "prompt.output_schema") -> dict:
    """A JSON schema for an object with these fields, all required.

    A field is a type name (`string`, `integer`, `number`, `boolean`) or a mapping such as
    `{type: integer, minimum: 1, maximum: 5}` or `{enum: [a, b, c]}`; null removes a field.
    """
    fields = {name: spec for name, spec in (fields or {}).items() if spec is not None}
    if not fields:
        raise UserError(f"{where} is empty; give the output fields, e.g. {{cot: string}}")
    properties = {}
    for name, spec in fields.items():
        if isinstance(spec, str):
            spec = {"type": spec}
        spec = dict(spec)
        if "enum" not in spec and spec.get("type") not in TYPES:
            raise UserError(f"{where}.{name}: type {spec.get('type')!r} is not one of {', '.join(TYPES)} (or an enum)")
        if spec.get("type") == "string" and "minLength" not in spec:
            spec["minLength"] = 1
        properties[str(name)] = spec
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def response_format(schema: dict, mode: str) -> dict | None:
    """The `response_format` to send: the schema itself, JSON mode, or nothing."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": True}}
    if mode == "json_object":
        return {"type": "json_object"}
    if mode == "none":
        return None
    raise UserError(f"llm.structured_output {mode!r} is not one of {', '.join(MODES)}")


def split_think(text: str) -> tuple[str | None, str]:
    """(`<think>` reasoning or None, the rest): reasoning models that inline their thoughts."""
    match = _THINK.match(text)
    if not match:
        return None, text
    return match.group(1).strip(), text[match.end():]


def parse_object(text: str | None) -> dict:
    """The JSON object in a model's answer; ValueError with a short reason if there is none."""
    if not text or not text.strip():
        raise ValueError("empty output")
    _, text = split_think(text)
    candidates = [text.strip(), *(_FENCE.findall(text))]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object in the output")


def schema_errors(value: dict, schema: dict) -> str | None:
    """None if `value` fits `schema`, else the validation errors on one line."""
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    if not errors:
        return None
    return "; ".join(f"{'.'.join(map(str, e.path)) or 'output'}: {e.message}" for e in errors[:3])
