"""Resolution and labelling, one transform at a time, on small binders built by hand."""

from __future__ import annotations

import datetime as dt

from bcf_docgen.document.labelling import cover_end, label, name_parts
from bcf_docgen.document.model import (
    Cell,
    Column,
    Contents,
    Document,
    DocumentInfo,
    Figure,
    Heading,
    Paragraph,
    Part,
    Row,
    Signature,
    Table,
    Text,
    XRef,
)
from bcf_docgen.document.resolve import (
    Registry,
    assign_anchors,
    collect_targets,
    number_captions,
    number_headings,
    resolve,
    resolve_references,
)
from bcf_docgen.findings import Findings, Location
from bcf_docgen.theme import Theme, look_from_theme

HERE = Location("test.md", 1, 1)


def heading(level: int, title: str, ident: str = "", **kw) -> Heading:
    return Heading(level, [Text(title)], ident, HERE, **kw)


def table(ident: str, caption: str = "A table", rag: str | None = None) -> Table:
    rows = [Row([Cell([Text("Item")]), Cell([Text("RAG")])])]
    rows.append(Row([Cell([Text("One")]), Cell([], rag=rag)], anchor=f"risk-{ident}"))
    return Table(
        [Column("Item"), Column("RAG")],
        rows,
        id=ident,
        caption=[Text(caption)] if caption else [],
        location=HERE,
    )


def info(status: str = "draft") -> DocumentInfo:
    return DocumentInfo(
        title="Plan",
        subtitle="",
        area="Testshire",
        board="Board",
        version="1.0",
        date=dt.date(2025, 4, 1),
        date_text="1 April 2025",
        status=status,
        author="Council",
        subject="A plan",
        keywords=[],
        footer="Board | 1 April 2025",
    )


def binder(*parts: Part) -> Document:
    return Document(info(), look_from_theme(Theme()), list(parts))


# ------------------------------------------------------------------------- numbering


def test_sections_and_appendices_are_numbered_within_a_part():
    part = Part(
        [
            heading(1, "One", "one"),
            heading(2, "One A"),
            heading(3, "One A i"),
            heading(1, "Two", "two"),
            heading(2, "Two A"),
            heading(1, "Unnumbered", "u", numbered=False),
            heading(2, "Below it"),
            heading(1, "Glossary", "glossary", appendix=True),
            heading(2, "Terms"),
        ]
    )
    number_headings(part)
    assert [h.number for h in part.blocks] == ["1", "1.1", "1.1.1", "2", "2.1", "", "", "A", "A.1"]


def test_captions_take_the_part_prefix_and_figures_count_apart():
    part = Part(
        [
            table("a"),
            Figure(None, "alt", [Text("F")], "f", HERE),
            table("b"),
            table("c", caption=""),
        ],
        caption_prefix="2.",
    )
    number_captions(part)
    assert [b.number for b in part.blocks] == ["2.1", "2.1", "2.2", ""]


def test_anchors_are_unique_across_the_binder_and_carry_the_part_key():
    first = Part([heading(1, "Same", "same"), table("t")], key="a1-")
    second = Part([heading(1, "Same", "same"), table("t")], key="a2-")
    for part in (first, second):
        number_captions(part)
    assign_anchors(binder(first, second))
    assert first.blocks[0].anchor == "a1-sec-same" and second.blocks[0].anchor == "a2-sec-same"
    assert first.blocks[1].anchor == "a1-tbl-t" and second.blocks[1].rows[1].anchor == "a2-risk-t"
    assert (first.anchor, second.anchor) == ("a1-part", "a2-part")


def test_a_lone_part_keeps_plain_anchors_and_headings_without_ids_get_one():
    part = Part([heading(1, "Top", "top-id"), heading(2, "No id"), heading(2, "No id")])
    assign_anchors(binder(part))
    assert [h.anchor for h in part.blocks] == [
        "sec-top-id",
        "sec-top-id-no-id",
        "sec-top-id-no-id-2",
    ]


# --------------------------------------------------------------------------- targets


def test_duplicate_ids_in_one_part_are_errors_but_not_across_parts():
    first = Part([heading(1, "A", "dup"), heading(1, "B", "dup")], key="a1-")
    second = Part([heading(1, "C", "dup")], key="a2-")
    document = binder(first, second)
    for part in document.parts:
        number_headings(part)
    assign_anchors(document)
    findings = Findings()
    registry = collect_targets(document, findings)
    assert [f.code for f in findings] == ["id.duplicate"]
    assert registry.parts[1][("sec", "dup")].anchor == "a2-sec-dup"


