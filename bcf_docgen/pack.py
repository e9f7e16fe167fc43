"""The board pack: a covering report in the committee-report form, then the appendices.

`board-report.yaml` gives the covering report. Appendix 1 is the plan itself (unless the
report lists `source: plan` elsewhere), then each appendix the report lists:

- `risks`: the full risk register;
- `schemes`: one page per scheme (overview, objectives, benefits, metrics, spend);
- a section template's name (`funding`, `performance`, ...): that section on its own;
- a Markdown file of the plan folder (`sections/extra.md`);
- a PDF file of the plan folder (`papers/s75-agreement.pdf`), attached as it is: checked
  here (render/pdf_attach.py), laid out as placeholder pages of its size so that page
  numbers, the contents and bookmarks count it, and drawn in after the tags are finished.

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
from .engines import DEFAULT_PDF_ENGINE
from .findings import Findings, Location
from .render.pdf_attach import MAX_BYTES, Attachment, AttachmentError, inspect_pdf
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
    attachments: list[Attachment] = field(default_factory=list)  # the PDF appendices
    # The meeting, its date and the agenda item, at the head of every page but the cover
    # and title pages, when board-report.yaml names the meeting or the item ("" if not).
    header: str = ""
    # Why the pack must not be written at all (an attached PDF that cannot be used: the
    # pack would lack a paper the report lists), even for a draft; "" when it may.
    refused: str = ""

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
        footer=f"{report.decision_maker} | {meeting}"
        + (f" | Paper {report.paper_reference}" if report.paper_reference else ""),
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

    def attached(
        self, entry: AppendixEntry, look: Look, header: tuple[str, ...], footer: str
    ) -> Attachment | None:
        """A PDF of the plan folder, checked and measured for the running header's lines
        and the footer; None (and an error that stops the pack) when it cannot be
        attached as it is."""
        try:
            path = resolve_inside(self.plan.root, entry.source, entry.location)
        except ContentError as exc:
            self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            return None
        if not path.is_file():
            self.findings.error(
                "file.missing",
                f"appendix '{entry.title}': the PDF {entry.source} does not exist",
                entry.location,
                "check the path: it is relative to the plan folder",
            )
            return None
        try:
            if path.stat().st_size > MAX_BYTES:
                raise AttachmentError(
                    "pack.pdf-too-large",
                    f"the PDF is {path.stat().st_size / 1048576:.1f} MB; an attached PDF "
                    f"may be at most {MAX_BYTES // 1048576} MB",
                    "reduce it (save it again with smaller pictures) or split it in two",
                )
            attachment = inspect_pdf(path.read_bytes(), look, header, footer)
        except AttachmentError as exc:
            self.findings.error(
                exc.code,
                f"appendix '{entry.title}' ({entry.source}): {exc.message}",
                entry.location,
                exc.hint,
            )
            return None
        except OSError as exc:
            self.findings.error(
                "file.unreadable",
                f"appendix '{entry.title}': {entry.source} cannot be read ({exc.strerror})",
                entry.location,
            )
            return None
        attachment.source = entry.source
        self._attachment_warnings(entry, attachment)
        return attachment

    def _attachment_warnings(self, entry: AppendixEntry, attachment: Attachment) -> None:
        """What the publisher should know: pages without room for the page number, and
        what a screen reader will miss."""
        name, where = entry.source, entry.location
        unstamped = [str(i) for i, page in enumerate(attachment.pages, 1) if page.footer_mm is None]
        if unstamped:
            self.findings.warning(
                "pack.pdf-no-margin",
                f"{_pages(unstamped)} of {name}: content runs down to the foot of the page, "
                "so the pack's page number is not stamped there (it would cover the content)",
                where,
                "ask for a copy that leaves about 1 cm free at the foot of each page",
            )
        textless = [str(i) for i, page in enumerate(attachment.pages, 1) if not page.has_text]
        if textless:
            self.findings.warning(
                "a11y.pdf-appendix-text",
                f"{_pages(textless)} of {name}: no text (a scan or a picture), so a screen "
                "reader can only say that there is a page without text",
                where,
                "attach a PDF with its text (run text recognition on a scan), or add the "
                "text as a Markdown appendix as well",
            )
        if attachment.tagged:
            self.findings.warning(
                "a11y.pdf-appendix-tags",
                f"{name} is a tagged PDF, but its tags (headings, tables, reading order) are "
                "not carried into the pack: its pages are read as plain text in the order "
                "they are drawn",
                where,
                "publish the paper on its own as well, or add it as a Markdown appendix",
            )
        if attachment.unembedded_fonts:
            fonts = ", ".join(attachment.unembedded_fonts[:5])
            self.findings.warning(
                "a11y.pdf-appendix-fonts",
                f"{name} uses fonts that are not embedded ({fonts}): the pack is then not "
                "PDF/UA, and its text may look different on other computers",
                where,
                "export the paper again with fonts embedded (PDF/A or 'embed fonts')",
            )

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


def _pages(numbers: list[str]) -> str:
    """'page 3' or 'pages 3, 4, 9' (the first ten)."""
    shown = ", ".join(numbers[:10]) + (", ..." if len(numbers) > 10 else "")
    return f"page {shown}" if len(numbers) == 1 else f"pages {shown}"


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
    item = f", agenda item {report.agenda_item}" if report.agenda_item else ""
    reference = (
        [Paragraph([Text(f"Paper reference: {report.paper_reference}")], "cover")]
        if report.paper_reference
        else []
    )
    blocks: list[Block] = [
        Paragraph([Text(report.meeting_name or report.decision_maker)], "subtitle"),
        Paragraph([Text(f"Meeting on {meeting}{item}")], "lead"),
        Paragraph([Text(report.subject)], "title"),
        Paragraph([Text(f"Report of {report.report_of}")], "subtitle"),
        *reference,
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
    meeting_line = _meeting_line(plan, info)
    report_part = maker.template(REPORT_TEMPLATE)
    report_part.key, report_part.source, report_part.title = "r-", "report", report.subject
    report_part.cover, report_part.caption_prefix, report_part.draft = False, "R", False
    report_part.logo = plan_document.part.logo
    parts = [_front(plan, plan_document, entries), report_part]
    draft = plan_document.info.is_draft
    attachments: dict[str, Attachment] = {}
    unusable = 0
    for number, entry in enumerate(entries, start=1):
        attachment = None
        if entry.source.lower().endswith(".pdf"):
            running = (meeting_line,) if (report.meeting_name or report.agenda_item) else ()
            heads = (*running, f"{labels.appendix_prefix(str(number))} {entry.title}")
            attachment = maker.attached(entry, plan_document.look, heads, info.footer)
            unusable += attachment is None
            part = None if attachment is None else Part([])
        else:
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
        after = [f"Appendix to the report: {report.subject}"]
        if attachment is not None:
            attachments[part.key] = attachment
            after.append(_attached_line(attachment))
        part.title_page = TitlePage(
            labels.appendix_prefix(str(number)), entry.title, before=[meeting_line], after=after
        )
        parts.append(part)
    document = Document(
        dataclasses.replace(info, title=f"Board pack: {report.subject}"), plan_document.look, parts
    )
    home = next((i for i, p in enumerate(parts) if p.source == "plan"), 1)
    findings = maker.findings
    findings.extend(finish(document, plan, home))
    for part in parts:
        if part.key in attachments:
            attachments[part.key].key, attachments[part.key].label = part.key, part.label
    others = [p for p in parts if p.source not in ("plan", "front")]
    findings.extend(run_document_checks(plan, Document(info, plan_document.look, others)))
    header = meeting_line if (report.meeting_name or report.agenda_item) else ""
    alone = _report_alone(info, plan_document, report_part)
    with_header(alone, header)
    return Pack(
        board=report.decision_maker,
        meeting=info.date_text,
        subject=report.subject,
        report_of=report.report_of,
        plan_title=plan_document.info.title,
        draft=draft,
        document=document,
        report=alone,
        findings=findings,
        attachments=list(attachments.values()),
        header=header,
        refused=(
            f"pack refused: {unusable} attached PDF(s) cannot be used (see above); "
            "earlier outputs are left as they were"
            if unusable
            else ""
        ),
    )


def _attached_line(attachment: Attachment) -> str:
    """What the title page of a PDF appendix says about it, in the PDF and in Word
    (where the pages themselves are not: the PDF goes with the Word file)."""
    count = len(attachment.pages)
    pages = "1 page" if count == 1 else f"{count} pages"
    return f"Attached as supplied: {Path(attachment.source).name}, a PDF document of {pages}"


def _meeting_line(plan: Plan, info: DocumentInfo) -> str:
    """The meeting, its date and the agenda item: "Kingsmere Health and Wellbeing Board,
    23 October 2025, agenda item 7" (the cover's and each title page's first line)."""
    report = plan.board_report
    assert report is not None
    line = f"{report.meeting_name or report.decision_maker}, {info.date_text}"
    return f"{line}, agenda item {report.agenda_item}" if report.agenda_item else line


