"""Charts of a metric's plan against actual over the year, drawn from the data with matplotlib.

A `Chart` holds only numbers, words and the look's values it needs (colours, fonts,
size), so it travels to the writers' worker processes, and draws itself as SVG for the
PDF and as PNG at print resolution for Word. The same data gives the same bytes:
matplotlib's SVG ids are salted with a fixed string, and no dates or software versions
are written. Lines differ by style and marker as well
as colour, so a chart printed in black and white still reads; the alt text states the
figures in words, from the same `MetricPerformance` the performance table uses.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from . import formatting
from .document import labels
from .document.look import Look
from .performance import MetricPerformance, metric_performance
from .theme import look_from_theme
from .unknown import TO_BE_CONFIRMED, Unknown, is_unknown

PNG_DPI = 200

MONTHS = "January February March April May June July August September October November December"
MONTH_NAMES = MONTHS.split()


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]
    colour: str
    style: str  # matplotlib line style
    marker: str
    width: float = 1.6


@dataclass(frozen=True)
class Chart:
    """A line chart: x labels, series of values (None where unknown), reference lines."""

    labels: tuple[str, ...]
    x_title: str
    y_title: str
    series: tuple[Series, ...]
    lines: tuple[tuple[str, float, str, str], ...]  # (label, value, colour, style)
    decimals: int
    percent: bool
    font: tuple[str, ...]  # the look's fonts, first choice first
    text_colour: str
    size: tuple[float, float]  # inches: the text width, and a height in proportion
    font_size: float
    grid: str

    def svg(self) -> bytes:
        return _draw(self, "svg")

    def png(self, dpi: int = PNG_DPI) -> bytes:
        return _draw(self, "png", dpi)

    def blank_png(self, dpi: int = PNG_DPI) -> bytes:
        """A blank picture of exactly `png()`'s pixel size and resolution, in no time.

        A Word file made only to be laid out (for its page numbers) needs the chart's
        size, not its drawing: LibreOffice lays it out while the real one is drawn.
        """
        return _blank(self.size, dpi)


def _installed(wanted: tuple[str, ...]) -> list[str]:
    """The look's fonts that matplotlib can find, in order (it warns about the others)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in (*wanted, "DejaVu Sans") if name in installed]
    return list(dict.fromkeys(found)) or ["DejaVu Sans"]


@lru_cache(maxsize=64)
def _draw(chart: Chart, fmt: str, dpi: int = PNG_DPI) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    settings = {
        "svg.hashsalt": "bcf-docgen",
        "svg.fonttype": "path",
        "font.family": _installed(chart.font),
        "font.size": chart.font_size,
        "axes.edgecolor": chart.text_colour,
        "axes.labelcolor": chart.text_colour,
        "xtick.color": chart.text_colour,
        "ytick.color": chart.text_colour,
        "text.color": chart.text_colour,
    }
    with matplotlib.rc_context(cast(Any, settings)):  # keys are checked by matplotlib
        figure = Figure(figsize=chart.size, dpi=dpi if fmt == "png" else 72)
        axes = figure.add_subplot()
        xs = list(range(len(chart.labels)))
        for series in chart.series:
            points = [(x, v) for x, v in zip(xs, series.values, strict=True) if v is not None]
            if not points:
                continue
            axes.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                label=series.label,
                color=series.colour,
                linestyle=series.style,
                marker=series.marker,
                markersize=4.5,
                linewidth=series.width,
            )
        for label, value, colour, style in chart.lines:
            axes.axhline(value, label=label, color=colour, linestyle=style, linewidth=1.1)
        axes.set_xticks(xs, chart.labels)
        axes.set_xlim(-0.4, len(xs) - 0.6)
        axes.set_xlabel(chart.x_title)
        axes.set_ylabel("\n".join(textwrap.wrap(chart.y_title, 28)))

        def tick(value: float, _position: int) -> str:
            text = formatting.number(value, _tick_decimals(axes, chart.decimals))
            return f"{text}%" if chart.percent else text

        axes.yaxis.set_major_formatter(FuncFormatter(tick))
        axes.grid(axis="y", color=chart.grid, linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.24),
            ncol=4,
            frameon=False,
            handlelength=3.2,
        )
        figure.subplots_adjust(left=0.13, right=0.98, top=0.96, bottom=0.3)
        out = io.BytesIO()
        if fmt == "svg":
            figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        else:
            figure.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()


