"""Charts of plan against actual: drawn from the data, described in words, the same each time."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from PIL import Image

from bcf_docgen.charts import PNG_DPI, alt_text, chart_for, metric_chart
from bcf_docgen.derived import metrics_info
from bcf_docgen.document.model import plain_text
from bcf_docgen.performance import metric_performance
from bcf_docgen.pipeline import check_plan
from bcf_docgen.theme import Theme, contrast_ratio, look_from_theme

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
NUMBER = r"-?[\d,]+(?:\.\d+)?"


@pytest.fixture(scope="module")
def example():
    checked = check_plan(EXAMPLE)
    assert checked.document is not None and checked.plan is not None
    return checked


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def test_alt_text_states_the_figures_of_the_data(example):
    """Every number in the alt text is worked out again from metrics.yaml."""
    raw = {m["id"]: m for m in yaml.safe_load((EXAMPLE / "metrics.yaml").read_text())["metrics"]}
    checked = 0
    for info in metrics_info(example.plan):
        made = metric_chart(info, example.document.look)
        assert made is not None
        _chart, _caption, alt = made
        data = raw[info.id]
        months = [k for k in data.get("actuals", {}) if k in data.get("targets", {})]
        if not months:
            # Only a yearly target: first and last actual, and the target, in words.
            first, last = sorted(data["actuals"])[0], sorted(data["actuals"])[-1]
            assert f"Actual was {data['actuals'][first]:.1f}% in April 2025" in alt
            assert f"and {data['actuals'][last]:.1f}% in September 2025" in alt
            assert f"The target for 2025-26 is {data['targets']['2025-26']:.1f}%." in alt
            continue
        plan = [data["targets"][k] for k in months]
        actual = [data["actuals"][k] for k in months]
        above = sum(a > p for a, p in zip(actual, plan, strict=True))
        below = sum(a < p for a, p in zip(actual, plan, strict=True))
        match = re.search(
            rf"Actual was above plan in (\d+) of (\d+) months.*?; year to date "
            rf"(?:an average of )?({NUMBER}) against a plan of ({NUMBER})",
            alt,
        )
        assert match, alt
        assert int(match.group(1)) == above
        assert int(match.group(2)) == len(months)
        if below and below != len(months) - above:
            assert f"below in {below}" in alt
        average = "an average of" in alt
        assert average == (info.unit in ("%", "days"))
        ytd_actual = sum(actual) / len(actual) if average else sum(actual)
        ytd_plan = sum(plan) / len(plan) if average else sum(plan)
        places = info.decimals + (1 if average else 0)
        assert _number(match.group(3)) == pytest.approx(ytd_actual, abs=0.5 * 10**-places)
        assert _number(match.group(4)) == pytest.approx(ytd_plan, abs=0.5 * 10**-places)
        change = re.search(rf"({NUMBER})% (above|below) plan", alt)
        assert change
        expected = (ytd_actual - ytd_plan) / ytd_plan * 100
        sign = 1 if change.group(2) == "above" else -1
        assert sign * _number(change.group(1)) == pytest.approx(expected, abs=0.05)
        before = [data["last_year"][f"2024{k[4:]}"] for k in months]
        ytd_before = sum(before) / len(before) if average else sum(before)
        last = re.search(rf"({NUMBER})% (above|below) the same months of last year", alt)
        assert last
        sign = 1 if last.group(2) == "above" else -1
        expected = (ytd_actual - ytd_before) / ytd_before * 100
        assert sign * _number(last.group(1)) == pytest.approx(expected, abs=0.05)
        assert alt.endswith(("Lower is better.", "Higher is better."))
        checked += 1
    assert checked == 3


def test_alt_text_of_emergency_admissions_reads_as_the_issue_asks(example):
    info = next(i for i in metrics_info(example.plan) if i.id == "emergency-admissions-65")
    alt = alt_text(metric_performance(info))
    assert "Actual was above plan in 4 of 6 months and below in 2; year to date 11,469 " in alt
    assert "against a plan of 11,410 (0.5% above plan)." in alt


def test_charts_are_in_the_metrics_section_with_their_alt_text(example):
    figures = [f for f in example.document.figures() if f.chart is not None]
    ids = [f.id for f in figures]
    assert ids == [f"chart-{info.id}" for info in metrics_info(example.plan)]
    metrics = next(h for h in example.document.headings() if h.id == "metrics")
    blocks = list(example.document.walk())
    start = blocks.index(metrics)
    assert all(blocks.index(f) > start for f in figures)
    for figure in figures:
        assert figure.alt.startswith("Line chart of ")
        assert figure.number and plain_text(figure.caption)


def test_svg_and_png_are_the_same_each_time_and_print_quality(example):
    info = metrics_info(example.plan)[1]
    chart = chart_for(metric_performance(info), example.document.look)
    from bcf_docgen.charts import _draw

    svg = chart.svg()
    _draw.cache_clear()
    assert chart.svg() == svg
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg
    png = chart.png()
    _draw.cache_clear()
    assert chart.png() == png
    image = Image.open(io.BytesIO(png))
    assert image.info["dpi"][0] == pytest.approx(PNG_DPI, abs=1) and PNG_DPI >= 200
    assert image.width >= 6 * PNG_DPI


def test_lines_differ_by_more_than_colour_and_use_the_theme():
    theme = Theme.model_validate({"colours": {"primary": "#7A2182", "accent": "#00A499"}})
    checked = check_plan(EXAMPLE)
    info = next(i for i in metrics_info(checked.plan) if i.id == "discharge-delay")
    chart = chart_for(metric_performance(info), look_from_theme(theme))
    styles = [(s.style, s.marker) for s in chart.series]
    assert len(set(styles)) == len(styles) == 3  # plan, actual, last year
    assert len({line[3] for line in chart.lines} | {s.style for s in chart.series}) == 4
    actual = next(s for s in chart.series if s.label == "Actual")
    assert actual.colour == "#7A2182"
    for series in chart.series:
        assert contrast_ratio(series.colour, "#FFFFFF") >= 3


def test_pale_theme_colour_is_not_used_for_a_line():
    theme = Theme.model_validate({"colours": {"accent": "#41B6E6"}})  # 2.2:1 on white
    checked = check_plan(EXAMPLE)
    info = next(i for i in metrics_info(checked.plan) if i.id == "discharge-delay")
    chart = chart_for(metric_performance(info), look_from_theme(theme))
    plan = next(s for s in chart.series if s.label == "Plan")
    assert plan.colour == theme.colours.text


def test_charts_in_word_are_png_with_alt_text_and_in_the_pdf_as_svg(example):
    import docx

    from bcf_docgen.render.docx import render_docx
    from bcf_docgen.render.html import render_html

    word = docx.Document(io.BytesIO(render_docx(example.document)))
    described = [
        shape._inline.docPr.get("descr")
        for shape in word.inline_shapes
        if (shape._inline.docPr.get("descr") or "").startswith("Line chart of ")
    ]
    assert len(described) == 4
    pictures = [
        Image.open(io.BytesIO(part.blob))
        for part in word.part.package.image_parts
        if part.content_type == "image/png"
    ]
    assert len([p for p in pictures if p.info.get("dpi", (0,))[0] >= 199.5]) == 4
    generated: dict[str, bytes] = {}
    page = render_html(example.document, generated=generated)
    # The plan's own pictures (two figures and the logo) are served from memory too.
    charts = {url: data for url, data in generated.items() if url.endswith(".svg")}
    assert len(charts) == 4 and len(generated) == 7
    for url, svg in charts.items():
        assert url in page and svg.startswith(b"<?xml")
    standalone = render_html(example.document)
    assert standalone.count("data:image/svg+xml;base64,") == 4


def test_unknown_metric_in_a_chart_directive_is_an_error(make_plan):
    folder = make_plan(
        {"sections/intro.md": "---\ntitle: Intro\n---\n::: chart discharge-dealy\n:::\n"}
    )
    findings = check_plan(folder).findings
    [error] = [f for f in findings.errors if f.code == "template.chart"]
    assert "discharge-dealy" in error.message
    assert "discharge-delay" in error.hint


def test_metric_with_only_yearly_figures_has_no_chart(make_plan):
    folder = make_plan(
        {"sections/intro.md": "---\ntitle: Intro\n---\n::: chart discharge-delay\n:::\n"}
    )
    checked = check_plan(folder)
    assert checked.findings.errors == []
    assert checked.document.figures() == []


def test_a_blank_chart_has_the_drawn_ones_pixel_size_and_resolution(example):
    """What a Word file laid out only for its page numbers carries instead of the chart."""
    charts = [figure.chart for figure in example.document.figures() if figure.chart]
    assert charts
    for chart in charts:
        drawn = Image.open(io.BytesIO(chart.png()))
        blank = Image.open(io.BytesIO(chart.blank_png()))
        assert blank.size == drawn.size
        assert blank.info["dpi"] == pytest.approx(drawn.info["dpi"], abs=0.01)
        assert blank.getextrema() == (255, 255)  # nothing drawn