def test_a_reference_looks_in_its_own_part_then_the_plan_and_names_the_other_part():
    report = Part(
        [
            Paragraph(
                [
                    XRef("sec", "funding", HERE),
                    XRef("tbl", "income", HERE),
                    XRef("sec", "mine", HERE),
                ]
            ),
            heading(2, "Mine", "mine"),
        ],
        key="r-",
        source="report",
        title="Report",
    )
    plan = Part(
        [heading(1, "Funding", "funding"), table("income")],
        key="a1-",
        number="1",
        source="plan",
        title="The plan",
    )
    document = binder(report, plan)
    name_parts(document)
    findings = resolve(document, None, home=1)
    refs = report.blocks[0].inlines
    assert findings.items == []
    assert (refs[0].text, refs[0].anchor) == ("section 1 of Appendix 1", "a1-sec-funding")
    assert (refs[1].text, refs[1].anchor, refs[1].number) == (
        "Table 1 of Appendix 1",
        "a1-tbl-income",
        "",
    )
    assert (refs[2].text, refs[2].anchor) == (report.blocks[1].plain_title, "r-sec-mine")


def test_an_unresolved_reference_is_an_error_with_a_hint_and_says_so_in_the_text():
    part = Part([heading(1, "Funding", "funding"), Paragraph([XRef("sec", "fundng", HERE)])])
    document = binder(part)
    findings = Findings()
    for p in document.parts:
        number_headings(p)
    assign_anchors(document)
    registry = collect_targets(document, findings)
    resolve_references(document, registry, 0, findings)
    (finding,) = findings.items
    assert finding.code == "ref.unresolved" and "funding" in finding.hint
    assert part.blocks[1].inlines[0].text == "[missing reference @sec:fundng]"


def test_registry_refuses_a_second_target_under_one_name():
    registry = Registry([{}])
    from bcf_docgen.document.resolve import Target

    assert registry.add(0, "sec", "x", Target("a", "a"))
    assert not registry.add(0, "sec", "x", Target("b", "b"))
    assert registry.known("sec") == ["x"]


# -------------------------------------------------------------------------- labelling


def test_labelling_fills_prefixes_captions_rag_words_and_contents():
    part = Part(
        [
            Paragraph([Text("Cover text")], "title"),
            Contents(),
            heading(1, "Intro", "intro"),
            table("t", rag="amber"),
            table("u", caption=""),
            heading(1, "Glossary", "glossary", appendix=True),
            Signature("Council", "A. Person", "Leader", None, ""),
        ]
    )
    document = binder(part)
    name_parts(document)
    resolve(document)
    label(document)
    intro, captioned, bare, glossary = (
        part.blocks[2],
        part.blocks[3],
        part.blocks[4],
        part.blocks[5],
    )
    assert (intro.prefix, intro.hanging, intro.label) == ("1", True, "1 Intro")
    assert (glossary.prefix, glossary.hanging) == ("Appendix A:", False)
    assert (captioned.label, captioned.label_word, captioned.separator) == (
        "Table 1",
        "Table",
        ": ",
    )
    assert (bare.label, bare.separator) == ("", "")
    assert captioned.rows[1].cells[1].inlines == [Text("Amber")]  # never colour alone
    entries = part.blocks[1].entries
    assert [(e.prefix, e.text) for e in entries] == [("1", "Intro"), ("Appendix A:", "Glossary")]
    assert part.blocks[6].lines[0] == ("Signed on behalf of:", "Council")
    assert part.blocks[6].lines[3][1].startswith("___")  # no date: a line to write on
    assert part.cover_end == 1 and cover_end(part) == 1
    assert part.running_header == "Plan: Testshire (DRAFT)"
    assert part.footer == "Board | 1 April 2025" and part.draft_mark == ""


def test_in_a_binder_each_part_has_its_own_running_header_and_the_contents_lists_parts():
    front = Part([Paragraph([Text("Pack")]), Contents(scope="binder")], key="f-", source="front")
    report = Part([heading(2, "Summary", "summary")], key="r-", source="report", title="Report")
    plan = Part(
        [heading(1, "Intro", "intro")],
        key="a1-",
        number="1",
        source="plan",
        title="The plan",
        draft=True,
    )
    document = binder(front, report, plan)
    name_parts(document)
    resolve(document)
    label(document)
    assert report.running_header == "Covering report: Report"
    assert plan.running_header == "Appendix 1: The plan (DRAFT)" and plan.draft_mark == "DRAFT"
    assert (report.top_level, plan.top_level) == (2, 1)
    entries = front.blocks[1].entries
    assert [(e.level, e.text, e.part) for e in entries] == [
        (1, "Covering report: Report", True),
        (2, "Summary", False),
        (1, "Appendix 1: The plan", True),
        (2, "Intro", False),
    ]
    assert entries[0].anchor == "r-part" and entries[3].anchor == "a1-sec-intro"
