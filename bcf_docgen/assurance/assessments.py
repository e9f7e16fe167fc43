"""Assessment files: an assurer's judgement of each plan, as data with file:line.

A judgement is not part of the plan, so it lives in files of its own: one per plan (the
assessment's keys at the top level) or one per region (`assessments:`, a list naming
each plan by its ONS code). Values are strict, because the grid is filtered and read
aloud: a rating is exactly R, A or G (a Cyrillic or Greek look-alike is named as such),
high risk is yes or no, and a recommendation is one of the three outcomes plans are
given. Every problem is a finding at its line, as in a plan file.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, StrictBool, ValidationError

from ..content.base import Model, attach_sources
from ..content.files import ContentError, read_text
from ..content.validation import did_you_mean, validation_findings
from ..content.yamlsource import SourceMap, load_yaml
from ..findings import Findings, Location
from ..frameworks import Framework

RATINGS = {"R": "red", "A": "amber", "G": "green"}
# The outcomes a plan's assurance ends in, as the BCF's approval letters word them.
RECOMMENDATIONS = {
    "approved": "Approved",
    "approved-with-conditions": "Approved with conditions",
    "not-approved": "Not approved",
}
Recommendation = Literal["approved", "approved-with-conditions", "not-approved"]

# Letters of other scripts that look like R, A or G. A grid typed with them looks right
# and is wrong: a filter on "G" misses the row and a screen reader spells another letter.
LOOK_ALIKES = {
    "\u0410": "A",  # CYRILLIC CAPITAL LETTER A
    "\u0391": "A",  # GREEK CAPITAL LETTER ALPHA
    "\u13aa": "A",  # CHEROKEE LETTER GO
    "\ua4ee": "A",  # LISU LETTER A
    "\u050c": "G",  # CYRILLIC CAPITAL LETTER KOMI SJE
    "\u13c0": "G",  # CHEROKEE LETTER NAH
    "\ua4d6": "G",  # LISU LETTER GA
    "\u13a1": "R",  # CHEROKEE LETTER E
    "\u13d2": "R",  # CHEROKEE LETTER SV
    "\u01a6": "R",  # LATIN LETTER YR
    "\ua4e3": "R",  # LISU LETTER ZHA
}
WORDS = {"red": "R", "amber": "A", "green": "G"}


class Assessment(Model):
    """One plan's assessment, as an entry of a region's file or a file of its own."""

    plan: str  # the plan's ONS code (plan.yaml's area.code)
    area: str | None = None  # for people reading the file; the plan's own name is shown
    assessor: str | None = None
    date: dt.date | None = None
    conditions: dict[str, Any] = Field(default_factory=dict)
    key_lines_of_enquiry: dict[str, Any] = Field(default_factory=dict)
    high_risk: StrictBool
    high_risk_reason: str | None = None
    recommendation: Recommendation
    comments: str | None = None


class PlanAssessment(Assessment):
    """A file holding one plan's assessment."""

    framework: str | None = None


class RegionFile(Model):
    """A region's file: defaults for every entry, then the entries (read one by one, so
    that a mistake in one leaves the others read)."""

    framework: str | None = None
    region: str | None = None
    assessor: str | None = None
    date: dt.date | None = None
    assessments: list[Any] = Field(default_factory=list)


@dataclass(frozen=True)
class Judgement:
    """An assessment once checked: what the grid shows for one plan."""

    code: str
    assessor: str
    date: dt.date | None
    conditions: dict[str, str]  # condition id -> red | amber | green (absent: not assessed)
    lines: dict[str, str]  # key line id -> red | amber | green
    invalid: dict[str, str]  # id -> a value that is not a rating (a finding says where)
    high_risk: bool
    reason: str
    recommendation: str  # a key of RECOMMENDATIONS
    comments: str
    where: Location


@dataclass
class _Entry:
    model: Assessment
    assessor: str | None
    date: dt.date | None


