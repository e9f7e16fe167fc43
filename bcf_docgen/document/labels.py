"""The words the writers add around content, decided once for Word and PDF alike.

Captions, running headers and footers, the contents title and signature blocks read
the same in both outputs because both writers take their wording from here.
"""

from __future__ import annotations

from .model import DocumentInfo

CONTENTS_TITLE = "Contents"
NOTES_TITLE = "Notes"
CAPTION_SEPARATOR = ": "
DRAFT_MARK = "DRAFT"

SIGNATURE_LABELS = {
    "for": "Signed on behalf of:",
    "name": "Name:",
    "position": "Position:",
    "date": "Date:",
    "signature": "Signature:",
    "blank": "_" * 28,
}


def caption_label(label: str) -> str:
    """'Table 4' -> 'Table 4: ' (the caption text follows); '' for unnumbered captions."""
    return f"{label}{CAPTION_SEPARATOR}" if label else ""


def header_text(info: DocumentInfo) -> str:
    """The running header: the plan's title and area, and its status while a draft."""
    text = f"{info.title}: {info.area}"
    return f"{text} ({DRAFT_MARK})" if info.is_draft else text


def footer_text(info: DocumentInfo) -> str:
    """The footer's left part; the page number ('Page X of Y') follows on the right."""
    if info.footer:
        return info.footer
    return f"Version {info.version} | {info.date_text}"
