"""The board pack: a covering report in the committee-report form, then the appendices.

`board-report.yaml` gives the covering report. Appendix 1 is the plan itself (unless the
report lists `source: plan` elsewhere), then each appendix the report lists:

- `risks`: the full risk register;
- `schemes`: one page per scheme (overview, objectives, benefits, metrics, spend);
- a section template's name (`funding`, `performance`, ...): that section on its own;
- a Markdown file of the plan folder (`sections/extra.md`).

The pack is one binder (`Document` with several parts: the pack's front, the covering
report, then the appendices), resolved and labelled once, so that numbers and anchors
are unique across it: the plan keeps its own numbering (Table 7, section 3.2, Appendix
A); the covering report's tables and figures read "Table R1", an appendix's "Table 2.1".
A reference from one part into another is a link and names the part ("section 3 of
Appendix 1"). The same writers that write a plan lay the binder out as one PDF with
continuous page numbers; the covering report alone is also written as a Word file.
Templates for the report and the built-in appendices live in `templates/report/` (a plan
may override them in its own `templates/` folder).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from . import formatting
from .checks import run_document_checks
from .content.files import ContentError, resolve_inside
from .content.models import OutlineEntry
from .content.plan import Plan
from .content.reader import default_templates, read_section
from .content.validation import did_you_mean
from .document import labels
from .document.assemble import Assembler, finish
from .document.labelling import label
from .document.look import Look
from .document.model import (
    Block,
    Contents,
    Document,
    DocumentInfo,
    ListBlock,
    Paragraph,
    Part,
    Text,
    TitlePage,
)
from .findings import Findings, Location
from .sections import known_templates

REPORT_FOLDER = "report"  # templates/report/: the covering report and built-in appendices
REPORT_TEMPLATE = "board-report"
# Built-in appendices and the template that makes each (looked up as `appendix-NAME`).
BUILT_IN = {"risks": "appendix-risks", "schemes": "appendix-schemes"}


class PackError(Exception):
    """The pack cannot be made at all (the plan has no board-report.yaml)."""


@dataclass
class PackPart:
    """A part of the pack as the covering report lists it: the report, or an appendix."""

    part: Part  # the part in the pack's binder
    info: DocumentInfo
    look: Look

    @property
    def number(self) -> str:
        return self.part.number

    @property
    def title(self) -> str:
        return self.part.title

    @property
    def source(self) -> str:
        return self.part.source

    @property
    def label(self) -> str:
        return self.part.label

    @property
    def document(self) -> Document:
        """The part on its own, as a document of one part (its headings, tables...)."""
        return Document(self.info, self.look, [self.part])


@dataclass
class Pack:
    board: str  # the decision-maker
    meeting: str  # the meeting date, written out
    subject: str
    report_of: str
    plan_title: str
    draft: bool  # the plan is a draft: its pages carry the watermark
    document: Document  # the whole pack: front, covering report, appendices
    report: Document  # the covering report alone (its Word file)
    findings: Findings = field(default_factory=Findings)

    @property
    def parts(self) -> list[PackPart]:
        """The covering report, then each appendix (not the pack's own front)."""
        info, look = self.document.info, self.document.look
        return [PackPart(p, info, look) for p in self.document.parts if p.source != "front"]

    @property
    def appendices(self) -> list[PackPart]:
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


def _pack_info(plan: Plan, plan_document: Document) -> DocumentInfo:
    """The pack's and the covering report's properties (title, footer, keywords)."""
    report = plan.board_report
    assert report is not None
    meeting = formatting.date(report.meeting_date, plan.theme.date_style)
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


class _PartMaker:
    """Assembles the parts of one pack from the plan, the report's templates and files."""

    def __init__(self, plan: Plan, templates: Path | None, entries: list[AppendixEntry]):
        self.plan = plan
        self.templates = templates
        self.findings = Findings()
        report_dir = (templates or default_templates()) / REPORT_FOLDER
        self.extra = ((report_dir, f"templates/{REPORT_FOLDER}"),)
        self.context = {"report": plan.board_report, "pack_appendices": entries}
        self.names = known_templates(plan.root, templates)

    def template(self, name: str, plan: Plan | None = None) -> Part:
        """A part made from one section template (the report's or a section's)."""
        plan = plan or self.plan
        meta = plan.meta.model_copy(update={"outline": [OutlineEntry(template=name)]})
        assembler = Assembler(
            dataclasses.replace(plan, meta=meta),
            self.templates,
            self.extra,
            self.context,
            logo=False,  # the report takes the plan's logo; its problems are the plan's
        )
        assembler.env.filters["roman"] = roman
        part = assembler.part()
        self.findings.extend(assembler.findings)
        return part

    def markdown(self, entry: AppendixEntry) -> Part | None:
        """A Markdown file of the plan folder; its title is the title page's, not a heading."""
        plan = self.plan
        section = plan.sections.get(entry.source)
        if section is None:
            section, found = read_section(plan.root, entry.source, entry.location, self.templates)
            self.findings.extend(found)
        if section is None:
            return None
        section = dataclasses.replace(
            section, front=section.front.model_copy(update={"heading": False})
        )
        part_plan = dataclasses.replace(plan, sections={**plan.sections, entry.source: section})
        meta = part_plan.meta.model_copy(update={"outline": [OutlineEntry(section=entry.source)]})
        assembler = Assembler(
            dataclasses.replace(part_plan, meta=meta),
            self.templates,
            self.extra,
            self.context,
            logo=False,
        )
        part = assembler.part()
        self.findings.extend(assembler.findings)
        return part

    def appendix(self, entry: AppendixEntry, plan_document: Document) -> Part | None:
        if entry.source == "plan":
            return copy.deepcopy(plan_document.part)
        if entry.source.endswith(".md"):
            try:
                resolve_inside(self.plan.root, entry.source, entry.location)
            except ContentError as exc:
                self.findings.error(exc.code, exc.message, exc.location, exc.hint)
                return None
            return self.markdown(entry)
        if entry.source in BUILT_IN or entry.source in self.names:
            return self.template(BUILT_IN.get(entry.source, entry.source))
        self.findings.error(
            "pack.appendix",
            f"appendix '{entry.title}' has source '{entry.source}', which is not "
            "'plan', 'risks', 'schemes', a section template or a Markdown file",
            entry.location,
            did_you_mean(entry.source, ["plan", *BUILT_IN, *self.names]),
        )
        return None


def _front(plan: Plan, plan_document: Document, entries: list[AppendixEntry]) -> Part:
    """The pack's cover (the meeting, the item, what the pack holds) and its contents."""
    report = plan.board_report
    assert report is not None
    meeting = formatting.date(report.meeting_date, plan.theme.date_style)
    count = len(entries)
    holds = f"This pack holds the covering report and {count} appendi" + (
        "x:" if count == 1 else "ces:"
    )
    listed = [
        labels.covering_report(report.subject),
        *(f"{labels.appendix_prefix(str(n))} {e.title}" for n, e in enumerate(entries, 1)),
    ]
    blocks: list[Block] = [
        Paragraph([Text(report.decision_maker)], "subtitle"),
        Paragraph([Text(f"Meeting on {meeting}")], "lead"),
        Paragraph([Text(report.subject)], "title"),
        Paragraph([Text(f"Report of {report.report_of}")], "subtitle"),
        Paragraph([Text(holds)], "cover"),
        ListBlock(False, [[Paragraph([Text(item)])] for item in listed]),
        Contents(scope="binder"),
    ]
    return Part(blocks, logo=plan_document.part.logo, key="pack-", source="front", cover=True)


def assemble_pack(plan: Plan, plan_document: Document, templates: Path | None = None) -> Pack:
    """The pack as one binder (front, report, appendices), resolved and labelled once.

    Raises PackError when the plan has no board-report.yaml. Problems are in
    `pack.findings`, with those of the checks over every part but the plan's own.
    """
    report = plan.board_report
    if report is None:
        raise PackError(
            "the plan has no board-report.yaml: the pack's covering report is made from it"
        )
    entries = appendix_entries(plan)
    maker = _PartMaker(plan, templates, entries)
    info = _pack_info(plan, plan_document)
    report_part = maker.template(REPORT_TEMPLATE)
    report_part.key, report_part.source, report_part.title = "r-", "report", report.subject
    report_part.cover, report_part.caption_prefix, report_part.draft = False, "R", False
    report_part.logo = plan_document.part.logo
    parts = [_front(plan, plan_document, entries), report_part]
    draft = plan_document.info.is_draft
    for number, entry in enumerate(entries, start=1):
        part = maker.appendix(entry, plan_document)
        if part is None:
            continue
        own = entry.source == "plan"
        part.key, part.number, part.title, part.source = (
            f"a{number}-",
            str(number),
            entry.title,
            entry.source,
        )
        part.cover, part.draft = own, own and draft
        part.logo = part.logo if own else None  # the plan's cover has it; others start plain
        part.caption_prefix = "" if own else f"{number}."
        part.title_page = TitlePage(
            labels.appendix_prefix(str(number)),
            entry.title,
            before=[f"{report.decision_maker}, {info.date_text}"],
            after=[f"Appendix to the report: {report.subject}"],
        )
        parts.append(part)
    document = Document(
        dataclasses.replace(info, title=f"Board pack: {report.subject}"), plan_document.look, parts
    )
    home = next((i for i, p in enumerate(parts) if p.source == "plan"), 1)
    findings = maker.findings
    findings.extend(finish(document, plan, home))
    others = [p for p in parts if p.source not in ("plan", "front")]
    findings.extend(run_document_checks(plan, Document(info, plan_document.look, others)))
    return Pack(
        board=report.decision_maker,
        meeting=info.date_text,
        subject=report.subject,
        report_of=report.report_of,
        plan_title=plan_document.info.title,
        draft=draft,
        document=document,
        report=_report_alone(info, plan_document, report_part),
        findings=findings,
    )


def _report_alone(info: DocumentInfo, plan_document: Document, part: Part) -> Document:
    """The covering report as a document of its own (its Word file), labelled as such.

    Its references into the appendices keep their text ("section 3 of Appendix 1");
    their anchors are not in this file, so the writers print them as text.
    """
    alone = Document(info, plan_document.look, [copy.deepcopy(part)])
    label(alone)
    return alone


# ---------------------------------------------------------------------------- outputs


def render_part(kind: str, pack: Pack, plan_root: Path, templates: Path | None):
    """One of the pack's files (`PACK_FILES`): its bytes and notes for the user."""
    if kind == "pdf":
        return render_pack_pdf(pack, plan_root, templates), []
    from .render.docx import build_docx

    data, paginated = build_docx(pack.report if kind == "docx" else pack.document)
    notes = (
        []
        if paginated
        else [
            "LibreOffice is not installed, so the Word files' page numbers are worked out "
            "when the reader updates fields in Word (F9)"
        ]
    )
    return data, notes


def render_pack_pdf(pack: Pack, plan_root: Path, templates: Path | None = None) -> bytes:
    """The whole pack as one tagged PDF."""
    from .render.pdf import render_pdf

    return render_pdf(pack.document, plan_root, templates)


# The pack's files: the pack as one PDF, the covering report alone as Word, and the
# whole pack as Word (where references from the report into the plan are live too).
PACK_FILES = {
    "pdf": "{slug}-board-pack.pdf",
    "docx": "{slug}-board-report.docx",
    "pack-docx": "{slug}-board-pack.docx",
}


# What `pack` writes unless asked for the Word pack as well (--word-pack).
PACK_DEFAULT = ("pdf", "docx")


def pack_paths(out: Path, slug: str) -> dict[str, Path]:
    """Where each of the pack's files goes, by the writer that makes it."""
    return {name: out / pattern.format(slug=slug) for name, pattern in PACK_FILES.items()}
