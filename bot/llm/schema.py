"""JSON schemas for structured output, from pydantic models, in the strict form endpoints enforce."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every object closed and every property required.

    OpenAI's strict `json_schema` mode (and the grammar-constrained decoders of vLLM and llama.cpp)
    accept only closed objects whose properties are all listed in `required`; defaults are not part
    of that dialect, so they are dropped.
    """
    schema = model.model_json_schema()
    _close(schema)
    return schema


def _close(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("default", None)
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for item in node:
            _close(item)
