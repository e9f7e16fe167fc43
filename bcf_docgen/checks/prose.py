"""The words a reader will see, as written in the plan's files, for rules that read prose.

Placeholders ("TBC", "Table xx") and hard-coded numbered references ("see section 4.5")
are found in the text authors typed, not in the built document, so that a finding points
at the exact line and column of the file to edit. `prose(plan)` yields every such text:

- each Markdown section of the outline and each plan-local section template, whole
  (front matter too, so a title is read), with `{{ }}`, `{% %}` and `{## ##}` blanked out;
- every text value of the YAML data (names, summaries, responses, mitigations, facts...)
  except ids and other values that are checked as ids or codes.

Blanking keeps every other character where it was, so offsets in the blanked text are
offsets in the file. Link targets, bare web and e-mail addresses, `@kind:id` references
and `{#id}` attributes are blanked too: they are not prose.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.base import Model
from ..content.plan import Plan
from ..findings import Location
from ..sections import TEMPLATE_SUFFIX

# Both patterns are linear in the text's length: no alternative can fail after scanning
# far from where it started, so a long word or line is not read once per character.
# (`\{\{.*?\}\}` alone reads to the end of the text from every unclosed `{{`; here an
# unclosed one runs to the end of the text, as Jinja would refuse it anyway.)
JINJA = re.compile(r"\{##.*?(?:##\}|\Z)|\{\{.*?(?:\}\}|\Z)|\{%.*?(?:%\}|\Z)", re.DOTALL)
NOT_PROSE = re.compile(
    r"\]\([^)\n\]]*\)"  # a link's target
    r"|<(?:https?://|mailto:)[^<>\s]*>"  # an autolink
    r"|\bhttps?://[^\s)>\]|]+"  # a bare web address
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address, from its start
    r"|@(?:sec|tbl|fig|app|scheme|risk|metric):[\w-]+"  # a cross-reference
    r"|\{#[^\s}]*"  # a {#id} attribute
    r"|\b(?:width|height)=\"[^\"\n]*\""
)

# YAML keys whose values are ids, codes, paths, dates or contact details, not prose.
# They are checked as such elsewhere (ref.*, schema.*), or are never printed.
NOT_PROSE_KEYS = frozenset(
    {
        "id",
        "format",
        "framework",
        "status",
        "version",
        "kind",
        "type",
        "area",
        "lead",
        "commissioner",
        "source",
        "contributor",
        "owner",
        "to",
        "rule",
        "what",
        "year",
        "period",
        "unit",
        "direction",
        "frequency",
        "metrics",
        "conditions",
        "vision_objectives",
        "theme",
        "template",
        "section",
        "intro",
        "appendix",
        "email",
        "phone",
        "code",
        "note",
        "outstanding",  # open decisions: words such as "to be agreed" are their point
    }
)


# The most findings one rule reports in one text; then one more says that more follow.
# A text made of placeholders would otherwise give a finding per word, each located by
# searching the text (quadratic in its length), and a report no one can read.
MAX_PER_TEXT = 100


def blank(text: str, pattern: re.Pattern[str]) -> str:
    """`text` with each match of `pattern` replaced by spaces (line breaks kept)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def prose_of(text: str) -> str:
    return blank(blank(text, JINJA), NOT_PROSE)


class Sources:
    """The plan's files as text, read once, for finding where a phrase stands."""

    def __init__(self, root: Path):
        self.root = root
        self._texts: dict[str, str | None] = {}

    def text(self, file: str) -> str | None:
        if file not in self._texts:
            try:
                self._texts[file] = (self.root / file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, ValueError):
                self._texts[file] = None
        return self._texts[file]


def _offset(text: str, line: int, column: int) -> int:
    """The offset of 1-based (line, column) in `text` (the end if beyond it)."""
    pos = 0
    for _ in range(line - 1):
        found = text.find("\n", pos)
        if found < 0:
            return len(text)
        pos = found + 1
    return min(pos + max(column - 1, 0), len(text))


def _location(file: str, text: str, offset: int, first_line: int = 1) -> Location:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(file, first_line + line, column)


