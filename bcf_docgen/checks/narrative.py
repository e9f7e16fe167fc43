"""Narrative Markdown: raw HTML (never passed on), and `{{ }}` in Markdown held in YAML.

`{{ }}` expressions in section files are not evaluated here: assembling the document
(`bcf_docgen.document.assemble`, run by every `check`) renders each section once and
reports a failing expression at its line. Markdown held in YAML (a scheme's summary, a
condition's response) is expanded by section templates, which cannot know where the
text came from, so it is rendered here and problems are reported at its YAML line.
"""

from __future__ import annotations

from ..content.plan import Plan
from ..findings import Findings, Location
from ..markdown import raw_html
from ..templating import TemplateProblem, make_environment, plan_context, render_string
from .registry import check


@check
def yaml_text_expressions(plan: Plan, findings: Findings) -> None:
    texts = plan.markdown_texts()
    if not any("{" in text for text, _model, _keys in texts):
        return
    env = make_environment(plan.theme)
    context = plan_context(plan)
    for text, model, keys in texts:
        if "{" not in text:
            continue
        try:
            render_string(env, text, context)
        except TemplateProblem as problem:
            findings.error(
                problem.code, problem.message, model.text_loc(keys, problem.line), problem.hint
            )


@check
def yaml_text_raw_html(plan: Plan, findings: Findings) -> None:
    for text, model, keys in plan.markdown_texts():
        for line, snippet in raw_html(text):
            findings.warning(
                "markdown.raw-html",
                f"raw HTML '{' '.join(snippet.split())}' is shown as text, not used as markup",
                model.text_loc(keys, line + 1),
                "use Markdown instead (e.g. **bold**, lists); plan content cannot carry HTML",
            )


@check
def no_raw_html(plan: Plan, findings: Findings) -> None:
    for section in plan.sections.values():
        lines = section.body.splitlines()
        searched: dict[int, int] = {}  # per line, where the previous tag on it ended
        for line, snippet in raw_html(section.body):
            # The column of the tag on its line (markdown-it only knows the line).
            first = snippet.splitlines()[0] if snippet else ""
            text = lines[line] if line < len(lines) else ""
            found = text.find(first, searched.get(line, 0)) if first else -1
            if found >= 0:
                searched[line] = found + len(first)
            column = found + 1 if found >= 0 else 1
            findings.warning(
                "markdown.raw-html",
                f"raw HTML '{' '.join(snippet.split())}' is shown as text, not used as markup",
                Location(section.path, section.at(line).line, column),
                "use Markdown instead (e.g. **bold**, lists, pipe tables); "
                "plan content cannot carry HTML",
            )
