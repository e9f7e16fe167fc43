"""The Markdown dialect of plan content: CommonMark, pipe tables and footnotes.

One parser configuration for everything, with raw HTML switched off so that markup in
content reaches no output as markup. A second, HTML-aware parse only finds raw HTML so
it can be reported.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table").use(footnote_plugin)


@lru_cache(maxsize=1)
def _html_finder() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin)


def raw_html(text: str) -> list[tuple[int, str]]:
    """(0-based line, snippet) for every piece of raw HTML in `text`."""
    found: list[tuple[int, str]] = []
    for token in _html_finder().parse(text):
        line = token.map[0] if token.map else 0
        if token.type == "html_block":
            found.append((line, token.content.strip()[:60]))
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                found.append((line, child.content.strip()[:60]))
    return found
