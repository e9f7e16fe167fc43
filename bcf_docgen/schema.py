"""JSON Schemas for a plan's YAML files, so that an editor checks them as the author types.

The models in content/models.py (and theme.py) already say what each file may hold;
pydantic turns them into JSON Schema. What pydantic cannot know comes from the plan's
framework pack: the round's scheme types, areas of spend, partner kinds, kinds of
funding, funding rules and condition ids are `enum`s with descriptions (completion and
hover in VS Code's YAML extension), and the national metric ids are offered while local
ones stay allowed, as the checks allow them. So a schema belongs to one round: `new` and
`bcf-docgen schema` write them for the plan's own pack.

The schemas accept what the reader accepts and no more where the reader refuses: unknown
keys are refused (`additionalProperties: false`, as `extra="forbid"` does), a figure may
be `tbc` where money and metric figures are read (unknown.py), a text may be written as
a number (the reader turns it into text), an outline entry may be a bare name, and a
scheme's activities a plain list. Cross-file rules (a scheme's lead is a partner of
plan.yaml) stay with `check`: a schema sees one file.

Editors read YAML 1.2, in which `2025-10-14` is text, not a date: dates are strings of
`format: date`, which is what the tests validate against (dates written out as text).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from . import theme as theme_module
from .content import base
from .content.models import (
    BoardReport,
    Conditions,
    Funding,
    Metrics,
    PlanMeta,
    Risks,
    Scheme,
    Signoff,
    Vision,
)
from .findings import Findings, Location
from .frameworks import Framework
from .sections import BUILTIN_SECTIONS
from .theme import Theme
from .unknown import SPELLING

DIALECT = "http://json-schema.org/draft-07/schema#"  # what editors' YAML servers know best
SCHEMA_FOLDER = ".schemas"  # where `new` writes a plan's schemas, inside the plan folder
DEFAULT_THEME = "theme.yaml"

# `tbc` in any case, with spaces around it, as unknown.is_tbc reads it.
TBC = {
    "type": "string",
    "pattern": "^\\s*[Tt][Bb][Cc]\\s*$",
    "description": f"`{SPELLING}`: a figure not yet known (printed as 'to be confirmed')",
}
MONEY = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "description": "whole pounds, e.g. 1250000"},
        TBC,
    ]
}
NUMBER = {"anyOf": [{"type": "number"}, TBC]}
FACT_NAME = "^[A-Za-z_][A-Za-z0-9_]*$"  # as the reader's facts.yaml check

# The descriptions of the built-in sections an outline may name (sections.BUILTIN_SECTIONS,
# plus the templates shipped in templates/sections/, which describe themselves by name).
SECTION_WORDS = {
    "cover": "the cover page",
    "document-control": "version history, roles and outstanding items",
    "contents": "the table of contents",
    "vision": "the shared vision (vision.yaml)",
    "schemes": "one part per scheme (schemes/*.yaml)",
    "conditions": "the responses to the national conditions (conditions.yaml)",
    "funding": "income, spending and the funding rules (funding.yaml)",
    "metrics": "the metrics' baselines, targets and actuals (metrics.yaml)",
    "performance": "plan against actual, month by month (metrics.yaml)",
    "risks": "the risk register (risks.yaml)",
    "signoff": "the signatories (signoff.yaml)",
}


@dataclass(frozen=True)
class SchemaFile:
    """One kind of YAML file: its schema, the file the schema is written to, and the
    plan files (globs relative to the plan folder) it applies to."""

    kind: str
    filename: str
    globs: tuple[str, ...]
    schema: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.schema, indent=2, ensure_ascii=False) + "\n"


class _Generator(GenerateJsonSchema):
    """pydantic's generator, taught the plan format's own value types."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        # The reader turns a number into text (`version: 1.2`), so a number is accepted.
        value = super().str_schema(schema)
        if value == {"type": "string"}:
            return {"type": ["string", "number"]}
        return value

    def function_plain_schema(self, schema: core_schema.PlainValidatorFunctionSchema) -> Any:
        found = PLAIN_TYPES.get(_function(schema))
        return copy.deepcopy(found) if found is not None else super().function_plain_schema(schema)

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> Any:
        found = BEFORE_TYPES.get(_function(schema))
        return copy.deepcopy(found) if found is not None else super().function_before_schema(schema)


def _function(schema: Any) -> Any:
    function = schema.get("function", {})
    return function.get("function") if isinstance(function, dict) else None


def _validator(annotated: Any) -> Callable[..., Any]:
    """The function of an Annotated type's (only) validator: Money's, Colour's..."""
    function: Callable[..., Any] = annotated.__metadata__[0].func
    return function


