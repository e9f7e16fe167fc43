"""One computed look: the Word styles, the stylesheet, the charts and the watermark all
carry the values `look_from_theme` decides, and the look-parity check reads them back
from real files (styles.xml and sections; the PDF's characters and rectangles) and names
any difference, as when the theme's value is changed in only one writer's path."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from bcf_docgen.charts import chart_for
from bcf_docgen.derived import metrics_info
from bcf_docgen.document.look import Look
from bcf_docgen.parity import compare_look, read_docx_look
from bcf_docgen.paths import default_templates
from bcf_docgen.performance import metric_performance
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render.docx import render_docx
from bcf_docgen.render.html import font_stack, stylesheet
from bcf_docgen.render.pdf import render_pdf, watermark_png
from bcf_docgen.theme import Colours, Fonts, Theme, look_from_theme

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"


@dataclasses.dataclass
class Built:
    checked: object
    look: Look
    docx: Path
    pdf: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory, example_build: Path) -> Built:
    """The example: the Word file (not paginated: the look needs no page numbers) and
    the PDF the build command made (once per run), read back by the tests."""
    checked = check_plan(EXAMPLE)
    assert checked.document is not None
    docx_path = tmp_path_factory.mktemp("look") / "example.docx"
    docx_path.write_bytes(render_docx(checked.document))
    pdf_path = example_build / "kingsmere-bcf-2025-26.pdf"
    return Built(checked, checked.document.look, docx_path, pdf_path)


def _styles_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read("word/styles.xml").decode("utf-8")


def _style(styles: str, style_id: str) -> str:
    match = re.search(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', styles, re.S)
    assert match, style_id
    return match.group(0)


def _css_rule(css: str, selector: str) -> str:
    match = re.search(rf"(?m)^{re.escape(selector)} \{{([^}}]*)\}}", css)
    assert match, selector
    return match.group(1)


def test_the_look_is_computed_once_per_theme():
    theme = Theme.model_validate({"colours": {"primary": "#7A2182"}, "fonts": {"body_size": 12}})
    look = look_from_theme(theme)
    assert look_from_theme(Theme.model_validate(theme.model_dump())) is look
    # Every size is a step from the body size, in Word's half points.
    assert look.sizes.body == 12 and look.sizes.h1 == 18 and look.sizes.h4 == 12
    sizes = dataclasses.asdict(look.sizes).values()
    assert all(size * 2 == int(size * 2) for size in sizes)
    assert look.colours.primary == look.callouts.statement.rule == "#7A2182"
    assert look.chart.primary == "#7A2182"
    page = look.page
    assert page.margin_top_mm == page.margin_bottom_mm == page.margin_left_mm
    assert page.margin_left_mm == page.margin_right_mm


def test_the_stylesheet_and_the_word_styles_carry_the_same_values(built):
    look, s = built.look, built.look.sizes
    css = stylesheet(built.checked.document)
    styles = _styles_xml(built.docx)
    for level in (1, 2, 3):
        assert f"font-size: {s.heading(level)}pt" in _css_rule(css, f"h{level}")
        heading = _style(styles, f"Heading{level}")
        assert f'<w:sz w:val="{round(s.heading(level) * 2)}"/>' in heading
        assert f'<w:color w:val="{look.colours.primary[1:]}"/>' in heading
    assert f"font-size: {s.body}pt" in _css_rule(css, "html")
    assert f'<w:sz w:val="{round(s.body * 2)}"/>' in _style(styles, "Normal")
    assert f"font-size: {s.table}pt" in _css_rule(css, "table")
    assert f'<w:sz w:val="{round(s.table * 2)}"/>' in _style(styles, "TableText")
    rule = look.table_rule
    assert f"border: {rule.width}pt solid {rule.colour}" in _css_rule(css, "th, td")
    plan_table = _style(styles, "PlanTable")
    assert f'w:sz="{round(rule.width * 8)}"' in plan_table
    assert f'w:color="{rule.colour[1:]}"' in plan_table
    page = look.page
    assert f"size: {page.width_mm}mm {page.height_mm}mm" in css
    assert f"margin: {page.margin_top_mm}mm {page.margin_right_mm}mm" in css
    # No colour in the stylesheet that the look does not hold.
    colours = {v for v in re.findall(r"#[0-9A-F]{6}\b", css)}
    held = set(re.findall(r"#[0-9A-F]{6}\b", repr(look)))
    assert colours and colours <= held


def test_the_templates_hold_no_colour_or_size_of_their_own():
    for name in ("document.css.j2", "pack.css.j2"):
        text = (default_templates() / "theme" / name).read_text(encoding="utf-8")
        assert not re.findall(r"#[0-9A-Fa-f]{3,6}\b", text), name
        literal = re.findall(r"(?<![\w{.])\d+(?:\.\d+)?(?:pt|mm)\b", text)
        assert literal == [], (name, literal)


def test_font_names_are_escaped_in_the_stylesheet(built):
    """The theme refuses such names when it is read (tests/test_hostile_injection.py);
    a font list is still written as escaped CSS strings, whatever it holds."""
    with pytest.raises(ValidationError):
        Theme(fonts=Fonts(body='Evil"; } body { color: red'))
    stack = font_stack(['Evil"; } body { color: red', "Back\\slash\nNext"])
    assert stack == '"Evil\\22 ; } body { color: red", "Back\\5C slash Next", sans-serif'
    theme = Theme(fonts=Fonts(body="Liberation Sans", heading="Noto Sans"))
    document = dataclasses.replace(built.checked.document, look=look_from_theme(theme))
    assert 'font-family: "Noto Sans", "Liberation Sans", "Arimo", sans-serif' in stylesheet(
        document
    )


def test_look_parity_passes_on_the_example(built):
    assert compare_look(built.docx, built.pdf, built.look, built.checked.document) == []


def test_look_parity_names_a_stylesheet_edited_on_its_own(built, tmp_path):
    """The CSS template's heading size changed, Word's left alone: the check says so."""
    templates = tmp_path / "templates"
    shutil.copytree(default_templates(), templates)
    css = templates / "theme" / "document.css.j2"
    text = css.read_text(encoding="utf-8")
    edited = text.replace("h1 { font-size: {{ s.h1 }}pt;", "h1 { font-size: 18pt;")
    assert edited != text
    css.write_text(edited, encoding="utf-8")
    document = built.checked.document
    pdf = tmp_path / "edited.pdf"
    pdf.write_bytes(render_pdf(document, built.checked.plan.root, templates))
    differences = compare_look(built.docx, pdf, built.look, document)
    assert differences == ["heading 1 size: Word 16.5 pt, PDF 18 pt (the look: 16.5 pt)"]


def test_look_parity_names_a_word_file_made_from_another_look(built, tmp_path):
    """The Word writer given another theme's look: each value it changed is named."""
    other = look_from_theme(
        Theme(
            colours=Colours(table_header="#223344", red="#B00020"),
            fonts=Fonts(body_size=10),
            paper="A3",
        )
    )
    document = dataclasses.replace(built.checked.document, look=other)
    word = tmp_path / "other.docx"
    word.write_bytes(render_docx(document))
    differences = compare_look(word, built.pdf, built.look, built.checked.document)
    named = {d.split(":")[0] for d in differences}
    assert {
        "body text size",
        "heading 1 size",
        "page width",
        "page height",
        "table header fill",
        "RAG red fill",
    } <= named
    assert "table header fill: Word #223344, PDF #005EB8 (the look: #005EB8)" in differences
    assert "body text size: Word 10 pt, PDF 11 pt (the look: 11 pt)" in differences


