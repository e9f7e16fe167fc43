"""What changed between two versions of a plan, in the words a reviewer uses.

A source diff hides most of what a change does to the document: one scheme line raised
by £100,000 moves the scheme's total, the spend by type, area and commissioner, the
ring-fence figure and every sentence that quotes them. This module compares the two
plans as read (the content models and the figures `derived` computes from them) and the
two resolved documents, and lists each change with its old and new value and where it
is written at the new revision.

Values are compared with `==` and printed with `formatting`, so a figure of a kind
the formatter knows (a figure not yet known, say) needs nothing here.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .content.models import ExpenditureLine, Scheme
from .content.plan import Plan
from .derived import FundingFigures, funding_figures, metric_info, rule_planned
from .document.model import (
    Block,
    Callout,
    Document,
    Figure,
    Heading,
    Inline,
    Landscape,
    ListBlock,
    Paragraph,
    Signature,
    Table,
    TitlePage,
    plain_text,
)
from .findings import Finding, Findings, Location
from .formatting import money, number
from .revisions import PlanRepository, Revision, RevisionError
from .untrusted import for_terminal

# The kinds of change, in the order a summary lists them, with their headings.
KINDS: dict[str, str] = {
    "money": "Money",
    "total": "Totals that moved",
    "metric": "Metrics",
    "risk": "Risks",
    "condition": "Conditions",
    "scheme": "Schemes",
    "section": "Sections",
    "finding": "Findings",
}
FIRST_WORDS = 10


@dataclass(frozen=True)
class Change:
    """One change: what, the old and new value as printed ("" when absent), and where."""

    kind: str
    subject: str
    old: str
    new: str
    location: Location | None = None

    def as_json(self) -> dict[str, Any]:
        where = self.location
        return {
            "kind": self.kind,
            "subject": self.subject,
            "old": self.old,
            "new": self.new,
            "file": where.file if where else None,
            "line": where.line if where else None,
        }


@dataclass
class Version:
    """One side of the comparison: the plan as read and checked, and its document."""

    plan: Plan
    document: Document | None
    findings: Findings
    label: str = ""


@dataclass
class ChangeSummary:
    old: str  # the old revision's label
    new: str
    slug: str
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(c.kind for c in self.changes)
        return {kind: found[kind] for kind in KINDS if found[kind]}


@dataclass
class Comparison:
    """Two versions of a plan read from git, and what changed between them.

    The plans' `root` folders were temporary copies and are gone (the working tree's
    excepted): everything a redline needs is in the documents, read into memory."""

    old: Version
    new: Version
    old_revision: Revision
    new_revision: Revision
    summary: ChangeSummary
    authors: list[str] = field(default_factory=list)  # of the commits in between


def compare(
    folder: Path, from_rev: str = "HEAD", to_rev: str | None = None, templates: Path | None = None
) -> Comparison:
    """Read and check the plan in `folder` at two revisions (None: the working tree) and
    summarise the changes. Raises RevisionError (not in git, unknown revision, no plan
    there) or PlanFolderError; neither revision's files are left behind."""
    from .pipeline import check_plan

    repository = PlanRepository.of(folder)
    old_revision, new_revision = repository.revision(from_rev), repository.revision(to_rev)
    versions: list[Version] = []
    for revision in (old_revision, new_revision):
        with repository.checkout(revision) as checkout:
            # The board pack is not composed: the plan's own findings are compared.
            checked = check_plan(checkout, templates, with_pack=False)
            if checked.plan is None:
                raise RevisionError(
                    f"the plan at {revision.label} could not be read: "
                    f"{len(checked.findings.errors)} error(s); run `bcf-docgen check` on it"
                )
            version = Version(checked.plan, checked.document, checked.findings, revision.label)
            if revision is new_revision:  # the summary reads the new files for lines
                summary = summarise(versions[0], version)
            versions.append(version)
    authors = repository.authors(old_revision, new_revision)
    return Comparison(versions[0], versions[1], old_revision, new_revision, summary, authors)


def summarise(old: Version, new: Version) -> ChangeSummary:
    """Every change from `old` to `new`, kind by kind (see KINDS)."""
    summary = ChangeSummary(old.label, new.label, new.plan.slug)
    summary.changes += money_changes(old.plan, new.plan)
    summary.changes += total_changes(old.plan, new.plan)
    summary.changes += metric_changes(old.plan, new.plan)
    summary.changes += risk_changes(old.plan, new.plan)
    summary.changes += condition_changes(old.plan, new.plan)
    summary.changes += scheme_changes(old.plan, new.plan)
    if old.document is not None and new.document is not None:
        summary.changes += section_changes(old.document, new.document, new.plan.root)
    summary.changes += finding_changes(old.findings, new.findings)
    return summary


