"""Characters that no document can hold: the C0 controls but tab and line breaks, U+FFFE,
U+FFFF and surrogates on their own (`untrusted.NOT_XML`).

They arrive pasted from other programs (a vertical tab from Word, an escape sequence
from a terminal), or written as YAML escapes ("\\x01", "\\e", "\\v"). XML cannot hold
them, so every writer leaves them out of the .docx, the HTML and the PDF alike; this
rule says where each one was, so that the author can see what the outputs lost.

Markdown files are searched as written, so each finding has the character's own line
and column. A YAML value holds the character only once its escapes are read, so the
finding points at the escape (or the character) in the file, from where the value
starts; keys are reported too, since a key is printed in messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..content.base import Model
from ..content.plan import Plan
from ..findings import Findings, Location, Severity
from ..untrusted import codepoint, forbidden_characters
from .prose import Sources, markdown_files
from .registry import by_status, check

CODE = "text.control-character"
HINT = (
    "delete it (it is often pasted in invisibly from another program); the documents "
    "are built without it"
)
# How YAML's double-quoted text writes a character: \0 \a \b \e \f \v, \xXX, \uXXXX,
# \UXXXXXXXX; or the character itself.
YAML_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0abefv])")
NAMED_ESCAPES = {"0": 0x00, "a": 0x07, "b": 0x08, "e": 0x1B, "f": 0x0C, "v": 0x0B}
# A value's escapes are looked for this far past its start (quotes and folding shift
# the file's text against the value's; beyond this the value's start is reported).
SEARCH_SLACK = 400


def _described(chars: list[str]) -> str:
    """'U+0001' or 'U+0001 and 2 more (U+000B, U+001B)': which characters, by number."""
    distinct = list(dict.fromkeys(codepoint(ch) for ch in chars))
    if len(chars) == 1:
        return f"the control character {distinct[0]}"
    return f"{len(chars)} control characters ({', '.join(distinct[:5])})"


def _offset(text: str, line: int, column: int) -> int:
    """The offset of 1-based (line, column) in `text` (the end if beyond it)."""
    lines = text.split("\n", line - 1)
    if len(lines) < line:
        return len(text)
    return min(len(text) - len(lines[-1]) + max(column - 1, 0), len(text))


def _location(file: str, text: str, offset: int) -> Location:
    line = text.count("\n", 0, offset) + 1
    return Location(file, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def _escaped_character(match: re.Match[str]) -> int:
    text = match.group()
    return NAMED_ESCAPES[text[1]] if len(text) == 2 else int(text[2:], 16)


def _first_in_yaml(raw: str | None, start: Location, value: str) -> Location:
    """Where the first character XML cannot hold is written in the YAML file: the first
    such escape or raw character at or after the value's start, else the value's start."""
    if raw is None:
        return start
    position = _offset(raw, start.line, start.column)
    end = min(len(raw), position + 4 * len(value) + SEARCH_SLACK)
    window = raw[position:end]
    candidates = [offset for offset, _ch in forbidden_characters(window)][:1]
    for match in YAML_ESCAPE.finditer(window):
        if any(True for _ in forbidden_characters(chr(_escaped_character(match)))):
            candidates.append(match.start())
            break
    if not candidates:
        return start
    return _location(start.file, raw, position + min(candidates))


def _markdown(plan: Plan, sources: Sources, severity: Severity, findings: Findings) -> None:
    """Every Markdown file of the outline, searched as written: one finding per line."""
    for item in markdown_files(plan, sources):
        by_line: dict[int, tuple[Location, list[str]]] = {}
        for offset, char in forbidden_characters(item.original):
            where = item.where(offset, offset + 1)
            first, chars = by_line.setdefault(where.line, (where, []))
            chars.append(char)
        for where, chars in by_line.values():
            findings.add(
                severity, CODE, f"{_described(chars)} cannot appear in a document", where, HINT
            )


def _texts(value: Any, owner: Model, keys: tuple[str | int, ...]) -> Iterator[tuple[str, Location]]:
    """(text, where it starts) for every text of a model: values, and mapping keys."""
    if isinstance(value, Model):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), value, (name,))
    elif isinstance(value, str):
        yield value, owner.loc(*keys)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _texts(item, owner, (*keys, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield key, owner.key_loc(*keys, key)
            yield from _texts(item, owner, (*keys, key))


def _models(plan: Plan) -> list[Model]:
    """Every model read from YAML: the plan's data files, the theme, section front matter."""
    models: list[Any] = [
        plan.meta,
        plan.theme,
        plan.vision,
        *plan.schemes,
        plan.funding,
        plan.metrics,
        plan.risks,
        plan.conditions,
        plan.signoff,
        *(section.front for section in plan.sections.values()),
    ]
    if plan.board_report is not None:
        models.append(plan.board_report)
    return [model for model in models if isinstance(model, Model)]


def _yaml(plan: Plan, sources: Sources, severity: Severity, findings: Findings) -> None:
    """Every text value and key of the YAML data, and facts.yaml: one finding per text."""
    texts = [text for model in _models(plan) for text in _texts(model, model, ())]
    if plan.facts_map is not None:
        for key, value in plan.facts.items():
            texts.append((str(key), plan.facts_map.key((key,))))
            if isinstance(value, str):
                texts.append((value, plan.facts_map.value((key,))))
    for text, start in texts:
        chars = [char for _offset, char in forbidden_characters(text)]
        if not chars or start.file == "?":
            continue
        where = _first_in_yaml(sources.text(start.file), start, text)
        message = f"{_described(chars)} cannot appear in a document"
        findings.add(severity, CODE, message, where, HINT)


@check
def no_control_characters(plan: Plan, findings: Findings) -> None:
    """Characters XML cannot hold, wherever the plan's text holds them (see the module)."""
    severity = by_status(plan)
    sources = Sources(plan.root)
    _markdown(plan, sources, severity, findings)
    _yaml(plan, sources, severity, findings)
