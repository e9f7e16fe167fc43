"""YAML loaded safely, with the line and column of every key and value kept.

PyYAML's SafeLoader builds no objects from tags; we compose the node tree ourselves so
that duplicate keys are caught (PyYAML silently keeps the last one) and so that every
value can later be traced back to `file:line:col` when a model or a check rejects it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..findings import Location
from .files import ContentError

Path_ = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of one YAML document stands in its file."""

    file: str
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    line_offset: int = 0
    blocks: set[Path_] = field(default_factory=set)  # values written as '|' or '>' blocks

    def text_line(self, path: Path_, line: int) -> Location:
        """Where line `line` (1-based) of a text value stands: a '|' block starts below its key."""
        start = self.value(path)
        first = start.line + 1 if tuple(path) in self.blocks else start.line
        column = 1 if line > 1 or tuple(path) in self.blocks else start.column
        return Location(start.file, first + line - 1, column)

    def value(self, path: Path_) -> Location:
        """The location of the value at `path`, or of the nearest enclosing value."""
        path = tuple(path)
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Location(self.file, 1 + self.line_offset, 1))

    def key(self, path: Path_) -> Location:
        """The location of the key that introduces `path` (for unknown-key messages)."""
        path = tuple(path)
        if path in self.keys:
            return self.keys[path]
        return self.value(path)


class _Loader(yaml.SafeLoader):
    """SafeLoader: only plain scalars, lists and mappings; no tag builds an object."""


# The same safe loading with libyaml's parser (several times faster), when PyYAML has it.
_FastLoader = getattr(yaml, "CSafeLoader", None)


def _location(file: str, mark: yaml.Mark | None, line_offset: int) -> Location:
    if mark is None:
        return Location(file, 1 + line_offset, 1)
    return Location(file, mark.line + 1 + line_offset, mark.column + 1)


def load_yaml(text: str, file: str, line_offset: int = 0) -> tuple[Any, SourceMap]:
    """Parse one YAML document; returns plain data (dict/list/scalars) and its SourceMap.

    Raises ContentError for syntax errors, duplicate keys, unsafe tags and several
    documents in one file.
    """
    if _FastLoader is not None:
        smap = SourceMap(file, line_offset=line_offset)
        try:
            loader = _FastLoader(text)
            try:
                node = loader.get_single_node()
                return (None, smap) if node is None else (_convert(node, (), loader, smap), smap)
            finally:
                loader.dispose()
        except Exception:  # any problem is reported by the pure-Python loader below,
            pass  # in the same words and at the same place as before
    smap = SourceMap(file, line_offset=line_offset)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _control_character(exc, text, file, line_offset) from exc
    try:
        node = loader.get_single_node()
        return (None, smap) if node is None else (_convert(node, (), loader, smap), smap)
    except RecursionError:
        raise ContentError(
            "the file nests lists and mappings too deeply to read",
            Location(file, 1 + line_offset, 1),
            "plan files need only a few levels of indentation: flatten the structure",
            code="yaml.too-large",
        ) from None
    except yaml.reader.ReaderError as exc:
        raise _control_character(exc, text, file, line_offset) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "the YAML is not well formed"
        context = exc.context or ""
        if "expected a single document" in context:
            problem = "the file holds more than one YAML document ('---' in the middle)"
        elif _opened_earlier(exc):
            # An unclosed quote or bracket is found where the file ends or the next key
            # starts; the author needs the line where it was opened.
            what = "quoted text" if "quoted" in context else "'{' or '['"
            problem = f"the {what} that opens here is not closed ({problem})"
            mark = exc.context_mark
        raise ContentError(
            f"YAML syntax error: {problem}",
            _location(file, mark, line_offset),
            _syntax_hint(problem),
            code="yaml.syntax",
        ) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text
        raise ContentError(f"YAML error: {exc}", Location(file), code="yaml.syntax") from exc
    finally:
        loader.dispose()


def _opened_earlier(exc: yaml.MarkedYAMLError) -> bool:
    opened, found = exc.context_mark, exc.problem_mark
    return (
        (exc.context or "").startswith(("while scanning a quoted scalar", "while parsing a flow"))
        and opened is not None
        and (found is None or found.line != opened.line)
    )