def with_header(document: Document, line: str) -> Document:
    """The board's conventions in a Word file's running header: the meeting and the agenda
    item (`line`) before each part's own header. (The PDF sets `line` as a header line of
    its own above the part's: one line that is the same on every page.)"""
    if line:
        for part in document.parts:
            if part.source != "front" and part.running_header:
                part.running_header = f"{line} | {part.running_header}"
    return document


def _report_alone(info: DocumentInfo, plan_document: Document, part: Part) -> Document:
    """The covering report as a document of its own (its Word file), labelled as such.

    Its references into the appendices keep their text ("section 3 of Appendix 1");
    their anchors are not in this file, so the writers print them as text.
    """
    alone = Document(info, plan_document.look, [copy.deepcopy(part)])
    label(alone)
    return alone


# ---------------------------------------------------------------------------- outputs


def render_part(
    kind: str,
    pack: Pack,
    plan_root: Path,
    templates: Path | None,
    engine: str = DEFAULT_PDF_ENGINE,
):
    """One of the pack's files (`PACK_FILES`): its bytes and notes for the user. `engine`
    lays out the PDF (docs/engines.md)."""
    if kind == "pdf":
        return render_pack_pdf(pack, plan_root, templates, engine), []
    from .render.docx import build_docx

    if kind == "docx":
        document = pack.report
    else:  # the Word pack: the meeting before each part's header, on one line
        document = with_header(copy.deepcopy(pack.document), pack.header)
    data, paginated = build_docx(document)
    notes = (
        []
        if paginated
        else [
            "LibreOffice is not installed, so the Word files' page numbers are worked out "
            "when the reader updates fields in Word (F9)"
        ]
    )
    return data, notes


def render_pack_pdf(
    pack: Pack, plan_root: Path, templates: Path | None = None, engine: str = DEFAULT_PDF_ENGINE
) -> bytes:
    """The whole pack as one tagged PDF, its attached PDFs drawn in."""
    if engine == "typst":
        from .render.typst_pdf import render_typst_pack

        return render_typst_pack(pack.document, pack.attachments, pack.header)
    from .render.pdf_attach import render_pack

    return render_pack(pack.document, pack.attachments, plan_root, templates, pack.header)


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
