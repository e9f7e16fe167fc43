"""Jinja2 for plan content: sandboxed, strict about undefined names, with the house filters.

Markdown sections and section templates both run through this environment. Content is
untrusted, so it is the immutable sandbox (no attribute tricks, no mutation), undefined
names are errors rather than blanks, and comments are `{## ##}` so that Markdown's
`{#id}` attributes are never swallowed as Jinja comments.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum
from markupsafe import EscapeFormatter, Markup

from . import formatting
from .content.plan import Plan
from .content.validation import did_you_mean
from .derived import funding_figures, metrics_info, risks_info
from .performance import performances
from .theme import Theme
from .unknown import is_unknown, not_comparable


class _View:
    """Read-only attribute access to a model plus a few computed attributes."""

    def __init__(self, model: Any, **extra: Any):
        self.__dict__["_model"] = model
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_model"], name)


# Limits on what one text may cost (docs/security.md, "Limits"). Content is untrusted:
# without them `{{ ((10**1000)**1000)**1000 }}` or two nested `range(100000)` loops run
# until killed, and `{{ range(100000)|join('x'*100000) }}` exhausts memory. Each limit
# reached is a `template.limit` finding at its line, never a hang or a MemoryError.
MAX_SIZE = 100_000  # characters or items of any text, list or mapping an expression builds
MAX_DEPTH = 100  # lists and mappings nested in a value an expression builds
MAX_EXPONENT = 1_000
MAX_INTEGER = 10**100  # the largest whole number (either sign) an expression may make
LIMIT_BITS = MAX_INTEGER.bit_length()
MAX_RANGE = 100_000  # items of one range()
MAX_ITERATIONS = 1_000_000  # loop iterations in one text, all its loops together
MAX_OUTPUT = 20_000_000  # characters one text may produce (a file is at most 16 MB)
RENDER_SECONDS = 5.0  # wall clock for one text; tests may lower it


class TemplateLimit(Exception):
    """A limit above was reached: its name and number, and what reached it."""

    def __init__(self, name: str, number: int | float, what: str):
        self.name, self.number, self.what = name, number, what
        super().__init__(f"{what} (the '{name}' limit)")


def _too_long(what: str) -> TemplateLimit:
    return TemplateLimit(
        "text and list length",
        MAX_SIZE,
        f"{what} would be longer than {MAX_SIZE:,} characters or items",
    )


def _too_large(what: str) -> TemplateLimit:
    return TemplateLimit("number size", MAX_INTEGER, f"{what} would be a number beyond 10**100")


@dataclass
class _Budget:
    """What one text has spent so far; shared by texts expanded inside it (`expand`)."""

    seconds: float
    deadline: float
    iterations: int = 0
    output: int = 0


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "bcf_docgen_template_budget", default=None
)


def _tick() -> _Budget | None:
    """Called by every step a text takes (an output, a call, a filter, an operator, an
    iteration): the wall-clock limit is checked here, so a text that cannot finish stops."""
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise TemplateLimit(
            "render time", budget.seconds, f"the text took longer than {budget.seconds:g} s"
        )
    return budget


def _measure(value: Any) -> tuple[int, int]:
    """(size, depth) of `value`: characters of text plus items of lists and mappings,
    counted through nesting and once per reference (as printing would), and how deeply
    it nests. Stops as soon as either is over its limit, so it costs at most O(MAX_SIZE).

    Other objects (the plan's) count as long as their printed form; an int as its digits.
    """
    size, depth = 0, 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack and size <= MAX_SIZE and depth <= MAX_DEPTH:
        item, level = stack.pop()
        depth = max(depth, level)
        if isinstance(item, str | bytes | range):
            size += len(item)
        elif isinstance(item, bool) or item is None:
            size += 1
        elif isinstance(item, int):
            size += item.bit_length() * 30103 // 100000 + 1
        elif isinstance(item, list | tuple | set | frozenset):
            size += len(item)
            stack.extend((child, level + 1) for child in itertools.islice(item, MAX_SIZE + 1))
        elif isinstance(item, dict):
            size += len(item)
            for key, child in itertools.islice(item.items(), MAX_SIZE + 1):
                stack.append((key, level + 1))
                stack.append((child, level + 1))
        else:
            size += _printed_length(item)
    return size, depth


def _printed_length(item: Any) -> int:
    try:
        return len(repr(item))
    except Exception:  # noqa: BLE001 - an object that cannot print weighs little
        return 1


def _bounded(value: Any, what: str = "the result") -> Any:
    """`value`, if an expression may build it: not too long, too deep or too large."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_INTEGER:
            raise _too_large(what)
        return value
    if isinstance(value, str) and len(value) < 256:
        return value  # the common case, at no cost
    size, depth = _measure(value)
    if size > MAX_SIZE:
        raise _too_long(what)
    if depth > MAX_DEPTH:
        raise TemplateLimit(
            "nesting of values", MAX_DEPTH, f"{what} would nest more than {MAX_DEPTH} deep"
        )
    return value


def _size(value: Any) -> int:
    return _measure(value)[0]


def _digits_over(spec: str) -> bool:
    """Whether a format spec asks for a width or precision above MAX_SIZE."""
    return any(int(digits) > MAX_SIZE for digits in re.findall(r"\d+", spec))


PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(template: Any, values: Any) -> None:
    """`'%9999999d' % 1` (or the `format` filter) would build a huge text: refuse it."""
    if not isinstance(template, str | bytes):
        return
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    stars = False
    for width, precision in PRINTF.findall(text):
        stars = stars or "*" in (width, precision)
        if any(part.isdigit() and int(part) > MAX_SIZE for part in (width, precision)):
            raise _too_long("the formatted text")
    if stars:
        items = values if isinstance(values, tuple) else (values,)
        if any(isinstance(v, int) and abs(v) > MAX_SIZE for v in items):
            raise _too_long("the formatted text")
    if _size(values) > MAX_SIZE:
        raise _too_long("the formatted text")


def _replaced_size(text: Any, old: Any, new: Any, count: Any = None) -> int:
    """How long `text.replace(old, new, count)` would be, without making it."""
    if not isinstance(text, str | bytes) or not isinstance(old, str | bytes):
        return 0
    found = len(text) + 1 if not old else text.count(old)  # type: ignore[arg-type]
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    grow = len(new) - len(old) if isinstance(new, str | bytes) else 0
    return len(text) + found * max(grow, 0)


def _joined_size(items: list[Any], separator: Any, with_items: bool = True) -> int:
    size = len(str(separator)) * max(len(items) - 1, 0)
    if with_items and size <= MAX_SIZE:
        for item in items:
            size += _size(item)
            if size > MAX_SIZE:
                break
    return size


def _check_int_args(args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> None:
    """A width, count or number of decimals above MAX_SIZE asks for a huge result."""
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_SIZE:
            raise _too_long(what)


def _option(
    args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any
) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def _lines(text: Any) -> int:
    return str(text).count("\n") + 1


def _indented_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    width = _option(args, kwargs, 0, "width", 4)
    step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    return len(str(value)) + _lines(value) * max(step, 0)


def _wrapped_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    width = _option(args, kwargs, 0, "width", 79)
    wrap = str(_option(args, kwargs, 2, "wrapstring", None) or "\n")
    text = str(value)
    lines = 2 * len(text) // max(width if isinstance(width, int) else 1, 1) + _lines(text)
    return len(text) + lines * len(wrap)


def _urlized_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    text = str(value)
    extra = sum(len(x) for x in (*args, *kwargs.values()) if isinstance(x, str))
    return len(text) + (text.count(" ") + _lines(text)) * (100 + extra)


def _json_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    indent = _option(args, kwargs, 0, "indent", None)
    size, depth = _measure(value)
    return size * (2 + (indent if isinstance(indent, int) else 0) * depth)


def _replace_filter_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    old, new = _option(args, kwargs, 0, "old", ""), _option(args, kwargs, 1, "new", "")
    return _replaced_size(str(value), str(old), str(new), _option(args, kwargs, 2, "count", None))


def _join_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """(`value` is already a list: `_bounded_filter` reads an iterator once, first.)"""
    if len(value) > MAX_SIZE:
        return len(value)
    attribute = _option(args, kwargs, 1, "attribute", None)
    return _joined_size(value, _option(args, kwargs, 0, "d", ""), attribute is None)


def _format_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    _check_printf(value, args or kwargs)
    return 0


def _sum_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    if not isinstance(_option(args, kwargs, 1, "start", 0), int | float):
        raise TypeError("'sum' adds numbers only")
    return 0


# What a filter would build, worked out from its arguments before it runs: the filters
# whose result can be far longer than what they are given. Each gets the value, the
# arguments after it and the keyword arguments, and returns the size of the result.
_ESTIMATES: dict[str, Callable[[Any, tuple[Any, ...], dict[str, Any]], int]] = {
    "join": _join_size,
    "replace": _replace_filter_size,
    "indent": _indented_size,
    "wordwrap": _wrapped_size,
    "urlize": _urlized_size,
    "tojson": _json_size,
    "pprint": lambda value, args, kwargs: _size(value) * (2 + _measure(value)[1]),
    "format": _format_size,
    "sum": _sum_size,
}


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, refusing arguments that ask for a huge result (`_ESTIMATES`, and any width or
    count above MAX_SIZE) and measuring every result (`_bounded`)."""
    passes = int(getattr(func, "jinja_pass_arg", None) is not None)  # context, eval_ctx, env
    estimate = _ESTIMATES.get(name)
    what = f"the result of '{name}'"

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        head, value, rest = args[:passes], args[passes], args[passes + 1 :]
        _check_int_args(rest, kwargs, what)
        if name == "join":  # an iterator is read once, here
            value = list(itertools.islice(value, MAX_SIZE + 1))
        if estimate is not None and estimate(value, rest, kwargs) > MAX_SIZE:
            raise _too_long(what)
        return _bounded(func(*head, value, *rest, **kwargs), what)

    return bounded


def _bounded_range(*args: int) -> range:
    _tick()
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(
            "range length", MAX_RANGE, f"range() would count more than {MAX_RANGE:,} numbers"
        )
    return numbers


_LIPSUM = inspect.signature(generate_lorem_ipsum)


def _bounded_lipsum(*args: Any, **kwargs: Any) -> str:
    """Jinja's placeholder text, no longer than the other texts an expression builds."""
    _tick()
    bound = _LIPSUM.bind(*args, **kwargs)
    bound.apply_defaults()
    n, longest = bound.arguments["n"], max(bound.arguments["min"], bound.arguments["max"])
    if not all(isinstance(x, int) for x in (n, longest)) or n * longest * 8 > MAX_SIZE:
        raise _too_long("lipsum()")
    return generate_lorem_ipsum(*bound.args, **bound.kwargs)


@jinja2.pass_context  # never worked out at compile time
def _loop(context: Any, iterable: Any) -> Iterator[Any]:
    """What every `{% for %}` iterates through: it counts iterations against the text's
    limit, checks the clock, and measures each item (an item of a batch can be a list of
    references to one long text: printing it would build the whole)."""
    budget = _tick()
    for item in iterable:
        if budget is not None:
            budget.iterations += 1
            if budget.iterations > MAX_ITERATIONS:
                raise TemplateLimit(
                    "loop iterations",
                    MAX_ITERATIONS,
                    f"the loops in this text would run more than {MAX_ITERATIONS:,} times",
                )
            if time.monotonic() > budget.deadline:
                _tick()
        yield _bounded(item, "an item of the loop")


LOOP_FILTER = "bcf_loop"


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with every piece of output, every `~` and every literal
    list, tuple or mapping passed through the environment's limits."""

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return f"environment.emit({super()._output_const_repr(group)})"

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write("environment.emit(")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_post(node, frame, finalize)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_Concat(node, frame)
        self.write(", '~')")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # an assignment's target (`for a, b in ...`)
            super().visit_Tuple(node, frame)
            return
        self.write("environment.built(")
        super().visit_Tuple(node, frame)
        self.write(")")


STRETCHING_METHODS = {"ljust", "rjust", "center", "zfill"}


def _method_arguments(
    method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """A text method's arguments, refused if its result would be too long (`'x'.ljust(10**9)`,
    `'\t'.expandtabs(...)`, `','.join(...)`, `replace`). A generator given to `join` is
    read once here, so the arguments returned replace those given."""
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, str | bytes):
        return args
    name = getattr(method, "__name__", "")
    what = f"the result of '{name}'"
    if name in STRETCHING_METHODS:
        _check_int_args(args, kwargs, what)
    elif name == "expandtabs":
        tab = "\t" if isinstance(owner, str) else b"\t"
        size = _option(args, kwargs, 0, "tabsize", 8)
        if isinstance(size, int) and len(owner) + owner.count(tab) * size > MAX_SIZE:  # type: ignore[arg-type]
            raise _too_long(what)
    elif name == "replace" and len(args) >= 2:
        if (
            _replaced_size(owner, args[0], args[1], _option(args, kwargs, 2, "count", None))
            > MAX_SIZE
        ):
            raise _too_long(what)
    elif name == "join" and args:
        items = list(itertools.islice(args[0], MAX_SIZE + 1))
        if len(items) > MAX_SIZE or _joined_size(items, owner) > MAX_SIZE:
            raise _too_long(what)
        return (items, *args[1:])
    return args


class _BoundedFormatter(SandboxedFormatter):
    """`'{:>999999999}'.format(1)`: a width or precision above the limit is refused."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        _tick()
        if _digits_over(format_spec) or _size(value) > MAX_SIZE:
            raise _too_long("the formatted text")
        return super().format_field(value, format_spec)


class _BoundedEscapeFormatter(_BoundedFormatter, EscapeFormatter):
    pass


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with the limits above: content must not be able to exhaust
    memory or time, whatever it writes.

    Operators, calls and filters measure what they would build before building it where
    it can be far larger than what they are given, and measure every result; every
    `{% for %}` counts its iterations (`_loop`); every piece of output is counted
    (`emit`); every step checks the wall clock (`_tick`).
    """

    intercepted_binops = frozenset({"+", "-", "*", "%", "**"})
    code_generator_class = _CodeGenerator
    # What compiled code depends on besides its source (see `_template`); None: never shared.
    code_key: tuple[object, ...] | None = None

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        what = f"the result of '{operator}'"
        if operator == "*":
            _check_product(left, right, what)
        elif operator == "**":
            _check_power(left, right, what)
        elif operator == "%":
            _check_printf(left, right)
        return _bounded(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _tick()
        args = _method_arguments(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(__obj, Macro | LoopContext):
            return result  # its output is counted as it is made
        return _bounded(result)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        owner = value.__self__
        formatter = (
            _BoundedEscapeFormatter(self, escape=owner.escape)
            if isinstance(owner, Markup)
            else _BoundedFormatter(self)
        )
        is_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            if not is_map:
                return type(owner)(formatter.vformat(owner, args, kwargs))
            if kwargs or len(args) != 1:
                raise TypeError("format_map() takes exactly one argument")
            return type(owner)(formatter.vformat(owner, (), args[0]))

        return functools.update_wrapper(bounded, value)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """The template's tree, with every `{% for %}` iterating through `_loop`."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(
                loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.iter.lineno
            )
        return tree

    # Called by the generated code (`_CodeGenerator`).

    def emit(self, text: str) -> str:
        """A piece of output: counted against the text's limit on output."""
        budget = _tick()
        if budget is not None:
            budget.output += len(text)
            if budget.output > MAX_OUTPUT:
                raise TemplateLimit(
                    "output length",
                    MAX_OUTPUT,
                    f"the text would produce more than {MAX_OUTPUT:,} characters",
                )
        return text

    def built(self, value: Any, operator: str = "") -> Any:
        """A list, tuple or mapping written in the text, or a `~` joined: measured."""
        _tick()
        return _bounded(value, f"the result of '{operator}'" if operator else "the value")


def _both_int(left: Any, right: Any) -> bool:
    return all(isinstance(x, int) and not isinstance(x, bool) for x in (left, right))


def _check_product(left: Any, right: Any, what: str) -> None:
    """`'x' * 10**9`, `[a] * n` and a product of two huge numbers, refused before made."""
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(n, int) and _size(seq) * n > MAX_SIZE:
            raise _too_long(what)
    # A product has at least bits(a) + bits(b) - 1 bits.
    if _both_int(left, right) and left.bit_length() + right.bit_length() - 1 > LIMIT_BITS:
        raise _too_large(what)


def _check_power(left: Any, right: Any, what: str) -> None:
    """`2 ** 100000` and `(10**1000)**1000`, refused before they are worked out."""
    if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
        raise TemplateLimit(
            "exponent", MAX_EXPONENT, f"exponents above {MAX_EXPONENT:,} are refused"
        )
    # a ** b has more than (bits(a) - 1) * b bits.
    if _both_int(left, right) and abs(left) > 1 and (left.bit_length() - 1) * right > LIMIT_BITS:
        raise _too_large(what)


def _refusing_unknown(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that makes a plain number, refusing a figure not yet known (`tbc`): the
    error names what is unknown, where the filter would have given its default, 0."""

    @functools.wraps(func)
    def refusing(value: Any, *args: Any, **kwargs: Any) -> Any:
        if is_unknown(value):
            raise not_comparable(value)
        return func(value, *args, **kwargs)

    return refusing


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
        # `{{ x | money }}` in the theme's units, `{{ x | money("millions") }}` in those.
        money=lambda v, units=None: formatting.money(
            v, theme.money_units if units is None else units, unknown=theme.unknown
        ),
        thousands=lambda v: formatting.money(v, "thousands", unknown=theme.unknown),
        number=lambda v, decimals=0: formatting.number(v, decimals, unknown=theme.unknown),
        pct=lambda v, decimals=1: formatting.pct(v, decimals, unknown=theme.unknown),
        date=lambda v: formatting.date(v, theme.date_style),
        words=formatting.words,
    )
    for name in ("int", "float"):  # Jinja's would turn a figure not yet known into 0
        env.filters[name] = _refusing_unknown(env.filters[name])
    for name, func in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, func)
    env.filters[LOOP_FILTER] = _loop
    env.globals.update(range=_bounded_range, lipsum=_bounded_lipsum)
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
            raise LookupError(_no_such(f"no scheme '{scheme_id}'", scheme_id, by_id))
        return by_id[scheme_id]

    def metric(metric_id: str):
        if metric_id not in metrics:
            raise LookupError(
                _no_such(f"no metric '{metric_id}' in metrics.yaml", metric_id, metrics)
            )
        return metrics[metric_id]

    def partner(partner_id: str):
        if partner_id not in partners:
            raise LookupError(_no_such(f"no partner '{partner_id}'", partner_id, partners))
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
        "unknown": plan.theme.unknown,  # the words for a figure not yet known (`tbc`)
        "schemes_by_theme": _by_theme(schemes),
        "condition_response": {c.id: c for c in plan.conditions.conditions}.get,
        "partner_name": plan.partner_name,
        # The theme's words around a scheme: its heading, and the labels of its parts.
        "scheme_heading": _scheme_heading(plan),
        "scheme_labels": plan.theme.schemes.labels,
        "ring_fences": plan.funding.ring_fences,
        "risk_register": plan.risks,
        # Performance against plan by month (and by quarter): bcf_docgen.performance.
        "performance": performances(plan),
    }


def _no_such(message: str, wanted: str, known: Iterable[str]) -> str:
    """The look-up's message, with the closest id when there is one to suggest."""
    hint = did_you_mean(wanted, list(known))
    return f"{message} ({hint})" if hint else message


def _scheme_heading(plan: Plan) -> Callable[[Any], str]:
    """`scheme_heading(scheme)`: the theme's heading pattern, filled for that scheme.

    {number} is the last run of digits in the scheme's id (S05 is 5), so a heading keeps
    its number when another scheme is left out; an id without digits takes the scheme's
    position in the plan (file-name order). {number_words} is it in words, capitalised.
    """
    wording = plan.theme.schemes
    positions = {s.id: i for i, s in enumerate(plan.schemes, start=1)}

    def heading(scheme: Any) -> str:
        ident, name = str(scheme.id), str(scheme.name)
        digits = re.findall(r"\d+", ident)
        number = int(digits[-1]) if digits else positions.get(ident, 0)
        in_words = formatting.words(number)
        values = {
            "id": ident,
            "name": name,
            "number": str(number),
            "number_words": in_words[:1].upper() + in_words[1:],
        }
        return wording.heading_for(values)

    return heading


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
    code: str = "template.error"


def render_string(env: jinja2.Environment, source: str, context: dict[str, Any]) -> str:
    """Render `source`; raise TemplateProblem with the line inside `source` on any failure.

    The text gets its own budget of time, iterations and output (the limits above); a
    text rendered while another is (`expand`) spends the outer one's.
    """
    token = None
    if _BUDGET.get() is None:
        token = _BUDGET.set(_Budget(RENDER_SECONDS, time.monotonic() + RENDER_SECONDS))
    try:
        return _render(env, source, context)
    finally:
        if token is not None:
            _BUDGET.reset(token)


def _render(env: jinja2.Environment, source: str, context: dict[str, Any]) -> str:
    try:
        return _template(env, source).render(context)
    except TemplateLimit as exc:
        raise TemplateProblem(
            f"template limit reached: {exc}",
            _template_line(sys.exc_info()[2]),
            "plan text needs far less than this: look for a loop, range() or repeated "
            "text that grows without end",
            code="template.limit",
        ) from None
    except MemoryError:
        raise TemplateProblem(
            "template limit reached: the text needs more memory than there is",
            _template_line(sys.exc_info()[2]),
            code="template.limit",
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"template syntax error: {exc.message}",
            exc.lineno or 1,
            "check the {{ }} and {% %} brackets on this line",
        ) from None
    except jinja2.UndefinedError as exc:
        line = _template_line(sys.exc_info()[2])
        message, hint = _undefined(str(exc.message), source, line, context)
        raise TemplateProblem(message, line, hint) from None
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


# An owner written before `.name` or `["name"]`: a name, then attributes, subscripts
# and calls (`facts`, `scheme("S1").total`, `funding.pool["2025-26"]`).
_OWNER = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\[\]\n]*\]|\([^()\n]*\))*"
_LOOKUPS = ("scheme", "metric", "partner")  # plain look-ups by id: safe to call again


def _undefined(message: str, source: str, line: int, context: dict[str, Any]) -> tuple[str, str]:
    """Jinja's "'dict object' has no attribute 'populaton'" in the plan's terms: what was
    written before the name (`facts has no 'populaton'`) and the names it does have."""
    match = re.search(r"'([^']+)' is undefined", message)
    if match:
        name = match.group(1)
        return f"'{name}' is not a name plan text can use", did_you_mean(name, list(context))
    match = re.search(r"has no attribute '([^']+)'", message)
    if not match:
        return f"undefined value: {message}", ""
    name = match.group(1)
    lines = source.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else source
    quoted = re.escape(name)
    written = rf"({_OWNER})\s*(?:\.\s*{quoted}\b|\[\s*[\"']{quoted}[\"']\s*\])"
    owner = next((m.group(1) for m in re.finditer(written, text)), None)
    if owner is None:
        return f"no '{name}' here: the value has no such name", ""
    names = _names_of(_evaluate(owner, context))
    return f"{owner} has no '{name}'", did_you_mean(name, names) if names else ""


_STEP = re.compile(
    r"\.?([A-Za-z_]\w*)|\[\s*(?:[\"']([^\"']*)[\"']|(\d+))\s*\]|\(\s*[\"']([^\"']*)[\"']\s*\)"
)


def _evaluate(owner: str, context: dict[str, Any]) -> Any:
    """The value of a simple owner (`facts`, `area.name`, `schemes[0]`, `scheme("S1")`),
    or None: only names, attributes, keys, indices and the look-ups by id are followed."""
    value: Any = context
    called, end = "", 0
    try:
        for step in _STEP.finditer(owner):
            if step.start() != end:
                return None  # something this does not follow, e.g. a call with arguments
            end = step.end()
            attribute, key, index, argument = step.groups()
            if argument is not None:
                if called not in _LOOKUPS:
                    return None
                value, called = value(argument), ""
            elif step.start() == 0:
                value, called = context[attribute], attribute
            elif attribute:
                value = value[attribute] if isinstance(value, dict) else getattr(value, attribute)
                called = ""
            else:
                value, called = value[key if index is None else int(index)], ""
    except Exception:  # noqa: BLE001 - only a better hint is lost
        return None
    return value if end == len(owner) else None


def _names_of(value: Any) -> list[str]:
    """The names `.name` may follow `value` with: a mapping's keys, a model's fields."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(key) for key in value]
    if isinstance(value, _View):
        extra = [k for k in value.__dict__ if not k.startswith("_")]
        return _names_of(value.__dict__["_model"]) + extra
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        return [name for name in fields] + [
            name for name, kind in vars(type(value)).items() if isinstance(kind, property)
        ]
    if hasattr(value, "__dataclass_fields__"):
        return list(value.__dataclass_fields__)
    return []
