"""Kinds of document: what `document:` in plan.yaml changes, decided in one table.

A whole plan is one kind of document among several that partners publish: a scheme
appendix, an update report to the board, a briefing on one topic. The framework's
expectations (every national condition answered, every narrative section present,
every metric with targets, funding ring-fences stated, a signed and recorded final
version) are expectations of a *plan*; asking them of an appendix buries its real
findings under dozens it can never clear. So each check that asks for something the
document does not hold names its expectation here, and the kind says whether it applies.

The kind also sets the defaults of the layout that real documents of that kind share:
whether the text before the first heading is a cover page, and whether headings are
numbered. The outline still decides what is in the document, and a section's own front
matter (`numbered:`) still wins over the kind's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .models import PlanMeta

Expectation = Literal[
    "narrative-sections",  # section.missing: the round's narrative sections
    "conditions",  # condition.missing: a response to every national condition
    "national-metrics",  # metric.missing/.baseline/.target: every national metric planned
    "scheme-spending",  # scheme.no-expenditure: every scheme has expenditure lines
    "scheme-purpose",  # text.empty: every scheme has its "I statement"
    "scheme-summary",  # text.empty: every scheme has a summary (an appendix's overview)
    "scheme-metrics",  # scheme.no-metric: every scheme names a metric it moves
    "ring-fences",  # money.ring-fence-missing: the amount of every minimum rule stated
    "sign-off",  # signoff.undated: a final document is signed by every signatory
    "version-history",  # history.current: a final document records its version
]

EVERYTHING: frozenset[Expectation] = frozenset(
    {
        "narrative-sections",
        "conditions",
        "national-metrics",
        "scheme-spending",
        "scheme-purpose",
        "scheme-summary",
        "scheme-metrics",
        "ring-fences",
        "sign-off",
        "version-history",
    }
)


@dataclass(frozen=True)
class DocumentKind:
    name: str
    noun: str  # how findings name the document: "a final appendix needs ..."
    expects: frozenset[Expectation]
    cover: bool  # the text before the first heading is a page of its own
    numbered: bool  # headings are numbered (1, 1.1) unless a section says otherwise


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        # A whole plan: the framework's every expectation, a cover, numbered sections.
        DocumentKind("plan", "plan", EVERYTHING, cover=True, numbered=True),
        # A scheme appendix (one part per scheme): its schemes are described and name
        # their metrics; it opens with its heading on the first page, headings plain,
        # as published scheme appendices are laid out.
        DocumentKind(
            "appendix",
            "appendix",
            frozenset({"scheme-summary", "scheme-metrics"}),
            cover=False,
            numbered=False,
        ),
        # A report to the board (quarterly update, year-end): committee reports have a
        # front page and numbered sections, and none of the plan's expectations.
        DocumentKind("report", "report", frozenset(), cover=True, numbered=True),
        # A briefing (one condition, one topic): a few plain pages.
        DocumentKind("briefing", "briefing", frozenset(), cover=False, numbered=False),
    )
}


def kind_of(meta: PlanMeta) -> DocumentKind:
    """The kind plan.yaml names (`document:`), a plan when it names none."""
    return KINDS[meta.document]


def expects(meta: PlanMeta, expectation: Expectation) -> bool:
    """Whether the framework's `expectation` applies to this document."""
    return expectation in kind_of(meta).expects
