"""The hostile corpus, injection family (issue 11): plan text never reaches HTML, CSS or
XML as markup; theme values that become CSS are held to a strict grammar when read;
characters XML forbids are reported and left out; the terminal never obeys content.

Each case is a small valid plan made hostile in one place (tests/hostile.py), run as a
user runs it; `assert_clean` holds for all, and each case asserts its own finding (code
and file:line from `check --format json`) or its own correct output. The PDF is built
only where the point is the PDF (it is slow). Unit tests of the escaping functions
follow the corpus.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import PLAN_YAML, SCHEME_YAML
from hostile import Case, Outcome, assert_clean, at, check_json, make_case, one, run_case
from lxml import etree
from pydantic import ValidationError

from bcf_docgen.document.look import Look, validate_look
from bcf_docgen.document.model import (
    Callout,
    Document,
    DocumentInfo,
    Heading,
    Paragraph,
    Part,
    Text,
)
from bcf_docgen.findings import Location
from bcf_docgen.render.docx import _timestamp
from bcf_docgen.render.docx_ooxml import text_run, xml_safe
from bcf_docgen.render.html import css_class, css_ident, css_string, esc, render_html
from bcf_docgen.theme import Theme, look_from_theme
from bcf_docgen.untrusted import (
    for_terminal,
    json_for_terminal,
    language_tag,
    safe_url,
    source_date_epoch,
    xml_text,
)

SCRIPT = "</style><script>alert(1)</script>"
BUILD = ("build", "--to", "html,docx", "--no-paginate")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --------------------------------------------------------------------------- helpers


def plan_yaml(old: str, new: str) -> str:
    """conftest's plan.yaml with one line's text replaced (the line numbers stay)."""
    assert PLAN_YAML.count(old) == 1, old
    return PLAN_YAML.replace(old, new)


def built(case: Case, *extra: str) -> Outcome:
    outcome = run_case(case, *BUILD, *extra)
    assert_clean(outcome)
    assert outcome.returncode in (0, 1), outcome.stderr[-2000:]
    return outcome


def docx_parts(outcome: Outcome) -> dict[str, bytes]:
    data = next(d for name, d in outcome.outputs.items() if name.endswith(".docx"))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def docx_text(outcome: Outcome) -> str:
    """Every w:t of the body, the headers and the footers, and the core properties."""
    texts = []
    for name, data in docx_parts(outcome).items():
        if name.startswith("word/") and name.endswith(".xml") or name == "docProps/core.xml":
            root = etree.fromstring(data)  # parses: the XML is well formed
            if name == "docProps/core.xml":
                texts += [node.text or "" for node in root.iter()]
            else:
                texts += [node.text or "" for node in root.iter(f"{W}t")]
    return "\n".join(texts)


def html_of(outcome: Outcome) -> str:
    html = outcome.text(".html")
    assert html, outcome.outputs.keys()
    return html


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def section(body: str, title: str = "Introduction") -> str:
    return f"---\ntitle: {title}\n---\n{body}\n"


# ------------------------------------------------- plan text into HTML, CSS and XML


def test_title_with_a_style_and_script_is_text_everywhere(tmp_path: Path) -> None:
    """The title is in the running header (a CSS string), the <title>, the cover."""
    plan = plan_yaml("title: Better Care Fund Plan 2025-26", f'title: "{SCRIPT} Plan"')
    case = make_case(tmp_path, {"plan.yaml": plan})
    outcome = built(case)
    html = html_of(outcome)
    assert "&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt; Plan" in html
    assert '"\\3C /style\\3E \\3C script\\3E alert(1)\\3C /script\\3E  Plan' in html
    assert html.count("<style>") == 1 and html.count("</style>") == 1
    text = docx_text(outcome)
    assert f"{SCRIPT} Plan" in text  # intact in the .docx: the header and the properties
    core = docx_parts(outcome)["docProps/core.xml"].decode()
    assert "&lt;/style&gt;&lt;script&gt;" in core


def test_area_name_with_markup_is_text(tmp_path: Path) -> None:
    case = make_case(
        tmp_path, {"plan.yaml": plan_yaml("name: Testshire\n", f'name: "Test{SCRIPT}"\n')}
    )
    outcome = built(case)
    html = html_of(outcome)
    assert "Test&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"Test{SCRIPT}" in docx_text(outcome)
    # The file name is made from the area's name, in ASCII letters and digits only.
    assert all(name.startswith("test-style-script-alert-1") for name in outcome.outputs)


def test_heading_with_markup_is_text(tmp_path: Path) -> None:
    body = f"## Heading {SCRIPT}\n\nText.\n\n## Second <b onmouseover=alert(1)>bold</b>\n"
    outcome = built(make_case(tmp_path, {"sections/intro.md": section(body)}))
    html = html_of(outcome)
    assert "Heading &lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h2>" in html
    assert f"Heading {SCRIPT}" in docx_text(outcome)


def test_table_cell_and_caption_with_markup_are_text(tmp_path: Path) -> None:
    body = (
        f"| Name | Value |\n|---|---|\n| {SCRIPT} | 1 |\n\nTable: Caption {SCRIPT} {{#tbl:evil}}\n"
    )
    case = make_case(tmp_path, {"sections/intro.md": section(body)})
    outcome = built(case)
    html = html_of(outcome)
    assert "<td>&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "Caption &lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;</caption>" in html
    text = docx_text(outcome)
    assert SCRIPT in text and f"Caption {SCRIPT}" in text


def test_figure_caption_and_alt_text_with_markup_are_text(tmp_path: Path) -> None:
    body = f'![Caption {SCRIPT}](assets/chart.png){{#fig:chart alt="Alt\\" onerror=\\"alert(1)"}}\n'
    case = make_case(tmp_path, {"sections/intro.md": section(body), "assets/chart.png": png()})
    outcome = built(case)
    html = html_of(outcome)
    assert "Caption &lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<figure" in html  # the figure was built, its texts escaped
    document = docx_parts(outcome)["word/document.xml"].decode()
    etree.fromstring(document.encode())
    assert "Caption &lt;/style&gt;" in document


def test_link_to_javascript_keeps_its_text_and_loses_its_target(tmp_path: Path) -> None:
    body = (
        "See [the site](javascript:alert(1)), [tabbed](<java\tscript:alert(1)>), "
        f"[a {SCRIPT} link](https://example.org/?q=%3Cscript%3E) and "
        "[data](data:text/html;base64,PHNjcmlwdD4=).\n"
    )
    outcome = built(make_case(tmp_path, {"sections/intro.md": section(body)}))
    html = html_of(outcome)
    assert '<a href="https://example.org/?q=%3Cscript%3E">a &lt;/style&gt;' in html
    assert 'href="data:' not in html and 'href="javascript' not in html.lower()
    assert "the site" in html and "tabbed" in html  # the texts stay
    rels = docx_parts(outcome)["word/_rels/document.xml.rels"].decode().lower()
    assert "javascript" not in rels and "data:text" not in rels
    assert "https://example.org" in rels


def test_footer_with_markup_is_a_css_string(tmp_path: Path) -> None:
    """The footer (version and date) is written into the stylesheet as a CSS string."""
    case = make_case(
        tmp_path, {"plan.yaml": plan_yaml('version: "0.1"', f'version: "0.1{SCRIPT}"')}
    )
    outcome = built(case)
    html = html_of(outcome)
    assert '@bottom-left { content: "Version 0.1\\3C /style\\3E \\3C script\\3E' in html
    assert f"Version 0.1{SCRIPT}" in docx_text(outcome)


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<style>body { display: none }</style>",
        "<svg onload=alert(1)><a xlink:href=javascript:alert(1)>x</a></svg>",
    ],
)
def test_raw_html_in_markdown_is_reported_and_shown_as_text(tmp_path: Path, raw: str) -> None:
    case = make_case(tmp_path, {"sections/intro.md": section(f"Before.\n\n{raw}\n\nAfter.")})
    _outcome, findings = check_json(case)
    found = [f for f in findings if f["code"] == "markdown.raw-html"]
    assert found and all(at(f) == ("sections/intro.md", 6) for f in found), findings
    html = html_of(built(case))
    assert "&lt;" + raw[1:6] in html  # shown as text, escaped


# ------------------------------------------------------------- theme values, read time


def theme_case(tmp_path: Path, theme: str) -> Case:
    plan = PLAN_YAML + "theme: theme.yaml\n"
    return make_case(tmp_path, {"plan.yaml": plan, "theme.yaml": theme})


def test_crafted_font_name_is_refused_at_its_line(tmp_path: Path) -> None:
    font = 'Arial\\"; } </style><script>alert(1)</script><style> x { y: \\"'
    case = theme_case(tmp_path, f'fonts:\n  heading: Arial\n  body: "{font}"\n')
    _outcome, findings = check_json(case)
    found = one(findings, "schema.value_error")
    assert at(found) == ("theme.yaml", 3)
    assert "is not a font name" in found["message"]
    outcome = built(case)  # a draft is built, in the default look
    assert 'font-family: "Arial", "Liberation Sans"' in html_of(outcome)
    assert "alert" not in docx_parts(outcome)["word/styles.xml"].decode()


@pytest.mark.parametrize(
    "value",
    ['"#005EB8\\n"', '"red; background:url(x)"', '"#12345G"', '"#005EB8 "', "12345"],
)
def test_colour_outside_the_grammar_is_refused_at_its_line(tmp_path: Path, value: str) -> None:
    case = theme_case(tmp_path, f'colours:\n  text: "#212B32"\n  primary: {value}\n')
    _outcome, findings = check_json(case)
    found = one(findings, "schema.value_error")
    assert at(found) == ("theme.yaml", 3)
    assert "is not a colour" in found["message"]


def test_colour_with_a_trailing_newline_never_reaches_styles_xml(tmp_path: Path) -> None:
    case = theme_case(tmp_path, 'colours:\n  primary: "#7A2182\\n"\n')
    styles = docx_parts(built(case))["word/styles.xml"].decode()
    assert "7A2182" not in styles  # refused: the default look is used
    assert "005EB8" in styles


@pytest.mark.parametrize("size", ["-1", "0", ".nan", "-.inf", "1e308", "1.0e308", "true", "5"])
def test_body_size_outside_the_bounds_is_refused_at_its_line(tmp_path: Path, size: str) -> None:
    case = theme_case(tmp_path, f"fonts:\n  body: Arial\n  body_size: {size}\n")
    _outcome, findings = check_json(case)
    found = one(findings, "schema.value_error")
    assert at(found) == ("theme.yaml", 3)
    assert "body size" in found["message"]


def test_body_size_nan_builds_the_default_look(tmp_path: Path) -> None:
    case = theme_case(tmp_path, "fonts:\n  body_size: .nan\n")
    outcome = built(case)
    styles = docx_parts(outcome)["word/styles.xml"].decode()
    etree.fromstring(styles.encode())
    assert 'w:sz w:val="22"' in styles  # 11 pt, the default
    assert "nan" not in html_of(outcome).lower().replace("nan-", "")


def test_a_fallback_font_is_refused_at_its_own_line(tmp_path: Path) -> None:
    case = theme_case(tmp_path, "fonts:\n  fallbacks:\n    - Arimo\n    - 'Evil; }'\n")
    _outcome, findings = check_json(case)
    assert at(one(findings, "schema.value_error")) == ("theme.yaml", 4)


# ---------------------------------------------------------- characters XML forbids


def test_control_characters_in_a_title_are_reported_and_left_out(tmp_path: Path) -> None:
    plan = plan_yaml("title: Better Care Fund Plan 2025-26", 'title: "Better\\x01 Care\\v Plan"')
    case = make_case(tmp_path, {"plan.yaml": plan})
    _outcome, findings = check_json(case)
    found = one(findings, "text.control-character")
    assert (found["file"], found["line"], found["column"]) == ("plan.yaml", 3, 15)
    assert "U+0001" in found["message"] and "U+000B" in found["message"]
    outcome = built(case)
    assert "Better Care Plan" in docx_text(outcome)
    assert "Better Care Plan" in html_of(outcome)
    for data in [html_of(outcome).encode(), *docx_parts(outcome).values()]:
        assert b"\x01" not in data and b"\x0b" not in data


def test_control_characters_in_markdown_are_reported_at_their_column(tmp_path: Path) -> None:
    body = "First line.\n\nA vertical\x0btab and a \x01 start of heading.\n"
    case = make_case(tmp_path, {"sections/intro.md": section(body)})
    _outcome, findings = check_json(case)
    found = one(findings, "text.control-character")
    assert (found["file"], found["line"], found["column"]) == ("sections/intro.md", 6, 11)
    outcome = built(case)
    assert "A verticaltab and a  start of heading." in docx_text(outcome)
    assert "A verticaltab and a  start of heading." in html_of(outcome)


def test_control_character_in_a_scheme_name_is_reported_and_left_out(tmp_path: Path) -> None:
    scheme = SCHEME_YAML.replace("name: Home first", 'name: "Home\\x01 first\\e[2J"')
    case = make_case(tmp_path, {"schemes/s1.yaml": scheme})
    _outcome, findings = check_json(case)
    found = one(findings, "text.control-character")
    assert (found["file"], found["line"], found["column"]) == ("schemes/s1.yaml", 2, 12)
    outcome = built(case)
    assert "Home first[2J" in docx_text(outcome)
    assert "Home first[2J" in html_of(outcome)


def test_a_lone_surrogate_is_reported_and_left_out(tmp_path: Path) -> None:
    """ "\\ud800" in YAML is a string no UTF-8 file can hold: writing it would fail."""
    scheme = SCHEME_YAML.replace("name: Home first", 'name: "Home\\ud800 first"')
    case = make_case(tmp_path, {"schemes/s1.yaml": scheme})
    _outcome, findings = check_json(case)
    found = one(findings, "text.control-character")
    assert (found["file"], found["line"], found["column"]) == ("schemes/s1.yaml", 2, 12)
    assert "U+D800" in found["message"]
    outcome = built(case)
    assert "Scheme Home first spends" in docx_text(outcome)
    assert "Scheme Home first spends" in html_of(outcome)


def test_raw_control_character_in_yaml_is_a_syntax_error_at_its_place(tmp_path: Path) -> None:
    plan = plan_yaml("title: Better Care", "title: Better\x0b Care")
    _outcome, findings = check_json(make_case(tmp_path, {"plan.yaml": plan}))
    found = one(findings, "yaml.syntax")
    assert (found["file"], found["line"], found["column"]) == ("plan.yaml", 3, 14)


# ------------------------------------------------------------------- the terminal


def test_escape_sequences_in_keys_values_and_file_names_are_shown_not_obeyed(
    tmp_path: Path,
) -> None:
    scheme = SCHEME_YAML.replace("lead: council", 'lead: "\\e]0;pwned\\a\\u009b31m"')
    conditions = 'conditions: []\n"\\e[2Jkey": 1\n'
    changes = {
        "schemes/s1.yaml": scheme,
        "conditions.yaml": conditions,
        "schemes/s\x1b[31m2.yaml": "id: [\n",  # a broken file whose name is printed
    }
    case = make_case(tmp_path, changes)
    text = run_case(case, "check")
    assert_clean(text)
    both = text.stdout + text.stderr
    for raw in ("\x1b", "\x07", "\x9b"):
        assert raw not in both
    assert "\\x1b[2Jkey" in both  # the unknown key, shown
    assert "\\x1b]0;pwned\\x07\\x9b31m" in both  # the unknown partner, shown
    assert "schemes/s\\x1b[31m2.yaml" in both  # the file name, shown
    outcome, findings = check_json(case)
    assert "\x9b" not in outcome.stdout and "\\u009b" in outcome.stdout
    keys = [f for f in findings if f["code"] == "schema.extra_forbidden"]
    assert keys and keys[0]["message"] == "unknown key '\x1b[2Jkey'"  # the JSON value
    assert any(f["file"] == "schemes/s\x1b[31m2.yaml" for f in findings)


def test_findings_quoting_control_characters_are_written_safely_by_build(
    tmp_path: Path,
) -> None:
    """A lone surrogate quoted in a message could not be written as UTF-8 (exit 3 before);
    check.txt and check.json show it, and the escape sequence, as escapes."""
    scheme = SCHEME_YAML.replace("lead: council", 'lead: "\\ud800\\e[2J"')
    outcome = built(make_case(tmp_path, {"schemes/s1.yaml": scheme}))
    assert "unknown partner '\\ud800\\x1b[2J'" in outcome.stderr
    text = outcome.text("-check.txt")
    assert "unknown partner '\\ud800\\x1b[2J'" in text and "\x1b" not in text
    report = outcome.text("-check.json")
    assert "\\ud800\\u001b[2J" in report and "\x1b" not in report
    messages = [f["message"] for f in json.loads(report)["findings"]]
    assert "unknown partner '\ud800\x1b[2J'" in messages


def test_bidi_overrides_in_a_message_are_shown(tmp_path: Path) -> None:
    scheme = SCHEME_YAML.replace("lead: council", 'lead: "coun\\u202ecil"')
    outcome = run_case(make_case(tmp_path, {"schemes/s1.yaml": scheme}), "check")
    assert_clean(outcome)
    assert "\u202e" not in outcome.stdout and "coun\\u202ecil" in outcome.stdout


# ------------------------------------------------------------------- late failures


@pytest.mark.parametrize("value", ["99999999999999999999", "abc", "-5", "1.5", "253402300800"])
def test_bad_source_date_epoch_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    outcome = run_case(make_case(tmp_path), *BUILD)
    assert_clean(outcome)
    assert outcome.returncode == 2
    assert "SOURCE_DATE_EPOCH" in outcome.stderr and "whole seconds" in outcome.stderr
    assert outcome.outputs == {}


def test_source_date_epoch_in_range_dates_the_docx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300799")
    outcome = built(make_case(tmp_path))
    assert "9999-12-31T23:59:59Z" in docx_parts(outcome)["docProps/core.xml"].decode()


def test_area_name_longer_than_a_file_name_is_a_clean_error(tmp_path: Path) -> None:
    case = make_case(
        tmp_path, {"plan.yaml": plan_yaml("name: Testshire\n", "name: " + "A" * 300 + "\n")}
    )
    outcome = run_case(case, *BUILD)
    assert_clean(outcome)
    assert outcome.returncode == 1
    assert "longer than the file system allows" in outcome.stderr
    assert outcome.outputs == {}


@pytest.mark.parametrize("width", ["nan%", "inf%", "-inf%", "1e308%", "-5%"])
def test_figure_width_that_is_not_a_finite_share_builds(tmp_path: Path, width: str) -> None:
    body = f'![A chart](assets/chart.png){{#fig:chart alt="A grey box." width="{width}"}}\n'
    case = make_case(tmp_path, {"sections/intro.md": section(body), "assets/chart.png": png()})
    html = html_of(built(case))
    assert "nan" not in html.lower().split("<body>")[1]
    assert "inf%" not in html


# ---------------------------------------------------------------- the PDF, once


def test_title_and_font_injection_do_not_reach_the_pdf(tmp_path: Path) -> None:
    """The PDF is made from the HTML: the title stays text, the crafted font is refused
    (it crashed the PDF writer before), and the control characters are left out."""
    plan = plan_yaml("title: Better Care Fund Plan 2025-26", f'title: "{SCRIPT}\\x01 Plan"')
    font = 'Arial"; } </style><script>alert(1)</script>'
    case = make_case(
        tmp_path,
        {
            "plan.yaml": plan + "theme: theme.yaml\n",
            "theme.yaml": f"fonts:\n  body: '{font}'\n",
            "sections/intro.md": section(f"## Heading {SCRIPT}\n\nText\x0b here."),
        },
    )
    outcome = run_case(case, "build", "--to", "pdf", "--no-paginate")
    assert_clean(outcome)
    assert outcome.returncode == 0, outcome.stderr[-2000:]
    pdf = next(data for name, data in outcome.outputs.items() if name.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None and reader.metadata.title == f"{SCRIPT} Plan: Testshire"
    text = "".join(page.extract_text() for page in reader.pages)
    assert f"Heading {SCRIPT}" in text and "Text here." in text and "\x0b" not in text


# ----------------------------------------------------------- the functions, alone


@pytest.mark.parametrize(
    ("text", "css"),
    [
        ("Plain text", '"Plain text"'),
        (SCRIPT, '"\\3C /style\\3E \\3C script\\3E alert(1)\\3C /script\\3E "'),
        ("Quote \" and ' and \\", '"Quote \\22  and \\27  and \\5C "'),
        ("Line\nbreak\ttab\rreturn", '"Line break tab return"'),
        ("Bell\x07 nul\x00 esc\x1b del\x7f csi\x9b", '"Bell nul esc del\\7F  csi\\9B "'),
        ("A & B", '"A \\26  B"'),
        ("sep\u2028line", '"sep\\2028 line"'),
    ],
)
def test_css_string_escapes_everything_that_could_end_it(text: str, css: str) -> None:
    assert css_string(text) == css


def test_css_string_cannot_be_ended_from_inside() -> None:
    for text in (SCRIPT, '"; } body { color: red } x { content: "', "\\", "</STYLE >"):
        value = css_string(text)
        inner = value[1:-1]
        assert '"' not in inner and "<" not in inner and "\n" not in inner
        assert not inner.endswith("\\") or inner.endswith("\\5C ")


def test_css_ident_and_css_class() -> None:
    assert css_ident("a1-sec") == "a1-sec"
    assert css_ident("1a") == "\\31 a"
    assert css_ident('x"{}</style>') == "x\\22 \\7B \\7D \\3C \\2F style\\3E "
    assert css_class("lead") == "lead"
    assert css_class('lead" onclick="x', "body") == "body"


def test_esc_defuses_script_words_in_text() -> None:
    assert esc("<b>") == "&lt;b&gt;"
    assert esc("javascript:alert(1)") == "javascript&#58;alert(1)"
    assert esc("x onerror=alert(1)") == "x onerror&#61;alert(1)"
    assert esc("Table 4: income; a=b") == "Table 4: income; a=b"
    assert esc("nul\x00 vt\x0b ok\t") == "nul vt ok\t"


def test_safe_url() -> None:
    assert safe_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert safe_url("mailto:someone@example.org") == "mailto:someone@example.org"
    assert safe_url("#sec-funding") == "#sec-funding"
    for bad in ("javascript:x", " JAVASCRIPT:x", "java\nscript:x", "\x01javascript:x"):
        assert safe_url(bad) is None, bad
    for bad in ("data:text/html,x", "file:///etc/passwd", "vbscript:x", "evil:x/y"):
        assert safe_url(bad) is None, bad


def test_xml_text_keeps_tabs_and_line_breaks() -> None:
    text = "a\tb\nc\rd\x00e\x08f\x0bg\x0ch\x0ei\x1fj\ufffek\uffffl\ud800m\U0001f600"
    assert xml_text(text) == "a\tb\nc\rdefghijklm\U0001f600"
    assert xml_safe(text) == xml_text(text)
    run = text_run("x\x01y\ud800z")
    assert etree.tostring(run).count(b"xyz") == 1


def test_for_terminal_shows_every_control_character() -> None:
    assert for_terminal("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert for_terminal("\r\x07\x08\x9b\x7f") == "\\x0d\\x07\\x08\\x9b\\x7f"
    assert for_terminal("\u202eevil\u2066") == "\\u202eevil\\u2066"
    assert for_terminal("caf\u00e9 \u00a3 \u2013") == "caf\u00e9 \u00a3 \u2013"
    text = json.dumps({"m": "\x1b\x9b\u202e\ud800"}, ensure_ascii=False)
    safe = json_for_terminal(text)
    assert json.loads(safe) == json.loads(text)
    assert safe.isascii()


def test_language_tag() -> None:
    assert language_tag("en-GB") == "en-GB"
    assert language_tag("cy") == "cy"
    assert language_tag('en" onload="x') == "en-GB"
    assert language_tag("") == "en-GB"


def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch() is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert source_date_epoch() == dt.datetime(1970, 1, 1)
    for bad in ("99999999999999999999", "abc", "-1", "1e3", "\u0661\u0662"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", bad)
        with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
            source_date_epoch()
        # The Word writer, called as a library, falls back to the plan's date.
        assert _timestamp(dt.date(2025, 3, 14)) == dt.datetime(2025, 3, 14)


@pytest.mark.parametrize(
    "fonts",
    [
        {"body": 'Evil"; } body { color: red'},
        {"heading": "Back\\slash"},
        {"body": "Line\nbreak"},
        {"body": "Arial\n"},
        {"body": "<Arial>"},
        {"body": " Arial"},
        {"body": "Two  spaces"},
        {"body": "A" * 65},
        {"fallbacks": ["Arimo"] * 9},
        {"body_size": float("inf")},
        {"body_size": 36.5},
        {"body_size": 5.5},
    ],
)
def test_theme_refuses_values_outside_the_grammar(fonts: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Theme.model_validate({"fonts": fonts})


@pytest.mark.parametrize(
    "fonts",
    [
        {"body": "Liberation Sans", "heading": "Noto Sans CJK JP"},
        {"body": "Frutiger-55 Roman", "body_size": 6},
        {"body": "Arial", "body_size": "12"},
        {"body": "Bodoni", "body_size": 36},
    ],
)
def test_theme_accepts_real_font_names_and_sizes(fonts: dict[str, Any]) -> None:
    look = look_from_theme(Theme.model_validate({"fonts": fonts}))
    assert look.sizes.body >= 6 and min(dataclasses.asdict(look.sizes).values()) > 0
    assert look.chart.font_size > 0


def test_the_look_refuses_a_bad_value_however_it_is_made() -> None:
    look = look_from_theme(Theme())
    validate_look(look)
    bad_colour = dataclasses.replace(look.colours, primary="#005EB8\n")
    bad_font = dataclasses.replace(look.fonts, body='Evil"; }')
    bad_size = dataclasses.replace(look.sizes, h1=math.nan)
    zero = dataclasses.replace(look.sizes, body=0)
    for field, value in (
        ("colours", bad_colour),
        ("fonts", bad_font),
        ("sizes", bad_size),
        ("sizes", zero),
    ):
        with pytest.raises(ValueError, match="not a value a look can hold"):
            dataclasses.replace(look, **{field: value})
    parts = {f.name: getattr(look, f.name) for f in dataclasses.fields(look)}
    parts["watermark"] = dataclasses.replace(look.watermark, font="a;b")
    with pytest.raises(ValueError, match="look.watermark.font"):
        Look(**parts)


def test_a_binder_of_hostile_parts_is_escaped_in_every_place() -> None:
    """A board pack's parts put their labels, running titles and ids into the pack's
    stylesheet and the page: each through the writer's escaping, never as markup."""
    info = DocumentInfo(
        title=f"Pack {SCRIPT}",
        subtitle="",
        area=f"Area\x01{SCRIPT}",
        board="",
        version="1",
        date=__import__("datetime").date(2025, 3, 14),
        date_text="14 March 2025",
        status="draft",
        author='Author" onload="x',
        subject="",
        keywords=[SCRIPT],
        language='en" onload="alert(1)',
        footer=f"Footer {SCRIPT}",
    )
    blocks = [
        Heading(1, [Text(f"H {SCRIPT}")], "h", Location("x.md"), anchor='h"1'),
        Paragraph([Text("x")], style='lead" onclick="x'),  # type: ignore[arg-type]
        Callout([Paragraph([Text("y")])], kind='note" onclick="x'),  # type: ignore[arg-type]
    ]
    parts = [
        Part(
            list(blocks),
            key="a1",
            anchor="a1",
            label=f"Label {SCRIPT}",
            running_header=f"Run {SCRIPT}",
            footer=f"Foot {SCRIPT}",
            source="plan",
        ),
        Part(
            list(blocks),
            key="a2",
            anchor='a2"{}</style>',
            label=f"L2 {SCRIPT}",
            running_header=f"R2 {SCRIPT}",
            footer="",
            source="report",
        ),
    ]
    page = render_html(Document(info, look_from_theme(Theme()), parts))
    lowered = page.lower()
    assert "<script" not in lowered and "onload=" not in lowered and "onclick=" not in lowered
    assert lowered.count("<style>") == 1 and lowered.count("</style>") == 1
    assert '<html lang="en-GB">' in page
    assert 'bookmark-label: "Label \\3C /style\\3E ' in page
    assert "#a2\\22 \\7B \\7D \\3C \\2F style\\3E  {" in page
    assert '<aside class="callout statement"' in page and "<p>x</p>" in page
    assert "\x01" not in page
