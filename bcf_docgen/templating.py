"""Jinja2 for plan content: sandboxed, strict about undefined names, with the house filters.

Markdown sections and section templates both run through this environment. Content is
untrusted, so it is the immutable sandbox (no attribute tricks, no mutation), undefined
names are errors rather than blanks, and comments are `{## ##}` so that Markdown's
`{#id}` attributes are never swallowed as Jinja comments.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import formatting
from .content.plan import Plan
from .content.validation import did_you_mean
from .derived import funding_figures, metrics_info, risks_info
from .performance import performances
from .theme import Theme


class _View:
    """Read-only attribute access to a model plus a few computed attributes."""

    def __init__(self, model: Any, **extra: Any):
        self.__dict__["_model"] = model
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_model"], name)


MAX_SIZE = 100_000  # the longest text or list an expression may build with '*'
MAX_EXPONENT = 1_000


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing `'x' * 10**9` and `2 ** 100000`: content must not be
    able to exhaust memory or time with one expression."""

    intercepted_binops = frozenset({"*", "**"})
    # What compiled code depends on besides its source (see `_template`); None: never shared.
    code_key: tuple[object, ...] | None = None

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                if sized and len(seq) * n > MAX_SIZE:
                    raise jinja2.exceptions.SecurityError(
                        f"the result of '*' would be longer than {MAX_SIZE:,}"
                    )
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise jinja2.exceptions.SecurityError(f"exponents above {MAX_EXPONENT:,} are refused")
        return super().call_binop(context, operator, left, right)


def make_environment(theme: Theme, loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    env = _Sandbox(
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        loader=loader,
    )
    env.filters.update(
        money=lambda v: formatting.money(v, theme.money_units),
        thousands=formatting.thousands,
        number=lambda v, decimals=0: formatting.number(v, decimals),
        pct=lambda v, decimals=1: formatting.pct(v, decimals),
        date=lambda v: formatting.date(v, theme.date_style),
        words=formatting.words,
    )
    # Compiled code may hold filter results folded at compile time, so it is shared only
    # between environments whose filters agree: those of themes with the same units.
    env.code_key = (theme.money_units, theme.date_style)
    return env


# Compiled template code by (environment's code_key, source): every `{{ }}` text is
# compiled once per process, not once per use (a plan's YAML texts are rendered for the
# document and again by a check, and `watch` rebuilds the same texts on every save).
_COMPILED: dict[tuple[Any, str], Any] = {}
_COMPILED_MAX = 20_000


def _template(env: jinja2.Environment, source: str) -> jinja2.Template:
    key = getattr(env, "code_key", None)
    if key is None:
        return env.from_string(source)
    code = _COMPILED.get((key, source))
    if code is None:
        code = env.compile(source)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[(key, source)] = code
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def plan_context(plan: Plan) -> dict[str, Any]:
    """The names `{{ }}` expressions may use (documented in docs/content-format.md)."""
    funding = funding_figures(plan)
    years = plan.years
    schemes = [
        _View(s, total={y: funding.by_scheme[s.id].get(y, 0) for y in years}) for s in plan.schemes
    ]
    by_id = {s.id: s for s in schemes}
    metrics = {m.id: m for m in metrics_info(plan)}
    partners = {p.id: p for p in plan.meta.partners}

    def scheme(scheme_id: str) -> _View:
        if scheme_id not in by_id:
            raise LookupError(f"no scheme '{scheme_id}' ({did_you_mean(scheme_id, list(by_id))})")
        return by_id[scheme_id]

    def metric(metric_id: str):
        if metric_id not in metrics:
            raise LookupError(
                f"no metric '{metric_id}' in metrics.yaml "
                f"({did_you_mean(metric_id, list(metrics))})"
            )
        return metrics[metric_id]

    def partner(partner_id: str):
        if partner_id not in partners:
            raise LookupError(
                f"no partner '{partner_id}' ({did_you_mean(partner_id, list(partners))})"
            )
        return partners[partner_id]

    return {
        "plan": plan.meta,
        "area": plan.meta.area,
        "years": years,
        "framework": plan.framework,
        "funding": funding,
        "schemes": schemes,
        "scheme": scheme,
        "metrics": list(metrics.values()),
        "metric": metric,
        "risks": risks_info(plan),
        "partners": plan.meta.partners,
        "partner": partner,
        "vision": plan.vision,
        "conditions": plan.conditions.conditions,
        "signatories": plan.signoff.signatories,
        "facts": plan.facts,
        # Helpers that section templates use; available in Markdown too.
        "draft": plan.meta.status != "final",
        "schemes_by_theme": _by_theme(schemes),
        "condition_response": {c.id: c for c in plan.conditions.conditions}.get,
        "partner_name": plan.partner_name,
        "ring_fences": plan.funding.ring_fences,
        "risk_register": plan.risks,
        # Performance against plan by month (and by quarter): bcf_docgen.performance.
        "performance": performances(plan),
    }


def _by_theme(schemes: list[_View]) -> list[tuple[str, list[_View]]]:
    """Schemes grouped by theme, themes in order of their first scheme."""
    themes: dict[str, list[_View]] = {}
    for scheme in schemes:
        themes.setdefault(scheme.theme or "Other schemes", []).append(scheme)
    return list(themes.items())


@dataclass
class TemplateProblem(Exception):
    """A template or Markdown expression that failed: message, 1-based line, hint."""

    message: str
    line: int
    hint: str = ""


def render_string(env: jinja2.Environment, source: str, context: dict[str, Any]) -> str:
    """Render `source`; raise TemplateProblem with the line inside `source` on any failure."""
    try:
        return _template(env, source).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"template syntax error: {exc.message}",
            exc.lineno or 1,
            "check the {{ }} and {% %} brackets on this line",
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(
            f"undefined value: {exc.message}",
            _template_line(sys.exc_info()[2]),
            _undefined_hint(str(exc.message), context),
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateProblem(
            f"not allowed in plan content: {exc}", _template_line(sys.exc_info()[2])
        ) from None
    except RecursionError:
        raise TemplateProblem(
            "cannot evaluate expression: it calls itself without end",
            _template_line(sys.exc_info()[2]),
        ) from None
    except (LookupError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise TemplateProblem(
            f"cannot evaluate expression: {exc}", _template_line(sys.exc_info()[2])
        ) from None
    except Exception as exc:  # content is untrusted: whatever it makes Jinja raise is a finding
        raise TemplateProblem(
            f"cannot evaluate expression: {type(exc).__name__}: {exc}",
            _template_line(sys.exc_info()[2]),
        ) from None


def _template_line(tb: TracebackType | None) -> int:
    """The line inside the template where rendering failed (Jinja rewrites tracebacks)."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _undefined_hint(message: str, context: dict[str, Any]) -> str:
    match = re.search(r"'([^']+)' is undefined", message)
    if match:
        return did_you_mean(match.group(1), list(context))
    match = re.search(r"has no attribute '([^']+)'", message)
    if match and "dict object" in message:
        facts = list(context.get("facts", {}))
        return did_you_mean(match.group(1), facts) if facts else ""
    return ""