@dataclass
class AssessmentSet:
    """Every assessment file read: entries still to be checked against the round and
    the plans (`judge`), and what the files say of themselves."""

    entries: list[_Entry] = field(default_factory=list)
    frameworks: list[tuple[str, Location]] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def read_assessments(paths: list[Path]) -> AssessmentSet:
    """Read each file (a region's or a plan's); problems are findings, never exceptions."""
    found = AssessmentSet()
    for path in paths:
        _read_file(path, str(path), found)
    return found


def _read_file(path: Path, display: str, found: AssessmentSet) -> None:
    try:
        data, smap = load_yaml(read_text(path, display), display)
    except ContentError as exc:
        found.findings.error(exc.code, exc.message, exc.location, exc.hint)
        return
    except OSError as exc:
        found.findings.error(
            "assessment.file",
            f"cannot read {display}: {exc.strerror or exc}",
            Location(display),
            "give the path of an assessment file (docs/assurance.md)",
        )
        return
    if not isinstance(data, dict):
        found.findings.error(
            "assessment.file",
            "an assessment file holds 'key: value' lines",
            smap.value(()),
            "start with 'assessments:' (a region's file) or 'plan:' (one plan's file)",
        )
        return
    if "assessments" in data:
        _read_region(data, smap, found)
        return
    single = _validated(PlanAssessment, data, smap, (), found.findings)
    if isinstance(single, PlanAssessment):
        if single.framework:
            found.frameworks.append((single.framework, single.loc("framework")))
        found.entries.append(_Entry(single, single.assessor, single.date))


def _read_region(data: dict[str, Any], smap: SourceMap, found: AssessmentSet) -> None:
    region = _validated(RegionFile, data, smap, (), found.findings)
    if not isinstance(region, RegionFile):
        return
    if region.framework:
        found.frameworks.append((region.framework, region.loc("framework")))
    if region.region:
        found.regions.append(region.region)
    for i, item in enumerate(region.assessments):
        entry = _validated(Assessment, item, smap, ("assessments", i), found.findings)
        if isinstance(entry, Assessment):
            found.entries.append(
                _Entry(entry, entry.assessor or region.assessor, entry.date or region.date)
            )


def _validated(
    model: type[Model], data: Any, smap: SourceMap, path: tuple[str | int, ...], findings: Findings
) -> Model | None:
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        findings.extend(validation_findings(exc, model, smap, path))
        return None
    attach_sources(value, smap, path)
    return value


# ---------------------------------------------------------------------------- checking


