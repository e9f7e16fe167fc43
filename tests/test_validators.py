"""The outputs pass real validators: PDF/UA-1 (a Matterhorn-style walk of our own, and the
`pdfua` and `outloud` checkers), the .docx against the ISO/IEC 29500 transitional schemas,
and the Word file's fields, bookmarks and accessibility (docs/accessibility.md).

The example plan and its board pack are built once each (module fixtures); the checkers
are also shown to catch what WeasyPrint and python-docx leave by themselves, so a
regression in the finishing steps fails here.
"""

from __future__ import annotations

import bisect
import collections
import io
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import pikepdf
import pytest
from docx.oxml.ns import qn
from lxml import etree
from pikepdf import Array, Dictionary, Name

from bcf_docgen.render.pdf_tags import finish_pdf, link_descriptions

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
STEM = "kingsmere-bcf-2025-26"


@pytest.fixture(scope="module")
def plan_build(example_build: Path) -> Path:
    return example_build


@pytest.fixture(scope="module")
def pack_build(example_pack: Path) -> Path:
    return example_pack


# -- PDF: the machine-checkable Matterhorn conditions ----------------------------------

PAINT = {"Tj", "TJ", "'", '"', "Do", "BI", "INLINE IMAGE", "sh", "f", "F", "f*", "B", "B*"}
PAINT |= {"b", "b*", "S", "s"}


def _kids(element: Dictionary) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _elements(pdf: pikepdf.Pdf, order: dict | None = None) -> list[tuple[str, Dictionary, str]]:
    """(type, element, parent type) for every element reachable from the structure root;
    `order` gets each page's MCIDs in the tree's order (pages by object number)."""
    found: list[tuple[str, Dictionary, str]] = []

    def walk(element: Dictionary, parent: str, page) -> None:
        kind = str(element.get("/S"))[1:]
        found.append((kind, element, parent))
        page = element.get("/Pg", page)
        for kid in _kids(element):
            if isinstance(kid, Dictionary) and "/S" in kid:
                walk(kid, kind, page)
            elif isinstance(kid, int) and page is not None and order is not None:
                order.setdefault(page.objgen, []).append(int(kid))

    for top in _kids(pdf.Root.StructTreeRoot):
        walk(top, "StructTreeRoot", None)
    return found


def _in_order_share(painted: list[int], tree: list[int]) -> float:
    """The share of a page's marked content painted in the tree's order (the longest run
    of sequences whose tree positions only rise)."""
    rank = {mcid: position for position, mcid in enumerate(tree)}
    positions = [rank[m] for m in painted if m in rank]
    tails: list[int] = []
    for position in positions:
        index = bisect.bisect_left(tails, position)
        tails[index : index + 1] = [position]
    return len(tails) / len(positions) if positions else 1.0


def _parent_tree(root: Dictionary) -> dict[int, object]:
    entries: dict[int, object] = {}

    def walk(node: Dictionary) -> None:
        nums = node.get("/Nums", Array())
        for position in range(0, len(nums) - 1, 2):
            entries[int(nums[position])] = nums[position + 1]
        for kid in node.get("/Kids", []):
            walk(kid)

    walk(root.ParentTree)
    return entries


def _content_problems(
    pdf: pikepdf.Pdf, parents: dict[int, object], reachable: set, order: dict
) -> list[str]:
    """Matterhorn 01: every painting operator is tagged content or an artifact, and every
    MCID on a page belongs to an element the structure tree reaches; and the page is
    painted in the order the tree reads it (WCAG 1.3.2)."""
    problems: collections.Counter[str] = collections.Counter()
    for number, page in enumerate(pdf.pages, start=1):
        stack: list[str] = []
        mcids: dict[int, None] = {}
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BDC", "BMC"):
                tag = str(operands[0])
                props = operands[1] if op == "BDC" and len(operands) > 1 else None
                if tag == "/Artifact":
                    stack.append("artifact")
                elif isinstance(props, Dictionary) and "/MCID" in props:
                    stack.append("tagged")
                    mcids[int(props.MCID)] = None
                else:
                    stack.append("other")
            elif op == "EMC" and stack:
                stack.pop()
            elif op in PAINT and not ({"artifact", "tagged"} & set(stack)):
                problems[f"01: untagged painting on page {number}"] += 1
        tree = order.get(page.objgen, [])
        if len(mcids) >= 4 and _in_order_share(list(mcids), tree) < 0.85:
            problems[f"reading order: page {number} is painted out of the tree's order"] += 1
        if mcids:
            owners = parents.get(int(page.obj.get("/StructParents", -1)))
            for mcid in mcids:
                owner = owners[mcid] if isinstance(owners, Array) and mcid < len(owners) else None
                if not isinstance(owner, Dictionary) or owner.objgen not in reachable:
                    problems[f"01: MCID without a reachable element on page {number}"] += 1
    return [f"{what} ({n}x)" for what, n in problems.items()]


