"""The JSON frames a client may send, validated explicitly before anything acts on them.

A frame is a JSON object with a "type" and that type's fields, nothing else. Any
deviation raises `FrameError`, which the consumer turns into an error frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from exchange.coordination import conf


class FrameError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Frame:
    type: str
    fields: dict[str, Any]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_client_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


# type -> {field: (required, check, description)}
SCHEMA: dict[str, dict[str, tuple[bool, Any, str]]] = {
    "ping": {},
    "message.send": {
        "body": (True, _is_text, "a non-empty string"),
        "client_id": (False, _is_client_id, "a string of at most 64 characters"),
        "document": (False, lambda v: v is None or _is_id(v), "a document id or null"),
    },
    "message.edit": {
        "id": (True, _is_id, "a message id"),
        "body": (True, _is_text, "a non-empty string"),
    },
    "message.delete": {"id": (True, _is_id, "a message id")},
    "read": {"id": (True, _is_id, "a message id")},
}


def max_frame_bytes() -> int:
    return conf.get("COORDINATION_MAX_FRAME_BYTES")


def parse_frame(text: str | None, allowed: set[str] | None = None) -> Frame:
    """Parse and validate one text frame; raises FrameError with a clear message."""
    if text is None:
        raise FrameError("invalid_frame", "Send JSON text frames, not binary ones.")
    if len(text.encode()) > max_frame_bytes():
        raise FrameError(
            "too_large", f"Frames are limited to {max_frame_bytes()} bytes."
        )
    try:
        content = json.loads(text)
    except ValueError:
        raise FrameError("invalid_frame", "The frame is not valid JSON.") from None
    if not isinstance(content, dict):
        raise FrameError("invalid_frame", "A frame is a JSON object.")
    frame_type = content.get("type")
    types = allowed if allowed is not None else set(SCHEMA)
    if not isinstance(frame_type, str) or frame_type not in types:
        raise FrameError(
            "invalid_frame", f"Unknown frame type; expected one of {sorted(types)}."
        )
    schema = SCHEMA[frame_type]
    unknown = set(content) - set(schema) - {"type"}
    if unknown:
        raise FrameError("invalid_frame", f"Unexpected fields: {sorted(unknown)}.")
    fields = {}
    for name, (required, check, description) in schema.items():
        if name not in content:
            if required:
                raise FrameError("invalid_frame", f'"{name}" is required.')
            continue
        if not check(content[name]):
            raise FrameError("invalid_frame", f'"{name}" must be {description}.')
        fields[name] = content[name]
    return Frame(frame_type, fields)