# The functions behind the format's value types, recognised by identity, so that the
# schema follows whatever base.py and theme.py decide a value may be.
PLAIN_TYPES: dict[Callable[..., Any], dict[str, Any]] = {
    _validator(base.Money): MONEY,
    _validator(base.Number): NUMBER,
}
BEFORE_TYPES: dict[Callable[..., Any], dict[str, Any]] = {
    _validator(theme_module.Colour): {
        "type": "string",
        "pattern": "^#[0-9A-Fa-f]{6}$",
        "description": "a colour as #RRGGBB, e.g. #005EB8",
    },
    _validator(theme_module.FontName): {
        "type": "string",
        "pattern": "^[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*$",
        "maxLength": theme_module.FONT_NAME_MAX,
        "description": "a font family, e.g. Liberation Sans",
    },
    _validator(theme_module.BodySize): {
        "anyOf": [
            {
                "type": "number",
                "minimum": theme_module.BODY_SIZE_MIN,
                "maximum": theme_module.BODY_SIZE_MAX,
            },
            {"type": "string"},
        ],
        "description": "the body text size in points, e.g. 11",
    },
    _validator(theme_module.HeadingPattern): {
        "type": "string",
        "maxLength": theme_module.WORDING_MAX,
        "description": "e.g. 'Scheme {number_words}: {name}'; placeholders: "
        + ", ".join(f"{{{n}}}" for n in theme_module.HEADING_PLACEHOLDERS),
    },
    _validator(theme_module.Label): {
        "type": "string",
        "maxLength": theme_module.WORDING_MAX,
        "pattern": "^[^{}\\n\\r]*$",
    },
}


def model_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    """A model's schema as editors read it: draft 7, dates as text, unknown keys refused."""
    schema = model.model_json_schema(by_alias=True, schema_generator=_Generator, mode="validation")
    schema = {"$schema": DIALECT, **schema, "title": title}
    _tidy(schema)
    return schema