def _structure_problems(elements: list[tuple[str, Dictionary, str]], root) -> list[str]:
    """Matterhorn 09, 13, 14, 15: tables, lists, figures, headings."""
    problems = []
    ids = [bytes(e.ID) for _, e, _ in elements if "/ID" in e]
    if ids and "/IDTree" not in root:
        problems.append("15: elements have /ID but the structure root has no /IDTree")
    for kind, element, parent in elements:
        kids = [str(k.S)[1:] for k in _kids(element) if isinstance(k, Dictionary) and "/S" in k]
        if kind == "TH":
            attributes = element.get("/A")
            listed = attributes if isinstance(attributes, Array) else [attributes]
            if not any(isinstance(a, Dictionary) and "/Scope" in a for a in listed):
                problems.append("15: a TH without /Scope")
        elif kind == "LI" and ("LBody" not in kids or set(kids) - {"Lbl", "LBody"}):
            problems.append(f"09: a list item holds {kids}, not a label and a body")
        elif kind == "Table" and not {"TR", "THead", "TBody"} & set(kids):
            problems.append("09: a Table without rows")
        elif kind in ("TD", "TH") and parent != "TR":
            problems.append(f"09: {kind} under {parent}")
        elif kind == "Figure" and not str(element.get("/Alt", "")).strip():
            problems.append("13: a Figure without /Alt")
    levels = [int(kind[1]) for kind, _, _ in elements if re.fullmatch(r"H[1-6]", kind)]
    for before, after in zip([0, *levels], levels, strict=False):
        if after > before + 1:
            problems.append(f"14: heading level skips from H{before} to H{after}")
    return problems


def _annotation_problems(pdf: pikepdf.Pdf, parents: dict[int, object]) -> list[str]:
    """Matterhorn 28: links in the tree, described in words, pages in tag order."""
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        annotations = page.obj.get("/Annots", Array())
        if len(annotations) and page.obj.get("/Tabs") != Name("/S"):
            problems.append(f"28: page {number} has annotations but no /Tabs /S")
        for annotation in annotations:
            if annotation.get("/Subtype") != Name("/Link"):
                continue
            owner = parents.get(int(annotation.get("/StructParent", -1)))
            if not isinstance(owner, Dictionary) or owner.get("/S") != Name("/Link"):
                problems.append(f"28: a link on page {number} is not in a Link element")
            contents = str(annotation.get("/Contents", "")).strip()
            target = str(annotation.get("/Dest", ""))
            if not contents or contents == target:
                problems.append(f"28: a link on page {number} says {contents!r}, not where")
    return problems


