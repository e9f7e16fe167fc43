"""The board pack as one HTML page, laid out by WeasyPrint as one PDF.

All parts share one page so that page numbers run on through the pack ("Page X of Y"),
the pack's contents can give the page of every part with `target-counter`, and the PDF
has one outline: a bookmark for each part, with the part's headings inside it. Each
part's ids carry a prefix of their own (`r-` for the report, `a1-` for Appendix 1...),
so the same heading id in two parts cannot clash.
"""

from __future__ import annotations

import html
from pathlib import Path

from .document.labels import CONTENTS_TITLE, DRAFT_MARK
from .document.model import Document, Heading
from .pack import Pack, Part
from .render.html import font_stack, render_body, stylesheet, theme_environment

esc = html.escape


def part_id(part: Part) -> str:
    return f"part-{part.number or 'report'}"


def part_prefix(part: Part) -> str:
    return f"a{part.number}-" if part.number else "r-"


def css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def top_headings(document: Document) -> list[Heading]:
    """The part's headings at its top level (1 for the plan, 2 for the report)."""
    listed = [h for h in document.headings() if h.in_contents and h.anchor and h.level <= 3]
    if not listed:
        return []
    top = min(h.level for h in listed)
    return [h for h in listed if h.level == top]


def running_title(pack: Pack, part: Part) -> str:
    """The part's name in the page header; the plan's carries its draft status."""
    title = part.label
    if part.source == "plan" and pack.draft:
        title += f" ({DRAFT_MARK})"
    return title


def pack_stylesheet(pack: Pack, templates: Path | None = None) -> str:
    plan_document = next((p.document for p in pack.parts if p.source == "plan"), pack.report)
    theme = plan_document.theme
    env = theme_environment(templates)
    env.filters["css_string"] = css_string
    parts = [
        {
            "id": part_id(part),
            "label": part.label,
            "running": running_title(pack, part),
            # Bookmark levels: the part is level 1; its top headings level 2, and so on.
            "shift": 2 - (min((h.level for h in top_headings(part.document)), default=1)),
        }
        for part in pack.parts
    ]
    pack_css = env.get_template("pack.css.j2").render(
        theme=theme,
        c=theme.colours,
        heading_font=font_stack(theme.fonts.heading, theme.fonts.fallbacks),
        footer=f"{pack.board} | {pack.meeting}",
        parts=parts,
        draft=pack.draft,
    )
    # The plan's own stylesheet without its watermark: the pack marks only the plan's pages.
    return stylesheet(plan_document, templates, draft=False) + pack_css


def render_pack_html(pack: Pack, generated: dict[str, bytes], templates: Path | None = None) -> str:
    """The whole pack as one HTML page; charts are collected in `generated` by URL."""
    out: list[str] = []
    w = out.append
    report = pack.report
    logo = report.logo
    # The pack's cover: the meeting, the item and what the pack holds.
    w('<section class="pack-cover">')
    if logo is not None:
        w(f'<img class="logo" src="{esc(logo.as_uri())}" alt="{esc(report.info.author)} logo">')
    w(f'<p class="pack-board">{esc(pack.board)}</p>')
    w(f'<p class="pack-meeting">Meeting on {esc(pack.meeting)}</p>')
    w(f'<p class="title">{esc(pack.subject)}</p>')
    w(f'<p class="subtitle">Report of {esc(pack.report_of)}</p>')
    appendices = len(pack.appendices)
    w(
        f'<p class="cover">This pack holds the covering report and {appendices} '
        f"appendi{'x' if appendices == 1 else 'ces'}:</p>"
    )
    w('<ul class="pack-parts">')
    for part in pack.parts:
        w(f"<li>{esc(part.label)}</li>")
    w("</ul></section>")
    # The pack's own contents: each part, with its top-level headings.
    w(f'<nav class="contents pack-contents"><h1 id="pack-contents">{CONTENTS_TITLE}</h1><ol>')
    for part in pack.parts:
        w(f'<li class="level-1 part"><a href="#{part_id(part)}">{esc(part.label)}</a></li>')
        prefix = part_prefix(part)
        for heading in top_headings(part.document):
            if heading.plain_title == part.title:
                continue  # the part's own title, already listed
            w(
                f'<li class="level-2"><a href="#{esc(prefix + heading.anchor)}">'
                f"{esc(heading.label)}</a></li>"
            )
    w("</ol></nav>")
    for part in pack.parts:
        kind = "report" if not part.number else "appendix"
        source = "plan" if part.source == "plan" else "other"
        w(f'<section class="part part-{kind} part-{source}" id="{part_id(part)}">')
        reset = '<div class="section-reset"></div>'  # inside the title page's named page
        if part.number:
            w(f'<div class="appendix-title">{reset}')
            w(f'<p class="appendix-meeting">{esc(pack.board)}, {esc(pack.meeting)}</p>')
            w(
                f'<h1><span class="appendix-number">Appendix {esc(part.number)}:</span> '
                f'<span class="appendix-name">{esc(part.title)}</span></h1>'
            )
            w(f'<p class="appendix-item">Appendix to the report: {esc(pack.subject)}</p>')
            w("</div>")
        else:
            w(reset)
            if logo is not None:
                alt = f"{report.info.author} logo"
                w(f'<img class="report-logo" src="{esc(logo.as_uri())}" alt="{esc(alt)}">')
        w(
            render_body(
                part.document,
                prefix=part_prefix(part),
                generated=generated,
                cover=part.own_cover,
            )
        )
        w("</section>")
    info = report.info
    head = (
        "<!DOCTYPE html>\n"
        f'<html lang="{info.language}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Board pack: {esc(pack.subject)}</title>\n"
        f'<meta name="author" content="{esc(info.author)}">\n'
        f'<meta name="description" content="{esc(info.subject)}">\n'
        f'<meta name="keywords" content="{esc(", ".join(info.keywords))}">\n'
        f"<style>\n{pack_stylesheet(pack, templates)}</style>\n</head>\n<body>\n"
    )
    return head + "\n".join(out) + "\n</body>\n</html>\n"


def render_pack_pdf(pack: Pack, plan_root: Path, templates: Path | None = None) -> bytes:
    """The pack as one tagged PDF (PDF/UA-1), reading only the plan's files."""
    from .render.pdf import write_pdf

    generated: dict[str, bytes] = {}
    page = render_pack_html(pack, generated, templates)
    return write_pdf(page, plan_root, templates, generated)
