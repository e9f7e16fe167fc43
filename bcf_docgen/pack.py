"""The board pack: a covering report in the committee-report form, then the appendices.

`board-report.yaml` gives the covering report. Appendix 1 is the plan itself (unless the
report lists `source: plan` elsewhere), then each appendix the report lists:

- `risks`: the full risk register;
- `schemes`: one page per scheme (overview, objectives, benefits, metrics, spend);
- a section template's name (`funding`, `performance`, ...): that section on its own;
- a Markdown file of the plan folder (`sections/extra.md`).

Every part is assembled and resolved as a Document of its own, so each keeps its own
numbering (the plan's 1, 1.1, A, B; the report's numbered paragraphs); `pack_html` lays
them out as one PDF with continuous page numbers, and the covering report is also written
as a Word file. Templates for the report and the built-in appendices live in
`templates/report/` (a plan may override them in its own `templates/` folder).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import formatting
from .content.files import ContentError, resolve_inside
from .content.models import OutlineEntry
from .content.plan import Plan
from .content.reader import default_templates
from .content.validation import did_you_mean
from .document.assemble import Assembler
from .document.model import (
    Document,
    DocumentInfo,
    Figure,
    Heading,
    Table,
    XRef,
)
from .findings import Findings, Location
from .sections import TEMPLATE_SUFFIX, known_templates

REPORT_FOLDER = "report"  # templates/report/: the covering report and built-in appendices
REPORT_TEMPLATE = "board-report"
# Built-in appendices and the template that makes each (looked up as `appendix-NAME`).
BUILT_IN = {"risks": "appendix-risks", "schemes": "appendix-schemes"}


class PackError(Exception):
    """The pack cannot be made at all (the plan has no board-report.yaml)."""


@dataclass
class Part:
    """One part of the pack: the covering report (number "") or an appendix ("1", "2")."""

    number: str
    title: str
    source: str  # report | plan | risks | schemes | a template name | a Markdown path
    document: Document
    own_cover: bool = False  # the plan: its own cover page comes after the title page

    @property
    def label(self) -> str:
        """The part as the pack's contents and bookmarks name it."""
        if self.number:
            return f"Appendix {self.number}: {self.title}"
        return f"Covering report: {self.title}"


@dataclass
class Pack:
    board: str  # the decision-maker
    meeting: str  # the meeting date, written out
    subject: str
    report_of: str
    plan_title: str
    draft: bool  # the plan is a draft: its pages carry the watermark
    parts: list[Part]
    findings: Findings = field(default_factory=Findings)

    @property
    def report(self) -> Document:
        return self.parts[0].document

    @property
    def appendices(self) -> list[Part]:
        return self.parts[1:]


def roman(number: int) -> str:
    """1 -> 'i', 4 -> 'iv', 12 -> 'xii': the numbering of a report's recommendations."""
    out = ""
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while number >= value:
            out += letters
            number -= value
    return out


@dataclass(frozen=True)
class AppendixEntry:
    """An appendix as the covering report lists it (the plan added first by default)."""

    title: str
    source: str
    location: Location


class _PartAssembler(Assembler):
    """The usual assembly, finding templates in templates/report/ as well."""

    def __init__(self, plan: Plan, templates: Path | None, extra: dict):
        super().__init__(plan, templates)
        self.context.update(extra)
        self.env.filters["roman"] = roman

    def _find_template(self, name: str) -> tuple[Path, str] | None:
        own = self.plan.root / "templates" / f"{name}{TEMPLATE_SUFFIX}"
        if own.is_file():
            return super()._find_template(name)  # checks it stays inside the plan folder
        report = (self.templates or default_templates()) / REPORT_FOLDER
        path = report / f"{name}{TEMPLATE_SUFFIX}"
        if path.is_file():
            return path, f"templates/{REPORT_FOLDER}/{path.name}"
        return super()._find_template(name)


