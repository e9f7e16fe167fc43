"""YAML loaded safely, with the line and column of every key and value kept.

PyYAML's SafeLoader builds no objects from tags; we compose the node tree ourselves so
that duplicate keys are caught (PyYAML silently keeps the last one) and so that every
value can later be traced back to `file:line:col` when a model or a check rejects it.
"""

from __future__ import annotations

import re
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


def _location(file: str, mark: Any, line_offset: int) -> Location:
    """Where a mark (PyYAML's or libyaml's) stands, 1-based."""
    if mark is None:
        return Location(file, 1 + line_offset, 1)
    return Location(file, mark.line + 1 + line_offset, mark.column + 1)


def load_yaml(text: str, file: str, line_offset: int = 0) -> tuple[Any, SourceMap]:
    """Parse one YAML document; returns plain data (dict/list/scalars) and its SourceMap.

    Raises ContentError for syntax errors, duplicate keys, unsafe tags, several
    documents in one file, and a file past the limits (MAX_BYTES, MAX_DEPTH, MAX_VALUES).
    """
    _check_size(text, file, line_offset)
    _check_shape(text, file, line_offset)
    if _FastLoader is not None:
        smap = SourceMap(file, line_offset=line_offset)
        try:
            loader = _FastLoader(text)
            try:
                node = loader.get_single_node()
                return (None, smap) if node is None else (_convert(node, (), loader, smap), smap)
            finally:
                loader.dispose()
        except ContentError:
            raise  # our own finding: the same from either loader
        except Exception:  # any other problem is reported by the pure-Python loader below,
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
        indentation = _indentation(text, mark.line, line_offset) if mark else None
        if mark is not None and indentation is not None and not _opened_earlier(exc):
            message, hint, column = indentation
            raise ContentError(
                f"YAML syntax error: {message}",
                Location(file, mark.line + 1 + line_offset, column),
                hint,
                code="yaml.syntax",
            ) from exc
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


# Limits on one YAML document (docs/security.md, "Limits"). A plan's largest file is tens
# of kilobytes, a few levels deep; these are far above that and far below what would
# exhaust memory or time. Each is a `yaml.too-large` finding at the line that passes it.
MAX_BYTES = 4 * 1024 * 1024  # the document's size
MAX_DEPTH = 64  # lists and mappings inside each other
# Values (scalars, lists and mappings), counting each `*alias` as all that it repeats:
# aliases that expand past this are a "billion laughs" bomb, refused before they exhaust
# memory. The document as written is counted before it is built, so that a file of
# millions of short values is refused without building them.
MAX_VALUES = 100_000
TOO_LARGE_HINT = "plan files hold at most a few thousand values: split the file or shorten it"


def _check_size(text: str, file: str, line_offset: int) -> None:
    """Refuse a document over MAX_BYTES, at the line where it passes the limit."""
    if len(text) * 4 <= MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) <= MAX_BYTES:
        return
    before = text.encode("utf-8", "surrogatepass")[:MAX_BYTES].decode("utf-8", "ignore")
    raise ContentError(
        f"the file is larger than {MAX_BYTES // 1024**2} MB, the most a YAML file may be",
        Location(file, before.count("\n") + 1 + line_offset, 1),
        TOO_LARGE_HINT,
        code="yaml.too-large",
    )


def _check_shape(text: str, file: str, line_offset: int) -> None:
    """Refuse a document nested deeper than MAX_DEPTH or holding more than MAX_VALUES
    values as written, from the parser's events (one at a time, so in constant memory)
    before any of it is built. A syntax error stops the count: loading reports it."""
    depth = values = 0
    try:
        for event in yaml.parse(text, Loader=_FastLoader or _Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(_location(file, event.start_mark, line_offset))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.NodeEvent | yaml.CollectionStartEvent):
                values += 1
                if values > MAX_VALUES:
                    raise _too_many(_location(file, event.start_mark, line_offset))
    except (yaml.YAMLError, RecursionError):
        return


def _too_deep(where: Location) -> ContentError:
    return ContentError(
        f"the file nests lists and mappings more than {MAX_DEPTH} deep",
        where,
        "plan files need only a few levels of indentation: flatten the structure",
        code="yaml.too-large",
    )


def _too_many(where: Location) -> ContentError:
    return ContentError(
        f"the file expands to more than {MAX_VALUES:,} values",
        where,
        "write values out instead of repeating them with '*' aliases; " + TOO_LARGE_HINT,
        code="yaml.too-large",
    )


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


_KEY = re.compile(r"(?:- +)*([^\s:#][^:#]*?):(?:\s|$)")


def _starts(line: str) -> list[tuple[int, str]]:
    """Where things start on a YAML line, with what starts there: the line's first
    character, and after each '- ' the item's key (`  - line: A` starts at 2 and 4)."""
    indent = len(line) - len(line.lstrip(" "))
    starts = [(indent, line.strip()[:30])]
    rest = line[indent:]
    while rest.startswith("- "):
        indent += len(rest) - len(rest[1:].lstrip(" "))
        rest = rest[1:].lstrip(" ")
        starts.append((indent, rest[:30]))
    return starts


def _shown(token: str) -> str:
    """A line's key (`'type:'`, `'- line:'`) or its first words, as a hint names them."""
    match = _KEY.match(token)
    dash = "- " if token.startswith("- ") else ""
    return f"'{dash}{match.group(1)}:'" if match else f"'{token.split(' #')[0].strip()[:20]}'"


def _spaces(count: int) -> str:
    return f"{count} space{'s' if count != 1 else ''}"