def _tidy(node: Any) -> None:
    """Drop pydantic's generated per-field titles ("Sub Type"): an editor shows the key."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for value in properties.values():
                if isinstance(value, dict):
                    value.pop("title", None)
        for value in node.values():
            _tidy(value)
    elif isinstance(node, list):
        for value in node:
            _tidy(value)


# ---------------------------------------------------------------- the framework's enums


def choice(values: Iterable[tuple[str, str]], strict: bool = True) -> dict[str, Any]:
    """`enum` with a description per value (VS Code's `markdownEnumDescriptions`).

    Not strict: the values are offered, but any text is allowed (a local metric's id).
    """
    pairs = list(dict.fromkeys(values))
    if not pairs:
        return {"type": "string"}
    enum: dict[str, Any] = {
        "type": "string",
        "enum": [value for value, _ in pairs],
        "enumDescriptions": [words for _, words in pairs],
        "markdownEnumDescriptions": [words for _, words in pairs],
    }
    return enum if strict else {"anyOf": [enum, {"type": "string"}]}


def _words(*parts: str | None) -> str:
    return ": ".join(" ".join(p.split()) for p in parts if p)


def framework_choices(framework: Framework) -> dict[str, dict[str, Any]]:
    """The pack's lists as schema fragments, by what they are used for."""
    return {
        "scheme-type": choice(
            (t, f"a scheme type of {framework.id}") for t in framework.scheme_types
        ),
        "area-of-spend": choice(
            (a, f"an area of spend of {framework.id}") for a in framework.areas_of_spend
        ),
        "partner-kind": choice(
            (k.id, _words(k.name, k.description) + f" (role: {k.role})")
            for k in framework.partner_kinds
        ),
        "source-type": choice(
            (s.type, _words(s.name, s.description) + (" (mandatory)" if s.mandatory else ""))
            for s in framework.funding_sources
        ),
        "rule": choice((r.id, _words(r.title, r.description)) for r in framework.rules),
        "condition": choice((c.id, _words(c.title, c.requirement)) for c in framework.conditions),
        "metric": choice(
            (
                (m.id, _words(m.name, f"{m.unit}, {m.direction} is better"))
                for m in framework.metrics
            ),
            strict=False,
        ),
    }


def _at(schema: dict[str, Any], model: str) -> dict[str, Any]:
    """The properties of model `model` (a $def, or the root) of a generated schema."""
    target = schema if schema.get("title") == model else schema.get("$defs", {}).get(model)
    if target is None:
        target = schema
    properties: dict[str, Any] = target["properties"]
    return properties


def _set(schema: dict[str, Any], model: str, field: str, value: dict[str, Any]) -> None:
    """Replace one field's schema, keeping `null` allowed where the field is optional."""
    properties = _at(schema, model)
    old = properties.get(field, {})
    nullable = any(option == {"type": "null"} for option in old.get("anyOf", []))
    new = {"anyOf": [value, {"type": "null"}]} if nullable else copy.deepcopy(value)
    if "default" in old:
        new["default"] = old["default"]
    properties[field] = new


def _set_items(schema: dict[str, Any], model: str, field: str, value: dict[str, Any]) -> None:
    properties = _at(schema, model)
    properties[field]["items"] = copy.deepcopy(value)


# ---------------------------------------------------------------- one schema per kind


def _plan(
    framework: Framework, choices: dict[str, Any], packs: list[str], sections: list[str]
) -> dict[str, Any]:
    schema = model_schema(PlanMeta, "bcf-docgen plan.yaml")
    _set(schema, "Partner", "kind", choices["partner-kind"])
    _set(schema, "PlanMeta", "framework", choice((p, f"the planning round {p}") for p in packs))
    names = choice((name, SECTION_WORDS.get(name, "a section template")) for name in sections)
    markdown = {"type": "string", "pattern": "\\.md$", "description": "a Markdown file"}
    entry = schema["$defs"]["OutlineEntry"]
    entry["description"] = "one template, one Markdown file or one appendix"
    entry["oneOf"] = [{"required": [key]} for key in ("template", "section", "appendix")]
    entry["properties"]["template"] = {"anyOf": [names, {"type": "null"}]}
    schema["properties"]["outline"]["items"] = {
        "anyOf": [
            {**names, "description": "a section template"},
            markdown,
            {"$ref": "#/$defs/OutlineEntry"},
        ]
    }
    return schema


def _scheme(choices: dict[str, Any]) -> dict[str, Any]:
    schema = model_schema(Scheme, "bcf-docgen scheme (schemes/*.yaml)")
    _set(schema, "ExpenditureLine", "type", choices["scheme-type"])
    _set(schema, "ExpenditureLine", "area", choices["area-of-spend"])
    _set_items(schema, "Scheme", "conditions", choices["condition"])
    _set_items(schema, "Scheme", "metrics", choices["metric"])
    activities = schema["properties"]["activities"]
    schema["properties"]["activities"] = {
        "anyOf": [activities, {"type": "array", "items": {"type": ["string", "number"]}}],
        "description": "by year (2025-26: [...]), or one list for the whole plan",
    }
    return schema


def _funding(choices: dict[str, Any]) -> dict[str, Any]:
    schema = model_schema(Funding, "bcf-docgen funding.yaml")
    _set(schema, "FundingSource", "type", choices["source-type"])
    _set(schema, "RingFence", "rule", choices["rule"])
    # A source without `type:` is of the kind its id names (FundingSource.kind).
    schema["$defs"]["FundingSource"]["if"] = {"not": {"required": ["type"]}}
    schema["$defs"]["FundingSource"]["then"] = {"properties": {"id": choices["source-type"]}}
    return schema


def _conditions(choices: dict[str, Any]) -> dict[str, Any]:
    schema = model_schema(Conditions, "bcf-docgen conditions.yaml")
    _set(schema, "ConditionResponse", "id", choices["condition"])
    return schema


def _metrics(choices: dict[str, Any]) -> dict[str, Any]:
    schema = model_schema(Metrics, "bcf-docgen metrics.yaml")
    _set(schema, "Metric", "id", choices["metric"])
    return schema


def _facts() -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "title": "bcf-docgen facts.yaml",
        "description": "named figures for the text: {{ facts.NAME }}",
        "type": ["object", "null"],
        "propertyNames": {"pattern": FACT_NAME},
    }


def plan_schemas(
    framework: Framework,
    packs: Iterable[str] = (),
    sections: Iterable[str] = (),
    theme_file: str = DEFAULT_THEME,
) -> list[SchemaFile]:
    """Every kind of YAML file a plan of `framework` holds, with its schema.

    `packs` are the framework ids plan.yaml may name, `sections` the section templates
    its outline may name (the plan's own and the project's), `theme_file` the theme
    file plan.yaml names.
    """
    choices = framework_choices(framework)
    all_sections = sorted({*BUILTIN_SECTIONS, *sections})
    packs = sorted({*packs, framework.id})
    kinds: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
        ("plan", ("plan.yaml",), _plan(framework, choices, packs, all_sections)),
        ("scheme", ("schemes/*.yaml", "schemes/*.yml"), _scheme(choices)),
        ("vision", ("vision.yaml",), model_schema(Vision, "bcf-docgen vision.yaml")),
        ("funding", ("funding.yaml",), _funding(choices)),
        ("metrics", ("metrics.yaml",), _metrics(choices)),
        ("risks", ("risks.yaml",), model_schema(Risks, "bcf-docgen risks.yaml")),
        ("conditions", ("conditions.yaml",), _conditions(choices)),
        ("signoff", ("signoff.yaml",), model_schema(Signoff, "bcf-docgen signoff.yaml")),
        (
            "board-report",
            ("board-report.yaml",),
            model_schema(BoardReport, "bcf-docgen board-report.yaml"),
        ),
        ("facts", ("facts.yaml",), _facts()),
        ("theme", (theme_file,), model_schema(Theme, f"bcf-docgen theme ({theme_file})")),
    ]
    for _, _, schema in kinds:
        schema.setdefault("description", f"generated by bcf-docgen for {framework.id}")
    return [SchemaFile(kind, f"{kind}.schema.json", globs, schema) for kind, globs, schema in kinds]


