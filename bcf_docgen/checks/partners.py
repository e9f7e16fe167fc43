"""Partner kinds belong to the round: a 2017-19 plan's NHS partners are CCGs (`ccg`), a
2025-26 plan's are ICBs (`icb`). The model accepts any word, so that each round's pack can
name its own kinds; this check holds a plan to the kinds of its own framework."""

from __future__ import annotations

from ..content.models import Partner
from ..content.plan import Plan
from ..content.validation import did_you_mean
from ..findings import Findings
from ..frameworks import Framework
from .registry import check


def _hint(partner: Partner, framework: Framework) -> str:
    """Names the kind that took over from the one written (`ccg` -> `icb`), or the closest,
    then every kind of the round with its name, so the author can pick without the pack."""
    listed = ", ".join(f"{k.id} ({k.name})" for k in framework.partner_kinds)
    successors = [k for k in framework.partner_kinds if partner.kind in k.replaces]
    if successors:
        first = successors[0]
        lead = (
            f"in {framework.id} a partner of kind '{partner.kind}' is written "
            f"'{first.id}' ({first.name})"
        )
    else:
        lead = did_you_mean(partner.kind, [k.id for k in framework.partner_kinds])
    return f"{lead}; partner kinds in {framework.id}: {listed}"


@check
def partner_kinds_of_the_round(plan: Plan, findings: Findings) -> None:
    known = {k.id for k in plan.framework.partner_kinds}
    for partner in plan.meta.partners:
        if partner.kind in known:
            continue
        findings.error(
            "partner.kind",
            f"'{partner.kind}' is not a kind of partner in {plan.framework.id}",
            partner.loc("kind"),
            _hint(partner, plan.framework),
        )
