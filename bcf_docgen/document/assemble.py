"""Building the Document from a Plan: the outline, in order, through templates and Markdown.

Narrative files and section templates are both Markdown run through the sandboxed Jinja
environment first; templates add `:::` directives for computed tables, callouts,
landscape pages and signature blocks. Numbering and cross-references are filled in
afterwards by `resolve`, once for both writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import formatting
from ..content.files import ContentError, read_text, resolve_template
from ..content.images import load_image
from ..content.kinds import kind_of
from ..content.models import SectionFront
from ..content.plan import Plan
from ..content.reader import FrontMatterInvalid, split_front_matter
from ..content.validation import did_you_mean
from ..findings import Findings, Location
from ..sections import template_folders
from ..templating import TemplateProblem, make_environment, plan_context, render_string
from ..theme import look_from_theme
from .flow import settle
from .labelling import label, name_parts
from .markdown_blocks import MarkdownContext, markdown_blocks, origin_marker
from .model import (
    Block,
    Document,
    DocumentInfo,
    Heading,
    ImageData,
    Landscape,
    Part,
    Signature,
    Table,
    Text,
)
from .resolve import resolve
from .tables import BUILDERS, TableError, TableMaker


class Assembler:
    """Turns a plan's outline into the blocks of one part.

    `extra_templates` are (folder, shown-as) pairs searched after the plan's own
    templates and before the project's sections (a board pack's report templates);
    `context` adds names that its templates use. With `logo` false the part has no logo
    (a pack's parts take the plan's, so its problems are reported once, by the plan).
    """

    def __init__(
        self,
        plan: Plan,
        templates: Path | None = None,
        extra_templates: tuple[tuple[Path, str], ...] = (),
        context: dict[str, Any] | None = None,
        logo: bool = True,
    ):
        self.plan = plan
        self.numbered = kind_of(plan.meta).numbered  # the default of every section
        self.templates = templates
        self.extra_templates = extra_templates
        self.with_logo = logo
        self.findings = Findings()
        self.env = make_environment(plan.theme)
        self.context = {**plan_context(plan), **(context or {})}
        self.env.filters["expand"] = self._expand
        # Where each Markdown text held in YAML comes from, found by identity when a
        # template expands it, so references inside it are reported at its YAML line.
        self.text_origins = {
            id(text): model.text_loc(keys) for text, model, keys in plan.markdown_texts()
        }
        self.origins: list[Location] = []
        self.tables = TableMaker(plan)
        self.footnotes: dict[int, list[Block]] = {}

    def _expand(self, text: Any) -> str:
        """`{{ scheme.summary | expand }}`: run `{{ }}` inside Markdown held in YAML data."""
        if text is None:
            return ""
        try:
            expanded = render_string(self.env, str(text), self.context)
        except TemplateProblem:
            # Reported with its YAML location by the narrative check; keep the text here.
            expanded = str(text)
        origin = self.text_origins.get(id(text))
        if origin is None:
            return expanded
        self.origins.append(origin)
        return origin_marker(len(self.origins) - 1, expanded)

    # -- the outline --------------------------------------------------------------------

    def part(self) -> Part:
        """The outline's blocks as one part of a binder, not yet numbered or labelled."""
        blocks: list[Block] = []
        for i, entry in enumerate(self.plan.meta.outline):
            where = self.plan.meta.loc("outline", i)
            if not entry.is_markdown:
                blocks.extend(self._template(entry.target, entry, where))
                continue
            section = self.plan.sections.get(entry.target.replace("\\", "/"))
            if section is None:
                continue  # reported by the reader
            blocks.extend(
                self._section(
                    section.front,
                    section.id,
                    entry.title or section.title,
                    section.body,
                    section.path,
                    section.body_line,
                    entry.is_appendix,
                )
            )
        meta = self.plan.meta
        return Part(
            blocks,
            self.footnotes,
            self._logo(),
            title=meta.title,
            source="plan",
            # The kind's default, or a cover template the outline names (content/kinds.py).
            cover=kind_of(meta).cover or any(e.target == "cover" for e in meta.outline),
            draft=meta.status != "final",
        )

    def _logo(self) -> ImageData | None:
        """The theme's logo, read and checked once (SVG allowed), or None.

        A path that leaves the plan folder or names no file is reported by the theme
        check; a file that is not a usable picture is reported here. An SVG logo is kept
        for HTML and PDF, and Word files cannot hold SVG: a warning says it is left out
        of the Word file, rather than the Word writer failing or dropping it silently.
        """
        theme = self.plan.theme
        if not theme.logo or not self.with_logo:
            return None
        where = theme.loc("logo")
        try:
            logo = load_image(self.plan.root, theme.logo, where, logo=True)
        except ContentError as exc:
            if exc.code not in ("path.outside", "path.url", "path.invalid", "file.missing"):
                self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            return None
        if logo.format == "svg":
            self.findings.warning(
                "logo.svg-word",
                f"the logo '{theme.logo}' is an SVG drawing, which a Word file cannot "
                "hold: it is in the HTML and the PDF but left out of the Word file",
                where,
                "save the logo as PNG (300 dpi) and name the PNG in theme.yaml",
            )
        return logo

    def assemble(self) -> Document:
        """The plan as a resolved and labelled document of one part."""
        document = Document(self._info(), look_from_theme(self.plan.theme), [self.part()])
        self.findings.extend(finish(document, self.plan))
        return document

    def _section(
        self,
        front: SectionFront,
        section_id: str,
        title: str | None,
        body: str,
        file: str,
        first_line: int,
        appendix: bool,
        intro: tuple[str, str, int] | None = None,
    ) -> list[Block]:
        out: list[Block] = []
        # Headings are numbered as the document's kind numbers them, unless the section
        # says (`numbered:` in its front matter): a scheme appendix's headings are plain.
        numbered = front.numbered if "numbered" in front.model_fields_set else self.numbered
        if front.heading and title:
            out.append(
                Heading(
                    level=1,
                    title=[Text(title)],
                    id=section_id,
                    location=Location(file, 1, 1),
                    numbered=numbered,
                    in_contents=front.contents,
                    appendix=appendix,
                    page_break_before=front.new_page,
                )
            )
        if intro is not None:
            out.extend(self._markdown(*intro))
        out.extend(self._markdown(body, file, first_line))
        if not front.contents or not numbered:
            # A section left out of the contents (or unnumbered) takes its sub-sections along.
            for block in out[1:]:
                if isinstance(block, Heading):
                    block.in_contents = block.in_contents and front.contents
                    block.numbered = block.numbered and numbered
        if front.landscape:
            # Wide tables inside are already landscape; the rest of the section joins them
            # so that its heading and introduction are not stranded on a portrait page.
            inner: list[Block] = []
            for block in out:
                inner.extend(block.blocks if isinstance(block, Landscape) else [block])
            for block in inner:
                if isinstance(block, Table):
                    block.wide = True
            out = [Landscape(inner)]
        return out

    def _markdown(self, body: str, file: str, first_line: int) -> list[Block]:
        try:
            text = render_string(self.env, body, self.context)
        except TemplateProblem as problem:
            self.findings.error(
                problem.code,
                problem.message,
                Location(file, first_line + problem.line - 1, 1),
                problem.hint,
            )
            return []
        ctx = MarkdownContext(
            file=file,
            first_line=first_line,
            plan_root=self.plan.root,
            findings=self.findings,
            tables=self._table,
            charts=self._chart,
            signatures=self._signatures,
            footnote_base=len(self.footnotes),
            origins=self.origins,
        )
        blocks = markdown_blocks(text, ctx)
        for block in blocks:
            if isinstance(block, Heading) and block.level < 2:
                block.level = 2
        self.footnotes.update(ctx.footnote_blocks)
        return blocks

    def _template(self, name: str, entry, where: Location) -> list[Block]:
        found = self._find_template(name, where)
        if found is None:
            return []  # reported by the outline check, or by _find_template
        path, display = found
        try:
            text = read_text(path, display)
            front, body, first_line = split_front_matter(text, display)
        except ContentError as exc:
            self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            return []
        except FrontMatterInvalid as exc:
            self.findings.extend(exc.findings)
            return []
        intro = None
        if entry.intro:
            section = self.plan.sections.get(entry.intro)
            if section is not None:
                intro = (section.body, section.path, section.body_line)
        return self._section(
            front,
            name,
            entry.title or front.title or name.replace("-", " ").capitalize(),
            body,
            display,
            first_line,
            entry.is_appendix,
            intro,
        )

    def _find_template(self, name: str, where: Location) -> tuple[Path, str] | None:
        """The template file `name` means and how it is shown, or None (reported when the
        name is not a plain name or the file leaves its folder; a name that is simply
        unknown is the outline check's). Never a file outside the template folders."""
        plan_dir, project_dir = template_folders(self.plan.root, self.templates)
        extra = [(folder, "", shown) for folder, shown in self.extra_templates]
        folders = [plan_dir, *extra, project_dir]
        try:
            return resolve_template(name, folders, where)
        except ContentError as exc:
            self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            return None

    def _table(self, name: str, args: list[str], where: Location) -> list[Block]:
        try:
            table = self.tables.build(name, args)
        except TableError as exc:
            self.findings.error("template.table", exc.message, where, exc.hint)
            return []
        if table is None:
            self.findings.error(
                "template.table",
                f"no computed table called '{name}'",
                where,
                did_you_mean(name, list(BUILDERS)),
            )
            return []
        table.location = where
        return [table]

    def _chart(self, args: list[str], where: Location) -> list[Block]:
        """`::: chart METRIC`: the metric's plan and actual by month or quarter, drawn."""
        from ..charts import chart_figure

        try:
            return chart_figure(self.plan, args, where)
        except TableError as exc:
            self.findings.error("template.chart", exc.message, where, exc.hint)
            return []

    def _signatures(self) -> list[Block]:
        style = self.plan.theme.date_style
        return [
            Signature(
                on_behalf_of=s.for_,
                name=s.name,
                position=s.position,
                date=s.date,
                date_text=formatting.date(s.date, style) if s.date else "",
            )
            for s in self.plan.signoff.signatories
        ]

    def _info(self) -> DocumentInfo:
        meta = self.plan.meta
        return DocumentInfo(
            title=meta.title,
            subtitle=meta.area.board,
            area=meta.area.name,
            board=meta.area.board,
            version=meta.version,
            date=meta.date,
            date_text=formatting.date(meta.date, self.plan.theme.date_style),
            status=meta.status,
            author="; ".join(p.name for p in meta.partners) or meta.area.board,
            subject=f"Better Care Fund {kind_of(meta).noun} for {meta.area.name} "
            f"({self.plan.framework.name})",
            keywords=["Better Care Fund", meta.area.name, self.plan.framework.id],
        )


def finish(document: Document, plan: Plan | None, home: int = 0) -> Findings:
    """Name the parts, resolve the binder (numbers, anchors, references), then label it."""
    name_parts(document)
    findings = resolve(document, plan, home)
    settle(document)  # which content goes on landscape pages, before labelling finds the cover
    label(document)
    return findings


def assemble(plan: Plan, templates: Path | None = None) -> tuple[Document, Findings]:
    """The resolved Document for a plan, and the findings assembly made on the way."""
    assembler = Assembler(plan, templates)
    document = assembler.assemble()
    return document, assembler.findings
