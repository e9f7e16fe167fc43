"""Hard-coded numbered references in prose: "see section 4.5", "Table 3", "Appendix D".

Numbers change whenever a section, table or figure is added, so a typed number goes
stale; `@sec:`, `@tbl:`, `@fig:` and `@app:` references are numbered when the document
is built. A typed number is a warning that says which reference to write instead, and an
error when the built document has no such section, table, figure or appendix.

Not references to the plan's own parts (left alone):
- a number followed by "agreement", "arrangement", "partnership", "budget", "fund",
  "pooled" or "money": "a section 75 agreement";
- a number followed by "of" or "in" and a capitalised name: "section 75 of the National
  Health Service Act 2006", "Table 3 in the Planning Requirements";
- a number after "under": "pooled under section 75";
- years and year ranges ("figures 2024-25"), and headings that number themselves.
The board report (board-report.yaml) is not read: its "Appendix 1" is the pack's numbering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..content.plan import Plan
from ..document.model import Document
from ..findings import Findings
from .prose import MAX_PER_TEXT, Prose, prose
from .registry import document_check

# The white space between word and number is matched one way only (spaces, then perhaps a
# line break and spaces), so a long run of spaces is not tried split every way.
NUMBERED = re.compile(
    r"(?i:\b(?P<word>sections?|tables?|figures?|fig\.|appendix|appendices|annex(?:es)?))"
    r"(?:[ \t]+(?:\n[ \t]*)?|\n[ \t]*)"
    r"(?P<number>\d+(?:\.\d+)*|[A-WYZ](?:\.\d+)*)(?![\w-]|\.\d|[-–/]\d)"
)
LEGAL_AFTER = re.compile(
    r"^\s+(?:agreements?|arrangements?|partnerships?|budgets?|funds?|funding|pooled|money|"
    r"monies|(?:of|in)\s+(?:the\s+)?[A-Z0-9])"
)
LEGAL_BEFORE = re.compile(r"(?i:\bunder)\s+$|(?:Act|Regulations)(?:\s+\d{4})?,?\s+$")
KINDS = {
    "section": ("sec", "section"),
    "sections": ("sec", "section"),
    "table": ("tbl", "table"),
    "tables": ("tbl", "table"),
    "figure": ("fig", "figure"),
    "figures": ("fig", "figure"),
    "fig.": ("fig", "figure"),
    "appendix": ("app", "appendix"),
    "appendices": ("app", "appendix"),
    "annex": ("app", "appendix"),
    "annexes": ("app", "appendix"),
}


def _numbers(document: Document) -> dict[str, dict[str, str]]:
    """For each kind, number -> the id a reference would use ("" when it has none)."""
    found: dict[str, dict[str, str]] = {"sec": {}, "tbl": {}, "fig": {}, "app": {}}
    for heading in document.headings():
        if not heading.number:
            continue
        if heading.appendix and heading.level == 1:
            found["app"].setdefault(heading.number, heading.id)
        else:
            found["sec"].setdefault(heading.number, heading.id)
    for table in document.tables():
        if table.number:
            found["tbl"].setdefault(table.number, table.id)
    for figure in document.figures():
        if figure.number:
            found["fig"].setdefault(figure.number, figure.id)
    return found


def _is_heading_line(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return text[line_start:start].lstrip().startswith("#")


@document_check
def no_hard_coded_numbers(plan: Plan, document: Document, findings: Findings) -> None:
    numbers = _numbers(document)
    for item in prose(plan):
        if item.file == "board-report.yaml":
            continue  # its "Appendix 1" is the board pack's numbering, not the plan's
        for count, match in enumerate(_numbered(item)):
            if count == MAX_PER_TEXT:
                findings.warning(
                    "ref.hard-coded",
                    f"more typed numbers follow in this text: only the first {MAX_PER_TEXT} "
                    "are listed",
                    item.at(match.start(), match.end()),
                    "use cross-references (@sec:ID, @tbl:ID, ...) instead of typed numbers",
                )
                break
            number = match.group("number")
            word = match.group("word").lower()
            kind, noun = KINDS[word]
            shown = " ".join(match.group(0).split())
            where = item.at(match.start(), match.end())
            known = numbers[kind]
            if number in known:
                ident = known[number]
                target = f"@{kind}:{ident}" if ident else f"@{kind}:ID"
                findings.warning(
                    "ref.hard-coded",
                    f"'{shown}' is typed as a number, which goes out of date when the "
                    f"numbering changes; use a cross-reference ({target})",
                    where,
                    f"write {target} instead"
                    + ("" if ident else f" after giving the {noun} an id")
                    + "; it is numbered when the document is built",
                )
            else:
                have = sorted(known, key=_sort_key)
                listed = (
                    f"the document's {noun} numbers are {', '.join(have[:12])}"
                    + (", ..." if len(have) > 12 else "")
                    if have
                    else f"the document has no numbered {noun}s"
                )
                findings.error(
                    "ref.hard-coded-missing",
                    f"'{shown}' refers to a {noun} that does not exist in the built "
                    f"document ({listed})",
                    where,
                    f"refer to the {noun} with @{kind}:ID so that its number is always right",
                )


def _numbered(item: Prose) -> Iterator[re.Match[str]]:
    """The typed references to numbered things in `item`, but years, legal citations
    ("section 75 agreement", "under section 256") and Markdown headings."""
    text = item.text
    for match in NUMBERED.finditer(text):
        if re.fullmatch(r"(?:19|20)\d\d", match.group("number")):
            continue  # a year
        if LEGAL_AFTER.match(text[match.end() : match.end() + 80]):
            continue
        if LEGAL_BEFORE.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        if item.kind == "markdown" and _is_heading_line(text, match.start()):
            continue
        yield match


def _sort_key(number: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in number.split("."))