def appendix_entries(plan: Plan) -> list[AppendixEntry]:
    """The report's appendices in order; the plan is Appendix 1 unless listed elsewhere."""
    report = plan.board_report
    if report is None:
        return []
    entries = [
        AppendixEntry(a.title, a.source.strip().replace("\\", "/"), a.loc("source"))
        for a in report.appendices
    ]
    if not any(e.source == "plan" for e in entries):
        title = f"{plan.meta.title}, version {plan.meta.version}"
        entries.insert(0, AppendixEntry(title, "plan", report.loc()))
    return entries


def plan_targets(document: Document) -> dict[tuple[str, str], str]:
    """What `@sec:`, `@app:`, `@tbl:` and `@fig:` references into the plan read as."""
    targets: dict[tuple[str, str], str] = {}
    for block in document.walk():
        if isinstance(block, Heading) and block.id:
            if block.appendix and block.level == 1 and block.number:
                text = f"Appendix {block.number}"
                targets.setdefault(("app", block.id), text)
            elif block.number:
                text = f"section {block.number}"
            else:
                text = block.plain_title
            targets.setdefault(("sec", block.id), text)
        elif isinstance(block, Table | Figure) and block.id and block.number:
            targets.setdefault(
                ("tbl" if isinstance(block, Table) else "fig", block.id), block.label
            )
    return targets


def refer_to_plan(
    document: Document, targets: dict[tuple[str, str], str], plan_number: str
) -> set[tuple[str, str]]:
    """Fill the part's unresolved references that the plan holds; return which were filled."""
    filled: set[tuple[str, str]] = set()
    for node in document.inline_nodes():
        if not isinstance(node, XRef) or node.anchor:
            continue
        key = (node.kind, node.target)
        if key in targets and node.text.startswith("[missing reference"):
            node.text = f"{targets[key]} of Appendix {plan_number}"
            node.number = ""
            filled.add(key)
    return filled


def _report_info(plan: Plan, plan_document: Document) -> DocumentInfo:
    report = plan.board_report
    assert report is not None
    style = plan.theme.date_style
    meeting = formatting.date(report.meeting_date, style)
    return DocumentInfo(
        title=report.subject,
        subtitle=f"Report to {report.decision_maker}",
        area="",
        board=report.decision_maker,
        version=plan.meta.version,
        date=report.meeting_date,
        date_text=meeting,
        status="final",
        author=plan_document.info.author,
        subject=f"Covering report to {report.decision_maker}, {meeting}: {report.subject}",
        keywords=[*plan_document.info.keywords, "board report"],
        language=plan_document.info.language,
        footer=f"{report.decision_maker} | {meeting}",
    )


def assemble_pack(plan: Plan, plan_document: Document, templates: Path | None = None) -> Pack:
    """Every part of the pack, assembled and resolved; problems are in `pack.findings`.

    Raises PackError when the plan has no board-report.yaml.
    """
    report = plan.board_report
    if report is None:
        raise PackError(
            "the plan has no board-report.yaml: the pack's covering report is made from it"
        )
    findings = Findings()
    entries = appendix_entries(plan)
    extra = {"report": report, "pack_appendices": entries}

    plan_number = next(str(i) for i, e in enumerate(entries, start=1) if e.source == "plan")
    in_plan = plan_targets(plan_document)

    def part_document(outline: list[OutlineEntry], part_plan: Plan = plan) -> Document:
        meta = part_plan.meta.model_copy(update={"outline": outline})
        assembler = _PartAssembler(dataclasses.replace(part_plan, meta=meta), templates, extra)
        document = assembler.assemble()
        found = assembler.findings
        # A reference to a part of the plan that this part does not hold is read as
        # "section 11 of Appendix 1" rather than reported as missing.
        for key in refer_to_plan(document, in_plan, plan_number):
            message = f"@{key[0]}:{key[1]} does not refer"
            found.items = [
                f
                for f in found.items
                if not (f.code == "ref.unresolved" and f.message.startswith(message))
            ]
        findings.extend(found)
        return document

    report_document = part_document([OutlineEntry(template=REPORT_TEMPLATE)])
    report_document.info = _report_info(plan, plan_document)
    parts = [Part("", report.subject, "report", report_document)]
    names = known_templates(plan.root, templates)
    for number, entry in enumerate(entries, start=1):
        document = None
        if entry.source == "plan":
            document = plan_document
        elif entry.source.endswith(".md"):
            document = _markdown_part(plan, entry, findings, part_document)
        elif entry.source in BUILT_IN or entry.source in names:
            name = BUILT_IN.get(entry.source, entry.source)
            document = part_document([OutlineEntry(template=name)])
        else:
            choices = ["plan", *BUILT_IN, *names]
            findings.error(
                "pack.appendix",
                f"appendix '{entry.title}' has source '{entry.source}', which is not "
                "'plan', 'risks', 'schemes', a section template or a Markdown file",
                entry.location,
                did_you_mean(entry.source, choices),
            )
        if document is None:
            continue
        document.info = plan_document.info
        parts.append(
            Part(
                str(number),
                entry.title,
                entry.source,
                document,
                own_cover=document is plan_document,
            )
        )
    style = plan.theme.date_style
    return Pack(
        board=report.decision_maker,
        meeting=formatting.date(report.meeting_date, style),
        subject=report.subject,
        report_of=report.report_of,
        plan_title=plan_document.info.title,
        draft=plan_document.info.is_draft,
        parts=parts,
        findings=findings,
    )