def matterhorn_problems(path_or_bytes: Path | bytes) -> list[str]:
    """The machine-checkable PDF/UA-1 failure conditions found in a PDF (empty: none)."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with pikepdf.open(source) as pdf:
        root = pdf.Root
        problems = []
        xmp = root.Metadata.read_bytes().decode("utf-8", "replace") if "/Metadata" in root else ""
        if not re.search(r'pdfuaid:part(?:="|>)\s*1', xmp) or "<dc:title>" not in xmp:
            problems.append("06: the XMP does not declare PDF/UA-1 with a title")
        if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
            problems.append("07: the title is not displayed")
        if not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", str(root.get("/Lang", ""))):
            problems.append("11: no document language")
        structure = root.StructTreeRoot
        order: dict = {}
        elements = _elements(pdf, order)
        reachable = {element.objgen for _, element, _ in elements}
        parents = _parent_tree(structure)
        for entry in parents.values():
            for owner in entry if isinstance(entry, Array) else [entry]:
                if isinstance(owner, Dictionary) and owner.objgen not in reachable:
                    problems.append("01: the parent tree names an unreachable element")
                    break
        problems += _content_problems(pdf, parents, reachable, order)
        problems += _structure_problems(elements, structure)
        problems += _annotation_problems(pdf, parents)
        for page in pdf.pages:
            for font in page.Resources.get("/Font", Dictionary()).values():
                described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = described.get("/FontDescriptor", Dictionary())
                if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()):
                    problems.append(f"31: font {font.get('/BaseFont')} is not embedded")
    return sorted(set(problems))


def pdfua_findings(path: Path) -> list[str]:
    from pdfua import Severity, validate

    report = validate(str(path))
    return [
        f"{f.rule_id} {f.message}"
        for f in report.findings
        if f.severity in (Severity.ERROR, Severity.WARNING)
    ]


def outloud_errors(path: Path) -> list[str]:
    import outloud

    result = outloud.check(str(path))
    return [f"{f.rule} p.{f.page}: {f.message}" for f in result.findings if f.severity == "error"]


# -- Word: the schemas, fields and accessibility --------------------------------------

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
SCHEMA_OF = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main": "wml.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "dml-main.xsd",
    "http://schemas.openxmlformats.org/package/2006/relationships": "opc-relationships.xsd",
    "http://schemas.openxmlformats.org/package/2006/content-types": "opc-contentTypes.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": (
        "shared-documentPropertiesExtended.xsd"
    ),
}


@lru_cache(maxsize=8)
def _schema(name: str) -> etree.XMLSchema:
    wanted = ["wml.xsd", "dml-main.xsd", "dml-picture.xsd", "dml-wordprocessingDrawing.xsd"]
    if name != "wml.xsd":
        return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))
    # The main document imports drawings and pictures: one schema that knows them all.
    imports = "".join(
        f'<xs:import namespace="{etree.parse(str(SCHEMAS / f)).getroot().get("targetNamespace")}"'
        f' schemaLocation="{(SCHEMAS / f).as_uri()}"/>'
        for f in wanted
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(driver, base_url=SCHEMAS.as_uri() + "/"))


def _as_word_reads_it(root: etree._Element) -> etree._Element:
    """Markup compatibility as Word applies it: what is in an ignorable namespace goes."""
    ignorable = set((root.get(f"{{{MC}}}Ignorable") or "").split())
    spaces = {root.nsmap.get(prefix) for prefix in ignorable}
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace in spaces and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            if etree.QName(name).namespace in spaces or etree.QName(name).namespace == MC:
                del element.attrib[name]
    return root


def schema_errors(data: bytes) -> list[str]:
    """Every XML part of a .docx checked against its ISO/IEC 29500-4 transitional schema."""
    errors = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            root = etree.fromstring(package.read(name))
            schema = SCHEMA_OF.get(etree.QName(root).namespace or "")
            if schema is None:
                continue  # core properties (Dublin Core): read by the field checks
            validator = _schema(schema)
            if not validator.validate(_as_word_reads_it(root)):
                errors += [f"{name}:{e.line}: {e.message}" for e in validator.error_log]
    return errors


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _heading_level(paragraph: etree._Element, levels: dict[str, int]) -> int | None:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return levels.get(style.get(f"{W}val")) if style is not None else None


def word_problems(data: bytes) -> list[str]:
    """Fields, bookmarks and accessibility of a .docx: what Word and a screen reader need."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = etree.fromstring(package.read("word/document.xml"))
        styles = etree.fromstring(package.read("word/styles.xml"))
        core = package.read("docProps/core.xml").decode()
    outline = {
        style.get(f"{W}styleId"): int(style.find(f"{W}pPr/{W}outlineLvl").get(f"{W}val"))
        for style in styles.iter(f"{W}style")
        if style.find(f"{W}pPr/{W}outlineLvl") is not None
    }
    levels = {name: level + 1 for name, level in outline.items() if level < 9}  # 9: body text
    bookmarks = [b.get(f"{W}name") for b in document.iter(f"{W}bookmarkStart")]
    if len(bookmarks) != len(set(bookmarks)):
        problems.append("bookmark names are used twice")
    instructions = "".join(t.text or "" for t in document.iter(f"{W}instrText"))
    for target in re.findall(r"(?:PAGEREF|REF)\s+(\S+)", instructions):
        if target not in bookmarks:
            problems.append(f"field refers to a missing bookmark {target}")
    for link in document.iter(f"{W}hyperlink"):
        anchor = link.get(f"{W}anchor")
        if anchor and anchor not in bookmarks:
            problems.append(f"link to a missing bookmark {anchor}")
    for result in _pageref_results(document):
        if not result.strip().isdigit():
            problems.append(f"a page reference shows {result!r}, not a page number")
    before = 0
    for paragraph in document.iter(f"{W}p"):
        level = _heading_level(paragraph, levels)
        if level is not None:
            if level > before + 1:
                problems.append(f"heading level skips from {before} to {level}")
            before = level
    problems += _table_and_picture_problems(document)
    if "<dc:title>" not in core or not list(styles.iter(f"{W}lang")):
        problems.append("no title or no language")
    return problems