# ------------------------------------------------------------------------------ money


def _compare(
    kind: str,
    subject: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    show: Callable[[Any], str],
    where: Callable[[str], Location | None],
) -> list[Change]:
    """A change per key whose value differs (keys in the new order, then removed ones)."""
    out = []
    for key in list(new) + [k for k in old if k not in new]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        out.append(
            Change(
                kind,
                f"{subject}, {key}" if key else subject,
                "" if before is None else show(before),
                "" if after is None else show(after),
                where(key),
            )
        )
    return out


def _lines(plan: Plan) -> dict[tuple[str, str], tuple[Scheme, ExpenditureLine]]:
    return {(s.id, line.line): (s, line) for s in plan.schemes for line in s.expenditure}


def money_changes(old: Plan, new: Plan) -> list[Change]:
    """Amounts as written: expenditure lines, funding sources, passporting, stated totals."""
    out: list[Change] = []
    old_lines, new_lines = _lines(old), _lines(new)
    for key in list(new_lines) + [k for k in old_lines if k not in new_lines]:
        scheme, line = new_lines.get(key) or old_lines[key]
        before = old_lines[key][1].amounts if key in old_lines else {}
        after = new_lines[key][1].amounts if key in new_lines else {}
        subject = f"{scheme.id} {scheme.name}: line {line.line}"
        out += _compare("money", subject, before, after, money, _at(line, "amounts"))
    old_sources = {s.id: s for s in old.funding.sources}
    for source in new.funding.sources:
        previous = old_sources.get(source.id)
        before = previous.amounts if previous else {}
        subject = f"Income: {source.name}"
        out += _compare("money", subject, before, source.amounts, money, _at(source, "amounts"))
        passports = {p.to: p for p in previous.passported} if previous else {}
        for passport in source.passported:
            earlier = passports.get(passport.to)
            out += _compare(
                "money",
                f"{source.name} passported to {passport.to}",
                earlier.amounts if earlier else {},
                passport.amounts,
                money,
                _at(passport, "amounts"),
            )
    for name, attr in (("Stated total", "control_totals"), ("Ring-fence required", "ring_fences")):
        stated_old = {_stated_key(t): t.amount for t in getattr(old.funding, attr)}
        items = {_stated_key(t): t for t in getattr(new.funding, attr)}
        stated_new = {key: t.amount for key, t in items.items()}
        out += _compare(
            "money",
            name,
            stated_old,
            stated_new,
            money,
            _item_at(items, "amount"),
        )
    return out


def _at(model: Any, attr: str) -> Callable[[str], Location | None]:
    """Where `model.attr[key]` is written (the mapping itself when the key is gone)."""

    def where(key: str) -> Location | None:
        present = key in (getattr(model, attr, None) or {})
        return model.loc(attr, key) if present else model.loc(attr)

    return where


def _item_at(items: Mapping[str, Any], attr: str) -> Callable[[str], Location | None]:
    def where(key: str) -> Location | None:
        return items[key].loc(attr) if key in items else None

    return where


def _stated_key(item: Any) -> str:
    return f"{getattr(item, 'what', None) or getattr(item, 'rule', '')} {item.year}"


def _changed_lines(old: Plan, new: Plan) -> list[ExpenditureLine]:
    """The new plan's expenditure lines whose amounts (or place) changed: where a moved
    derived total comes from."""
    old_lines = _lines(old)
    return [
        line
        for key, (_scheme, line) in _lines(new).items()
        if key not in old_lines or old_lines[key][1] != line
    ]


