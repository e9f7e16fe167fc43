"""The words put around content, decided once: labelling writes them into the model.

Captions, heading prefixes, reference texts, running headers and footers, the contents
title, RAG words and signature blocks read the same in every output because resolution
and labelling take their wording from here, and the writers only copy what the model
holds (no writer imports this module).
"""

from __future__ import annotations

from ..unknown import AT_LEAST, TO_BE_CONFIRMED
from .model import RAG_WORDS, DocumentInfo

__all__ = ["RAG_WORDS", "AT_LEAST", "TO_BE_CONFIRMED"]  # the words live with the Rag type
# and with the unknown figure (bcf_docgen/unknown.py; the theme's `unknown:` replaces
# "to be confirmed"); composition reads them here.


def not_drawn(words: str) -> str:
    """The note under a chart some of whose figures are not yet known (no point drawn)."""
    return f"Figures {words} are not drawn."


CONTENTS_TITLE = "Contents"
NOTES_TITLE = "Notes"
CAPTION_SEPARATOR = ": "
DRAFT_MARK = "DRAFT"
TABLE = "Table"
FIGURE = "Figure"
APPENDIX = "Appendix"
PAGE_WORDS = ("Page", "of")  # "Page 3 of 40"

SIGNATURE_LABELS = {
    "for": "Signed on behalf of:",
    "name": "Name:",
    "position": "Position:",
    "date": "Date:",
    "signature": "Signature:",
    "blank": "_" * 28,
}


def numbered(word: str, number: str) -> str:
    """'Table', '4' -> 'Table 4'."""
    return f"{word} {number}" if number else ""


def caption_label(label: str) -> str:
    """'Table 4' -> 'Table 4: ' (the caption text follows); '' for unnumbered captions."""
    return f"{label}{CAPTION_SEPARATOR}" if label else ""


def appendix_name(number: str) -> str:
    """How a reference names an appendix: 'Appendix B'."""
    return f"{APPENDIX} {number}"


def appendix_prefix(number: str) -> str:
    """What an appendix heading or part starts with: 'Appendix B:'."""
    return f"{APPENDIX} {number}:"


def section_name(number: str) -> str:
    """How a reference names a numbered section: 'section 3.2'."""
    return f"section {number}"


def scheme_name(ident: str, name: str) -> str:
    return f"scheme {ident} ({name})"


def risk_name(ident: str) -> str:
    return f"risk {ident}"


def missing_reference(kind: str, target: str) -> str:
    """What a draft shows where a reference does not resolve."""
    return f"[missing reference @{kind}:{target}]"


def in_part(text: str, part: str) -> str:
    """A reference into another part of a binder: 'section 3 of Appendix 1'."""
    return f"{text} of {part}"


def covering_report(title: str) -> str:
    return f"Covering report: {title}"


def header_text(info: DocumentInfo) -> str:
    """The running header: the plan's title and area, and its status while a draft."""
    text = f"{info.title}: {info.area}" if info.area else info.title
    return f"{text} ({DRAFT_MARK})" if info.is_draft else text


def footer_text(info: DocumentInfo) -> str:
    """The footer's left part; the page number ('Page X of Y') follows on the right."""
    if info.footer:
        return info.footer
    return f"Version {info.version} | {info.date_text}"
