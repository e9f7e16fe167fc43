"""The base of every plan model: strict about keys, and aware of where its values came from.

Models are pydantic (typed, one pass reports every problem). After validation each model
is given its file's SourceMap and its path inside the file, so a check can say
`schemes/s3.yaml:14:7` for any field without the model carrying line numbers itself.
"""

from __future__ import annotations

import math
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, PrivateAttr
from pydantic_core import PydanticCustomError

from ..findings import Location
from ..unknown import Unknown, is_tbc
from .yamlsource import SourceMap


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        coerce_numbers_to_str=True,
        populate_by_name=True,
        validate_default=False,
    )
    _src: SourceMap | None = PrivateAttr(default=None)
    _path: tuple[str | int, ...] = PrivateAttr(default=())

    def loc(self, *keys: str | int) -> Location:
        """Where this model (or one of its keys' values) stands in its file."""
        if self._src is None:
            return Location("?")
        return self._src.value(self._path + tuple(self._alias(k) for k in keys))

    def text_loc(self, keys: tuple[str | int, ...], line: int = 1) -> Location:
        """Where line `line` of a (Markdown) text value stands in the file."""
        if self._src is None:
            return Location("?")
        return self._src.text_line(self._path + tuple(self._alias(k) for k in keys), line)

    def key_loc(self, *keys: str | int) -> Location:
        """Where the key itself stands: for 'unknown id' messages pointing at the key's line."""
        if self._src is None:
            return Location("?")
        return self._src.key(self._path + tuple(self._alias(k) for k in keys))

    def set_source(self, smap: SourceMap, path: tuple[str | int, ...]) -> None:
        """Record where this model stands in its file; `attach_sources` walks the models."""
        self._src = smap
        self._path = path

    @property
    def file(self) -> str:
        return self._src.file if self._src else "?"

    def _alias(self, key: str | int) -> str | int:
        if isinstance(key, str):
            info = type(self).model_fields.get(key)
            if info is not None and info.alias:
                return info.alias
        return key


def attach_sources(
    value: Any, smap: SourceMap, path: tuple[str | int, ...] = (), what: tuple[str, ...] = ()
) -> None:
    """Give every model inside `value` its SourceMap and path (see Model.loc), and every
    figure written `tbc` what it is and where it stands (`unknown.Unknown`)."""
    if isinstance(value, Model):
        value.set_source(smap, path)
        what = (*what, *_described(value))
        for name, info in type(value).model_fields.items():
            key = info.alias or name
            field_word = UNKNOWN_FIELD_WORDS.get(key)
            inner = (*what, field_word) if field_word else what
            attach_sources(getattr(value, name), smap, (*path, key), inner)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            attach_sources(item, smap, (*path, i), what)
    elif isinstance(value, dict):
        for key, item in value.items():
            attach_sources(item, smap, (*path, key), (*what, str(key)))
    elif isinstance(value, Unknown):
        value.what = " ".join(what) or "a figure"
        value.where = smap.value(path)


# How a figure written `tbc` is named in findings: each enclosing model adds its words
# ("S3", "line 'Home care'"), each field and year key its own ("target", "2025-26"),
# giving e.g. "S3 line 'Home care' 2025-26" or "metric 'falls' target 2025-26".
UNKNOWN_MODEL_WORDS = {
    "Scheme": "{id}",
    "ExpenditureLine": "line '{line}'",
    "FundingSource": "funding source '{id}'",
    "Passport": "passported to '{to}'",
    "ControlTotal": "control total for '{what}' {year}",
    "RingFence": "ring-fence '{rule}' {year}",
    "Metric": "metric '{id}'",
    "Baseline": "baseline ({period})",
}
UNKNOWN_FIELD_WORDS = {"targets": "target", "actuals": "actual", "last_year": "last year"}


def _described(model: Model) -> tuple[str, ...]:
    pattern = UNKNOWN_MODEL_WORDS.get(type(model).__name__)
    if pattern is None:
        return ()
    try:
        return (pattern.format_map(model.__dict__),)
    except (KeyError, ValueError, IndexError):
        return ()


MONEY_HINT = (
    "write pounds as a whole number, e.g. 1250000 (or 1_250_000), or tbc while the "
    "figure is not yet known"
)


def _money(value: Any) -> int | Unknown:
    if is_tbc(value):
        return Unknown()
    if isinstance(value, bool) or value is None:
        raise PydanticCustomError(
            "money", "expected an amount in pounds, got {value}", {"value": value}
        )
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise PydanticCustomError(
                "money", "{value} is not a whole number of pounds", {"value": value}
            )
    if isinstance(value, str):
        raise PydanticCustomError(
            "money",
            "'{value}' is text, not an amount of money (write tbc for one not yet known)",
            {"value": value},
        )
    if not isinstance(value, int):
        raise PydanticCustomError("money", "expected an amount in pounds", {})
    if value < 0:
        raise PydanticCustomError(
            "money", "{value} is negative: amounts of money cannot be below zero", {"value": value}
        )
    return value


def _number(value: Any) -> float | int | Unknown:
    if is_tbc(value):
        return Unknown()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number", "expected a number, got '{value}'", {"value": value})
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "number", "expected a finite number, got {value}", {"value": value}
        )
    return value


# An amount of money in pounds, or a figure not yet known (`tbc`); a metric's figure alike.
Money = Annotated[int | Unknown, PlainValidator(_money)]
Number = Annotated[float | int | Unknown, PlainValidator(_number)]


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys an author may write for a model (aliases where they exist)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def model_at(root: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that the mapping at `path` is validated against, if there is one."""
    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if part in fields:
                current = fields[part].annotation
                continue
        return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional, list[...] and dict[..., X] down to the item type."""
    for _ in range(6):
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is Annotated or origin in (list, tuple, set):
            annotation = args[0]
        elif origin is dict:
            annotation = args[1]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models:
                annotation = models[0]
            else:
                non_none = [a for a in args if a is not type(None)]
                annotation = non_none[0] if non_none else annotation
                if len(non_none) != 1:
                    return annotation
        else:
            return annotation
    return annotation