def kind_of_file(schemas: Iterable[SchemaFile], relative: str) -> SchemaFile | None:
    """The schema for a plan file (`schemes/s1.yaml`), by the globs: None if none applies."""
    path = Path(relative)
    for schema in schemas:
        if any(
            path.match(glob) and len(path.parts) == len(Path(glob).parts) for glob in schema.globs
        ):
            return schema
    return None


def write_schemas(schemas: Iterable[SchemaFile], folder: Path) -> list[Path]:
    """Write each schema into `folder` (made if needed); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for schema in schemas:
        path = folder / schema.filename
        path.write_text(schema.text, encoding="utf-8")
        written.append(path)
    return written


def vscode_mapping(
    schemas: Iterable[SchemaFile], schema_folder: str, plan_folder: str = ""
) -> dict[str, list[str]]:
    """The `yaml.schemas` setting of VS Code's YAML extension: schema path -> file globs,
    both relative to the workspace (`schema_folder` and `plan_folder` are, as POSIX
    paths; an empty `plan_folder` when the plan folder is the workspace)."""
    prefix = "" if plan_folder in ("", ".", "./") else f"{plan_folder.rstrip('/')}/"
    return {
        f"{schema_folder.rstrip('/')}/{schema.filename}": [f"{prefix}{g}" for g in schema.globs]
        for schema in schemas
    }


def relative_posix(path: Path, start: Path) -> str:
    """`path` relative to `start` as a POSIX path ('.' for the same folder), or its
    absolute path when it is not inside `start` (a glob cannot climb out of a workspace)."""
    relative = Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    return path.resolve().as_posix() if relative.startswith("..") else relative


def schemas_for_plan(
    folder: Path, templates: Path | None = None
) -> tuple[list[SchemaFile], Findings]:
    """The schemas for the plan in `folder`: its pack (plan.yaml's `framework:`), its theme
    file and its section templates. Only plan.yaml is read, and only those two keys, so a
    plan with mistakes elsewhere still gets its schemas; no schemas (and the findings)
    when plan.yaml or its framework cannot be read."""
    from .content.files import ContentError, read_text, resolve_inside
    from .content.yamlsource import load_yaml
    from .frameworks import available, load_framework
    from .paths import default_templates
    from .sections import known_templates

    templates = templates or default_templates()
    findings = Findings()
    try:
        path = resolve_inside(folder, "plan.yaml", Location("plan.yaml"))
        data, smap = load_yaml(read_text(path, "plan.yaml"), "plan.yaml")
    except ContentError as exc:
        findings.error(exc.code, exc.message, exc.location, exc.hint)
        return [], findings
    if not isinstance(data, dict) or not isinstance(data.get("framework"), str):
        named = isinstance(data, dict) and "framework" in data
        findings.error(
            "schema.framework",
            "plan.yaml names no framework, so the round's lists are not known",
            smap.value(("framework",)) if named else Location("plan.yaml", 1, 1),
            "write e.g. framework: bcf-2025-26 (bcf-docgen frameworks lists them)",
        )
        return [], findings
    framework = load_framework(data["framework"], templates, smap.value(("framework",)), findings)
    if framework is None:
        return [], findings
    named_theme = data.get("theme")
    theme = named_theme if isinstance(named_theme, str) else DEFAULT_THEME
    sections = known_templates(folder, templates)
    return plan_schemas(framework, available(templates), sections, theme), findings
