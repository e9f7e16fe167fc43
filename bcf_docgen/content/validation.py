"""Turning pydantic's validation errors into findings a plan author can act on.

Pydantic says `extra_forbidden at ('risks', 0, 'likelyhood')`; an author needs
`risks.yaml:12:5: error: unknown key 'likelyhood' (did you mean 'likelihood'?)`.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from ..findings import Finding, Location, Severity
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


def validation_findings(
    exc: ValidationError, model: type[BaseModel], smap: SourceMap, prefix: tuple = ()
) -> list[Finding]:
    """One finding per pydantic error, located at the offending key or value.

    A required key that is only misspelt (`likelyhood:` for `likelihood:`) is reported
    once, as the unknown key with its suggestion, not also as a missing key.
    """
    findings: list[tuple[tuple, Finding]] = []
    misspelt: set[tuple] = set()  # paths of required keys that an unknown key resembles
    for error in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(error["loc"])
        kind = error["type"]
        path = _real_path(loc, smap)
        key = next((p for p in reversed(error["loc"]) if isinstance(p, str)), None)
        label = f"'{key}'" if key else "value"
        value = error.get("input")
        hint = ""
        location: Location = smap.value(path)
        if kind == "extra_forbidden":
            location = smap.key(path)
            parent = model_at(model, tuple(p for p in path[len(prefix) :][:-1]))
            choices = field_names(parent) if parent else []
            message = f"unknown key '{key}'"
            hint = did_you_mean(str(key), choices)
            close = difflib.get_close_matches(str(key), choices, n=1, cutoff=0.6)
            if close:
                misspelt.add((*loc[:-1], close[0]))
        elif kind == "missing":
            message = f"missing required key '{key}'"
            hint = f"add '{key}:' here"
        elif kind == "money":
            message = f"{label}: {error['msg']}"
            hint = MONEY_HINT
        elif kind == "number":
            message = f"{label}: {error['msg']}"
            hint = "write a plain number, e.g. 1850 or 61.2 (no units or commas)"
        elif kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            message = f"{label}: {_describe(value)} is not allowed"
            hint = f"use one of {expected}"
        elif kind.startswith("date") or kind.startswith("datetime"):
            message = f"{label}: {_describe(value)} is not a date"
            hint = DATE_HINT
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message = f"{label}: expected a whole number, got {_describe(value)}"
            hint = "write digits only, e.g. 4"
        elif kind in ("bool_type", "bool_parsing"):
            message = f"{label}: expected yes or no (true/false), got {_describe(value)}"
        elif kind == "string_type":
            message = f"{label}: expected text, got {_describe(value)}"
            hint = "write text on one line, or use '|' for several lines"
        elif kind == "list_type":
            message = f"{label}: expected a list, got {_describe(value)}"
            hint = "write each item on its own line starting with '- '"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            message = f"{label}: expected a mapping of keys and values, got {_describe(value)}"
            hint = "write 'key: value' lines, indented under this key"
        elif kind == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
            if key:
                message = f"{label}: {message}"
        else:
            message = f"{label}: {error['msg']}"
        findings.append((loc, Finding(Severity.ERROR, f"schema.{kind}", message, location, hint)))
    return [f for loc, f in findings if not (f.code == "schema.missing" and loc in misspelt)]
