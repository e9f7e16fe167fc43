"""`bcf-docgen new`: a plan folder that passes `check` as a draft, ready to fill in.

The scaffold is built from the framework pack (its years, conditions, metrics, funding
types and expected narrative sections), so a new round needs no code change here.
Guidance for the author is written as Jinja comments `{## ... ##}` in Markdown and YAML
comments in data, so none of it can leak into a built document.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml

from .frameworks import Framework, available
from .paths import default_templates
from .schema import SCHEMA_FOLDER, SchemaFile, plan_schemas, vscode_mapping
from .sections import known_templates


class ScaffoldError(Exception):
    """The target folder cannot be used (a file, not empty, or cannot be written)."""


class _Dumper(yaml.SafeDumper):
    """Writes a repeated value (today's date) in full each time: no &anchors for authors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)


# The partners a new plan starts with, by role: the round's council and NHS commissioner.
_STARTING_ROLES = ("local-authority", "nhs-commissioner")


def _partners(area: str, framework: Framework) -> dict[str, tuple[str, str, str]]:
    """role -> (id, name, kind): one partner of each starting role, of the round's own kind
    (a CCG in 2017-19, an ICB in 2025-26); the first kind a pack lists for a role wins."""
    partners = {}
    for role in _STARTING_ROLES:
        kinds = framework.kinds_with_role(role)
        if not kinds:
            continue
        kind = kinds[0]
        if role == "local-authority":
            partners[role] = ("council", f"{area} Council", kind.id)
        else:
            partners[role] = (kind.id, f"NHS {area} {kind.name}", kind.id)
    return partners


def _contributor(partners: dict[str, tuple[str, str, str]], role: str | None) -> str:
    """The starting partner that pays in money of a role; the council when there is none."""
    chosen = partners.get(role or "") or partners.get("local-authority")
    if chosen is None:
        chosen = next(iter(partners.values()), ("council", "", ""))
    return chosen[0]


def scaffold(folder: Path, area: str, framework: Framework, today: dt.date) -> list[Path]:
    """Write a new plan folder; returns the files written."""
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is a file; give the name of a new folder")
    if folder.exists() and any(folder.iterdir()):
        raise ScaffoldError(f"{folder} already exists and is not empty; choose a new folder")
    files: dict[str, str] = {}
    sections = [s for s in framework.narrative_sections if s.required]
    builtin = {"vision", "schemes", "conditions", "funding", "metrics", "risks", "signoff"}
    narrative = [s for s in sections if s.id not in builtin]
    outline: list[object] = ["cover", "document-control", "contents"]
    outline += [f"sections/{s.id}.md" for s in narrative]
    outline += ["vision", "schemes", "conditions", "funding", "metrics", "risks", "signoff"]
    partners = _partners(area, framework)
    plan = {
        "format": 1,
        "framework": framework.id,
        "title": f"Better Care Fund Plan {framework.years[0]}"
        + (f" to {framework.years[-1]}" if len(framework.years) > 1 else ""),
        "area": {"name": area, "board": f"{area} Health and Wellbeing Board"},
        "status": "draft",
        "version": "0.1",
        "date": today,
        "partners": [
            {"id": pid, "name": name, "kind": kind} for pid, name, kind in partners.values()
        ],
        "roles": {"accountable": [], "responsible": [], "consulted": [], "informed": []},
        "history": [
            {"version": "0.1", "date": today, "author": "Plan author", "summary": "First draft"}
        ],
        "outstanding": [],
        "outline": outline,
    }
    files["plan.yaml"] = (
        "# The plan's metadata and outline: see docs/content-format.md.\n"
        "# Change the partner names to your own council and NHS commissioner.\n"
        + "# Partner kinds in this round: "
        + ", ".join(k.id for k in framework.partner_kinds)
        + "\n"
        + _dump(plan)
    )
    for section in narrative:
        guidance = section.hint or f"Write the {section.title.lower()} here."
        files[f"sections/{section.id}.md"] = (
            "---\n"
            + _dump({"id": section.id, "title": section.title})
            + f"---\n{{## {guidance} ##}}\n"
        )
    files["vision.yaml"] = (
        "# The shared vision: a statement, optional strapline and 'I statement',\n"
        "# strategic objectives (id, title, description) that schemes name, and principles.\n"
        + _dump({"objectives": [], "principles": []})
    )
    files["funding.yaml"] = (
        "# Income by source and year. Every source's amount must equal the scheme\n"
        "# expenditure lines that draw on it. Amounts are whole pounds.\n"
        + _dump(
            {
                "sources": [
                    {
                        "id": s.type,
                        "name": s.name,
                        "contributor": _contributor(partners, framework.contributor_role(s)),
                        "amounts": dict.fromkeys(framework.years, 0),
                    }
                    for s in framework.funding_sources
                    if s.mandatory
                ],
                "control_totals": [],
                "ring_fences": [],
            }
        )
    )
    files["metrics.yaml"] = (
        "# Baselines, targets and actuals for the national metrics (and any local ones).\n"
        + _dump({"metrics": [{"id": m.id, "targets": {}} for m in framework.metrics]})
    )
    files["risks.yaml"] = _dump(
        {
            "scale": {"likelihood": 5, "impact": 5},
            "thresholds": {"red": 15, "amber": 8},
            "risks": [],
        }
    )
    files["conditions.yaml"] = (
        "# One entry per national condition: id, status (met | partly-met | not-met), response.\n"
        "# The conditions of this round are:\n"
        + "".join(f"#   {c.id}: {c.title}\n" for c in framework.conditions)
        + _dump({"conditions": []})
    )
    files["signoff.yaml"] = _dump(
        {
            "signatories": [
                {
                    "for": f"{area} Health and Wellbeing Board",
                    "name": "Chair of the Board",
                    "position": "Chair",
                    "date": None,
                }
            ]
        }
    )
    files["board-report.yaml"] = _board_report(area, framework, today)
    schemas = plan_schemas(framework, available(default_templates()), known_templates(folder))
    files.update(_editor_files(schemas))
    written = []
    try:
        (folder / "schemes").mkdir(parents=True, exist_ok=True)
        (folder / "assets").mkdir(exist_ok=True)
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise ScaffoldError(f"cannot write {exc.filename or folder}: {exc.strerror}") from exc
    return written


def _board_report(area: str, framework: Framework, today: dt.date) -> str:
    """The covering report of the board pack (docs/board-pack.md), so that `pack` works on
    a new plan: every key the report needs, with words that say what to write."""
    board = f"{area} Health and Wellbeing Board"
    year = framework.years[0]
    report = {
        "decision_maker": board,
        "subject": f"Better Care Fund Plan {year}",
        "meeting_date": today,
        "report_of": f"Director of Adult Social Care, {area} Council",
        "contacts": [{"role": "Author", "name": "Plan author", "title": "Programme manager"}],
        "confidentiality": "Not applicable",
        "summary": (
            f"This report presents the Better Care Fund plan for {year}. The pooled fund "
            f'is {{{{ funding.pool["{year}"] | money }}}}, spent through '
            "{{ schemes | length | words }} schemes."
        ),
        "recommendations": [f"To approve the Better Care Fund Plan {year} attached as Appendix 1."],
        "reasons": [
            "The Board agrees the Better Care Fund plan for the area and oversees its delivery."
        ],
        "alternatives": [],
        "detail": [],
        "implications": {},
        "key_decision": False,
        "wards": "All wards",
        "appendices": [],
    }
    return (
        "# The covering report of the board pack (bcf-docgen pack): see docs/board-pack.md.\n"
        "# Every text is Markdown and may use {{ }} values, so its figures agree with the plan.\n"
        "# appendices: the plan is Appendix 1; add {title: Risk register, source: risks},\n"
        "# {title: Scheme summaries, source: schemes}, a section template's name or a\n"
        "# Markdown file of the plan folder.\n" + _dump(report)
    )


def _editor_files(schemas: list[SchemaFile]) -> dict[str, str]:
    """The plan's JSON Schemas and VS Code's mapping of them to the plan's files, so that
    an editor opened on the plan folder checks each file as it is typed (docs/editors.md)."""
    files = {f"{SCHEMA_FOLDER}/{schema.filename}": schema.text for schema in schemas}
    settings = {"yaml.schemas": vscode_mapping(schemas, SCHEMA_FOLDER)}
    files[".vscode/settings.json"] = json.dumps(settings, indent=2) + "\n"
    return files
