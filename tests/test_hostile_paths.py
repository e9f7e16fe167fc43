"""The hostile corpus, paths and images (issue 11): every path that comes from content goes
through one boundary, and every picture is checked once, before any writer.

Each case writes the small valid plan with one hostile change, plants the canary beside
the plan folder (tests/hostile.py), runs the command as a user would, and asserts what
holds for every hostile input (`assert_clean`: no traceback, no exit 3, the canary in no
output) and then its own finding (code, file and line, from the findings the command
prints) or its own correct output.
"""

from __future__ import annotations

import io
import json
import re
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import PLAN_YAML
from hostile import CANARY, Case, Outcome, assert_clean, make_case, run_case
from PIL import Image, PngImagePlugin

from bcf_docgen.content.images import MAX_FILE_BYTES, MAX_PIXELS
from bcf_docgen.parity import picture_differences, read_docx_pictures, read_pdf_pictures

FINDING = re.compile(r"^(\S+?):(\d+):\d+: (error|warning): .* \[([\w.-]+)\]$", re.MULTILINE)
NEXT_OUTLINE_LINE = 21  # the line an entry appended to the base plan's outline is on
INTRO_BODY = 4  # the first line after the front matter of a section written by `section`


def section(body: str) -> str:
    """sections/intro.md with `body` after its three lines of front matter."""
    return "---\ntitle: Introduction\n---\n" + textwrap.dedent(body)


