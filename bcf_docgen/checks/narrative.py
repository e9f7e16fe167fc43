"""Narrative Markdown: raw HTML (never passed on).

`{{ }}` expressions in sections are not evaluated here: assembling the document
(`bcf_docgen.document.assemble`, run by every `check`) renders each section once, with
the full template context, and reports a failing expression at its line. Rendering them
here as well reported each failure twice, and names only the assembler knows (`draft`,
`partner_name`, ...) as undefined.
"""

from __future__ import annotations

from ..content.plan import Plan
from ..findings import Findings, Location
from ..markdown import raw_html
from . import check


@check
def no_raw_html(plan: Plan, findings: Findings) -> None:
    for section in plan.sections.values():
        lines = section.body.splitlines()
        searched: dict[int, int] = {}  # per line, where the previous tag on it ended
        for line, snippet in raw_html(section.body):
            # The column of the tag on its line (markdown-it only knows the line).
            first = snippet.splitlines()[0] if snippet else ""
            text = lines[line] if line < len(lines) else ""
            found = text.find(first, searched.get(line, 0)) if first else -1
            if found >= 0:
                searched[line] = found + len(first)
            column = found + 1 if found >= 0 else 1
            findings.warning(
                "markdown.raw-html",
                f"raw HTML '{' '.join(snippet.split())}' is shown as text, not used as markup",
                Location(section.path, section.at(line).line, column),
                "use Markdown instead (e.g. **bold**, lists, pipe tables); "
                "plan content cannot carry HTML",
            )