def total_changes(old: Plan, new: Plan) -> list[Change]:
    """The derived totals that moved: pool, income and spend by source, by scheme, type,
    area and commissioner, passporting, and the planned figure of each ring-fence."""
    before, after = funding_figures(old), funding_figures(new)
    changed = _changed_lines(old, new)
    sources = {s.id: s for s in new.funding.sources}
    schemes = {s.id: s for s in new.schemes}

    def by_line(attr: str) -> Callable[[str], Callable[[str], Location | None]]:
        def finder(key: str) -> Callable[[str], Location | None]:
            line = next((li for li in changed if getattr(li, attr) == key), None)
            return lambda _year: line.loc("amounts") if line else None

        return finder

    def source_at(key: str) -> Callable[[str], Location | None]:
        source = sources.get(key)
        return lambda year: source.loc("amounts", year) if source else None

    def scheme_at(key: str) -> Callable[[str], Location | None]:
        return by_line("line")(next((li.line for li in changed if _scheme_of(new, li) == key), ""))

    out = _year_table("Pooled fund (income)", before.pool, after.pool, source_at(""))
    first = changed[0] if changed else None
    out += _year_table(
        "Planned spend",
        before.spend,
        after.spend,
        lambda _y: first.loc("amounts") if first else None,
    )
    groups: list[
        tuple[str, str, Callable[[str], Callable[[str], Location | None]], Callable[[str], str]]
    ] = [
        ("by_source", "Income from", source_at, lambda k: _name(sources, k)),
        ("allocated", "Spend from", by_line("source"), lambda k: _name(sources, k)),
        ("by_type", "Income of type", source_at, str),
        ("passported", "Passported from", source_at, lambda k: _name(sources, k)),
        ("by_scheme", "Scheme total", scheme_at, lambda k: _name(schemes, k)),
        ("by_scheme_type", "Spend on", by_line("type"), str),
        ("by_area", "Spend in", by_line("area"), str),
        ("by_commissioner", "Spend commissioned by", by_line("commissioner"), new.partner_name),
    ]
    for attr, words, finder, named in groups:
        old_group: dict[str, dict[str, Any]] = getattr(before, attr)
        new_group: dict[str, dict[str, Any]] = getattr(after, attr)
        for key in list(new_group) + [k for k in old_group if k not in new_group]:
            out += _year_table(
                f"{words} {named(key)}", old_group.get(key, {}), new_group.get(key, {}), finder(key)
            )
    out += _unallocated(before, after, source_at)
    out += _ring_fence_changes(old, new)
    return out


def _scheme_of(plan: Plan, line: ExpenditureLine) -> str:
    return next((s.id for s in plan.schemes if any(li is line for li in s.expenditure)), "")


def _name(items: Mapping[str, Any], key: str) -> str:
    item = items.get(key)
    return f"{key} {item.name}" if item is not None and item.name != key else key


def _year_table(
    subject: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    where: Callable[[str], Location | None],
) -> list[Change]:
    # A year missing on one side counts as nothing that year (totals start at zero).
    years = list(new) + [y for y in old if y not in new]
    before = {y: old.get(y, 0) for y in years}
    after = {y: new.get(y, 0) for y in years}
    return _compare("total", subject, before, after, money, where)


def _unallocated(
    before: FundingFigures,
    after: FundingFigures,
    source_at: Callable[[str], Callable[[str], Location | None]],
) -> list[Change]:
    out: list[Change] = []
    for source in after.sources:
        years = after.years
        old = {y: before.unallocated(source.id, y) for y in years}
        new = {y: after.unallocated(source.id, y) for y in years}
        out += _year_table(f"Unallocated from {source.name}", old, new, source_at(source.id))
    return out


def _ring_fence_changes(old: Plan, new: Plan) -> list[Change]:
    def planned(plan: Plan) -> dict[str, Any]:
        found = {}
        for fence in plan.funding.ring_fences:
            rule = plan.framework.rule(fence.rule)
            if rule is not None:
                found[f"{rule.title} {fence.year}"] = rule_planned(plan, rule, fence.year)
        return found

    fences = {}
    for fence in new.funding.ring_fences:
        rule = new.framework.rule(fence.rule)
        if rule is not None:
            fences[f"{rule.title} {fence.year}"] = fence
    return _compare(
        "total",
        "Ring-fence planned",
        planned(old),
        planned(new),
        money,
        lambda k: fences[k].loc("amount") if k in fences else None,
    )


# ---------------------------------------------------------------- metrics, risks ...


