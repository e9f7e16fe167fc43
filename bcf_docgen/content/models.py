"""Typed models of the plan content format, version 1 (one class per file, and their parts).

Field names are the YAML keys authors write. Cross-file rules (a scheme's lead must be a
partner, a source type must exist in the framework) live in `bcf_docgen.checks`, which
sees the whole plan; these models only say what each file may hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..unknown import Partial
from .base import Model, Money, Number

# ---------------------------------------------------------------- plan.yaml


class Area(Model):
    name: str
    board: str
    code: str | None = None


class Partner(Model):
    id: str
    name: str
    # One of the partner kinds of the plan's framework pack (`ccg` in 2017-19, `icb`
    # since 2022): each round has its own, so checks/partners.py checks it, not the model.
    kind: str
    short_name: str | None = None


class Roles(Model):
    accountable: list[str] = Field(default_factory=list)
    responsible: list[str] = Field(default_factory=list)
    consulted: list[str] = Field(default_factory=list)
    informed: list[str] = Field(default_factory=list)


class HistoryEntry(Model):
    version: str
    date: dt.date
    author: str
    summary: str


@dataclasses.dataclass(frozen=True)
class Uncommitted:
    """A build from a plan folder with uncommitted changes (history read from git)."""

    files: int  # changed, added, removed or untracked files under the plan folder
    date: dt.date  # of the build: SOURCE_DATE_EPOCH's when set, so builds stay reproducible


class OutlineEntry(Model):
    """One entry of the outline: a template, a Markdown file, or either as an appendix.

    Authors write a bare string (`funding`, `sections/foreword.md`) or a mapping
    (`{template: schemes, intro: sections/schemes-intro.md}`, `{appendix: ...}`).
    """

    template: str | None = None
    section: str | None = None
    intro: str | None = None
    appendix: str | None = None
    title: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"section": value} if value.endswith(".md") else {"template": value}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> OutlineEntry:
        given = [k for k in ("template", "section", "appendix") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "an outline entry names one template, one Markdown file or one appendix"
            )
        if self.intro and not self.template:
            raise ValueError("'intro' goes with 'template'")
        return self

    @property
    def is_appendix(self) -> bool:
        return self.appendix is not None

    @property
    def target(self) -> str:
        """The template name or Markdown path this entry builds."""
        return self.template or self.section or self.appendix or ""

    @property
    def is_markdown(self) -> bool:
        return self.target.endswith(".md")


class PlanMeta(Model):
    format: int
    framework: str
    title: str
    area: Area
    status: Literal["draft", "final"] = "draft"
    # What the document is (a whole plan, a scheme appendix, ...): content/kinds.py.
    document: Literal["plan", "appendix", "report", "briefing"] = "plan"
    version: str
    date: dt.date
    description: str | None = None
    partners: list[Partner] = Field(default_factory=list)
    roles: Roles = Field(default_factory=Roles)
    history: list[HistoryEntry] = Field(default_factory=list)
    # `git-tags`: the history is read from the plan's annotated git tags instead of
    # `history` (bcf_docgen/history.py, before the checks run).
    history_from: Literal["typed", "git-tags"] = "typed"
    outstanding: list[str] = Field(default_factory=list)
    outline: list[OutlineEntry] = Field(default_factory=list)
    theme: str | None = None
    # Never written in YAML: set with the history read from git (see `use_git_history`).
    _uncommitted: Uncommitted | None = PrivateAttr(default=None)

    @property
    def uncommitted(self) -> Uncommitted | None:
        """Set when built from uncommitted changes: document control says so, so that a
        document built from a dirty tree cannot pass for a tagged version."""
        return self._uncommitted

    def use_git_history(self, entries: list[HistoryEntry], uncommitted: Uncommitted | None) -> None:
        """Put the history read from git tags in place of the typed one.

        Every consumer (the history table, the history checks, `diff`) then sees one
        history. The entries have no line in plan.yaml, so findings about them point at
        the `history_from:` line that brought them in, not at a typed entry.
        """
        self.history = entries
        self._uncommitted = uncommitted
        if self._src is None:
            return
        setting = self._src.value((*self._path, "history_from"))
        prefix = (*self._path, "history")

        def outside(located: dict) -> dict:
            kept = {p: at for p, at in located.items() if p[: len(prefix)] != prefix}
            return {**kept, prefix: setting}

        self._src = dataclasses.replace(
            self._src, values=outside(self._src.values), keys=outside(self._src.keys)
        )

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value != 1:
            raise ValueError(
                f"format {value} is not known to this version of bcf-docgen, which reads format 1"
            )
        return value


# ---------------------------------------------------------------- sections/*.md


class SectionFront(Model):
    """Front matter of a Markdown section or a section template."""

    id: str | None = None
    title: str | None = None
    numbered: bool = True  # the heading gets a number (3, 3.1, ...)
    contents: bool = True  # the heading is listed in the contents
    heading: bool = True  # False for a section without a heading of its own (the cover)
    new_page: bool = True  # the section starts on a new page
    landscape: bool = False  # the whole section, heading included, on landscape pages


# ---------------------------------------------------------------- vision.yaml


class Objective(Model):
    id: str
    title: str
    description: str | None = None


class Vision(Model):
    statement: str | None = None
    strapline: str | None = None
    for_residents: str | None = None
    objectives: list[Objective] = Field(default_factory=list)
    principles: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- schemes/*.yaml


class ExpenditureLine(Model):
    line: str
    type: str
    sub_type: str | None = None
    area: str
    commissioner: str
    provider: str | None = None
    source: str
    description: str | None = None
    amounts: dict[str, Money] = Field(default_factory=dict)


class Scheme(Model):
    id: str
    name: str
    theme: str | None = None
    lead: str | None = None
    status: Literal["new", "existing", "expanded"] | None = None  # printed only if written
    purpose: str | None = None
    summary: str | None = None
    objectives: list[str] = Field(default_factory=list)
    vision_objectives: list[str] = Field(default_factory=list)
    activities: dict[str, list[str]] = Field(default_factory=dict)
    benefits: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    expenditure: list[ExpenditureLine] = Field(default_factory=list)

    @field_validator("activities", mode="before")
    @classmethod
    def _plain_list(cls, value: Any) -> Any:
        # A plain list of activities is accepted and means "throughout the plan".
        if isinstance(value, list):
            return {"all": value}
        return value

    def total(self, year: str) -> int | Partial:
        return sum((line.amounts.get(year, 0) for line in self.expenditure), 0)  # type: ignore[return-value]


# ---------------------------------------------------------------- funding.yaml


class Passport(Model):
    to: str
    amounts: dict[str, Money] = Field(default_factory=dict)


class FundingSource(Model):
    id: str
    type: str | None = None
    name: str
    contributor: str | None = None
    amounts: dict[str, Money] = Field(default_factory=dict)
    passported: list[Passport] = Field(default_factory=list)

    @property
    def kind(self) -> str:
        """The framework's type of funding; defaults to the source's own id."""
        return self.type or self.id


class ControlTotal(Model):
    what: str
    year: str
    amount: Money
    note: str | None = None


class RingFence(Model):
    rule: str
    year: str
    amount: Money


class Funding(Model):
    sources: list[FundingSource] = Field(default_factory=list)
    control_totals: list[ControlTotal] = Field(default_factory=list)
    ring_fences: list[RingFence] = Field(default_factory=list)


# ---------------------------------------------------------------- metrics.yaml


class Baseline(Model):
    period: str
    value: Number


class Metric(Model):
    id: str
    name: str | None = None
    unit: str | None = None
    decimals: int | None = None
    direction: Literal["higher", "lower"] | None = None
    description: str | None = None
    source: str | None = None
    baseline: Baseline | None = None
    targets: dict[str, Number] = Field(default_factory=dict)
    actuals: dict[str, Number] = Field(default_factory=dict)
    last_year: dict[str, Number] = Field(default_factory=dict)
    rationale: str | None = None


class Metrics(Model):
    metrics: list[Metric] = Field(default_factory=list)


# ---------------------------------------------------------------- risks.yaml


class Scale(Model):
    likelihood: int = 5
    impact: int = 5


class Thresholds(Model):
    red: int = 15
    amber: int = 8


class Score(Model):
    likelihood: int
    impact: int

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class Risk(Model):
    id: str
    risk: str
    cause: str | None = None
    category: str | None = None
    likelihood: int
    impact: int
    rating: Literal["red", "amber", "green"] | None = None
    owner: str | None = None
    mitigations: list[str] = Field(default_factory=list)
    residual: Score | None = None
    status: Literal["open", "closed"] = "open"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class Risks(Model):
    scale: Scale = Field(default_factory=Scale)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    risks: list[Risk] = Field(default_factory=list)

    def rating(self, score: int) -> str:
        """The RAG rating for a score: >= red is red, >= amber is amber, else green."""
        if score >= self.thresholds.red:
            return "red"
        if score >= self.thresholds.amber:
            return "amber"
        return "green"


# ---------------------------------------------------------------- conditions.yaml


class ConditionResponse(Model):
    id: str
    status: Literal["met", "partly-met", "not-met"]
    response: str | None = None


class Conditions(Model):
    conditions: list[ConditionResponse] = Field(default_factory=list)


# ---------------------------------------------------------------- signoff.yaml


class Signatory(Model):
    for_: str = Field(alias="for")
    name: str
    position: str
    date: dt.date | None = None


class Signoff(Model):
    signatories: list[Signatory] = Field(default_factory=list)


# ---------------------------------------------------------------- board-report.yaml


class Contact(Model):
    role: str
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None


class Implications(Model):
    resource: str | None = None
    property: str | None = None
    legal_power: str | None = None
    legal_other: str | None = None
    policy: str | None = None
    risk: str | None = None


class ImpactAssessment(Model):
    required: bool
    note: str | None = None


class ReportAppendix(Model):
    title: str
    source: str


class BoardReport(Model):
    decision_maker: str
    subject: str
    meeting_date: dt.date
    report_of: str
    # Board conventions (docs/board-pack.md): on the pack's cover and running header.
    meeting_name: str | None = None  # the meeting, when not just the decision-maker's
    agenda_item: str | None = None  # "7", "7.2"
    paper_reference: str | None = None  # the board's paper number, "HWB/25-26/041"
    contacts: list[Contact] = Field(default_factory=list)
    confidentiality: str | None = None
    summary: str
    recommendations: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    alternatives: list[str] = Field(default_factory=list)
    detail: list[str] = Field(default_factory=list)
    implications: Implications = Field(default_factory=Implications)
    key_decision: bool = False
    wards: str | None = None
    equality_impact_assessment: ImpactAssessment | None = None
    privacy_impact_assessment: ImpactAssessment | None = None
    appendices: list[ReportAppendix] = Field(default_factory=list)