def _table_and_picture_problems(document: etree._Element) -> list[str]:
    problems = []
    for number, table in enumerate(document.iter(f"{W}tbl"), start=1):
        first = table.find(f"{W}tr")
        if first is None or first.find(f"{W}trPr/{W}tblHeader") is None:
            problems.append(f"table {number} has no header row")
        if table.find(f"{W}tblPr/{W}tblDescription") is None:
            problems.append(f"table {number} has no description")
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    for picture in document.iter(f"{wp}docPr"):
        if not (picture.get("descr") or "").strip():
            problems.append(f"picture {picture.get('name')} has no alt text")
    return problems


def _pageref_results(document: etree._Element) -> list[str]:
    """The shown results of PAGEREF fields (between their separate and end marks)."""
    results, state, text = [], "", []
    for node in document.iter(f"{W}fldChar", f"{W}instrText", f"{W}t"):
        if node.tag == f"{W}instrText" and "PAGEREF" in (node.text or ""):
            state = "instruction"
        elif node.tag == f"{W}fldChar" and state:
            kind = node.get(f"{W}fldCharType")
            if kind == "separate":
                state, text = "result", []
            elif kind == "end" and state == "result":
                results.append("".join(text))
                state = ""
        elif node.tag == f"{W}t" and state == "result":
            text.append(node.text or "")
    return results


def all_problems(pdf: Path, word: Path) -> dict[str, list[str]]:
    """Every validator's complaints about one PDF and one Word file, by validator."""
    data = word.read_bytes()
    return {
        "matterhorn": matterhorn_problems(pdf),
        "pdfua": pdfua_findings(pdf),
        "outloud": outloud_errors(pdf),
        "schemas": schema_errors(data),
        "word": word_problems(data),
    }


# One test per build: under xdist each build then happens once, in the worker that runs it.


def test_the_plan_passes_every_validator(plan_build):
    found = all_problems(plan_build / f"{STEM}.pdf", plan_build / f"{STEM}.docx")
    assert found == {name: [] for name in found}


def test_the_pack_and_its_report_pass_every_validator(pack_build):
    pdf = pack_build / f"{STEM}-board-pack.pdf"
    found = all_problems(pdf, pack_build / f"{STEM}-board-report.docx")
    assert found == {name: [] for name in found}


# -- the checkers catch what the finishing steps mend ---------------------------------


SMALL_PAGE = """<!DOCTYPE html><html lang="en-GB"><head><title>Small</title><style>
@page { size: A5; margin: 20mm; @top-left { content: "A running header"; }
  @bottom-right { content: "Page " counter(page); } }
h2 { break-before: page; }
</style></head><body>
<h1 id="sec-top">Plan</h1><p>See <a href="#sec-funding">section 3.2</a>.</p>
<ul><li>First point</li><li>Second point</li><li>Third point</li><li>Fourth</li>
<li>Fifth point</li><li>Sixth point</li></ul>
<table><caption>Table 1: Money</caption><thead><tr><th scope="col">Item</th>
<th scope="col">Amount</th></tr></thead><tbody><tr><th scope="row">Care</th><td>1</td></tr>
</tbody></table>
<h2 id="sec-funding"><span class="num">3.2</span> Funding</h2><p>Text.</p>
</body></html>"""


@pytest.fixture(scope="module")
def small_pdf() -> tuple[bytes, str, bytes]:
    """A small page's PDF as WeasyPrint writes it, and after finishing: running heads,
    a list, a table with column and row headers, a link to a numbered heading."""
    import weasyprint

    raw = weasyprint.HTML(string=SMALL_PAGE).write_pdf(pdf_variant="pdf/ua-1")
    return raw, SMALL_PAGE, finish_pdf(raw, SMALL_PAGE)


