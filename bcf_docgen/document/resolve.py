"""Numbering and cross-references, done once so that Word and PDF can never disagree.

Resolution is a short series of transforms over a binder, each small and tested alone:

1. `number_headings`: sections 1, 1.1, 1.1.1 and appendices A, B (A.1 inside), per part;
2. `number_captions`: captioned tables and figures 1, 2, 3 through each part, after the
   part's `caption_prefix` ("2." gives 2.1, 2.2) so that numbers are unique in a binder;
3. `assign_anchors`: an anchor for every heading, table, figure and row, unique across
   the binder (each part's `key` goes first when there are several);
4. `collect_targets`: what each `@kind:id` may refer to, per part (`Registry`);
5. `add_plan_objects`: schemes, risks and metrics of the plan, found where they are laid out;
6. `resolve_references`: every `@kind:id` gets its text and anchor, looked up in its own
   part first, then in the plan's part, then in the others; a reference into another
   part names it ("section 3 of Appendix 1").

A reference that does not resolve is an error; in a draft its text says plainly that the
target is missing. Labelling (`labelling.py`) runs after, on the numbered binder.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from ..content.plan import Plan
from ..content.validation import did_you_mean
from ..derived import metrics_info
from ..findings import Findings
from . import labels
from .model import Document, Figure, Heading, Part, Table, XRef, part_inline_nodes, walk_part


def anchor_for(kind: str, ident: str) -> str:
    """A stable anchor usable as an HTML id and (after the Word writer's mapping) a bookmark."""
    return f"{kind}-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", ident).strip("-")[:48] or "x")


def letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


# ---------------------------------------------------------------------------- numbering


def number_headings(part: Part) -> None:
    """Sections 1, 1.1, 1.1.1 (to level 3) and appendices A, A.1, within one part."""
    counters = [0, 0, 0, 0]
    main = appendices = 0
    top: Heading | None = None
    for heading in (b for b in walk_part(part) if isinstance(b, Heading)):
        if heading.level == 1:
            top, counters = heading, [0, 0, 0, 0]
            if heading.appendix:
                appendices += 1
                heading.number = letters(appendices) if heading.numbered else ""
            elif heading.numbered:
                main += 1
                heading.number = str(main)
            continue
        if not (heading.numbered and top is not None and top.numbered and heading.level <= 3):
            continue
        counters[heading.level - 1] += 1
        for deeper in range(heading.level, 4):
            counters[deeper] = 0
        parts = [top.number] + [str(c) for c in counters[1 : heading.level]]
        if all(parts):
            heading.number = ".".join(parts)


def captioned(block: object) -> bool:
    """Tables are numbered when they have a caption; figures always."""
    return isinstance(block, Figure) or (isinstance(block, Table) and bool(block.caption))


def number_captions(part: Part) -> None:
    """Captioned tables and figures 1, 2, 3 through the part, each kind apart."""
    counts = {Table: 0, Figure: 0}
    for block in walk_part(part):
        if isinstance(block, Table | Figure) and captioned(block):
            counts[type(block)] += 1
            block.number = f"{part.caption_prefix}{counts[type(block)]}"


# ------------------------------------------------------------------------------ anchors


@dataclass
class Anchors:
    """Anchors handed out so far, so that each is unique in the binder."""

    used: set[str] = field(default_factory=set)
    # Per base, the first suffix not yet known to be taken: without it, n headings of the
    # same title would try 1 + 2 + ... + n anchors (quadratic in the text's length).
    suffix: dict[str, int] = field(default_factory=dict)

    def unique(self, anchor: str) -> str:
        base, n = anchor, self.suffix.get(anchor, 2)
        while anchor in self.used:
            anchor, n = f"{base}-{n}", n + 1
        self.suffix[base] = n
        self.used.add(anchor)
        return anchor


def assign_anchors(document: Document) -> None:
    """An anchor for every part, heading, captioned table, figure and row of a binder."""
    anchors = Anchors()
    several = len(document.parts) > 1
    for part in document.parts:
        key = part.key if several else ""
        part_anchor = anchors.unique(f"{key}part" if several else "top")
        if several:
            part.anchor = part_anchor
        top_id = "top"
        for heading in (b for b in walk_part(part) if isinstance(b, Heading)):
            if heading.level == 1:
                top_id = heading.id
            ident = heading.id or f"{top_id}-{heading.plain_title.lower()}"
            heading.anchor = anchors.unique(key + anchor_for("sec", ident))
        for block in walk_part(part):
            if isinstance(block, Table | Figure) and captioned(block):
                kind = "tbl" if isinstance(block, Table) else "fig"
                block.anchor = anchors.unique(key + anchor_for(kind, block.id or block.number))
            if isinstance(block, Table):
                for row in block.rows:
                    if row.anchor:
                        row.anchor = key + row.anchor
                        anchors.used.add(row.anchor)


# ------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class Target:
    text: str
    anchor: str
    number: str = ""  # a table's or figure's number (Word refers to its caption by field)
    appendix: bool = False  # an appendix heading (what @app: may refer to)
    place: bool = True  # a place in the document (named with its part from other parts)


@dataclass
class Registry:
    """What references may refer to, per part (by the part's index in the binder)."""

    parts: list[dict[tuple[str, str], Target]]

    def add(self, index: int, kind: str, ident: str, target: Target) -> bool:
        """Record a target; False if the part already has one under that name."""
        found = self.parts[index]
        if (kind, ident) in found:
            return False
        found[(kind, ident)] = target
        return True

    def known(self, kind: str) -> list[str]:
        return sorted({ident for part in self.parts for (k, ident) in part if k == kind})