@dataclass
class Prose:
    """One text: `text` is blanked prose; `at(start, end)` says where a span of it is."""

    text: str
    original: str
    where: Callable[[int, int], Location]
    kind: str  # "markdown" (a section or template file) or "yaml" (a value)
    file: str

    def at(self, start: int, end: int) -> Location:
        return self.where(start, end)


@dataclass
class _YamlValue:
    """Locates a span of a YAML text value in its file, by searching the file from where
    the value starts (block scalars, folded lines and quotes all shift columns). The n-th
    occurrence of a phrase in the value is taken to be its n-th occurrence in the file."""

    sources: Sources
    start: Location
    original: str

    def __call__(self, begin: int, end: int) -> Location:
        raw = self.sources.text(self.start.file)
        words = self.original[begin:end].split()
        if raw is None or not words:
            return self.start
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        before = len(pattern.findall(self.original, 0, begin))
        position = _offset(raw, self.start.line, self.start.column)
        limit = position + 2 * len(self.original) + 200
        for match in pattern.finditer(raw, position, limit):
            if before == 0:
                return _location(self.start.file, raw, match.start())
            before -= 1
        return self.start


def _markdown_file(file: str, text: str) -> Prose:
    starts: list[int] = []  # where each line begins, found once: each lookup is then a search

    def where(start: int, _end: int) -> Location:
        if not starts:
            starts.extend([0, *(match.end() for match in re.finditer("\n", text))])
        line = bisect.bisect_right(starts, start) - 1
        return Location(file, line + 1, start - starts[line] + 1)

    return Prose(prose_of(text), text, where, "markdown", file)


def markdown_files(plan: Plan, sources: Sources) -> Iterator[Prose]:
    """Every Markdown section of the outline and every plan-local template it names."""
    for section in plan.sections.values():
        text = sources.text(section.path)
        if text is not None:
            yield _markdown_file(section.path, text)
    seen: set[str] = set()
    for entry in plan.meta.outline:
        for name in (entry.template, entry.appendix):
            if not name or name.endswith(".md") or name in seen:
                continue
            seen.add(name)
            file = f"templates/{name}{TEMPLATE_SUFFIX}"
            if (plan.root / file).is_file():
                text = sources.text(file)
                if text is not None:
                    yield _markdown_file(file, text)


def yaml_texts(plan: Plan, sources: Sources) -> Iterator[Prose]:
    """Every text value in the plan's YAML data (and facts.yaml), except ids and codes."""
    models: list[Any] = [
        plan.meta,
        plan.vision,
        *plan.schemes,
        plan.funding,
        plan.metrics,
        plan.risks,
        plan.conditions,
        plan.signoff,
    ]
    if plan.board_report is not None:
        models.append(plan.board_report)
    for model in models:
        yield from _model_texts(model, sources)
    if plan.facts_map is not None:
        for key, value in plan.facts.items():
            if isinstance(value, str) and value.strip():
                start = plan.facts_map.value((key,))
                where = _YamlValue(sources, start, value)
                yield Prose(prose_of(value), value, where, "yaml", start.file)


def _model_texts(model: Model, sources: Sources) -> Iterator[Prose]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = info.alias or name
        if isinstance(value, Model):
            yield from _model_texts(value, sources)
        elif key not in NOT_PROSE_KEYS:
            yield from _values(value, model, (name,), sources)


def _values(
    value: Any, owner: Model, keys: tuple[str | int, ...], sources: Sources
) -> Iterator[Prose]:
    if isinstance(value, Model):
        yield from _model_texts(value, sources)
    elif isinstance(value, str):
        if value.strip():
            start = owner.loc(*keys)
            yield Prose(
                prose_of(value), value, _YamlValue(sources, start, value), "yaml", start.file
            )
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _values(item, owner, (*keys, i), sources)
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _values(item, owner, (*keys, k), sources)


_last: tuple[Plan, list[Prose]] | None = None


def prose(plan: Plan) -> list[Prose]:
    """Every text of the plan a reader will see (see the module's docstring).

    Worked out once per plan and shared by the rules that read prose; the last plan's
    texts are kept until another plan is checked.
    """
    global _last
    if _last is not None and _last[0] is plan:
        return _last[1]
    sources = Sources(plan.root)
    items = [*markdown_files(plan, sources), *yaml_texts(plan, sources)]
    _last = (plan, items)
    return items