def test_weasyprint_alone_fails_and_finishing_mends_it(small_pdf):
    raw, _, finished = small_pdf
    found = " ".join(matterhorn_problems(raw))
    assert "01: the parent tree names an unreachable element" in found  # running heads
    assert "/IDTree" in found and "TH without /Scope" in found
    assert "not where" in found  # link /Contents was the target id
    assert "reading order: page 1" in found  # list bullets painted after the page
    assert matterhorn_problems(finished) == []


def test_finishing_is_deterministic(small_pdf):
    raw, page, finished = small_pdf
    assert finish_pdf(raw, page) == finished


def test_links_are_described_by_their_targets():
    page = (
        '<html><body><h2 id="sec-funding"><span class="num">3.2</span> Funding</h2>'
        '<table id="tab-1"><caption>Table 1: Money</caption></table>'
        '<h2 id="sec-rec">Recommendations</h2>'
        '<a href="#sec-funding">see section 3.2</a><a href="#tab-1">Table 1</a>'
        '<a href="#sec-rec">here</a><a href="https://example.org/x">the framework</a>'
        "</body></html>"
    )
    assert link_descriptions(page) == {
        "sec-funding": "Section 3.2: Funding",
        "tab-1": "Table 1: Money",
        "sec-rec": "Section: Recommendations",
        "https://example.org/x": "the framework",
    }


def test_the_package_step_gives_zoom_a_percent():
    """python-docx's own template fails the schemas (`w:zoom` without `w:percent`); the
    writer's package step mends it."""
    import docx

    from bcf_docgen.render.docx_package import complete_settings

    word = docx.Document()
    bare = io.BytesIO()
    word.save(bare)
    assert any("percent" in error for error in schema_errors(bare.getvalue()))
    complete_settings(word)
    mended = io.BytesIO()
    word.save(mended)
    assert schema_errors(mended.getvalue()) == []
    settings = word.settings.element
    assert [z.get(qn("w:percent")) for z in settings.iter(qn("w:zoom"))] == ["100"]


def test_word_check_catches_a_table_without_header_or_description():
    body = (
        f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl><w:tblPr/><w:tr><w:tc><w:p/></w:tc>'
        "</w:tr></w:tbl></w:body></w:document>"
    )
    styles = f'<w:styles xmlns:w="{W[1:-1]}"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("word/document.xml", body)
        package.writestr("word/styles.xml", styles)
        package.writestr("docProps/core.xml", "<cp/>")
    assert word_problems(out.getvalue()) == [
        "table 1 has no header row",
        "table 1 has no description",
        "no title or no language",
    ]


# -- what `check` tells the author ----------------------------------------------------


def test_a_header_row_with_an_unnamed_column_is_reported(make_plan):
    from test_checks import check, only, section

    body = "| Scheme |  |\n|---|---|\n| S1 | 2 |\n"
    finding = only(
        check(make_plan({"sections/intro.md": section(body)})).findings, "a11y.table-header"
    )
    assert "column 2" in finding.message


def test_callout_colours_are_checked_on_their_tint(make_plan):
    from test_checks import check, only, section

    theme = 'colours:\n  primary: "#767676"\n'  # 4.5:1 on white, 4.0:1 on the tint
    body = "::: callout statement Our vision\nLiving well at home.\n:::\n"
    from conftest import PLAN_YAML

    files = {"plan.yaml": PLAN_YAML + "theme: theme.yaml\n", "theme.yaml": theme}
    plan = make_plan({**files, "sections/intro.md": section(body)})
    finding = only(check(plan).findings, "a11y.contrast")
    assert "statement boxes" in finding.message and "4.0:1" in finding.message


def test_bold_list_items_stay_in_a_tight_list(make_plan):
    """Text from YAML that starts with bold ("**Home first.** ...", the vision's
    principles) is not taken for a list of its own, so "- {{ x | expand }}" stays one
    tight item; a loose Markdown list still gives every item its text."""
    from test_checks import check, section

    from bcf_docgen.document.markdown_blocks import origin_marker

    assert "\n\n" not in origin_marker(0, "**Home first.** We start there.")
    assert "\n\n" in origin_marker(0, "- an item\n- another")
    body = "Loose:\n\n- First item.\n\n- Second item.\n"
    page = render_html_of(check(make_plan({"sections/intro.md": section(body)})).document)
    assert re.search(r"<li>\s*(<p>)?First item\.(</p>)?\s*</li>", page)
    assert re.search(r"<li>\s*(<p>)?Second item\.(</p>)?\s*</li>", page)


def render_html_of(document) -> str:
    from bcf_docgen.render.html import render_html

    return render_html(document)