@lru_cache(maxsize=16)
def _blank(size: tuple[float, float], dpi: int) -> bytes:
    from PIL import Image

    # matplotlib's Agg canvas is the figure's size in pixels, rounded down.
    pixels = (int(size[0] * dpi), int(size[1] * dpi))
    out = io.BytesIO()
    Image.new("1", pixels, 1).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _tick_decimals(axes, decimals: int) -> int:
    """Enough decimal places that neighbouring ticks differ (1.4, 1.5 rather than 1, 2)."""
    ticks = axes.get_yticks()
    if len(ticks) < 2:
        return decimals
    step = abs(ticks[1] - ticks[0])
    for places in range(0, 4):
        if round(step, places) == round(step, 6) and step * 10**places >= 1 - 1e-9:
            return places
    return decimals


# ------------------------------------------------------------------------ from the data


def period_words(m: MetricPerformance, index: int) -> str:
    """'April 2025' or '2025-26 Q1'."""
    period = m.periods[index].period
    if period.kind == "month":
        return f"{MONTH_NAMES[period.start.month - 1]} {period.start.year}"
    return period.key


def _short_label(m: MetricPerformance, index: int) -> str:
    period = m.periods[index].period
    return period.label.split()[0] if period.kind == "month" else f"Q{period.key[-1]}"


def comparable_line(m: MetricPerformance, value: float) -> float:
    """A yearly figure on the scale of one period: itself for averages, else a share."""
    return value if m.average else value / len(m.periods)


def _drawn(value: object) -> float | None:
    """A figure as a chart draws it: one not yet known (`tbc`) is no point, never 0."""
    return value if isinstance(value, int | float) else None


def not_drawn(m: MetricPerformance) -> bool:
    """Whether some of the metric's figures are not yet known, so are left out of its chart."""
    baseline = m.info.baseline
    values = [v for p in m.periods for v in (p.plan, p.actual, p.last_year)]
    values += [_year_target(m), baseline.value if baseline is not None else None]
    return any(is_unknown(v) for v in values)


def chart_for(m: MetricPerformance, look: Look) -> Chart:
    """The chart of a metric, in the look's colours (each at least 3:1 on the page)."""
    c = look.chart
    primary, accent, grey = c.primary, c.accent, c.grey
    series = [
        Series("Actual", tuple(_drawn(p.actual) for p in m.periods), primary, "-", "o", 2.2),
    ]
    if any(p.plan is not None for p in m.periods):
        plan = tuple(_drawn(p.plan) for p in m.periods)
        series.insert(0, Series("Plan", plan, accent, "--", "s"))
    if any(p.last_year is not None for p in m.periods):
        series.append(
            Series("Last year", tuple(_drawn(p.last_year) for p in m.periods), grey, ":", "^", 1.4)
        )
    lines: list[tuple[str, float, str, str]] = []
    target = _drawn(_year_target(m))
    if target is not None and not any(p.plan is not None for p in m.periods):
        lines.append((f"{m.year} target", comparable_line(m, target), accent, "--"))
    baseline = m.info.baseline
    if baseline is not None and _drawn(baseline.value) is not None:
        label = f"Baseline {baseline.period}"
        if not m.average:
            label += f", {'monthly' if m.kind == 'month' else 'quarterly'} average"
        lines.append((label, comparable_line(m, baseline.value), grey, "-."))
    unit = "" if m.info.unit == "%" else m.info.unit
    return Chart(
        labels=tuple(_short_label(m, i) for i in range(len(m.periods))),
        x_title=f"{'Month' if m.kind == 'month' else 'Quarter'}, {m.year}",
        y_title=unit or "Per cent",
        series=tuple(series),
        lines=tuple(lines),
        decimals=m.decimals,
        percent=m.info.unit == "%",
        font=look.fonts.stack(look.fonts.body),
        text_colour=c.text,
        size=(c.width_in, c.height_in),
        font_size=c.font_size,
        grid=c.grid,
    )


def _year_target(m: MetricPerformance) -> float | Unknown | None:
    return m.info.targets.get(m.year)


def caption_for(m: MetricPerformance) -> str:
    by = "month" if m.kind == "month" else "quarter"
    note = f" ({labels.not_drawn(m.unknown_words)})" if not_drawn(m) else ""
    if any(p.plan is not None for p in m.periods):
        return f"{m.info.name}: plan and actual by {by}, {m.year}{note}"
    return f"{m.info.name}: actual by {by}, {m.year}{note}"


