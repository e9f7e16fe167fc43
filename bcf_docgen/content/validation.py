"""Turning pydantic's validation errors into findings a plan author can act on.

Pydantic says `extra_forbidden at ('risks', 0, 'likelyhood')`; an author needs
`risks.yaml:12:5: error: unknown key 'likelyhood' (did you mean 'likelihood'?)`.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..findings import Finding, Severity
from .base import MONEY_HINT, field_names, model_at
from .yamlsource import SourceMap

DATE_HINT = "write dates as YYYY-MM-DD, e.g. 2025-03-14"


def did_you_mean(word: str, choices: list[str] | set[str]) -> str:
    """A hint naming the closest choice, or listing them all when none is close."""
    ordered = sorted(set(choices))
    close = difflib.get_close_matches(str(word), ordered, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not ordered:
        return ""
    shown = ", ".join(ordered[:25]) + (", ..." if len(ordered) > 25 else "")
    return f"known: {shown}"


def _real_path(loc: tuple[Any, ...], smap: SourceMap) -> tuple[str | int, ...]:
    """Drop pydantic's union/validator tags so the path matches the YAML document."""
    path: list[str | int] = []
    for part in loc:
        candidate = (*path, part)
        if candidate in smap.values or candidate in smap.keys:
            path.append(part)
    return tuple(path)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return f"'{text[:60]}'" if isinstance(value, str) else text


# Wrong-type errors: what the author should have written, and how to write it.
_EXPECTED: dict[str, tuple[str, str]] = {
    "int_type": ("a whole number", "write digits only, e.g. 4"),
    "int_parsing": ("a whole number", "write digits only, e.g. 4"),
    "int_from_float": ("a whole number", "write digits only, e.g. 4"),
    "bool_type": ("yes or no (true/false)", ""),
    "bool_parsing": ("yes or no (true/false)", ""),
    "string_type": ("text", "write text on one line, or use '|' for several lines"),
    "list_type": ("a list", "write each item on its own line starting with '- '"),
    "dict_type": (
        "a mapping of keys and values",
        "write 'key: value' lines, indented under this key",
    ),
    "model_type": (
        "a mapping of keys and values",
        "write 'key: value' lines, indented under this key",
    ),
    "model_attributes_type": (
        "a mapping of keys and values",
        "write 'key: value' lines, indented under this key",
    ),
}
# Errors whose own message is clear enough but says nothing about how to fix it.
_HINTS = {
    "money": MONEY_HINT,
    "number": "write a plain number, e.g. 1850 or 61.2 (no units or commas)",
}


def _message(error: ErrorDetails, key: str | None) -> tuple[str, str]:
    """The message and hint for every kind of error but an unknown key."""
    kind = error["type"]
    label = f"'{key}'" if key else "value"
    value = error.get("input")
    if kind == "missing":
        return f"missing required key '{key}'", f"add '{key}:' here"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{label}: {_describe(value)} is not allowed", f"use one of {expected}"
    if kind.startswith("date"):  # date_parsing, datetime_type, ...
        return f"{label}: {_describe(value)} is not a date", DATE_HINT
    if kind in _EXPECTED:
        wanted, hint = _EXPECTED[kind]
        return f"{label}: expected {wanted}, got {_describe(value)}", hint
    if kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        return (f"{label}: {message}" if key else message), ""
    return f"{label}: {error['msg']}", _HINTS.get(kind, "")


def validation_findings(
    exc: ValidationError,
    model: type[BaseModel],
    smap: SourceMap,
    prefix: tuple[str | int, ...] = (),
) -> list[Finding]:
    """One finding per pydantic error, located at the offending key or value.

    A required key that is only misspelt (`likelyhood:` for `likelihood:`) is reported
    once, as the unknown key with its suggestion, not also as a missing key.
    """
    findings: list[tuple[tuple[str | int, ...], Finding]] = []
    misspelt: set[tuple[str | int, ...]] = set()  # required keys an unknown key resembles
    for error in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(error["loc"])
        kind = error["type"]
        path = _real_path(loc, smap)
        key = next((p for p in reversed(error["loc"]) if isinstance(p, str)), None)
        if kind == "extra_forbidden":
            location = smap.key(path)
            parent = model_at(model, tuple(p for p in path[len(prefix) :][:-1]))
            choices = field_names(parent) if parent else []
            message = f"unknown key '{key}'"
            hint = did_you_mean(str(key), choices)
            close = difflib.get_close_matches(str(key), choices, n=1, cutoff=0.6)
            if close:
                misspelt.add((*loc[:-1], close[0]))
        else:
            location = smap.value(path)
            message, hint = _message(error, key)
        findings.append((loc, Finding(Severity.ERROR, f"schema.{kind}", message, location, hint)))
    return [f for loc, f in findings if not (f.code == "schema.missing" and loc in misspelt)]
