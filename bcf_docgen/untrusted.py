"""Text and values from outside bcf-docgen, made safe for where they go.

A plan folder is untrusted (issue 11): its text may hold characters that XML cannot
hold, or escape sequences that a terminal obeys; the environment may hold a
`SOURCE_DATE_EPOCH` that is not a date. Each rule is defined once, here, in the core, so
that the check that reports a character (`checks/characters.py`), every writer that
drops it and the command line that prints it agree on the same set of characters.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator

# What XML 1.0 cannot hold: the C0 controls but tab, newline and carriage return,
# U+FFFE and U+FFFF, and surrogates on their own (which no UTF-8 file can encode).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# What a terminal may act on instead of showing: every C0 control (ESC, CR, BEL, backspace;
# tab and newline too, since one finding is one line), DEL and the C1 controls (CSI is
# U+009B), the bidirectional overrides that reorder what is shown, and surrogates on their
# own (which cannot be written to a UTF-8 terminal at all).
NOT_TERMINAL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# The same characters but those JSON itself escapes (C0 controls) and the structural
# characters: in JSON text they can stand only inside strings, where \\uXXXX means them.
NOT_JSON_TERMINAL = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# A language tag as BCP 47 writes it (en-GB, cy, zh-Hant-TW): letters, then subtags.
LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,7}")
DEFAULT_LANGUAGE = "en-GB"

# SOURCE_DATE_EPOCH: whole seconds from 1970-01-01 up to the end of the year 9999, the
# range every date type used (Python, Word's core properties, ZIP) can hold.
LATEST_EPOCH = 253_402_300_799


def xml_text(text: str) -> str:
    """`text` without the characters XML cannot hold (tab and line breaks stay).

    Every writer puts plan text through this, so the .docx, the HTML and the PDF hold
    the same text; `check` reports each character removed (`text.control-character`).
    """
    return NOT_XML.sub("", text)


def forbidden_characters(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of every character of `text` that XML cannot hold."""
    for match in NOT_XML.finditer(text):
        yield match.start(), match.group()


def codepoint(char: str) -> str:
    """'U+000B': how a message names a character without writing it."""
    return f"U+{ord(char):04X}"


def _visible(match: re.Match[str]) -> str:
    value = ord(match.group())
    return f"\\x{value:02x}" if value < 0x100 else f"\\u{value:04x}"


def for_terminal(text: str) -> str:
    """`text` with every character a terminal could act on written visibly (`\\x1b`).

    Content reaches the terminal in findings' messages, hints and file names; an escape
    sequence in a plan file must be shown, never obeyed (it could clear the screen,
    rewrite earlier lines or set the window's title).
    """
    return NOT_TERMINAL.sub(_visible, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_for_terminal(text: str) -> str:
    """JSON text (from `json.dumps`) with DEL, C1 controls, bidi overrides and lone
    surrogates written as `\\uXXXX`: the same JSON value, safe to print."""
    return NOT_JSON_TERMINAL.sub(_json_escape, text)


# The URL schemes a link may use; any other (javascript:, data:, file:, vbscript:) is
# dropped by the writers and the link's text kept.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def safe_url(url: str) -> str | None:
    """`url` as a link may hold it, or None when a reader must not be sent there.

    Read as a browser reads it (tabs and line breaks anywhere and control characters and
    spaces at either end are ignored, so `java\tscript:` is `javascript:`): a web, mail
    or telephone address, or one without a scheme (a place in the page, a relative path).
    """
    cleaned = re.sub(r"[\t\n\r]", "", xml_text(url)).strip(_C0_AND_SPACE)
    scheme = SCHEME.match(cleaned)
    if scheme is not None and scheme.group(1).lower() not in SAFE_SCHEMES:
        return None
    if scheme is None and ":" in cleaned.split("/", 1)[0]:
        return None  # a colon before the first slash: a scheme in disguise
    return cleaned


def language_tag(value: str) -> str:
    """`value` if it is a language tag (en-GB), else en-GB: it goes into markup as is."""
    return value if LANGUAGE.fullmatch(value or "") else DEFAULT_LANGUAGE


class SourceDateEpochError(ValueError):
    """SOURCE_DATE_EPOCH is set but is not a time bcf-docgen can write."""


def source_date_epoch() -> dt.datetime | None:
    """The time SOURCE_DATE_EPOCH names (UTC, naive), None when it is not set.

    Raises SourceDateEpochError for anything but whole seconds from 1970 to the year
    9999: the reproducible-builds specification asks a build to stop on a malformed
    value rather than quietly write another date.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > LATEST_EPOCH:
        shown = for_terminal(raw[:40]) + ("..." if len(raw) > 40 else "")
        raise SourceDateEpochError(
            f"SOURCE_DATE_EPOCH is '{shown}': it must be whole seconds since 1970-01-01 "
            f"(0 to {LATEST_EPOCH}), or unset"
        )
    return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC).replace(tzinfo=None)