def metric_changes(old: Plan, new: Plan) -> list[Change]:
    """Baselines, targets and actuals of each metric (added and removed metrics too)."""
    out: list[Change] = []
    before = {m.id: m for m in old.metrics.metrics}
    after = {m.id: m for m in new.metrics.metrics}
    for metric in new.metrics.metrics:
        info = metric_info(new, metric)

        def show(value: Any, decimals: int = info.decimals) -> str:
            return number(value, decimals)

        previous = before.get(metric.id)
        name = f"{metric.id} {info.name}"
        if previous is None:
            out.append(Change("metric", f"{name} (added)", "", "added", metric.loc()))
            continue
        if (previous.baseline, metric.baseline) != (
            None,
            None,
        ) and previous.baseline != metric.baseline:
            out.append(
                Change(
                    "metric",
                    f"{name}: baseline",
                    _baseline(previous.baseline, show),
                    _baseline(metric.baseline, show),
                    metric.loc("baseline"),
                )
            )
        for attr, word in (("targets", "target"), ("actuals", "actual")):
            out += _compare(
                "metric",
                f"{name}: {word}",
                getattr(previous, attr),
                getattr(metric, attr),
                show,
                _at(metric, attr),
            )
    for metric_id in before:
        if metric_id not in after:
            out.append(Change("metric", f"{metric_id} (removed)", "present", "", None))
    return out


def _baseline(value: Any, show: Callable[[Any], str]) -> str:
    return "" if value is None else f"{show(value.value)} ({value.period})"


def risk_changes(old: Plan, new: Plan) -> list[Change]:
    """Risks re-scored: likelihood, impact, score and rating (residual too); added, removed."""
    out: list[Change] = []
    before = {r.id: r for r in old.risks.risks}
    for risk in new.risks.risks:
        previous = before.pop(risk.id, None)
        if previous is None:
            out.append(Change("risk", f"{risk.id} (added)", "", _words(risk.risk), risk.loc()))
            continue
        scored = [
            ("likelihood", previous.likelihood, risk.likelihood, risk.loc("likelihood")),
            ("impact", previous.impact, risk.impact, risk.loc("impact")),
            ("score", previous.score, risk.score, risk.loc("likelihood")),
            (
                "rating",
                old.risks.rating(previous.score),
                new.risks.rating(risk.score),
                risk.loc("likelihood"),
            ),
        ]
        old_residual = previous.residual.score if previous.residual else None
        new_residual = risk.residual.score if risk.residual else None
        scored.append(("residual score", old_residual, new_residual, risk.loc("residual")))
        scored.append(("status", previous.status, risk.status, risk.loc("status")))
        for what, was, now, where in scored:
            if was != now:
                old_text, new_text = ("" if v is None else str(v).capitalize() for v in (was, now))
                out.append(Change("risk", f"{risk.id}: {what}", old_text, new_text, where))
    for risk_id in before:
        out.append(Change("risk", f"{risk_id} (removed)", "present", "", None))
    return out


def condition_changes(old: Plan, new: Plan) -> list[Change]:
    out: list[Change] = []
    before = {c.id: c for c in old.conditions.conditions}
    for condition in new.conditions.conditions:
        previous = before.pop(condition.id, None)
        if previous is None:
            out.append(
                Change(
                    "condition", f"{condition.id} (added)", "", condition.status, condition.loc()
                )
            )
            continue
        if previous.status != condition.status:
            out.append(
                Change(
                    "condition",
                    f"{condition.id}: status",
                    previous.status,
                    condition.status,
                    condition.loc("status"),
                )
            )
        if previous.response != condition.response:
            out.append(
                Change(
                    "condition",
                    f"{condition.id}: response",
                    _words(previous.response or ""),
                    _words(condition.response or ""),
                    condition.loc("response"),
                )
            )
    for condition_id in before:
        out.append(Change("condition", f"{condition_id} (removed)", "present", "", None))
    return out


def scheme_changes(old: Plan, new: Plan) -> list[Change]:
    """Schemes added, removed or renamed (same id, new name)."""
    out: list[Change] = []
    before = {s.id: s for s in old.schemes}
    for scheme in new.schemes:
        previous = before.pop(scheme.id, None)
        if previous is None:
            out.append(Change("scheme", f"{scheme.id} (added)", "", scheme.name, scheme.loc()))
        elif previous.name != scheme.name:
            out.append(
                Change(
                    "scheme",
                    f"{scheme.id} (renamed)",
                    previous.name,
                    scheme.name,
                    scheme.loc("name"),
                )
            )
        elif previous.status != scheme.status:
            out.append(
                Change(
                    "scheme",
                    f"{scheme.id}: status",
                    str(previous.status),
                    str(scheme.status),
                    scheme.loc("status"),
                )
            )
    for scheme_id, scheme in before.items():
        out.append(Change("scheme", f"{scheme_id} (removed)", scheme.name, "", None))
    return out


