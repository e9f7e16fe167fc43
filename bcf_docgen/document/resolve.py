"""Numbering and cross-references, done once so that Word and PDF can never disagree.

Sections are numbered 1, 1.1, 1.1.1; appendices A, B (with A.1 inside); captioned tables
and figures 1, 2, 3 through the whole document. Every `@kind:id` gets its text
("section 3.2", "Table 4", "Appendix B", "scheme S3 (Discharge to assess)", "risk R2",
a metric's name) and the anchor it links to. A reference that does not resolve is an
error; in a draft its text says plainly that the target is missing.
"""

from __future__ import annotations

import re
import string

from ..content.plan import Plan
from ..content.validation import did_you_mean
from ..derived import metrics_info
from ..findings import Findings
from .model import Document, Figure, Heading, Row, Table, XRef


def anchor_for(kind: str, ident: str) -> str:
    """A stable anchor usable as an HTML id and (after the Word writer's mapping) a bookmark."""
    return f"{kind}-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", ident).strip("-")[:48] or "x")


def _letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


def resolve(document: Document, plan: Plan) -> Findings:
    findings = Findings()
    targets: dict[tuple[str, str], tuple[str, str, str]] = {}  # (kind,id) -> text, anchor, number
    used_anchors: set[str] = set()

    def unique(anchor: str) -> str:
        base, n = anchor, 2
        while anchor in used_anchors:
            anchor, n = f"{base}-{n}", n + 1
        used_anchors.add(anchor)
        return anchor

    # Headings
    counters = [0, 0, 0, 0]
    appendix_count = main_count = 0
    in_appendix = False
    numbered_parent = False
    top_id = "top"
    top: Heading | None = None  # the section (level 1) the headings below belong to
    for heading in document.headings():
        if heading.level == 1:
            top = heading
            counters = [0, 0, 0, 0]
            in_appendix = heading.appendix
            numbered_parent = heading.numbered
            if heading.appendix:
                appendix_count += 1
                heading.number = _letters(appendix_count) if heading.numbered else ""
            elif heading.numbered:
                main_count += 1
                counters[0] = main_count
                heading.number = str(counters[0])
        elif heading.numbered and numbered_parent and heading.level <= 3:
            counters[heading.level - 1] += 1
            for deeper in range(heading.level, 4):
                counters[deeper] = 0
            parent = top or heading
            parts = [parent.number] + [str(c) for c in counters[1 : heading.level]]
            if all(parts):
                heading.number = ".".join(parts)
        if heading.level == 1:
            top_id = heading.id
        if not heading.id:
            # Headings without {#id} are not reference targets; they still need an anchor.
            heading.anchor = unique(anchor_for("sec", f"{top_id}-{heading.plain_title.lower()}"))
            continue
        kind = "app" if in_appendix and heading.level == 1 else "sec"
        key = (kind, heading.id)
        if ("sec", heading.id) in targets or ("app", heading.id) in targets:
            findings.error(
                "id.duplicate",
                f"heading id '{heading.id}' is used twice",
                heading.location,
                "give the heading its own id with {#another-id}",
            )
        heading.anchor = unique(anchor_for("sec", heading.id))
        if heading.appendix and heading.level == 1:
            text = f"Appendix {heading.number}" if heading.number else heading.plain_title
        elif heading.number:
            text = f"section {heading.number}"
        else:
            text = heading.plain_title
        targets.setdefault(key, (text, heading.anchor, heading.number))
        targets.setdefault(("sec", heading.id), (text, heading.anchor, heading.number))

    # Tables and figures: numbered 1, 2, 3 through the whole document, each kind apart.
    counts = {"tbl": 0, "fig": 0}

    def number(block: Table | Figure, kind: str, noun: str) -> None:
        counts[kind] += 1
        block.number = str(counts[kind])
        block.anchor = unique(anchor_for(kind, block.id or block.number))
        if not block.id:
            return
        if (kind, block.id) in targets:
            findings.error(
                "id.duplicate",
                f"{noun} id '{block.id}' is used twice",
                block.location,
                f"give each {noun} its own {{#{kind}:id}}",
            )
        targets.setdefault((kind, block.id), (block.label, block.anchor, block.number))

    for block in document.walk():
        if isinstance(block, Table) and block.caption:
            number(block, "tbl", "table")
        elif isinstance(block, Table) and block.id:
            findings.warning(
                "table.no-caption",
                f"table '{block.id}' has no caption, so it is not numbered",
                block.location,
                "add a line 'Table: Caption {#tbl:id}' after the table",
            )
        elif isinstance(block, Figure):
            number(block, "fig", "figure")
        if isinstance(block, Table):
            for row in block.rows:
                _row_target(row, targets, used_anchors)

    # Plan objects: schemes, risks, metrics
    for scheme in plan.schemes:
        heading = targets.get(("sec", f"scheme-{scheme.id}"))
        targets[("scheme", scheme.id)] = (
            f"scheme {scheme.id} ({scheme.name})",
            heading[1] if heading else "",
            "",
        )
    for risk in plan.risks.risks:
        row = targets.get(("row", f"risk-{risk.id}"))
        targets[("risk", risk.id)] = (f"risk {risk.id}", row[1] if row else "", "")
    for info in metrics_info(plan):
        row = targets.get(("row", f"metric-{info.id}"))
        targets[("metric", info.id)] = (info.name, row[1] if row else "", "")

    # Fill every reference
    for xref in [n for n in document.inline_nodes() if isinstance(n, XRef)]:
        kind = "sec" if xref.kind == "app" and ("app", xref.target) not in targets else xref.kind
        found = targets.get((kind, xref.target))
        if xref.kind == "app" and found and not found[0].startswith("Appendix"):
            found = None
        if found is None:
            known = sorted({ident for (k, ident) in targets if k == xref.kind})
            findings.error(
                "ref.unresolved",
                f"@{xref.kind}:{xref.target} does not refer to anything in the plan",
                xref.location,
                did_you_mean(xref.target, known) if known else f"no {xref.kind} ids exist yet",
            )
            xref.text = f"[missing reference @{xref.kind}:{xref.target}]"
            continue
        xref.text, xref.anchor, number = found
        xref.number = number if xref.kind in ("tbl", "fig") else ""
    return findings


def _row_target(row: Row, targets: dict, used: set[str]) -> None:
    if row.anchor:
        targets[("row", row.anchor)] = ("", row.anchor, "")
        used.add(row.anchor)
