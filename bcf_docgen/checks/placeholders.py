"""Placeholders left in the text: "TBC", "To be updated", "[... to be inserted here]",
"Table xx", "??", "Need para on ...". A warning in a draft, an error in a final plan.

Every text a reader will see is read (prose.py): Markdown sections and plan-local
templates with their titles, table cells and captions, and every text value of the
YAML data. Each finding points at the placeholder's own line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..content.plan import Plan
from ..findings import Findings, Severity
from .prose import MAX_PER_TEXT, Prose, prose
from .registry import by_status, check

# "to be <verb>" is a placeholder when it stands on its own: at the start of a line,
# cell or bracket ("To be updated"), or at the end of a sentence, clause or cell
# ("Date to be agreed."). In the middle of a sentence ("is to be agreed by the Board in
# October") it is ordinary English and is left alone.
TO_BE = re.compile(
    r"\bto\s+be\s+(?:updated|confirmed|finali[sz]ed|agreed|inserted|added|completed|"
    r"provided|written|drafted|determined|decided|supplied|populated|filled\s+in)\b",
    re.IGNORECASE,
)
OPENS = re.compile(r"(?:^|[\n|(\[:;])[ \t]*(?:[-*+>][ \t]+|\d+[.)][ \t]+)?$")
CLOSES = re.compile(r"^[ \t]*(?:$|[.,;:!?)\]|–—]|-\s|\n[ \t]*\n|\n[ \t]*[|*+-]|\n[ \t]*\d+[.)])")

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:TBC|TBA|TBD)\b", re.IGNORECASE), "'{0}' placeholder"),
    (re.compile(r"\b(?:TODO|FIXME)\b"), "'{0}' note"),
    (re.compile(r"\blorem\s+ipsum\b", re.IGNORECASE), "dummy text '{0}'"),
    (
        re.compile(r"\binsert(?:ed)?\b[^.\n\]]{0,80}?\bhere\b", re.IGNORECASE),
        "'{0}' placeholder",
    ),
    (
        re.compile(
            r"\b(?:tables?|figures?|fig\.|appendix|appendices|annex|sections?|page|"
            r"paragraph|para|chapter)\s+(?:[xX]+(?:\.[xX]+)*\b|\?+|#(?!\w)|[nN]\b)",
            re.IGNORECASE,
        ),
        "stand-in number '{0}'",
    ),
    (
        re.compile(r"(?<![\w£$])(?:£\s?)?[xX]{2,}(?:[.,][xX]+)*(?:%|k|m|bn)?(?!\w)|£\s?[xX]\b"),
        "stand-in number '{0}'",
    ),
    (re.compile(r"\?\?+"), "'{0}' left in the text"),
    (re.compile(r"(?m)(?:^|\|)[ \t]*(?:[-*+>][ \t]+)?\?(?!\?)"), "a line starting with '?'"),
    (
        re.compile(
            r"(?im)(?:^|[\[(|])[ \t]*(?:[-*+][ \t]+)?needs?\s+(?:a\s+|an\s+|more\s+|some\s+)?"
            r"(?:para(?:graph)?s?|text|wording|words|figures?|numbers?|data|input|update|"
            r"table|chart|section|sentence|info(?:rmation)?|details?|narrative)\b[^\n\]|)]*"
        ),
        "editorial note '{0}'",
    ),
    # Notes to self left in drafts: "need to add a para on ...", "to add:",
    # "check with finance", and a heading that is only "?" or a guess ("Intermediate
    # care?"). A heading that asks a real question ("What does this mean for residents?")
    # holds a question word, or is longer than four words, and is left alone.
    (
        re.compile(
            r"(?i)\b(?:still\s+)?needs?\s+to\s+(?:add|write|insert|include|expand|finish|"
            r"complete|draft)\s+(?:a\s+|an\s+|the\s+|some\s+|more\s+|further\s+)?(?:short\s+|"
            r"brief\s+|new\s+)?(?:para(?:graph)?s?|sentences?|wording|narrative|"
            r"text(?!\s+messag)|tables?|charts?|graphs?|case\s+stud(?:y|ies)|"
            r"section(?!\s*\d))\b[^\n\]|)]*"
        ),
        "editorial note '{0}'",
    ),
    (
        re.compile(
            r"(?im)\bto\s+add\s*:|(?:^|[\[(|])[ \t]*(?:[-*+][ \t]+)?(?:still\s+)?to\s*do\s*:"
        ),
        "editorial note '{0}'",
    ),
    (
        re.compile(
            r"(?im)(?:^|[\[(|])[ \t]*(?:[-*+][ \t]+)?(?:n\.?b\.?:?[ \t]*)?(?:check|confirm|"
            r"verify)\s+(?:this\s+|these\s+|figures?\s+|numbers?\s+)?with\s+"
            r"(?!your\b|you\b|a\s|an\s)[^\n\])|]{1,60}"
        ),
        "editorial note '{0}'",
    ),
    (re.compile(r"(?m)^(?:#{1,6}|title:)[ \t]+\?+[ \t]*#*[ \t]*$"), "a heading that is only '?'"),
    (
        re.compile(
            r"(?im)^(?:#{1,6}|title:)[ \t]+(?![^\n]*\b(?:what|why|how|who|whom|whose|where|"
            r"when|which|whether|is|are|was|were|do|does|did|can|could|will|would|should|"
            r"shall|has|have|had|may|might|must)\b)(?:[^\s#?][^\s?]*[ \t]+){0,3}"
            r"[^\s#?][^\s?]*[ \t]*\?[ \t]*#*[ \t]*$"
        ),
        "a heading that is a guess '{0}'",
    ),
]
# An editorial note in square brackets: not a link ([text](url) or [text][ref]), a
# footnote ([^1]) or a task box ([ ] / [x]).
BRACKET = re.compile(r"\[(?!\^)([^\[\]\n]{2,200})\](?![(\[:])")
EDITORIAL = re.compile(
    r"\b(?:to\s+be|insert|tbc|tba|tbd|todo|update|check|confirm|awaiting|placeholder|"
    r"add|need|needs|xx+|note\s+to|draft(?:ing)?\s+note|delete|amend)\b",
    re.IGNORECASE,
)

HINT = (
    "replace it with the real text, or take it out; a final plan cannot be built while "
    "placeholders remain"
)


def placeholders(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, description) of every placeholder in `text`, in order, one per place."""
    found: list[tuple[int, int, str]] = []
    for match in BRACKET.finditer(text):
        if EDITORIAL.search(match.group(1)):
            found.append((match.start(), match.end(), "editorial note '{0}'"))
    for match in TO_BE.finditer(text):
        if OPENS.search(text[max(0, match.start() - 40) : match.start()]) or CLOSES.match(
            text[match.end() : match.end() + 40]
        ):
            found.append((match.start(), match.end(), "'{0}' placeholder"))
    for pattern, description in PATTERNS:
        for match in pattern.finditer(text):
            start = match.start()
            if description.startswith("a line") or description.startswith("editorial"):
                # Point at the '?' or the note, not the line's indentation or list marker.
                start += len(match.group(0)) - len(match.group(0).lstrip(" \t|-*+>[(\n"))
            found.append((start, match.end(), description))
    found.sort()
    last_end = -1
    for start, end, description in found:
        if start < last_end:
            continue  # inside a placeholder already reported
        last_end = end
        yield start, end, description


def _shown(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= 60 else words[:57] + "..."


@check
def no_placeholders(plan: Plan, findings: Findings) -> None:
    severity = by_status(plan)
    for item in prose(plan):
        _report(item, severity, findings)


def _report(item: Prose, severity: Severity, findings: Findings) -> None:
    for count, (start, end, description) in enumerate(placeholders(item.text)):
        if count == MAX_PER_TEXT:
            findings.add(
                severity,
                "text.placeholder",
                f"more placeholders follow in this text: only the first {MAX_PER_TEXT} are listed",
                item.at(start, end),
                HINT,
            )
            break
        findings.add(
            severity,
            "text.placeholder",
            description.format(_shown(item.original[start:end])),
            item.at(start, end),
            HINT,
        )