def _words(text: str, count: int = FIRST_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" ..." if len(words) > count else "")


# ----------------------------------------------------------------------------- text


def section_texts(document: Document) -> dict[str, tuple[Heading, list[str]]]:
    """Per top-level section (by heading id): its heading and its paragraphs' text
    (sub-headings, list items and callouts included; tables are the figures' business)."""
    sections: dict[str, tuple[Heading, list[str]]] = {}
    current: list[str] | None = None
    top = min((h.level for h in document.headings()), default=1)
    for block in document.walk():
        if isinstance(block, Heading) and block.level == top:
            current = []
            sections[block.id] = (block, current)
        elif current is None:
            continue
        elif isinstance(block, Heading | Paragraph):
            text = plain_text(block.title if isinstance(block, Heading) else block.inlines)
            if text.strip():
                current.append(" ".join(text.split()))
    return sections


def section_changes(old: Document, new: Document, new_root: Path) -> list[Change]:
    """Sections with changed paragraphs: how many, and the first words of the first."""
    out: list[Change] = []
    before, after = section_texts(old), section_texts(new)
    for section_id, (heading, paragraphs) in after.items():
        if section_id not in before:
            out.append(
                Change(
                    "section",
                    f"{heading.label} (added)",
                    "",
                    _words(heading.plain_title),
                    heading.location,
                )
            )
            continue
        old_paragraphs = before[section_id][1]
        matcher = difflib.SequenceMatcher(None, old_paragraphs, paragraphs, autojunk=False)
        changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        if not changed:
            continue
        count = sum(max(i2 - i1, j2 - j1) for _tag, i1, i2, j1, j2 in changed)
        _tag, i1, i2, j1, j2 = changed[0]
        was, now = _difference(
            old_paragraphs[i1] if i1 < i2 else "", paragraphs[j1] if j1 < j2 else ""
        )
        where = _paragraph_line(new_root, heading.location, now) if now else heading.location
        noun = "paragraph" if count == 1 else "paragraphs"
        out.append(
            Change(
                "section",
                f"{heading.label}: {count} {noun} changed",
                _words(was),
                _words(now),
                where,
            )
        )
    for section_id, (heading, _paragraphs) in before.items():
        if section_id not in after:
            out.append(
                Change(
                    "section", f"{heading.label} (removed)", _words(heading.plain_title), "", None
                )
            )
    return out


def _difference(was: str, now: str, before: int = 3) -> tuple[str, str]:
    """The two paragraphs from a few words before their first difference ("... worth
    £9,194k, which ..."), so that a reviewer sees what changed, not how it began."""
    old_words, new_words = was.split(), now.split()
    start = next(
        (i for i, (a, b) in enumerate(zip(old_words, new_words, strict=False)) if a != b),
        min(len(old_words), len(new_words)),
    )
    start = max(0, start - before)
    lead = "... " if start else ""
    shown = [" ".join(words[start:]) for words in (old_words, new_words)]
    return tuple(lead + _words(text) if text else "" for text in shown)  # type: ignore[return-value]