def test_word_reads_back_the_looks_paper_and_margins(built):
    found = read_docx_look(built.docx)
    page = built.look.page
    assert found.page == pytest.approx((page.width_mm, page.height_mm), abs=0.1)
    assert found.margins == pytest.approx(
        {"top": 20, "right": 20, "bottom": 20, "left": 20}, abs=0.1
    )


def test_one_watermark_for_word_and_pdf(built):
    """Word's VML mark and the PDF's picture: the look's colour, opacity and angle."""
    mark = built.look.watermark
    with zipfile.ZipFile(built.docx) as package:
        headers = [package.read(n).decode() for n in package.namelist() if "header" in n]
    vml = next(h for h in headers if "PowerPlusWaterMarkObject" in h)
    assert f'fillcolor="{mark.colour}"' in vml
    assert f'<v:fill opacity="{mark.opacity:g}"/>' in vml
    assert f"rotation:{360 - mark.angle:g}" in vml  # VML turns clockwise
    image = np.asarray(Image.open(io.BytesIO(watermark_png(built.look, "DRAFT"))))
    alpha = image[..., 3]
    inked = alpha > 0
    solid = image[alpha == alpha.max()][0]
    assert "#{:02X}{:02X}{:02X}".format(*solid[:3]) == mark.colour
    assert alpha.max() / 255 == pytest.approx(mark.opacity, abs=0.01)
    # The mark's long axis rises at the look's angle (image rows run downwards).
    rows, columns = np.nonzero(inked)
    x, y = columns - columns.mean(), -(rows - rows.mean())
    angle = math.degrees(0.5 * math.atan2(2 * (x * y).mean(), (x * x).mean() - (y * y).mean()))
    assert angle == pytest.approx(mark.angle, abs=3)


def test_charts_take_their_look(built):
    look = built.look
    info = metrics_info(built.checked.plan)[0]
    chart = chart_for(metric_performance(info), look)
    assert chart.size == (look.chart.width_in, look.chart.height_in)
    assert chart.grid == look.chart.grid and chart.text_colour == look.colours.text
    assert chart.font[0] == look.fonts.body
    width_mm = look.chart.width_in * 25.4
    assert width_mm == pytest.approx(look.page.text_width_mm, abs=0.1)
    colours = {s.colour for s in chart.series} | {line[2] for line in chart.lines}
    assert colours <= {look.chart.primary, look.chart.accent, look.chart.grey}


def test_look_parity_passes_on_the_pack(built, example_pack, tmp_path):
    """A binder of several parts: the report's, the plan's and the appendices' pages."""
    from bcf_docgen.pack import assemble_pack

    pack = assemble_pack(built.checked.plan, built.checked.document)
    word = tmp_path / "pack.docx"
    word.write_bytes(render_docx(pack.document))
    pdf = example_pack / "kingsmere-bcf-2025-26-board-pack.pdf"
    assert compare_look(word, pdf, pack.document.look, pack.document) == []
