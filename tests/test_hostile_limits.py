"""The hostile corpus, limits family (issue 11): every cost bounded, nothing silently lost.

Each case is the small valid plan of tests/conftest.py made hostile in one place
(tests/hostile.py) and run as a user runs it, under the harness's memory cap: `{{ }}`
bombs in a section, YAML that expands, nests or weighs too much, Markdown nested too
deep or far too long, mistyped metric periods, and the engines' own caps. `assert_clean`
holds for each (no traceback, no exit 3, no canary), and each asserts its own finding
(code, file and line from `check --format json`) or its own correct output. The time
limits are safety nets, never speed assertions: what is tested is that a case ends, with
the right finding. The limits themselves are listed in docs/security.md ("Limits").
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import METRICS_YAML, RISKS_YAML
from hostile import Case, Outcome, assert_clean, at, check_json, make_case, one, run_case

from bcf_docgen import templating
from bcf_docgen.content.files import ContentError
from bcf_docgen.content.yamlsource import MAX_BYTES, load_yaml
from bcf_docgen.theme import Theme

HTML = ("build", "--to", "html", "--no-paginate")


# --------------------------------------------------------------------------- helpers


def section(body: str) -> str:
    """sections/intro.md with `body` from line 4 (lines 1-3 are its front matter)."""
    return f"---\ntitle: Introduction\n---\n{body}\n"


def limit_in_section(tmp_path: Path, body: str) -> dict[str, Any]:
    """The one `template.limit` finding of a section whose line 4 is `body`."""
    _, findings = check_json(make_case(tmp_path, {"sections/intro.md": section(body)}))
    finding = one(findings, "template.limit")
    assert at(finding) == ("sections/intro.md", 4)
    return finding


# ------------------------------------------------------------------ Jinja in a section


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        ("{{ ((10**1000)**1000)**1000 }}", "'number size' limit"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "'loop iterations' limit",
        ),
        ("{{ range(100000)|join('x'*100000) }}", "'text and list length' limit"),
        ("{{ 'abc'|replace('', 'x'*100000) }}", "'text and list length' limit"),
        ("{{ ('x'*99999)|list }}", "'text and list length' limit"),
        ("{% for i in range(10**9) %}{{ i }}{% endfor %}", "'range length' limit"),
        ("{{ lipsum(n=100000) }}", "'text and list length' limit"),
        ("{{ '{:>999999999}'.format(1) }}", "'text and list length' limit"),
        ("{{ 'x'.ljust(10**9) }}", "'text and list length' limit"),
        ("{% set a = 'x'*99999 %}{% set b = a ~ a %}{{ b|length }}", "'text and list length'"),
        ("{% set a = 'x'*99999 %}{{ [a, a, a, a, a, a, a, a, a, a] }}", "'text and list length'"),
        ("{% for i in range(100000) %}{{ 'x' * 99999 }}{% endfor %}", "'output length' limit"),
    ],
    ids=[
        "power-tower",
        "nested-range-loops",
        "join-bomb",
        "replace-bomb",
        "list-of-characters",
        "range-1e9",
        "lipsum",
        "format-width",
        "ljust",
        "concat-doubling",
        "list-of-references",
        "output-flood",
    ],
)
def test_jinja_bomb_is_a_limit_finding(tmp_path: Path, body: str, limit: str) -> None:
    finding = limit_in_section(tmp_path, body)
    assert limit in finding["message"]


def test_jinja_bomb_is_refused_in_a_build_too(tmp_path: Path) -> None:
    body = "Before.\n\n{{ ((10**1000)**1000)**1000 }}"
    outcome = run_case(make_case(tmp_path, {"sections/intro.md": section(body)}), *HTML)
    assert_clean(outcome)
    assert outcome.returncode == 0  # a draft builds, with the error listed
    assert "template.limit" in outcome.stdout + outcome.stderr


def test_precedence_of_the_literal_list_bomb_is_an_ordinary_error(tmp_path: Path) -> None:
    # `'x'*99999|list` is `'x' * (99999|list)`: a type error, reported like any other.
    _, findings = check_json(
        make_case(tmp_path, {"sections/intro.md": section("{{ 'x'*99999|list }}")})
    )
    assert at(one(findings, "template.error")) == ("sections/intro.md", 4)


def test_power_tower_within_the_limit_is_worked_out(tmp_path: Path) -> None:
    # Jinja's ** groups from the left: (9**9)**9, a 78-digit number, under 10**100.
    case = make_case(tmp_path, {"sections/intro.md": section("Big: {{ 9**9**9 }}.")})
    _, findings = check_json(case)
    assert not [f for f in findings if f["code"].startswith("template.")]
    outcome = run_case(case, *HTML)
    assert_clean(outcome)
    assert str((9**9) ** 9) in outcome.text(".html")


def test_macro_that_calls_itself_is_a_finding(tmp_path: Path) -> None:
    body = "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"
    _, findings = check_json(make_case(tmp_path, {"sections/intro.md": section(body)}))
    finding = one(findings, "template.error")
    assert finding["file"] == "sections/intro.md"
    assert "calls itself" in finding["message"]


def test_macros_that_branch_are_stopped_by_a_limit(tmp_path: Path) -> None:
    # Each call makes two: 2**40 calls, every one producing output, if nothing stopped it.
    body = (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% else %}"
        "{{ 'x' * 1000 }}{% endif %}{% endmacro %}{{ f(40) }}"
    )
    finding = limit_in_section(tmp_path, body)
    assert "limit" in finding["message"]


def test_render_time_limit_stops_a_text_that_cannot_finish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With no cap on iterations, only the clock can stop 10**10 iterations; the limit is
    # lowered so that the test is quick, and the loop could not finish on any machine.
    monkeypatch.setattr(templating, "RENDER_SECONDS", 0.05)
    monkeypatch.setattr(templating, "MAX_ITERATIONS", 10**12)
    env = templating.make_environment(Theme())
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    text = "Line one.\n" + loops
    with pytest.raises(templating.TemplateProblem) as caught:
        templating.render_string(env, text, {})
    assert caught.value.code == "template.limit"
    assert caught.value.line == 2
    assert "'render time' limit" in caught.value.message
    assert "0.05 s" in caught.value.message


def test_ordinary_template_work_is_untouched() -> None:
    env = templating.make_environment(Theme())
    text = (
        "{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %} "
        "{{ [1, 2]|join(', ') }} {{ '%05.1f' % 3.14159 }} {{ '{:,}'.format(1234567) }} "
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ 10 ** 100 }} {{ {'k': 'v'}['k'] }} {{ 'x' ~ 1 }}"
    )
    assert templating.render_string(env, text, {}) == (
        "1234 1, 2 003.1 1,234,567 ababab 1024 " + str(10**100) + " v x1"
    )


# ---------------------------------------------------------------------------- YAML


def test_yaml_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    _, findings = check_json(make_case(tmp_path, {"facts.yaml": "\n".join(lines) + "\n"}))
    finding = one(findings, "yaml.too-large")
    assert finding["file"] == "facts.yaml"
    assert "100,000 values" in finding["message"]


def test_yaml_nested_200_deep_is_refused_at_its_line(tmp_path: Path) -> None:
    deep = "".join("  " * i + "-\n" for i in range(200)) + "  " * 200 + "x\n"
    _, findings = check_json(make_case(tmp_path, {"facts.yaml": "deep:\n" + deep}))
    finding = one(findings, "yaml.too-large")
    # The 65th level opens on line 65 of the file (`deep:` is level 1).
    assert at(finding) == ("facts.yaml", 65)
    assert "64 deep" in finding["message"]


def test_yaml_alias_that_contains_itself_is_refused(tmp_path: Path) -> None:
    _, findings = check_json(make_case(tmp_path, {"facts.yaml": "loop: &a [*a]\n"}))
    assert at(one(findings, "yaml.too-large")) == ("facts.yaml", 1)


def test_yaml_file_of_20_mb_is_refused(tmp_path: Path) -> None:
    big = "items:\n" + "  - x\n" * (20 * 1024 * 1024 // 6)
    _, findings = check_json(make_case(tmp_path, {"facts.yaml": big}))
    finding = next(f for f in findings if f["file"] == "facts.yaml")
    assert finding["severity"] == "error"
    assert "MB" in finding["message"]


def test_yaml_file_over_the_yaml_limit_is_refused_at_the_line_it_passes_it(
    tmp_path: Path,
) -> None:
    lines = MAX_BYTES // 6 + 1000  # "  - x\n" is six bytes: just past the limit
    big = "items:\n" + "  - x\n" * lines
    _, findings = check_json(make_case(tmp_path, {"facts.yaml": big}))
    finding = one(findings, "yaml.too-large")
    assert at(finding) == ("facts.yaml", (MAX_BYTES - len("items:\n")) // 6 + 2)


def test_yaml_many_small_values_are_refused_before_they_are_built() -> None:
    text = "a: [" + "x," * 150_000 + "]\n"
    with pytest.raises(ContentError) as caught:
        load_yaml(text, "facts.yaml")
    assert caught.value.code == "yaml.too-large"
    assert caught.value.location.line == 1


MERGED_RISKS = textwrap.dedent(
    """\
    risks:
      - &first
        id: R1
        risk: Demand for home care outstrips capacity over winter
        likelihood: 3
        impact: 4
        owner: council
        mitigations: [Weekly review of people waiting for care.]
      - <<: *first
        id: R2
        risk: Reablement staff leave faster than they are recruited
    """
)


def test_yaml_merge_keys_merge_and_explicit_keys_win(tmp_path: Path) -> None:
    listing = (
        "{% for r in risk_register.risks %}[{{ r.id }} {{ r.owner }} {{ r.impact }}] {% endfor %}"
    )
    case = make_case(tmp_path, {"risks.yaml": MERGED_RISKS, "sections/intro.md": section(listing)})
    _, findings = check_json(case)
    assert not [f for f in findings if f["code"].startswith(("yaml.", "schema."))], findings
    outcome = run_case(case, *HTML)
    assert_clean(outcome)
    assert "[R1 council 4] [R2 council 4]" in outcome.text(".html")
    data, _ = load_yaml(MERGED_RISKS, "risks.yaml")
    second = data["risks"][1]
    assert second["id"] == "R2" and second["owner"] == "council" and second["impact"] == 4


def test_yaml_merge_of_a_list_takes_the_earlier_mapping_first() -> None:
    text = "x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  c: 3\n"
    data, _ = load_yaml(text, "facts.yaml")
    assert data["z"] == {"a": 1, "b": 1, "c": 3}


def test_yaml_merge_of_a_non_mapping_is_a_finding_at_its_line() -> None:
    with pytest.raises(ContentError) as caught:
        load_yaml("a: &a [1]\nb: {<<: *a}\n", "facts.yaml")
    assert caught.value.code == "yaml.syntax"
    assert caught.value.location.line == 2


def test_yaml_merge_bomb_is_refused() -> None:
    lines = ["a0: &a0 {x: 1, y: 2}"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} {{<<: [" + ", ".join([f"*a{i - 1}"] * 10) + "]}")
    with pytest.raises(ContentError) as caught:
        load_yaml("\n".join(lines) + "\n", "facts.yaml")
    assert caught.value.code == "yaml.too-large"


# ------------------------------------------------------------------------ Markdown


DEEP_LIST = "".join("  " * i + f"- level {i + 1} item\n" for i in range(12))


def test_list_nested_12_deep_keeps_its_deepest_items_and_what_follows(tmp_path: Path) -> None:
    body = "Before the list.\n\n" + DEEP_LIST + "\nAfter the list.\n"
    case = make_case(tmp_path, {"sections/intro.md": section(body)})
    _, findings = check_json(case)
    finding = one(findings, "markdown.nesting")
    # Line 4 "Before", 5 blank, 6.. the list: level 10 is the list's 10th line.
    assert at(finding) == ("sections/intro.md", 15)
    outcome = run_case(case, "build", "--to", "html,docx", "--no-paginate")
    assert_clean(outcome)
    html = outcome.text(".html")
    for level in (1, 9, 10, 11, 12):
        assert f"level {level} item" in html
    assert "After the list." in html
    assert b"level 12 item" in _docx(outcome) and b"After the list." in _docx(outcome)


def _docx(outcome: Outcome) -> bytes:
    import io
    import zipfile

    data = next(d for name, d in outcome.outputs.items() if name.endswith(".docx"))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml")


def test_block_quotes_nested_30_deep_keep_their_text(tmp_path: Path) -> None:
    body = ">" * 30 + " the deepest words\n\nAfter the quotes.\n"
    case = make_case(tmp_path, {"sections/intro.md": section(body)})
    _, findings = check_json(case)
    assert at(one(findings, "markdown.nesting")) == ("sections/intro.md", 4)
    outcome = run_case(case, *HTML)
    assert_clean(outcome)
    assert "the deepest words" in outcome.text(".html")
    assert "After the quotes." in outcome.text(".html")


@pytest.mark.parametrize(
    "body",
    [
        "a" * 1_000_000,
        "\n\n".join(f"Paragraph {i}." for i in range(100_000)),
        "| Area | Admissions | Cost |\n|---|---|---|\n"
        + "".join(f"| Area {i} | {i} | {2 * i} |\n" for i in range(20_000)),
        "section" + " " * 1_000_000 + "x",
        "£x " * 300_000,
    ],
    ids=["one-word-of-1-MB", "100000-paragraphs", "table-of-20000-rows", "spaces", "findings"],
)
def test_check_ends_on_huge_sections(tmp_path: Path, body: str) -> None:
    # A safety net, not a speed limit: each once took hours (a check was quadratic).
    outcome, findings = check_json(make_case(tmp_path, {"sections/intro.md": section(body)}))
    assert outcome.returncode in (0, 1)
    placeholders = [f for f in findings if f["code"] == "text.placeholder"]
    assert len(placeholders) <= 101  # at most 100 per text, then one saying more follow


# ------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "words"),
    [("2025-13", "months are 01 to 12"), ("2025-26 Q9", "Q1 to Q4")],
)
def test_mistyped_metric_period_is_a_finding_at_its_line(
    tmp_path: Path, period: str, words: str
) -> None:
    metrics = METRICS_YAML.replace(
        "targets: {2025-26: 1.2}", f"targets: {{2025-26: 1.2, {period}: 1.1}}"
    )
    _, findings = check_json(make_case(tmp_path, {"metrics.yaml": metrics}))
    finding = one(findings, "metric.period")
    assert at(finding) == ("metrics.yaml", 4)
    assert period in finding["message"] and words in finding["message"]


def test_mistyped_baseline_period_is_a_finding(tmp_path: Path) -> None:
    metrics = METRICS_YAML.replace("{period: 2024-25, value: 1.5}", "{period: 2024-00, value: 1.5}")
    _, findings = check_json(make_case(tmp_path, {"metrics.yaml": metrics}))
    assert at(one(findings, "metric.period")) == ("metrics.yaml", 3)


# --------------------------------------------------------------------- engine caps


def _earlier_outputs(case: Case) -> dict[str, bytes]:
    first = run_case(case, *HTML)
    assert_clean(first)
    assert first.returncode == 0, first.stderr[-2000:]
    return first.outputs


@pytest.mark.parametrize(
    ("variable", "value", "words", "engine"),
    [
        ("BCF_DOCGEN_PDF_SECONDS", "0.001", "WeasyPrint took longer than 0.001 s", "weasyprint"),
        ("BCF_DOCGEN_MEMORY_MB", "85", "WeasyPrint needed more than 85 MB of memory", "weasyprint"),
        ("BCF_DOCGEN_PDF_SECONDS", "0.001", "Typst took longer than 0.001 s", "typst"),
        ("BCF_DOCGEN_MEMORY_MB", "85", "Typst needed more than 85 MB of memory", "typst"),
    ],
    ids=["wall-clock", "memory", "typst-wall-clock", "typst-memory"],
)
def test_pdf_past_its_cap_is_a_clear_error_and_keeps_earlier_outputs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    words: str,
    engine: str,
) -> None:
    case = make_case(tmp_path, {"risks.yaml": RISKS_YAML})
    before = _earlier_outputs(case)
    # No PDF can be laid out in a millisecond, nor either engine loaded in 85 MB (WeasyPrint
    # needs about 95 MB of address space, Typst's library more; the package and Python alone
    # take about 49 MB): the caps are set where they must be passed, on any machine.
    monkeypatch.setenv(variable, value)
    outcome = run_case(case, "build", "--to", "pdf,html", "--engine", engine)
    assert_clean(outcome)
    assert outcome.returncode == 1, outcome.stderr[-2000:]
    assert "the PDF could not be made: " + words in outcome.stderr
    assert "earlier outputs are left as they were" in outcome.stderr
    assert outcome.outputs == before  # every earlier output byte for byte, and no PDF


def test_a_library_that_cannot_be_mapped_under_the_cap_counts_as_out_of_memory() -> None:
    # The dynamic loader's words when RLIMIT_AS stops it mapping an extension module:
    # NumPy wraps them in an ImportError, which must read as the cap, not as a bug.
    from bcf_docgen.jobs import _out_of_memory

    mapped = "numpy/_core/_multiarray_umath.so: failed to map segment from shared object"
    assert _out_of_memory(ImportError(mapped))
    assert not _out_of_memory(RuntimeError("a bug"))
    assert not _out_of_memory(ImportError("No module named 'weasyprint'"))