def _paragraph_line(root: Path, heading: Location, text: str) -> Location:
    """The line of the section's file where the paragraph's first words are written, or
    the heading's (the words may come from a `{{ }}` expression)."""
    words = text.removeprefix("... ").split()[:4]
    if not words or heading.file in ("", "?"):
        return heading
    try:
        lines = (root / heading.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return heading
    probe = " ".join(words)
    for number_, line in enumerate(lines, 1):
        if probe in " ".join(line.split()):
            return Location(heading.file, number_, 1)
    return heading


def finding_changes(old: Findings, new: Findings) -> list[Change]:
    """Findings that appeared or were resolved (matched by code and message, not line)."""

    def key(finding: Finding) -> tuple[str, str, str]:
        return (finding.severity.value, finding.code, finding.message)

    before = Counter(key(f) for f in old)
    after = Counter(key(f) for f in new)
    out: list[Change] = []
    for finding in new.sorted():
        if before[key(finding)] > 0:
            before[key(finding)] -= 1
            continue
        words = f"{finding.severity.value}: {finding.message} [{finding.code}]"
        out.append(Change("finding", "appeared", "", words, finding.location))
    for finding in old.sorted():
        if after[key(finding)] > 0:
            after[key(finding)] -= 1
            continue
        words = f"{finding.severity.value}: {finding.message} [{finding.code}]"
        out.append(Change("finding", "resolved", words, "", None))
    return out


# --------------------------------------------------------------------------- output


def as_json(summary: ChangeSummary) -> str:
    data = {
        "from": summary.old,
        "to": summary.new,
        "counts": summary.counts,
        "changes": [c.as_json() for c in summary.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") if text else "—"


def as_markdown(summary: ChangeSummary) -> str:
    """The summary as Markdown (`<slug>-changes.md`): a table per kind of change."""
    lines = [f"# Changes from {summary.old} to {summary.new}", ""]
    if not summary.changes:
        return "\n".join([*lines, "No changes.", ""])
    counts = ", ".join(f"{n} {KINDS[k].lower()}" for k, n in summary.counts.items())
    lines += [f"{len(summary.changes)} changes: {counts}.", ""]
    for kind, title in KINDS.items():
        changes = summary.of(kind)
        if not changes:
            continue
        lines += [f"## {title}", "", "| What | Was | Now | Where |", "| --- | --- | --- | --- |"]
        for c in changes:
            where = f"`{c.location.file}:{c.location.line}`" if c.location else "—"
            lines.append(f"| {_cell(c.subject)} | {_cell(c.old)} | {_cell(c.new)} | {where} |")
        lines.append("")
    return "\n".join(lines)


def rows(summary: ChangeSummary) -> Iterable[tuple[str, list[Change]]]:
    """(heading, changes) per kind that has any, in KINDS order (for the terminal)."""
    for kind, title in KINDS.items():
        changes = summary.of(kind)
        if changes:
            yield title, changes


def as_rich(summary: ChangeSummary) -> list[Any]:
    """The summary as Rich renderables for the terminal: a heading and a table per kind.

    Plan text goes in as Text objects, never as markup, with control characters shown."""
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    title = f"Changes from {summary.old} to {summary.new}"
    out: list[Any] = [RichText(for_terminal(title), style="bold")]
    if not summary.changes:
        return [*out, RichText("No changes.")]
    for heading, changes in rows(summary):
        table = RichTable(title=heading, title_justify="left", title_style="bold", expand=False)
        for column, style in (("What", ""), ("Was", "red"), ("Now", "green"), ("Where", "dim")):
            table.add_column(
                column,
                style=style or None,
                no_wrap=column == "Where",
                min_width=12 if column in ("Was", "Now") else None,  # an amount on one line
            )
        for c in changes:
            where = f"{c.location.file}:{c.location.line}" if c.location else ""
            table.add_row(
                *(RichText(for_terminal(v or "—")) for v in (c.subject, c.old, c.new)), where
            )
        out.append(table)
    return out


def redline_docx(comparison: Comparison, paginate: bool = False) -> bytes:
    """The new version's Word file with the changes tracked, by the author and at the date
    of the new revision's commit (the user and now for the working tree)."""
    from .render.redline_docx import render_redline

    old, new = comparison.old.document, comparison.new.document
    if old is None or new is None:
        raise RevisionError("a redline needs both versions' documents")
    revision = comparison.new_revision
    return render_redline(old, new, revision.author, revision.date, paginate)


def redline_marked(comparison: Comparison, fmt: str, plan_root: Path) -> bytes:
    """The marked HTML page (`fmt` "html") or PDF ("pdf") of the redline: the new version
    with insertions underlined, deletions struck through and a first page of changes."""
    from .render.redline_html import marked_page, redline_pdf

    old, new = comparison.old.document, comparison.new.document
    if old is None or new is None:
        raise RevisionError("a redline needs both versions' documents")
    title = f"Changes from {comparison.old_revision.label} to {comparison.new_revision.label}"
    if fmt == "pdf":  # WeasyPrint, fed with plan content: under the caps a PDF has
        from .jobs import in_engine_worker

        return in_engine_worker(redline_pdf, old, new, title, plan_root)
    return marked_page(old, new, title).encode("utf-8")


# ---------------------------------------------------------------- text for git diff


def document_text(document: Document) -> str:
    """The document as plain text, one paragraph a line, section by section: what
    `textconv` prints so that `git diff` (with --word-diff) shows the document's changes."""
    lines: list[str] = []
    for part in document.parts:
        lines += _blocks_text(part.blocks)
        for number_, blocks in sorted(part.footnotes.items()):
            text = " ".join(_blocks_text(blocks))
            lines.append(f"[{number_}] {text}")
    return "\n".join(lines).strip() + "\n"


def _blocks_text(blocks: Iterable[Block], indent: str = "") -> list[str]:
    out: list[str] = []
    for block in blocks:
        out += _block_text(block, indent)
    return out


def _one_line(inlines: list[Inline]) -> str:
    return " ".join(plain_text(inlines).split())


def _block_text(block: Block, indent: str) -> list[str]:  # noqa: C901 - one case a type
    if isinstance(block, Heading):
        return ["", f"{'#' * block.level} {' '.join(block.label.split())}", ""]
    if isinstance(block, Paragraph):
        text = _one_line(block.inlines)
        return [indent + text] if text else []
    if isinstance(block, ListBlock):
        out: list[str] = []
        for index, item in enumerate(block.items, block.start):
            marker = f"{index}. " if block.ordered else "- "
            inner = _blocks_text(item, indent + "  ")
            first = inner[0].strip() if inner else ""
            out += [indent + marker + first, *inner[1:]]
        return out
    if isinstance(block, Callout | Landscape):
        prefix = indent + ("> " if isinstance(block, Callout) else "")
        title = [prefix + block.title] if isinstance(block, Callout) and block.title else []
        return title + _blocks_text(block.blocks, prefix)
    if isinstance(block, Table):
        out = [f"{indent}{block.label}{block.separator}{_one_line(block.caption)}".rstrip()]
        for row in block.rows:
            out.append(indent + "| " + " | ".join(_one_line(c.inlines) for c in row.cells) + " |")
        return [*out, ""]
    if isinstance(block, Figure):
        return [f"{indent}[{block.label}{block.separator}{_one_line(block.caption)}]"]
    if isinstance(block, Signature):
        return [f"{indent}{label} {value}" for label, value in block.lines]
    if isinstance(block, TitlePage):
        return [*block.before, f"{block.label} {block.title}", *block.after]
    return []  # contents (a field), page breaks


GIT_TEMPORARY = re.compile(r"^[A-Za-z0-9]{6}_")  # git's name for a blob it hands a textconv


def plan_folder_of(path: Path) -> Path | None:
    """The plan folder a file is in (the nearest folder above it with a plan.yaml)."""
    for folder in [path, *path.parents] if path.is_dir() else path.parents:
        if (folder / "plan.yaml").is_file():
            return folder
    return None


def textconv(path: Path, search: Path) -> str:
    """The text of the document `path` belongs to, for `git diff`.

    A plan folder, or a file in one: that plan's document. A file git copied out of an
    older revision (`/tmp/XXXXXX_risks.yaml`): the plan under `search` that has a file of
    that name, built with this file in its place, so the diff shows what the one file's
    change does to the document. Anything else, or a plan that cannot be built: the file
    as it is, so that `git diff` always has something to show.
    """
    folder = plan_folder_of(path.resolve())
    if folder is not None:
        return _plan_text(folder) or _raw(path)
    name = GIT_TEMPORARY.sub("", path.name)
    matches = [
        (plan, found)
        for plan in _plans_under(search)
        for found in plan.rglob(name)
        if found.is_file() and ".git" not in found.parts
    ]
    if len(matches) != 1:  # none, or the same name in several plans: the file itself
        return _raw(path)
    plan, original = matches[0]
    with tempfile.TemporaryDirectory(prefix="bcf-docgen-textconv-") as temporary:
        copy = Path(temporary) / "plan"
        shutil.copytree(plan, copy, ignore=shutil.ignore_patterns(".git", "build"))
        shutil.copyfile(path, copy / original.relative_to(plan))
        return _plan_text(copy) or _raw(path)


def _plans_under(search: Path, depth: int = 4) -> list[Path]:
    """Plan folders under `search`, `depth` folders down at most, hidden folders and
    build outputs skipped (a textconv runs for every changed file: it must be quick)."""
    found = []
    top = len(search.parts)
    for folder, folders, files in os.walk(search):
        here = Path(folder)
        if "plan.yaml" in files:
            found.append(here)
        if len(here.parts) - top >= depth:
            folders[:] = []
        else:
            folders[:] = [f for f in folders if not f.startswith(".") and f != "build"]
    return found


def _plan_text(folder: Path) -> str | None:
    from .content.reader import PlanFolderError
    from .pipeline import check_plan

    try:
        checked = check_plan(folder, with_pack=False)
    except PlanFolderError:
        return None
    return document_text(checked.document) if checked.document is not None else None


def _raw(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