def rating_problem(value: Any) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) for a rating that is not exactly R, A or G."""
    if isinstance(value, str) and value in RATINGS:
        return None
    if value is None or value == "":
        return "has no rating", "write R, A or G"
    if not isinstance(value, str):
        return f"'{value}' is not a rating", "write R, A or G"
    text = value.strip()
    for char in text:
        if char in LOOK_ALIKES:
            latin = LOOK_ALIKES[char]
            name = unicodedata.name(char, "a letter of another script")
            return (
                f"'{text}' is not R, A or G: it holds {name} (U+{ord(char):04X}), which "
                f"only looks like the Latin letter {latin}",
                f"delete it and type the Latin capital {latin}: a look-alike letter is read "
                "as another letter by screen readers and missed by filters",
            )
    normal = unicodedata.normalize("NFKC", text)
    if normal.upper() in RATINGS:
        return (
            f"'{text}' is not R, A or G exactly",
            f"write the capital Latin letter {normal.upper()}",
        )
    if text.lower() in WORDS:
        return f"'{text}' is a word, not a rating", f"write the letter {WORDS[text.lower()]}"
    return f"'{text}' is not a rating", "write R, A or G (one letter, in capitals)"


def judge(
    found: AssessmentSet, framework: Framework, codes: dict[str, str]
) -> tuple[dict[str, Judgement], Findings]:
    """The judgements by ONS code, checked against the round's conditions and key lines
    and against the plans of the summary (`codes`: ONS code -> the plan's area name)."""
    findings = Findings()
    for framework_id, where in found.frameworks:
        if framework_id != framework.id:
            findings.error(
                "assessment.framework",
                f"the assessments are for '{framework_id}' but the plans are for '{framework.id}'",
                where,
                f"write 'framework: {framework.id}', or summarise plans of '{framework_id}'",
            )
    judged: dict[str, Judgement] = {}
    first: dict[str, Location] = {}
    for entry in found.entries:
        model = entry.model
        code = model.plan.strip()
        if code not in codes:
            findings.error(
                "assessment.plan",
                f"no plan in this summary has the ONS code '{code}'",
                model.loc("plan"),
                did_you_mean(code, list(codes))
                + " (the code is area.code in the plan's plan.yaml)",
            )
            _judgement(entry, framework, findings)  # its own problems are still reported
            continue
        if code in first:
            findings.error(
                "assessment.duplicate",
                f"plan '{code}' is assessed twice (first at line {first[code].line} of "
                f"{first[code].file})",
                model.loc("plan"),
                "keep one assessment per plan",
            )
            _judgement(entry, framework, findings)
            continue
        first[code] = model.loc("plan")
        judged[code] = _judgement(entry, framework, findings)
    return judged, findings


def _judgement(entry: _Entry, framework: Framework, findings: Findings) -> Judgement:
    model = entry.model
    invalid: dict[str, str] = {}
    conditions = _ratings(
        model, "conditions", [(c.id, c.title) for c in framework.conditions], findings, invalid
    )
    lines = _ratings(
        model,
        "key_lines_of_enquiry",
        [(k.id, k.title) for k in framework.key_lines_of_enquiry],
        findings,
        invalid,
    )
    reason = (model.high_risk_reason or "").strip()
    if model.high_risk and not reason:
        findings.error(
            "assessment.high-risk-reason",
            "the plan is marked high risk without a reason",
            model.loc("high_risk"),
            "add 'high_risk_reason:' saying why, in a sentence the board can read",
        )
    for name, value in (("assessor", entry.assessor), ("date", entry.date)):
        if not value:
            findings.error(
                f"assessment.{name}",
                f"the assessment of '{model.plan}' has no {name}",
                model.loc("plan"),
                f"add '{name}:' to the assessment (or once at the top of a region's file)",
            )
    return Judgement(
        code=model.plan.strip(),
        assessor=entry.assessor or "",
        date=entry.date,
        conditions=conditions,
        lines=lines,
        invalid=invalid,
        high_risk=model.high_risk,
        reason=reason,
        recommendation=model.recommendation,
        comments=(model.comments or "").strip(),
        where=model.loc("plan"),
    )


def _ratings(
    model: Assessment,
    key: str,
    expected: list[tuple[str, str]],
    findings: Findings,
    invalid: dict[str, str],
) -> dict[str, str]:
    """The ratings under `key` (conditions or key lines), each checked; a missing one
    is a warning (not assessed yet), an unknown id or a value not R, A or G an error."""
    given: dict[str, Any] = getattr(model, key)
    ids = [i for i, _ in expected]
    what = "condition" if key == "conditions" else "key line of enquiry"
    ratings: dict[str, str] = {}
    for ident, value in given.items():
        if ident not in ids:
            findings.error(
                f"assessment.{'condition' if key == 'conditions' else 'key-line'}",
                f"'{ident}' is not a {what} of this round",
                model.key_loc(key, ident),
                did_you_mean(ident, ids),
            )
            continue
        problem = rating_problem(value)
        if problem:
            message, hint = problem
            findings.error(
                "assessment.rating", f"{key} {ident}: {message}", model.loc(key, ident), hint
            )
            invalid[ident] = "" if value is None else str(value)
            continue
        ratings[ident] = RATINGS[value]
    for ident, title in expected:
        if ident not in given:
            findings.warning(
                "assessment.not-rated",
                f"{what} {ident} ({title}) is not rated for plan '{model.plan}'",
                model.key_loc(key) if given else model.loc("plan"),
                f"add '{ident}: R', 'A' or 'G' under {key}: (it shows as not assessed)",
            )
    return ratings
