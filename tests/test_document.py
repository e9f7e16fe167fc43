"""The document model: assembly from templates and Markdown, numbering, cross-references."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import only, where

from bcf_docgen.content.reader import read_plan
from bcf_docgen.document.assemble import assemble
from bcf_docgen.document.model import (
    Callout,
    Figure,
    FootnoteRef,
    Heading,
    Landscape,
    Link,
    ListBlock,
    Paragraph,
    Signature,
    Table,
    Text,
    XRef,
    inline_nodes,
    plain_text,
)
from bcf_docgen.document.numbers import parse_figure
from bcf_docgen.pipeline import check_plan

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"


@pytest.fixture(scope="module")
def example():
    result = read_plan(EXAMPLE)
    assert result.plan is not None
    document, findings = assemble(result.plan)
    return result.plan, document, findings


def assembled(folder: Path):
    result = read_plan(folder)
    assert result.plan is not None, [f.format() for f in result.findings]
    return assemble(result.plan)


def xrefs(document):
    for block in document.walk():
        inlines = []
        if isinstance(block, Paragraph):
            inlines = block.inlines
        elif isinstance(block, Table):
            inlines = [i for row in block.rows for c in row.cells for i in c.inlines]
        for node in inline_nodes(inlines):
            if isinstance(node, XRef):
                yield node


# ------------------------------------------------------------------ the example plan


def test_example_assembles_without_findings(example):
    _plan, _document, findings = example
    assert [f.format() for f in findings] == []


def test_example_headings_are_numbered_in_order(example):
    _plan, document, _ = example
    top = [h for h in document.headings() if h.level == 1 and h.numbered and not h.appendix]
    assert [h.number for h in top] == [str(n) for n in range(1, len(top) + 1)]
    appendices = [h for h in document.headings() if h.level == 1 and h.appendix]
    assert [h.number for h in appendices] == ["A", "B"]
    assert appendices[0].label.startswith("Appendix A: ")
    # Sub-section numbers extend their section's number, counting from 1.
    current = None
    expected = 0
    for heading in document.headings():
        if heading.level == 1:
            current, expected = heading, 0
        elif heading.level == 2 and heading.numbered and current.number:
            expected += 1
            assert heading.number == f"{current.number}.{expected}"


def test_example_every_reference_resolves_to_its_target(example):
    _plan, document, _ = example
    headings = {h.anchor: h for h in document.headings()}
    tables = {t.anchor: t for t in document.tables()}
    figures = {f.anchor: f for f in document.figures()}
    refs = list(xrefs(document))
    assert len(refs) > 30
    for ref in refs:
        assert ref.anchor, ref
        if ref.kind == "tbl":
            assert ref.text == f"Table {tables[ref.anchor].number}"
        elif ref.kind == "fig":
            assert ref.text == f"Figure {figures[ref.anchor].number}"
        elif ref.kind == "sec":
            target = headings[ref.anchor]
            assert ref.text in (f"section {target.number}", f"Appendix {target.number}")
        elif ref.kind == "scheme":
            assert ref.text.startswith(f"scheme {ref.target} (")


def test_example_computed_tables_add_up(example):
    _plan, document, _ = example
    checked = 0
    for table in document.tables():
        body = [r for r in table.rows[1:] if r.kind == "body"]
        for total in (r for r in table.rows if r.kind == "total"):
            for index, column in enumerate(table.columns):
                if not column.numeric:
                    continue
                stated = parse_figure(plain_text(total.cells[index].inlines))
                values = [parse_figure(plain_text(r.cells[index].inlines)) for r in body]
                assert stated == sum((v for v in values if v is not None), Decimal(0)), (
                    table.id,
                    column.header,
                )
                checked += 1
    assert checked >= 10


def test_example_pool_matches_sources(example):
    plan, document, _ = example
    income = next(t for t in document.tables() if t.id == "income")
    pool = sum(s.amounts["2025-26"] for s in plan.funding.sources)
    assert plain_text(income.rows[-1].cells[-1].inlines) == f"£{pool:,}"


def test_example_has_every_builtin_part(example):
    plan, document, _ = example
    ids = {t.id for t in document.tables()}
    assert {"income", "schemes", "risks", "metrics", "history", "raci", "dfg"} <= ids
    assert {f"expenditure-{s.id}" for s in plan.schemes} <= ids
    signatures = [b for b in document.walk() if isinstance(b, Signature)]
    assert len(signatures) == len(plan.signoff.signatories)
    assert any(isinstance(b, Landscape) for b in document.blocks)
    assert len(document.figures()) >= 2
    assert all(f.alt for f in document.figures())
    assert any(isinstance(b, Callout) for b in document.walk())


def test_risk_table_is_sorted_by_score_with_rag_words(example):
    plan, document, _ = example
    risks = next(t for t in document.tables() if t.id == "risks")
    scores = [int(plain_text(r.cells[5].inlines).split("/")[0]) for r in risks.rows[1:]]
    assert scores == sorted(scores, reverse=True)
    for row in risks.rows[1:]:
        rag = row.cells[6]
        assert rag.rag in ("red", "amber", "green")
        assert plain_text(rag.inlines) == rag.rag.capitalize()


# ------------------------------------------------------------------ Markdown dialect

SECTION = """\
---
title: Things
---
Intro with @tbl:people and @fig:chart and me@example.org and @someone.

