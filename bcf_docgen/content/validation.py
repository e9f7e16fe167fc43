"""Turning pydantic's validation errors into findings a plan author can act on.

Pydantic says `extra_forbidden at ('risks', 0, 'likelyhood')`; an author needs
`risks.yaml:12:5: error: unknown key 'likelyhood' (did you mean 'likelihood'?)`.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

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


# ---------------------------------------------------------------- reading past mistakes
#
# One mistake must neither hide other mistakes nor cause findings of its own. A model that
# fails validation is repaired and validated again until it passes: a misspelt key is
# read as the key it resembles (so `amonts:` still gives the line its amounts, and no sum
# comes out wrong), an unknown key or a wrong value is left out (its field takes its
# default), and an item that cannot stand without what was left out (a list item missing
# a required key) is dropped: the smallest item that still fails. Each mistake is
# reported once, where it was written; the repairs themselves are not reported.

MAX_ROUNDS = 12  # each round repairs at least one mistake; a plan file holds few
# A file with more mistakes than this in one round is not repaired (each repair rewrites
# the SourceMap): its mistakes are reported and it is left out, as any unreadable file.
MAX_REPAIRS = 100

M = TypeVar("M", bound=BaseModel)
Path_ = tuple[str | int, ...]


@dataclass
class Validated(Generic[M]):
    """A model read past its mistakes. `model` is None only when the top level of the file
    cannot be made valid; `complete` is False when something the author wrote was left
    out, so that checks which add up or look up what the file holds can stay quiet."""

    model: M | None
    findings: list[Finding]
    complete: bool
    smap: SourceMap


def validate_recovering(model: type[M], data: Any, smap: SourceMap) -> Validated[M]:
    """Validate `data` against `model`, reporting and repairing until it is valid."""
    findings: dict[Finding, None] = {}  # in order, each once
    complete = True
    for _ in range(MAX_ROUNDS):
        try:
            return Validated(model.model_validate(data), list(findings), complete, smap)
        except ValidationError as exc:
            findings.update(dict.fromkeys(validation_findings(exc, model, smap)))
            errors = exc.errors(include_url=False)
            if len(errors) > MAX_REPAIRS:
                break
            repair = _Repair(model, copy.deepcopy(data), smap)
            try:
                for error in errors:
                    repair.plan(error)
                if not repair.changed:
                    break
                data, smap = repair.apply()
            except (KeyError, IndexError, TypeError):  # a shape the repairs do not know:
                break  # the file's mistakes are reported all the same
            complete = complete and not repair.lossy
    return Validated(None, list(findings), False, smap)


def _field(model: type[BaseModel] | None, key: str | int | None) -> FieldInfo | None:
    if model is None or not isinstance(key, str):
        return None
    return next((i for n, i in model.model_fields.items() if (i.alias or n) == key), None)


def _order(path: Path_) -> tuple[tuple[int, int, str], ...]:
    """A sort key for paths that mix list indices and keys (later items sort higher)."""
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


class _Repair:
    """One round of repairs: planned for every error of the round, then applied together
    to a copy of the data and its SourceMap (so the errors' list indices stay valid)."""

    def __init__(self, model: type[BaseModel], data: Any, smap: SourceMap):
        self.model, self.data, self.smap = model, data, smap
        self.renames: dict[tuple[Path_, str], str] = {}
        self.drops: set[Path_] = set()
        self.placeholders: set[str] = set()

    @property
    def changed(self) -> bool:
        return bool(self.renames or self.drops or self.placeholders)

    @property
    def lossy(self) -> bool:
        return bool(self.drops or self.placeholders)

    def plan(self, error: ErrorDetails) -> None:
        path = _real_path(tuple(error["loc"]), self.smap)
        if error["type"] == "extra_forbidden":
            if path and not self._rename(path):
                self._drop(path[:-1], path[-1])
        elif error["type"] == "missing":
            key = next((p for p in reversed(error["loc"]) if isinstance(p, str)), None)
            if not self._misspelt(path, key):
                self._drop(path, key)
        elif path:
            self._drop(path[:-1], path[-1])

    def _at(self, path: Path_) -> Any:
        value = self.data
        for part in path:
            value = value[part]
        return value

    def _rename(self, path: Path_) -> bool:
        """Read a misspelt key as the field it resembles, when that field is not written."""
        mapping = self._at(path[:-1])
        owner = model_at(self.model, path[:-1])
        if owner is None or not isinstance(mapping, dict):
            return False
        taken = {new for (where, _), new in self.renames.items() if where == path[:-1]}
        free = [k for k in field_names(owner) if k not in mapping and k not in taken]
        close = difflib.get_close_matches(str(path[-1]), free, n=1, cutoff=0.6)
        if close:
            self.renames[(path[:-1], str(path[-1]))] = close[0]
        return bool(close)

    def _misspelt(self, path: Path_, key: str | None) -> bool:
        """A missing key that an unknown key beside it resembles: the rename supplies it."""
        mapping = self._at(path)
        if key is None or not isinstance(mapping, dict):
            return False
        written = [k for k in mapping if isinstance(k, str) and k != key]
        return bool(difflib.get_close_matches(key, written, n=1, cutoff=0.6))

    def _drop(self, path: Path_, key: str | int | None) -> None:
        """Leave out `key` of the mapping or list at `path`; when the field is required,
        the item that holds it instead, and so outwards. A required text of the file's
        top level is left empty instead, so the rest of the file is still read."""
        while True:
            info = _field(model_at(self.model, path), key)
            if key is not None and (info is None or not info.is_required()):
                self.drops.add((*path, key))
                return
            if not path:
                if info is not None and info.annotation is str and isinstance(key, str):
                    self.placeholders.add(key)
                return
            path, key = path[:-1], path[-1]

    def apply(self) -> tuple[Any, SourceMap]:
        smap = self.smap
        for (where, old), new in self.renames.items():
            mapping = self._at(where)
            mapping[new] = mapping.pop(old)
            smap = _moved(smap, (*where, old), (*where, new))
        for path in sorted(self.drops, key=_order, reverse=True):
            try:
                container = self._at(path[:-1])
                del container[path[-1]]
            except (KeyError, IndexError, TypeError):
                continue  # inside something already left out
            smap = _moved(smap, path, None)
        for key in self.placeholders:
            self.data[key] = ""
        return self.data, smap


def _moved(smap: SourceMap, old: Path_, new: Path_ | None) -> SourceMap:
    """`smap` with the paths under `old` moved to `new`, or removed (new is None); removing
    a list item moves the items after it up one, as the list itself does."""
    n = len(old)

    def move(path: Path_) -> Path_ | None:
        if path[:n] == old:
            return None if new is None else (*new, *path[n:])
        last = old[-1] if old else None
        index = path[n - 1] if n and len(path) >= n else None
        if (
            new is None
            and isinstance(last, int)
            and isinstance(index, int)
            and index > last
            and path[: n - 1] == old[:-1]
        ):
            return (*old[:-1], index - 1, *path[n:])
        return path

    def moved(table: dict[Path_, Location]) -> dict[Path_, Location]:
        out: dict[Path_, Location] = {}
        for path, where in table.items():
            target = move(path)
            if target is not None:
                out[target] = where
        return out

    blocks = {t for t in (move(p) for p in smap.blocks) if t is not None}
    return SourceMap(smap.file, moved(smap.values), moved(smap.keys), smap.line_offset, blocks)