def _indentation(text: str, index: int, line_offset: int) -> tuple[str, str, int] | None:
    """(message, hint, column) when the syntax error at line `index` (0-based) comes from
    its indentation: one space too many (the line then reads as more of the value above)
    or a line that lines up with nothing above it. None when the indentation is fine, so
    the error is about something else (a ': ' in unquoted text, a stray character)."""
    lines = text.split("\n")
    if not 0 <= index < len(lines) or not lines[index].strip() or "\t" in lines[index]:
        return None
    here = _starts(lines[index])[0][0]
    above = [
        (i, _starts(line))
        for i, line in enumerate(lines[:index])
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not above:
        return None
    number = index + 1 + line_offset
    previous_index, previous = above[-1]
    key_column, key = previous[-1]
    value = _KEY.match(key)
    if (
        here > key_column
        and value
        and key[value.end() :].strip()
        and _KEY.match(lines[index].strip())
    ):
        more = here - key_column
        return (
            f"line {number} is indented {_spaces(more)} more than "
            f"{_shown(key)} on line {previous_index + 1 + line_offset}",
            f"indent it like {_shown(key)} ({_spaces(key_column)}), so that it is a key of its "
            "own; if it continues the text above instead, put that text in quotes",
            here + 1,
        )
    deeper: tuple[int, int, str] | None = None  # the nearest start to the right of this line
    for i, starts in reversed(above):
        if any(column == here for column, _ in starts):
            return None
        if min(column for column, _ in starts) < here:
            shallower = max((c, t) for c, t in starts if c < here)
            options = [(i, *shallower)] + ([deeper] if deeper else [])
            choices = " or ".join(
                f"{_shown(token)} on line {line + 1 + line_offset} ({_spaces(column)})"
                for line, column, token in sorted(options, key=lambda o: -o[1])
            )
            return (
                f"line {number} is indented {_spaces(here)}, which lines up with nothing above it",
                f"indent it like {choices}: the keys of one mapping, and the '- ' items of "
                "one list, start in the same column",
                here + 1,
            )
        nearest = min(((c, t) for c, t in starts if c > here), default=None)
        if nearest and (deeper is None or nearest[0] <= deeper[1]):
            deeper = (i, *nearest)
    return None


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


MERGE_TAG = "tag:yaml.org,2002:merge"


def _convert(node: yaml.Node, path: Path_, loader: _Loader, smap: SourceMap) -> Any:
    """The plain value of `node`, its locations recorded in `smap`.

    Aliases are expanded here, so here the limits hold for the document as read: values
    counted (MAX_VALUES) and depth (MAX_DEPTH, which also stops an alias that contains
    itself, `&a [*a]`).
    """
    where = _location(smap.file, node.start_mark, smap.line_offset)
    smap.values[path] = where
    if len(smap.values) > MAX_VALUES:
        raise _too_many(where)
    if len(path) > MAX_DEPTH:
        raise _too_deep(where)
    if type(node) in _PLAIN_TAGS and node.tag != _PLAIN_TAGS[type(node)]:
        # `!!python/object/apply:os.system [...]` is a tagged list: never silently a list.
        raise _unsafe_tag(node, smap)
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, path, loader, smap)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), loader, smap) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        smap.blocks.add(path)
    return _scalar(node, loader, smap)


def _mapping(node: yaml.MappingNode, path: Path_, loader: _Loader, smap: SourceMap) -> Any:
    """A mapping, with its `<<` merge keys merged (YAML 1.1): the keys written in it override
    merged ones, and of several merged mappings (`<<: [*a, *b]`) the earlier wins."""
    explicit = [(k, v) for k, v in node.value if k.tag != MERGE_TAG]
    written = {k.value for k, _ in explicit if isinstance(k, yaml.ScalarNode)}
    pairs = _merged_pairs(node, smap, len(path), [0])
    merged = [(k, v) for k, v in pairs if k.value not in written]
    result: dict[Any, Any] = {}
    for key_node, value_node in merged + explicit:
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


def _merged_pairs(
    node: yaml.MappingNode, smap: SourceMap, depth: int, count: list[int]
) -> list[tuple[yaml.Node, yaml.Node]]:
    """The (key, value) pairs that `<<` keys of `node` bring in, each key once: the first
    source that gives a key wins, and a source's own merges come after its own keys.

    `count` holds how many pairs have been looked at: merges of merges of aliases can
    repeat a mapping as aliases repeat a list, so they count against MAX_VALUES too."""
    pairs: list[tuple[yaml.Node, yaml.Node]] = []
    seen: set[Any] = set()
    for key_node, value_node in node.value:
        if key_node.tag != MERGE_TAG:
            continue
        where = _location(smap.file, key_node.start_mark, smap.line_offset)
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise ContentError(
                    "'<<' merges a mapping into this one: give it '*name' of a mapping, "
                    "or a list of them",
                    where,
                    "write '<<: *name' where '&name' marks a mapping",
                    code="yaml.syntax",
                )
            if depth > MAX_DEPTH:  # a mapping that merges itself, `&a {<<: *a}`
                raise _too_deep(where)
            own = [(k, v) for k, v in source.value if k.tag != MERGE_TAG]
            count[0] += len(own)
            if count[0] > MAX_VALUES:
                raise _too_many(where)
            for key, value in own + _merged_pairs(source, smap, depth + 1, count):
                if isinstance(key, yaml.ScalarNode) and key.value not in seen:
                    seen.add(key.value)
                    pairs.append((key, value))
    return pairs


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