def heading_target(heading: Heading, in_appendix: bool) -> Target:
    if in_appendix and heading.level == 1 and heading.number:
        return Target(labels.appendix_name(heading.number), heading.anchor, appendix=True)
    if in_appendix and heading.level == 1:
        return Target(heading.plain_title, heading.anchor, appendix=True)
    text = labels.section_name(heading.number) if heading.number else heading.plain_title
    return Target(text, heading.anchor)


def _collect_headings(index: int, part: Part, registry: Registry, findings: Findings) -> None:
    in_appendix = False
    for heading in (b for b in walk_part(part) if isinstance(b, Heading)):
        if heading.level == 1:
            in_appendix = heading.appendix
        if not heading.id:
            continue
        target = heading_target(heading, in_appendix)
        fresh = registry.add(index, "sec", heading.id, target)
        if target.appendix:
            fresh = registry.add(index, "app", heading.id, target) and fresh
        if not fresh:
            findings.error(
                "id.duplicate",
                f"heading id '{heading.id}' is used twice",
                heading.location,
                "give the heading its own id with {#another-id}",
            )


def _collect_blocks(index: int, part: Part, registry: Registry, findings: Findings) -> None:
    for block in walk_part(part):
        if isinstance(block, Table) and not block.caption and block.id:
            findings.warning(
                "table.no-caption",
                f"table '{block.id}' has no caption, so it is not numbered",
                block.location,
                "add a line 'Table: Caption {#tbl:id}' after the table",
            )
        if isinstance(block, Table | Figure) and captioned(block) and block.id:
            kind, noun = ("tbl", "table") if isinstance(block, Table) else ("fig", "figure")
            word = labels.TABLE if kind == "tbl" else labels.FIGURE
            target = Target(labels.numbered(word, block.number), block.anchor, block.number)
            if not registry.add(index, kind, block.id, target):
                findings.error(
                    "id.duplicate",
                    f"{noun} id '{block.id}' is used twice",
                    block.location,
                    f"give each {noun} its own {{#{kind}:id}}",
                )
        if isinstance(block, Table):
            for row in block.rows:
                if row.anchor:
                    bare = row.anchor.removeprefix(part.key) if part.key else row.anchor
                    registry.add(index, "row", bare, Target("", row.anchor))


def collect_targets(document: Document, findings: Findings) -> Registry:
    """Every heading, captioned table and figure, and anchored row, per part."""
    registry = Registry([{} for _ in document.parts])
    for index, part in enumerate(document.parts):
        _collect_headings(index, part, registry, findings)
        _collect_blocks(index, part, registry, findings)
    return registry


def add_plan_objects(registry: Registry, plan: Plan) -> None:
    """Schemes, risks and metrics: in every part, linked where the part lays them out."""
    for found in registry.parts:

        def anchor(kind: str, ident: str, found: dict = found) -> str:
            target = found.get((kind, ident))
            return target.anchor if target else ""

        for scheme in plan.schemes:
            text = labels.scheme_name(scheme.id, scheme.name)
            target = Target(text, anchor("sec", f"scheme-{scheme.id}"), place=False)
            found[("scheme", scheme.id)] = target
        for risk in plan.risks.risks:
            text = labels.risk_name(risk.id)
            found[("risk", risk.id)] = Target(text, anchor("row", f"risk-{risk.id}"), place=False)
        for info in metrics_info(plan):
            target = Target(info.name, anchor("row", f"metric-{info.id}"), place=False)
            found[("metric", info.id)] = target


# --------------------------------------------------------------------------- references


def _lookup(xref: XRef, order: list[int], registry: Registry) -> tuple[int, Target] | None:
    """The first part in `order` that holds the target, preferring one that links to it."""
    hits = [
        (index, target)
        for index in order
        if (target := registry.parts[index].get((xref.kind, xref.target))) is not None
    ]
    linked = [hit for hit in hits if hit[1].anchor]
    found = linked or hits
    return found[0] if found else None


def resolve_references(
    document: Document, registry: Registry, home: int, findings: Findings
) -> None:
    """Fill every reference: own part first, then the `home` part (the plan), then the rest."""
    count = len(document.parts)
    for index, part in enumerate(document.parts):
        order = [index, *([home] if home != index else []), *range(count)]
        order = list(dict.fromkeys(order))
        for xref in [n for n in part_inline_nodes(part) if isinstance(n, XRef)]:
            hit = _lookup(xref, order, registry)
            if hit is None:
                known = registry.known(xref.kind)
                findings.error(
                    "ref.unresolved",
                    f"@{xref.kind}:{xref.target} does not refer to anything in the plan",
                    xref.location,
                    did_you_mean(xref.target, known) if known else f"no {xref.kind} ids exist yet",
                )
                xref.text = labels.missing_reference(xref.kind, xref.target)
                continue
            where, target = hit
            xref.text, xref.anchor = target.text, target.anchor
            xref.number = target.number if xref.kind in ("tbl", "fig") else ""
            if where != index and target.place:
                other = document.parts[where]
                xref.text = labels.in_part(target.text, other.short or other.title)
                xref.number = ""


def resolve(document: Document, plan: Plan | None = None, home: int = 0) -> Findings:
    """Number the binder, give everything an anchor and fill every reference.

    `home` is the index of the part that holds the plan itself, where a reference not
    found in its own part is looked for next. Labelling must have named the parts
    (`short`) before, for references between parts.
    """
    findings = Findings()
    for part in document.parts:
        number_headings(part)
        number_captions(part)
    assign_anchors(document)
    registry = collect_targets(document, findings)
    if plan is not None:
        add_plan_objects(registry, plan)
    resolve_references(document, registry, home, findings)
    return findings