def alt_text(m: MetricPerformance) -> str:
    """The chart in words, with the figures: what a reader who cannot see it needs."""
    kind = "month" if m.kind == "month" else "quarter"
    first, last = period_words(m, 0), period_words(m, len(m.periods) - 1)
    unit = "" if m.info.unit in ("", "%") else f" ({m.info.unit})"
    has_plan = any(p.plan is not None for p in m.periods)
    parts = [f"Line chart of {m.info.name}{unit} by {kind}, {first} to {last}."]
    drawn = []
    if has_plan:
        drawn.append("the plan as a dashed line with squares")
    drawn.append("the actual as a solid line with circles")
    if any(p.last_year is not None for p in m.periods):
        drawn.append("last year as a dotted line with triangles")
    if m.info.baseline is not None and _drawn(m.info.baseline.value) is not None:
        drawn.append(f"the {m.info.baseline.period} baseline as a dash-dot line")
    parts.append("It shows " + _join(drawn) + ".")
    if not_drawn(m):
        parts.append(labels.not_drawn(m.unknown_words))
    compared = m.compared
    if compared:
        n, above, below = len(compared), m.above, m.below
        equal = n - above - below
        sentence = f"Actual was above plan in {above} of {n} {kind}s"
        if below and equal:
            sentence += f", below in {below} and equal in {equal}"
        elif below:
            sentence += f" and below in {below}"
        elif equal:
            sentence += f" and equal in {equal}"
        what = "an average of " if m.average else ""
        sentence += (
            f"; year to date {what}{m.ytd(m.ytd_actual)} against a plan of {m.ytd(m.ytd_plan)}"
        )
        if isinstance(m.pct_difference, int | float):
            sentence += f" ({_relative(m.pct_difference)} plan)"
        parts.append(sentence + ".")
    else:
        actual = [i for i, p in enumerate(m.periods) if p.actual is not None]
        if actual:
            a, b = actual[0], actual[-1]
            parts.append(
                f"There is no {kind}ly plan. Actual was {m.value(m.periods[a].actual)} in "
                f"{period_words(m, a)} and {m.value(m.periods[b].actual)} in "
                f"{period_words(m, b)}."
            )
        target = _year_target(m)
        if target is not None:
            parts.append(f"The target for {m.year} is {m.value(target)}.")
    if isinstance(m.pct_last_year, int | float):
        parts.append(
            f"The year to date is {_relative(m.pct_last_year)} the same {kind}s of last year."
        )
    better = "Lower" if m.info.direction == "lower" else "Higher"
    parts.append(f"{better} is better.")
    return " ".join(parts)


def _relative(pct: float) -> str:
    """+0.5 -> '0.5% above'; -2.8 -> '2.8% below'; 0 -> 'level with'."""
    text = formatting.number(abs(pct), 1)
    if text == "0.0":
        return "level with"
    return f"{text}% {'above' if pct > 0 else 'below'}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def metric_chart(info, look: Look, unknown: str = TO_BE_CONFIRMED):
    """(chart, caption, alt text) for a metric, or None without monthly or quarterly figures.

    `unknown` is the theme's words for a figure not yet known (`tbc`)."""
    m = metric_performance(info)
    if m is None:
        return None
    m.unknown_words = unknown
    return chart_for(m, look), caption_for(m), alt_text(m)


def chart_figure(plan, args: list[str], where) -> list:
    """The Figure for `::: chart METRIC`: nothing for a metric with only yearly figures.

    Raises TableError (message and hint) for a missing or unknown metric id.
    """
    from .content.validation import did_you_mean
    from .derived import metrics_info
    from .document.model import Figure, Text
    from .document.tables import TableError

    infos = {info.id: info for info in metrics_info(plan)}
    if len(args) != 1 or args[0] not in infos:
        given = " ".join(args)
        raise TableError(
            f"'::: chart' needs the id of a metric in metrics.yaml, got '{given}'",
            did_you_mean(given, list(infos)) if given else "write e.g. '::: chart discharge-delay'",
        )
    made = metric_chart(infos[args[0]], look_from_theme(plan.theme), plan.theme.unknown)
    if made is None:
        return []
    chart, caption, alt = made
    return [
        Figure(
            image=None,
            alt=alt,
            caption=[Text(caption)],
            id=f"chart-{args[0]}",
            location=where,
            chart=chart,
        )
    ]