def png(size: tuple[int, int] = (40, 20), text: str = "", fmt: str = "PNG") -> bytes:
    """A small real picture (PNG, GIF or JPEG); `text` goes into a PNG's text chunk."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "navy")
    if fmt == "PNG" and text:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
        image.save(buffer, fmt, pnginfo=info)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A one-colour 1-bit PNG of width x height pixels, a few kilobytes on disk (it is
    written row by row through zlib, never held decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def figure(src: str, alt: str = "A picture") -> str:
    return section(f'Text.\n\n![A caption]({src}){{#fig:pic alt="{alt}"}}\n')


def found(outcome: Outcome) -> list[tuple[str, str, int]]:
    """(code, file, line) of every finding the command printed."""
    return [(m[4], m[1], int(m[2])) for m in FINDING.finditer(outcome.stderr + outcome.stdout)]


def checked(case: Case) -> list[tuple[str, str, int]]:
    """(code, file, line) of every finding of `check --format json` (the pack's too)."""
    outcome = run_case(case, "check", "--format", "json")
    assert_clean(outcome)
    data = json.loads(outcome.stdout)
    return [(f["code"], f["file"], f["line"]) for f in data["findings"]]


def build(case: Case, to: str = "html") -> Outcome:
    """`build --to TO` (without the LibreOffice pass, which has nothing to do with paths)."""
    outcome = run_case(case, "build", "--to", to, "--no-paginate")
    assert_clean(outcome)
    return outcome


def docx_media(outcome: Outcome) -> list[str]:
    """The names of the pictures inside the built .docx."""
    data = next(d for name, d in outcome.outputs.items() if name.endswith(".docx"))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [n for n in package.namelist() if n.startswith("word/media/")]


def outline(*entries: str) -> str:
    return PLAN_YAML + "".join(f"  - {entry}\n" for entry in entries)


def with_theme(theme: str) -> dict[str, str | bytes | None]:
    return {"plan.yaml": PLAN_YAML + "theme: theme.yaml\n", "theme.yaml": theme}


def link(case: Case, name: str, target: Path) -> None:
    """A symbolic link `name` in the plan folder to `target` (outside it)."""
    path = case.plan / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


# ------------------------------------------------------------------- outline and templates


def test_outline_entry_climbing_out_with_dotdot(tmp_path):
    case = make_case(tmp_path, {"plan.yaml": outline("../elsewhere/leak.md")})
    outcome = build(case)
    assert ("path.outside", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)


def test_outline_entry_with_an_absolute_path(tmp_path):
    target = tmp_path / "case" / "elsewhere" / "leak.md"
    case = make_case(tmp_path, {"plan.yaml": outline(str(target))})
    outcome = build(case)
    assert ("path.outside", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)


def test_template_name_climbing_out_is_never_rendered(tmp_path):
    """The issue's case: reported as an unknown template, and still rendered in a draft."""
    entry = "../../../../../../../../../../" + str(tmp_path / "case" / "elsewhere" / "leak")
    case = make_case(tmp_path, {"plan.yaml": outline(entry)})
    outcome = build(case, "html,docx")
    assert ("template.name", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)
    assert "Introduction" in outcome.text(".html")  # the draft is built, without the file


def test_template_name_with_a_slash(tmp_path):
    case = make_case(tmp_path, {"plan.yaml": outline("{template: elsewhere/leak}")})
    outcome = build(case)
    assert ("template.name", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)


def test_section_linked_out_of_the_plan(tmp_path):
    case = make_case(tmp_path, {"plan.yaml": outline("sections/linked.md")})
    link(case, "sections/linked.md", case.canary / "leak.md")
    outcome = build(case)
    assert ("path.outside", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)


def test_template_linked_out_of_the_plan(tmp_path):
    case = make_case(tmp_path, {"plan.yaml": outline("linked")})
    link(case, "templates/linked.md.j2", case.canary / "leak.md.j2")
    outcome = build(case)
    assert ("path.outside", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)


def test_templates_folder_linked_out_of_the_plan(tmp_path):
    case = make_case(tmp_path, {"plan.yaml": outline("leak")})
    link(case, "templates", case.canary)
    outcome = build(case)
    assert ("path.outside", "plan.yaml", NEXT_OUTLINE_LINE) in found(outcome)


@pytest.mark.parametrize(
    "statement",
    [
        '{% include "../elsewhere/leak.md" %}',
        '{% import "../elsewhere/leak.md.j2" as leak %}',
        '{% extends "../elsewhere/leak.md.j2" %}',
        "{% include '" + "/" + "etc/passwd' %}",
    ],
)
def test_jinja_cannot_pull_in_a_file(tmp_path, statement):
    case = make_case(tmp_path, {"sections/intro.md": section(f"Text.\n\n{statement}\n")})
    outcome = build(case)
    assert ("template.error", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


# ------------------------------------------------------------------- board-report appendices

REPORT = """\
decision_maker: Testshire Health and Wellbeing Board
subject: Better Care Fund plan
meeting_date: 2025-04-10
report_of: Director of Adult Social Care
summary: The Board is asked to agree the plan.
recommendations: [To agree the plan.]
appendices:
  - {title: Plan, source: plan}
  - {title: Leak, source: %s}
"""


def test_appendix_source_climbing_out(tmp_path):
    case = make_case(tmp_path, {"board-report.yaml": REPORT % "../elsewhere/leak.md"})
    assert ("path.outside", "board-report.yaml", 9) in checked(case)
    assert_clean(run_case(case, "pack"))


def test_appendix_source_linked_out_of_the_plan(tmp_path):
    case = make_case(tmp_path, {"board-report.yaml": REPORT % "notes/linked.md"})
    link(case, "notes/linked.md", case.canary / "leak.md")
    assert ("path.outside", "board-report.yaml", 9) in checked(case)


def test_appendix_source_that_is_a_path_but_not_markdown(tmp_path):
    case = make_case(tmp_path, {"board-report.yaml": REPORT % "../elsewhere/leak"})
    assert ("pack.appendix", "board-report.yaml", 9) in checked(case)


# ------------------------------------------------------------------- images and links


def test_image_climbing_out_of_the_plan(tmp_path):
    case = make_case(tmp_path, {"sections/intro.md": figure("../elsewhere/leak.png")})
    outcome = build(case, "html,docx")
    assert ("path.outside", "sections/intro.md", INTRO_BODY + 2) in found(outcome)
    assert docx_media(outcome) == []


def test_image_linked_out_of_the_plan(tmp_path):
    """A real PNG outside, with the canary in a text chunk: embedded, it would show in
    the .docx's media."""
    case = make_case(tmp_path, {"sections/intro.md": figure("assets/linked.png")})
    (case.canary / "real.png").write_bytes(png(text=CANARY))
    link(case, "assets/linked.png", case.canary / "real.png")
    outcome = build(case, "html,docx")
    assert ("path.outside", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


@pytest.mark.parametrize("scheme", ["file://", "http://", "https://"])
def test_image_by_url_is_not_fetched(tmp_path, scheme):
    target = f"{tmp_path}/case/elsewhere/leak.png" if scheme == "file://" else "example.org/x.png"
    case = make_case(tmp_path, {"sections/intro.md": figure(scheme + target)})
    outcome = build(case)
    assert ("path.url", "sections/intro.md", INTRO_BODY + 2) in found(outcome)
    assert "<img" not in outcome.text(".html")


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "file://{canary}/leak.txt", "../elsewhere/leak.md"]
)
def test_link_to_a_file_is_text(tmp_path, target):
    target = target.format(canary=tmp_path / "case" / "elsewhere")
    case = make_case(tmp_path, {"sections/intro.md": section(f"See [the notes]({target}).\n")})
    outcome = build(case, "html,docx")
    assert ("markdown.link", "sections/intro.md", INTRO_BODY) in found(outcome)
    html = outcome.text(".html")
    assert "See the notes." in html and "file:" not in html and "elsewhere" not in html


def test_svg_figure_is_refused_by_name(tmp_path):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><image href="file://{tmp_path}/case/elsewhere/leak.svg"/></svg>'
    case = make_case(tmp_path, {"sections/intro.md": figure("assets/d.svg"), "assets/d.svg": svg})
    outcome = build(case, "html,docx")
    assert ("figure.format", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


def test_svg_content_in_a_png_figure_is_refused(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.org/x.png"/></svg>'
    case = make_case(tmp_path, {"sections/intro.md": figure("assets/d.png"), "assets/d.png": svg})
    outcome = build(case, "html,docx")
    assert ("figure.format", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


def test_text_file_named_png(tmp_path):
    case = make_case(
        tmp_path, {"sections/intro.md": figure("assets/x.png"), "assets/x.png": "not a picture\n"}
    )
    outcome = build(case, "html,docx")
    assert ("figure.format", "sections/intro.md", INTRO_BODY + 2) in found(outcome)
    assert docx_media(outcome) == []


def test_empty_png(tmp_path):
    case = make_case(tmp_path, {"sections/intro.md": figure("assets/x.png"), "assets/x.png": b""})
    outcome = build(case, "html,docx")
    assert ("figure.format", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


def test_truncated_png(tmp_path):
    whole = png((300, 300))
    case = make_case(
        tmp_path, {"sections/intro.md": figure("assets/x.png"), "assets/x.png": whole[:200]}
    )
    outcome = build(case, "html,docx")
    assert ("image.broken", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


def test_decompression_bomb(tmp_path):
    """20000 x 20000 pixels (1.6 GB decoded as RGBA) in a few kilobytes."""
    bomb = bomb_png(20_000, 20_000)
    assert len(bomb) < 200_000 and MAX_PIXELS < 20_000 * 20_000
    case = make_case(tmp_path, {"sections/intro.md": figure("assets/x.png"), "assets/x.png": bomb})
    outcome = build(case, "html,docx")
    assert ("image.pixels", "sections/intro.md", INTRO_BODY + 2) in found(outcome)
    assert docx_media(outcome) == []


def test_image_just_under_the_pixel_cap_is_kept(tmp_path):
    side = int(MAX_PIXELS**0.5) - 1
    case = make_case(
        tmp_path,
        {"sections/intro.md": figure("assets/x.png"), "assets/x.png": bomb_png(side, side)},
    )
    outcome = build(case, "html,docx")
    assert found(outcome) == []
    assert len(docx_media(outcome)) == 1


def test_huge_file_is_not_read(tmp_path):
    case = make_case(tmp_path, {"sections/intro.md": figure("assets/x.png")})
    (case.plan / "assets").mkdir()
    with (case.plan / "assets" / "x.png").open("wb") as sparse:
        sparse.truncate(MAX_FILE_BYTES + 1)  # a sparse file: nothing written to disk
    outcome = build(case, "html,docx")
    assert ("image.file-size", "sections/intro.md", INTRO_BODY + 2) in found(outcome)


@pytest.mark.parametrize("fmt", ["GIF", "JPEG"])
def test_real_picture_with_the_wrong_extension_is_used(tmp_path, fmt):
    """The content decides: a GIF or JPEG called .png is used as what it is, in every
    output, without a finding."""
    case = make_case(
        tmp_path,
        {"sections/intro.md": figure("assets/x.png", "A navy box"), "assets/x.png": png(fmt=fmt)},
    )
    outcome = build(case, "html,docx")
    assert found(outcome) == []
    assert [Path(m).suffix for m in docx_media(outcome)] == [
        f".{fmt.lower().replace('jpeg', 'jpg')}"
    ]
    assert f"data:image/{fmt.lower()};base64," in outcome.text(".html")


def test_picture_inside_a_paragraph_is_not_lost_silently(tmp_path):
    case = make_case(tmp_path, {"sections/intro.md": section("Text ![x](assets/a.png) more.\n")})
    outcome = build(case)
    assert ("figure.inline", "sections/intro.md", INTRO_BODY) in found(outcome)


# ------------------------------------------------------------------- the logo

SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


def test_logo_linked_out_of_the_plan(tmp_path):
    case = make_case(tmp_path, with_theme("logo: assets/logo.png\n"))
    (case.canary / "real.png").write_bytes(png(text=CANARY))
    link(case, "assets/logo.png", case.canary / "real.png")
    outcome = build(case, "html,docx")
    assert ("path.outside", "theme.yaml", 1) in found(outcome)


@pytest.mark.parametrize(
    "inside",
    [
        '\n<image href="file://{canary}/leak.png" width="5" height="5"/>',
        '\n<image xlink:href="http://example.org/x.png" width="5" height="5"/>',
        '\n<use href="../elsewhere/leak.svg#x"/>',
        '\n<rect width="5" height="5" style="fill: url(file://{canary}/leak.svg#p)"/>',
        "\n<style>@import url(file://{canary}/leak.css);</style>",
    ],
)
def test_svg_logo_referring_out_is_refused(tmp_path, inside):
    case = make_case(tmp_path, with_theme("logo: assets/logo.svg\n"))
    svg = SVG_HEAD + inside.format(canary=case.canary) + "</svg>"
    (case.plan / "assets").mkdir()
    (case.plan / "assets" / "logo.svg").write_text(svg)
    outcome = build(case)
    assert ("image.svg-reference", "assets/logo.svg", 2) in found(outcome)
    assert "<img" not in outcome.text(".html")


def test_svg_logo_with_an_external_entity_is_refused(tmp_path):
    case = make_case(tmp_path, with_theme("logo: assets/logo.svg\n"))
    svg = (
        f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY leak SYSTEM "file://{case.canary}/leak.txt">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&leak;</text></svg>'
    )
    (case.plan / "assets").mkdir()
    (case.plan / "assets" / "logo.svg").write_text(svg)
    outcome = build(case)
    assert ("image.svg-reference", "assets/logo.svg", 2) in found(outcome)


def test_svg_logo_is_left_out_of_word_with_a_warning(tmp_path):
    svg = SVG_HEAD + '<rect width="40" height="20" fill="navy"/></svg>'
    case = make_case(tmp_path, {**with_theme("logo: assets/logo.svg\n"), "assets/logo.svg": svg})
    outcome = build(case, "html,docx")
    assert outcome.returncode == 0
    assert found(outcome) == [("logo.svg-word", "theme.yaml", 1)]
    assert docx_media(outcome) == []
    assert outcome.text(".html").count("data:image/svg+xml;base64,") == 1


def test_text_file_named_png_as_the_logo(tmp_path):
    case = make_case(
        tmp_path, {**with_theme("logo: assets/logo.png\n"), "assets/logo.png": "<html>no</html>"}
    )
    outcome = build(case, "html,docx")
    assert ("logo.format", "theme.yaml", 1) in found(outcome)
    assert docx_media(outcome) == []


# ------------------------------------------------------------------- the PDF and --verify


def test_pictures_in_word_and_pdf_agree(tmp_path):
    """A figure and a PNG logo, through the PDF's fetcher from memory: --verify finds the
    same pictures, with the same alt texts, in both files."""
    case = make_case(
        tmp_path,
        {
            **with_theme("logo: assets/logo.png\n"),
            "assets/logo.png": png((60, 30)),
            "assets/a.png": png(),
            "sections/intro.md": figure("assets/a.png", "A navy box"),
        },
    )
    outcome = run_case(case, "build", "--to", "docx,pdf", "--verify", "--no-paginate")
    assert_clean(outcome)
    said = outcome.stdout + outcome.stderr
    assert not re.search(r"differs: (picture|the Word file has \d+ pictures)", said)
    for name, data in outcome.outputs.items():
        (tmp_path / name).write_bytes(data)
    word = read_docx_pictures(next(tmp_path.glob("*.docx")))
    pdf = read_pdf_pictures(next(tmp_path.glob("*.pdf")))
    assert (
        sorted(word)
        == sorted(pdf)
        == ["A navy box", "Testshire Council; NHS Testshire Integrated Care Board logo"]
    )


def test_svg_logo_referring_out_is_not_in_the_pdf(tmp_path):
    """Refused before the writers; and the PDF is made (no crash, no canary)."""
    case = make_case(tmp_path, with_theme("logo: assets/logo.svg\n"))
    svg = SVG_HEAD + f'\n<image href="file://{case.canary}/leak.svg" width="9" height="9"/></svg>'
    (case.plan / "assets").mkdir()
    (case.plan / "assets" / "logo.svg").write_text(svg)
    outcome = build(case, "pdf")
    assert ("image.svg-reference", "assets/logo.svg", 2) in found(outcome)
    assert any(name.endswith(".pdf") for name in outcome.outputs)


def test_picture_differences_name_a_picture_missing_from_one_file():
    assert picture_differences(["A box", "Logo"], ["A box", "Logo"], ["A box"]) == []
    differences = picture_differences(["A box", "Logo"], ["Logo"], ["A box"])
    assert "picture 'A box' is missing from the PDF" in differences
    assert "the Word file has 2 pictures, the PDF 1" in differences
    assert picture_differences(["Logo"], [], []) == [
        "the Word file has 1 pictures, the PDF 0",
        "picture 'Logo' is in the Word file 1 time(s) and in the PDF 0",
    ]


def test_pdf_fetcher_refuses_what_an_svg_refers_to(tmp_path):
    """The last line of defence, should an SVG ever reach WeasyPrint unchecked: what it
    refers to (a file outside, the network, a file: URL in `url()`) goes through the
    plan's fetcher, which refuses it; the PDF is still made, without the canary."""
    from bcf_docgen.render.html import GENERATED_URL
    from bcf_docgen.render.pdf import write_pdf

    case = make_case(tmp_path)
    svg = (
        SVG_HEAD + f'<image href="file://{case.canary}/leak.png" width="9" height="9"/>'
        '<image xlink:href="http://example.org/x.png" width="9" height="9"/>'
        f'<rect width="9" height="9" fill="url(file://{case.canary}/leak.svg#p)"/></svg>'
    ).encode()
    url = f"{GENERATED_URL}image-logo.svg"
    page = f'<html lang="en"><body><p>Text</p><img src="{url}" alt="Logo"></body></html>'
    pdf = write_pdf(page, case.plan, None, {url: svg})
    assert pdf.startswith(b"%PDF") and CANARY.encode() not in pdf


# ------------------------------------------------------------------- the boundary, directly


def test_a_fifo_in_place_of_a_picture_is_refused_without_reading(tmp_path):
    import os

    from bcf_docgen.content.files import ContentError
    from bcf_docgen.content.images import load_image
    from bcf_docgen.findings import Location

    (tmp_path / "assets").mkdir()
    os.mkfifo(tmp_path / "assets" / "x.png")  # a read would wait for a writer forever
    with pytest.raises(ContentError) as refused:
        load_image(tmp_path, "assets/x.png", Location("sections/intro.md", 4))
    assert refused.value.code == "figure.format"


def test_template_names_are_plain_names_only(tmp_path):
    from bcf_docgen.content.files import ContentError, resolve_template
    from bcf_docgen.findings import Location
    from bcf_docgen.sections import known_templates

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "Odd Name.md.j2").write_text("x")
    (tmp_path / "templates" / "mine.md.j2").write_text("x")
    names = known_templates(tmp_path)
    assert "mine" in names and "Odd Name" not in names
    folders = [(tmp_path, "templates", "templates")]
    assert resolve_template("mine", folders, Location("plan.yaml", 3)) == (
        (tmp_path / "templates" / "mine.md.j2").resolve(),
        "templates/mine.md.j2",
    )
    for name in ("../mine", "templates/mine", "Odd Name", "", "mine.md.j2", "/etc/passwd"):
        with pytest.raises(ContentError) as refused:
            resolve_template(name, folders, Location("plan.yaml", 3))
        assert refused.value.code == "template.name"


def test_writers_take_pictures_from_the_model_not_from_files(tmp_path):
    """The source path names no file: the writers embed the model's bytes."""
    from bcf_docgen.document.model import Figure, ImageData, Text
    from bcf_docgen.findings import Location
    from bcf_docgen.pipeline import check_plan
    from bcf_docgen.render.docx import render_docx
    from bcf_docgen.render.html import render_html

    checked_plan = check_plan(make_case(tmp_path).plan)
    document = checked_plan.document
    data = png(fmt="GIF")
    image = ImageData(data, "gif", 40, 20, "assets/gone.gif")
    document.part.blocks.append(
        Figure(image, "A navy box", [Text("Cap")], "box", Location("sections/intro.md", 4))
    )
    document.part.logo = image
    page = render_html(document)
    assert page.count("data:image/gif;base64,") == 2
    with zipfile.ZipFile(io.BytesIO(render_docx(document))) as package:
        media = [package.read(n) for n in package.namelist() if n.startswith("word/media/")]
    assert media == [data]  # one part, used by the logo and the figure