def _markdown_part(
    plan: Plan,
    entry: AppendixEntry,
    findings: Findings,
    part_document: Callable[..., Document],
) -> Document | None:
    """A Markdown file of the plan folder as an appendix; its title is the title page's."""
    from .content.reader import _Reader

    try:
        resolve_inside(plan.root, entry.source, entry.location)
    except ContentError as exc:
        findings.error(exc.code, exc.message, exc.location, exc.hint)
        return None
    reader = _Reader(plan.root, default_templates())
    section = plan.sections.get(entry.source) or reader.read_section(entry.source, entry.location)
    findings.extend(reader.findings)
    if section is None:
        return None
    section = dataclasses.replace(
        section, front=section.front.model_copy(update={"heading": False})
    )
    part_plan = dataclasses.replace(plan, sections={**plan.sections, entry.source: section})
    return part_document([OutlineEntry(section=entry.source)], part_plan)


# ---------------------------------------------------------------------------- outputs


def render_part(kind: str, pack: Pack, plan_root: Path, templates: Path | None):
    """One output of the pack: ('pdf', bytes, notes) or ('docx', bytes, notes)."""
    if kind == "pdf":
        from .pack_html import render_pack_pdf

        return render_pack_pdf(pack, plan_root, templates), []
    from .render.docx import build_docx

    data, paginated = build_docx(pack.report)
    notes = (
        []
        if paginated
        else [
            "LibreOffice is not installed, so the Word report's page numbers are worked out "
            "when the reader updates fields in Word (F9)"
        ]
    )
    return data, notes


@dataclass
class PackFiles:
    pdf: Path
    docx: Path
    notes: list[str] = field(default_factory=list)


def pack_paths(out: Path, slug: str) -> tuple[Path, Path]:
    return out / f"{slug}-board-pack.pdf", out / f"{slug}-board-report.docx"


def write_pack(
    pack: Pack,
    plan_root: Path,
    out: Path,
    slug: str,
    templates: Path | None = None,
    parallel: bool = True,
) -> PackFiles:
    """Make the pack's PDF and the report's Word file, then write each atomically.

    Both are made before either is written, so a failure in making one leaves the
    earlier files as they were.
    """
    from .pipeline import write_atomic

    results: dict[str, tuple[bytes, list[str]]] = {}
    if parallel:
        with ProcessPoolExecutor(max_workers=2) as pool:
            futures = {
                kind: pool.submit(render_part, kind, pack, plan_root, templates)
                for kind in ("pdf", "docx")
            }
            results = {kind: future.result() for kind, future in futures.items()}
    else:
        results = {kind: render_part(kind, pack, plan_root, templates) for kind in ("pdf", "docx")}
    pdf_path, docx_path = pack_paths(out, slug)
    write_atomic(pdf_path, results["pdf"][0])
    write_atomic(docx_path, results["docx"][0])
    return PackFiles(pdf_path, docx_path, [*results["pdf"][1], *results["docx"][1]])