## A part {#part}

| Group | People | Share |
|---|---:|---|
| Under 65 | 1,000 | 40% |
| Over 65 | (500) | 60% |
| Total | 500 | 100% |

Table: People by age {#tbl:people}

![A chart](assets/chart.png){#fig:chart alt="Bars rising from 10 to 30"}

See @sec:part, a note[^1] and [the site](https://example.org).

[^1]: The footnote text.
"""


def small_plan(make_plan, section: str = SECTION, extra: dict | None = None) -> Path:
    folder = make_plan({"sections/intro.md": section, **(extra or {})})
    (folder / "assets").mkdir(exist_ok=True)
    # A 1x1 PNG is enough for the model (the writers' tests use real pictures).
    (folder / "assets" / "chart.png").write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
        )
    )
    return folder


def test_markdown_dialect(make_plan):
    document, findings = assembled(small_plan(make_plan))
    assert [f.format() for f in findings] == []
    table = document.tables()[0]
    assert table.id == "people" and table.number == "1"
    assert plain_text(table.caption) == "People by age"
    assert [c.numeric for c in table.columns] == [False, True, True]
    assert [r.kind for r in table.rows] == ["body", "body", "body", "total"]
    figure = document.figures()[0]
    assert (figure.id, figure.alt, figure.number) == ("chart", "Bars rising from 10 to 30", "1")
    refs = {(r.kind, r.target): r.text for r in xrefs(document)}
    assert refs[("tbl", "people")] == "Table 1"
    assert refs[("fig", "chart")] == "Figure 1"
    assert refs[("sec", "part")] == "section 1.1"
    first = next(b for b in document.walk() if isinstance(b, Paragraph))
    assert "me@example.org and @someone." in plain_text(first.inlines)
    assert any(
        isinstance(n, FootnoteRef)
        for b in document.walk()
        if isinstance(b, Paragraph)
        for n in b.inlines
    )
    assert document.footnotes and "footnote text" in plain_text(document.footnotes[1][0].inlines)
    links = [
        n
        for b in document.walk()
        if isinstance(b, Paragraph)
        for n in inline_nodes(b.inlines)
        if isinstance(n, Link)
    ]
    assert links[0].url == "https://example.org"


def test_unresolved_reference_is_an_error_with_the_nearest_id(make_plan):
    folder = small_plan(make_plan, SECTION.replace("See @sec:part", "See @tbl:peeple"))
    document, findings = assembled(folder)
    finding = only(findings, "ref.unresolved")
    assert where(finding) == ("sections/intro.md", 18, 1)
    assert "did you mean 'people'?" in finding.hint
    texts = [r.text for r in xrefs(document) if r.target == "peeple"]
    assert texts == ["[missing reference @tbl:peeple]"]


def test_check_reports_unresolved_references(make_plan):
    folder = make_plan({"sections/intro.md": "---\ntitle: A\n---\nSee @risk:R9.\n"})
    result = check_plan(folder)
    finding = only(result.findings, "ref.unresolved")
    assert where(finding) == ("sections/intro.md", 4, 1)
    assert "R1" in finding.hint


def test_plan_object_references(make_plan):
    section = "---\ntitle: A\n---\nSee @scheme:S1, @risk:R1 and @metric:discharge-delay.\n"
    folder = make_plan({"sections/intro.md": section})
    plan_yaml = (folder / "plan.yaml").read_text() + "  - schemes\n  - risks\n  - metrics\n"
    (folder / "plan.yaml").write_text(plan_yaml)
    document, findings = assembled(folder)
    assert [f.format() for f in findings] == []
    refs = {r.kind: r for r in xrefs(document) if r.location.file == "sections/intro.md"}
    assert refs["scheme"].text == "scheme S1 (Home first)"
    assert refs["scheme"].anchor == "sec-scheme-S1"
    assert refs["risk"].text == "risk R1" and refs["risk"].anchor == "risk-R1"
    assert refs["metric"].text == "Average delay in discharge from hospital"
    assert refs["metric"].anchor == "metric-discharge-delay"


def test_duplicate_heading_ids_are_reported(make_plan):
    section = "---\ntitle: A\n---\n## One {#same}\n\ntext\n\n## Two {#same}\n"
    document, findings = assembled(make_plan({"sections/intro.md": section}))
    finding = only(findings, "id.duplicate")
    assert where(finding) == ("sections/intro.md", 8, 1)
    anchors = [h.anchor for h in document.headings()]
    assert len(anchors) == len(set(anchors))


def test_appendices_are_lettered_and_sub_numbered(make_plan):
    folder = make_plan(
        {
            "sections/a.md": "---\ntitle: First appendix\n---\n## Part {#a-part}\n",
            "sections/b.md": "---\ntitle: Second appendix\n---\nSee @app:a and @sec:a-part.\n",
        }
    )
    plan_yaml = (folder / "plan.yaml").read_text()
    plan_yaml += "  - {appendix: sections/a.md}\n  - {appendix: sections/b.md}\n"
    (folder / "plan.yaml").write_text(plan_yaml)
    document, findings = assembled(folder)
    assert [f.format() for f in findings] == []
    labels = [h.label for h in document.headings()]
    assert labels == [
        "1 Introduction",
        "Appendix A: First appendix",
        "A.1 Part",
        "Appendix B: Second appendix",
    ]
    assert sorted(r.text for r in xrefs(document)) == ["Appendix A", "section A.1"]


def test_heading_text_of_a_reference_is_kept_plain(make_plan):
    document, _ = assembled(make_plan())
    heading = document.headings()[0]
    assert isinstance(heading, Heading) and heading.title == [Text("Introduction")]


def test_figure_problems(make_plan):
    section = (
        '---\ntitle: A\n---\n![Cap](assets/missing.png){#fig:x alt="A"}\n\n'
        '![Cap](../outside.png){#fig:y alt="B"}\n\n![Cap](assets/f.svg){#fig:z alt="C"}\n'
    )
    _document, findings = assembled(make_plan({"sections/intro.md": section}))
    codes = sorted((f.code, f.line) for f in findings)
    assert codes == [("figure.format", 8), ("file.missing", 4), ("path.outside", 6)]


def test_unsafe_links_are_text(make_plan):
    section = (
        "---\ntitle: A\n---\n[x](javascript:alert(1)), [y](file:///etc/passwd)\nand [z](other.md)\n"
    )
    document, findings = assembled(make_plan({"sections/intro.md": section}))
    # Every unsafe target is reported (markdown-it's own filter would leave the first two
    # as literal Markdown, unreported); the link texts are kept, the targets dropped.
    assert [(f.code, f.line) for f in findings] == [
        ("markdown.link", 4),
        ("markdown.link", 4),
        ("markdown.link", 5),
    ]
    paragraph = next(b for b in document.walk() if isinstance(b, Paragraph))
    assert not any(isinstance(n, Link) for n in paragraph.inlines)
    assert plain_text(paragraph.inlines) == "x, y and z"


def test_plan_template_overrides_the_builtin(make_plan):
    folder = make_plan()
    (folder / "templates").mkdir()
    (folder / "templates" / "risks.md.j2").write_text(
        "---\ntitle: Our risks\n---\nWe hold {{ risks | length | words }} risk.\n"
    )
    (folder / "plan.yaml").write_text((folder / "plan.yaml").read_text() + "  - risks\n")
    document, findings = assembled(folder)
    assert [f.format() for f in findings] == []
    assert document.headings()[-1].plain_title == "Our risks"
    last = [b for b in document.walk() if isinstance(b, Paragraph)][-1]
    assert plain_text(last.inlines) == "We hold one risk."


@pytest.mark.parametrize("figure_alt", ["", 'alt=""'])
def test_figure_without_alt_text_keeps_empty_alt(make_plan, figure_alt):
    section = f"---\ntitle: A\n---\n![Cap](assets/chart.png){{#fig:c {figure_alt}}}\n"
    document, _ = assembled(small_plan(make_plan, section))
    assert isinstance(document.figures()[0], Figure)
    assert document.figures()[0].alt == ""


def test_problems_in_markdown_held_in_yaml_are_reported_at_the_yaml_line(make_plan):
    scheme = (
        "id: S1\nname: Home first\nlead: council\nmetrics: [discharge-delay]\n"
        "summary: |\n  First line.\n  See @tbl:nowhere and {{ facts.nope }}.\n"
        "expenditure:\n  - line: Reablement at home\n"
        "    type: Home-based intermediate care services\n    area: Social care\n"
        "    commissioner: council\n    source: nhs-minimum\n    amounts: {2025-26: 1000000}\n"
    )
    folder = make_plan({"schemes/s1.yaml": scheme})
    (folder / "plan.yaml").write_text((folder / "plan.yaml").read_text() + "  - schemes\n")
    findings = check_plan(folder).findings
    assert where(only(findings, "ref.unresolved"))[0] == "schemes/s1.yaml"
    assert where(only(findings, "ref.unresolved"))[1] in (6, 7)
    assert where(only(findings, "template.error")) == ("schemes/s1.yaml", 7, 1)


def test_unknown_scheme_in_an_expenditure_table_is_reported(make_plan):
    folder = make_plan()
    (folder / "templates").mkdir()
    (folder / "templates" / "spend.md.j2").write_text(
        "---\ntitle: Spend\n---\n::: table expenditure S9\n:::\n"
    )
    (folder / "plan.yaml").write_text((folder / "plan.yaml").read_text() + "  - spend\n")
    finding = only(check_plan(folder).findings, "template.table")
    assert finding.file == "templates/spend.md.j2"
    assert finding.hint == "known: S1"


def test_callout_title_without_a_kind_keeps_every_word(make_plan):
    section = "---\ntitle: A\n---\n::: callout Our shared vision\nText.\n:::\n"
    document, _ = assembled(make_plan({"sections/intro.md": section}))
    callout = next(b for b in document.walk() if isinstance(b, Callout))
    assert (callout.kind, callout.title) == ("statement", "Our shared vision")


def test_markdown_held_in_yaml_keeps_its_block_structure(make_plan):
    scheme = (
        "id: S1\nname: Home first\nlead: council\nmetrics: [discharge-delay]\n"
        "purpose: I get home quickly.\n"
        "summary: |\n  | Area | Beds |\n  |---|---:|\n  | North | 4 |\n  | Total | 4 |\n\n"
        "  - first point\n  - second point\n\n  ```\n  code\n  ```\n"
        "expenditure:\n  - line: Reablement at home\n"
        "    type: Home-based intermediate care services\n    area: Social care\n"
        "    commissioner: council\n    source: nhs-minimum\n    amounts: {2025-26: 1000000}\n"
    )
    folder = make_plan({"schemes/s1.yaml": scheme})
    (folder / "plan.yaml").write_text((folder / "plan.yaml").read_text() + "  - schemes\n")
    document, findings = assembled(folder)
    typed = [t for t in document.tables() if plain_text(t.rows[0].cells[0].inlines) == "Area"]
    assert len(typed) == 1 and [r.kind for r in typed[0].rows] == ["body", "body", "total"]
    lists = [b for b in document.walk() if isinstance(b, ListBlock)]
    assert any(
        plain_text(i[0].inlines) == "first point"
        for b in lists
        for i in b.items
        if i and isinstance(i[0], Paragraph)
    )
    texts = [plain_text(b.inlines) for b in document.walk() if isinstance(b, Paragraph)]
    assert "code" in texts
    assert not any("\ue000" in t or "\ue002" in t for t in texts)


def test_contact_email_addresses_are_mailto_links_and_other_text_is_not() -> None:
    """A printed address with no link over it is one a reader cannot follow (outloud's
    LNK-010); text that is not an address stays text, whatever it holds."""
    from bcf_docgen.document.model import Link, Text
    from bcf_docgen.document.tables import _email_cell

    (link,) = _email_cell("tom.reeves@kingsmere.example").inlines
    assert isinstance(link, Link)
    assert link.url == "mailto:tom.reeves@kingsmere.example"
    for text in ("ask reception", '"><b>@x.example', "javascript:a@b.example", "a@b"):
        assert _email_cell(text).inlines == [Text(text)]
