"""Narrative Markdown: `{{ }}` expressions that fail, and raw HTML (never passed on)."""

from __future__ import annotations

from ..content.plan import Plan
from ..findings import Findings
from ..markdown import raw_html
from ..templating import TemplateProblem, make_environment, plan_context, render_string
from . import check


@check
def expressions_evaluate(plan: Plan, findings: Findings) -> None:
    env = make_environment(plan.theme)
    context = plan_context(plan)
    for section in plan.sections.values():
        try:
            render_string(env, section.body, context)
        except TemplateProblem as problem:
            findings.error(
                "template.error", problem.message, section.at(problem.line - 1), problem.hint
            )


@check
def no_raw_html(plan: Plan, findings: Findings) -> None:
    for section in plan.sections.values():
        for line, snippet in raw_html(section.body):
            findings.warning(
                "markdown.raw-html",
                f"raw HTML '{snippet}' is shown as text, not used as markup",
                section.at(line),
                "use Markdown instead (e.g. **bold**, lists, pipe tables); "
                "plan content cannot carry HTML",
            )
