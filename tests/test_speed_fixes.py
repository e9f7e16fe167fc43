"""The speed fixes behave exactly as the code they replaced (bench/RESULTS.md lists them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bcf_docgen.build import Writers
from bcf_docgen.content import yamlsource
from bcf_docgen.content.files import ContentError
from bcf_docgen.jobs import BuildRequest, run_job, writer_names
from bcf_docgen.templating import make_environment, render_string
from bcf_docgen.theme import Theme

ROOT = Path(__file__).resolve().parent.parent
YAML_FILES = sorted(ROOT.glob("content/example/**/*.yaml")) + sorted(
    ROOT.glob("templates/frameworks/*.yaml")
)


def load_both(text: str, monkeypatch) -> tuple:
    fast = yamlsource.load_yaml(text, "f.yaml", 3)
    monkeypatch.setattr(yamlsource, "_FastLoader", None)
    slow = yamlsource.load_yaml(text, "f.yaml", 3)
    monkeypatch.undo()
    return fast, slow


@pytest.mark.skipif(yamlsource._FastLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_libyaml_gives_the_same_values_and_places(path: Path, monkeypatch):
    fast, slow = load_both(path.read_text(encoding="utf-8"), monkeypatch)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]  # every value's and key's line and column, and block texts


@pytest.mark.skipif(yamlsource._FastLoader is None, reason="PyYAML without libyaml")
def test_non_ascii_text_keeps_its_columns(monkeypatch):
    text = "a: «£é» x\nb: [1, 2]\nc: |\n  héllo\nd: {e: ü, f: 'ç'}\n€: 1\n"
    fast, slow = load_both(text, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "a: [1, 2\nb: 3\n",  # unclosed bracket
        "a: 'open\nb: 3\n",  # unclosed quote
        "a: !!python/object/apply:os.system [ls]\n",  # unsafe tag
        "a: 1\n---\nb: 2\n",  # two documents
        "a:\n\tb: 1\n",  # tab
        "a: \x1b\n",  # control character
        "d: 2025-02-30\n",  # not a date
    ],
)
def test_errors_are_reported_in_the_same_words_and_places(text: str, monkeypatch):
    messages = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(yamlsource, "_FastLoader", None)
        with pytest.raises(ContentError) as caught:
            yamlsource.load_yaml(text, "f.yaml")
        error = caught.value
        messages.append((str(error), error.location, error.code, error.hint))
    assert messages[0] == messages[1]


def test_compiled_templates_are_shared_only_between_equal_filters():
    source = "{{ 1234567 | money }} on {{ day | date }}"
    context = {"day": dt.date(2025, 3, 14)}
    pounds = render_string(make_environment(Theme()), source, context)
    thousands = render_string(make_environment(Theme(money_units="thousands")), source, context)
    short = render_string(make_environment(Theme(date_style="short")), source, context)
    again = render_string(make_environment(Theme()), source, context)
    assert pounds == again == "£1,234,567 on 14 March 2025"
    assert thousands.startswith("£1,235k")
    assert short.endswith("14/03/2025")


def test_builds_with_early_workers_match_builds_without(make_plan, tmp_path: Path):
    plan = make_plan()
    early = BuildRequest(plan, tmp_path / "a", ("html", "docx"), paginate=False)
    writers = Writers.for_outputs(writer_names(early))
    assert writers is not None and writers.names == ["html", "docx"]
    with writers:
        parallel = run_job(early, writers)
    serial = run_job(BuildRequest(plan, tmp_path / "b", ("html", "docx"), paginate=False))
    assert parallel.status == serial.status == 0
    for first, second in zip(parallel.paths, serial.paths, strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes()
    assert Writers.for_outputs(["html"]) is None  # a lone output is made in the process
    alone = Writers.for_outputs(["pdf"])  # but a PDF always under the caps (issue 11)
    assert alone is not None
    with alone:
        assert alone.names == ["pdf"]