def _control_character(
    exc: yaml.reader.ReaderError, text: str, file: str, line_offset: int
) -> ContentError:
    """YAML refuses control characters (NUL, escape, ...); say which and where."""
    before = text[: exc.position]
    line = before.count("\n") + 1 + line_offset
    column = exc.position - (before.rfind("\n") + 1) + 1
    return ContentError(
        f"the file holds a control character (U+{exc.character:04X}) that YAML does not allow",
        Location(file, line, column),
        "delete the character; it is often pasted in invisibly from another program",
        code="yaml.syntax",
    )


def _syntax_hint(problem: str) -> str:
    if "quoted text that opens here" in problem:
        return "close the quote at the end of the text, with the same kind of quote mark"
    if "'{' or '['" in problem:
        return "close it with '}' or ']' on the same line, or write the items as '- ' lines"
    if "more than one YAML document" in problem:
        return "a plan file holds one document: remove the extra '---' line"
    if "'\\t'" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "put text that contains ': ' in quotes, or use '>-' for a long line"
    if "found character '@'" in problem or "found character '`'" in problem:
        return "put text that starts with '@' or '`' in quotes"
    return "check the indentation and quotes on this line and the one before"


_PLAIN_TAGS: dict[type[yaml.Node], str] = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


def _unsafe_tag(node: yaml.Node, smap: SourceMap) -> ContentError:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return ContentError(
        f"YAML tag '{tag}' is not allowed in plan content",
        _location(smap.file, node.start_mark, smap.line_offset),
        "remove the '!' tag: plan files hold plain text, numbers, dates, lists and mappings",
        code="yaml.unsafe-tag",
    )


# Far more values than any plan file holds; aliases (`*name`) that expand past it are a
# "billion laughs" bomb, refused before they exhaust memory.
MAX_VALUES = 100_000


def _convert(node: yaml.Node, path: Path_, loader: _Loader, smap: SourceMap) -> Any:
    smap.values[path] = _location(smap.file, node.start_mark, smap.line_offset)
    if len(smap.values) > MAX_VALUES:
        raise ContentError(
            f"the file expands to more than {MAX_VALUES:,} values",
            _location(smap.file, node.start_mark, smap.line_offset),
            "write values out instead of repeating them with '*' aliases",
            code="yaml.too-large",
        )
    if type(node) in _PLAIN_TAGS and node.tag != _PLAIN_TAGS[type(node)]:
        # `!!python/object/apply:os.system [...]` is a tagged list: never silently a list.
        raise _unsafe_tag(node, smap)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ContentError(
                    "a mapping key must be a plain value",
                    _location(smap.file, key_node.start_mark, smap.line_offset),
                    code="yaml.syntax",
                )
            # A key is always its text: `2025-26`, `2025-04`, `yes` and `1` mean what they say.
            key = key_node.value
            key_location = _location(smap.file, key_node.start_mark, smap.line_offset)
            if key in result:
                first = smap.keys[(*path, key)]
                raise ContentError(
                    f"duplicate key '{key}' (first given on line {first.line})",
                    key_location,
                    "a key may appear once in a mapping: remove or rename one of them",
                    code="yaml.duplicate-key",
                )
            smap.keys[(*path, key)] = key_location
            result[key] = _convert(value_node, (*path, key), loader, smap)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), loader, smap) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        smap.blocks.add(path)
    return _scalar(node, loader, smap)


def _scalar(node: yaml.Node, loader: _Loader, smap: SourceMap) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise _unsafe_tag(node, smap) from exc
    except ValueError as exc:  # a date such as 2025-02-30, or a number of 4,300+ digits
        where = _location(smap.file, node.start_mark, smap.line_offset)
        if node.tag.endswith(":timestamp"):
            message = f"'{node.value}' is not a real date ({exc})"
            hint = "write dates as YYYY-MM-DD, e.g. 2025-03-14"
        else:
            message = f"the number '{node.value[:20]}...' is too long to read"
            hint = "write a shorter number, or put the value in quotes if it is text"
        raise ContentError(message, where, hint, code="yaml.value") from exc
