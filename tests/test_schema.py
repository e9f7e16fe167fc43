"""The JSON Schemas editors check a plan's YAML files with (bcf_docgen/schema.py).

Every YAML file of every example validates against its schema with `jsonschema` (as an
editor's YAML server reads it: YAML 1.2, so dates are text), a typo'd key and a value
the round does not have are refused, and `new` writes the schemas with a VS Code mapping
whose globs find the plan's files. `new` also writes a board-report.yaml, so that
`check` finds no errors in a new plan and `pack` makes its board pack.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from bcf_docgen.cli import main
from bcf_docgen.content.reader import default_templates
from bcf_docgen.content.yamlsource import load_yaml
from bcf_docgen.findings import Findings, Location
from bcf_docgen.frameworks import available, load_framework
from bcf_docgen.scaffold import scaffold
from bcf_docgen.schema import SchemaFile, kind_of_file, plan_schemas, schemas_for_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "content" / "example", *sorted((ROOT / "content" / "examples").iterdir())]
BCF_DOCGEN = Path(sys.executable).with_name("bcf-docgen")
SAFETY_NET = 1800


def as_editor_reads(value: Any) -> Any:
    """A YAML value as an editor's YAML 1.2 server sees it: dates are text, keys text."""
    if isinstance(value, dict):
        return {str(as_editor_reads(k)): as_editor_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_reads(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def errors(schema: SchemaFile, text: str) -> list[str]:
    data, _ = load_yaml(text, "file.yaml")
    validator = jsonschema.Draft7Validator(
        schema.schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(as_editor_reads(data))
    ]


def yaml_files(plan: Path) -> list[Path]:
    return sorted(
        p
        for p in plan.rglob("*")
        if p.suffix in (".yaml", ".yml") and not any(part.startswith(".") for part in p.parts)
    )


@pytest.fixture(scope="module")
def example_schemas() -> dict[str, SchemaFile]:
    schemas, findings = schemas_for_plan(ROOT / "content" / "example")
    assert not findings.errors
    return {schema.kind: schema for schema in schemas}


@pytest.mark.parametrize("plan", EXAMPLES, ids=lambda p: p.name)
def test_every_example_file_validates(plan: Path) -> None:
    schemas, findings = schemas_for_plan(plan)
    assert not findings.errors
    files = yaml_files(plan)
    assert len(files) >= 8
    for path in files:
        relative = path.relative_to(plan).as_posix()
        schema = kind_of_file(schemas, relative)
        assert schema is not None, f"no schema for {relative}"
        assert errors(schema, path.read_text(encoding="utf-8")) == [], relative


def test_every_kind_the_reader_reads_has_a_schema(example_schemas: dict[str, SchemaFile]) -> None:
    from bcf_docgen.content.reader import DATA_FILES

    globs = {glob for schema in example_schemas.values() for glob in schema.globs}
    assert set(DATA_FILES) <= globs
    assert {"plan.yaml", "schemes/*.yaml", "board-report.yaml", "facts.yaml", "theme.yaml"} <= globs
    for schema in example_schemas.values():
        assert schema.schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        jsonschema.Draft7Validator.check_schema(schema.schema)


SCHEME = (ROOT / "content" / "example" / "schemes" / "s01-community-wellbeing.yaml").read_text(
    encoding="utf-8"
)


def test_a_typo_in_a_key_is_refused(example_schemas: dict[str, SchemaFile]) -> None:
    text = SCHEME.replace("    amounts: {2025-26: 612_000}", "    amonts: {2025-26: 612_000}")
    assert text != SCHEME
    found = errors(example_schemas["scheme"], text)
    # What jsonschema says; VS Code's YAML extension says "Property amonts is not allowed."
    assert found == [
        "expenditure/0: Additional properties are not allowed ('amonts' was unexpected)"
    ]
    assert errors(example_schemas["scheme"], SCHEME + "amonts: 3\n") == [
        ": Additional properties are not allowed ('amonts' was unexpected)"
    ]


def test_a_value_the_round_does_not_have_is_refused(example_schemas: dict[str, SchemaFile]) -> None:
    scheme = example_schemas["scheme"]
    text = SCHEME.replace("type: Community based schemes", "type: Community schemes")
    (found,) = errors(scheme, text)
    assert found.startswith("expenditure/2/type: 'Community schemes' is not one of [")
    assert len(errors(scheme, SCHEME.replace("conditions: [NC2]", "conditions: [NC9]"))) == 1
    # National metrics are offered, but a local metric's id is allowed, as `check` allows it.
    assert errors(scheme, SCHEME.replace("[emergency-admissions-65]", "[local-falls]")) == []
    plan = (ROOT / "content" / "example" / "plan.yaml").read_text(encoding="utf-8")
    (found,) = errors(example_schemas["plan"], plan.replace("kind: icb}", "kind: ccg}"))
    assert "'ccg' is not one of" in found


def test_enums_carry_descriptions(example_schemas: dict[str, SchemaFile]) -> None:
    response = example_schemas["conditions"].schema["$defs"]["ConditionResponse"]
    condition = response["properties"]["id"]
    assert condition["enum"] == ["NC1", "NC2", "NC3", "NC4"]
    assert condition["markdownEnumDescriptions"][0].startswith("Plans jointly agreed: ")
    kind = example_schemas["plan"].schema["$defs"]["Partner"]["properties"]["kind"]
    assert "icb" in kind["enum"] and len(kind["enumDescriptions"]) == len(kind["enum"])


@pytest.mark.parametrize(
    ("value", "valid"),
    [("tbc", True), ("TBC ", True), (1250000, True), (-5, False), ("1m", False)],
)
def test_money_may_be_tbc(
    example_schemas: dict[str, SchemaFile], value: object, valid: bool
) -> None:
    text = SCHEME.replace("{2025-26: 612_000}", "{2025-26: " + json.dumps(value) + "}")
    assert (errors(example_schemas["scheme"], text) == []) is valid


def test_outline_entries_as_the_reader_reads_them(example_schemas: dict[str, SchemaFile]) -> None:
    plan = example_schemas["plan"]
    head = "format: 1\nframework: bcf-2025-26\ntitle: T\nversion: '1'\ndate: 2025-01-01\n"
    head += "area: {name: A, board: B}\noutline:\n"
    good = "  - cover\n  - sections/a.md\n  - {template: schemes, intro: sections/b.md}\n"
    assert errors(plan, head + good + "  - {appendix: sections/c.md}\n") == []
    assert errors(plan, head + "  - {template: funding, section: sections/a.md}\n")
    assert errors(plan, head + "  - fundng\n")


def test_schema_command_writes_the_schemas_and_prints_the_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the workspace: a plan outside it is named in full
    example = (ROOT / "content" / "example").as_posix()
    result = CliRunner().invoke(main, ["schema", example, "--out", "s"])
    assert result.exit_code == 0, result.output
    mapping = json.loads(result.stdout)["yaml.schemas"]
    assert mapping["s/scheme.schema.json"] == [
        f"{example}/schemes/*.yaml",
        f"{example}/schemes/*.yml",
    ]
    assert len(list(Path("s").glob("*.schema.json"))) == len(mapping) == 11
    monkeypatch.chdir(ROOT / "content")  # inside the workspace: relative to it
    result = CliRunner().invoke(main, ["schema", "example", "--out", str(tmp_path / "t")])
    mapping = json.loads(result.stdout)["yaml.schemas"]
    assert mapping[f"{(tmp_path / 't').as_posix()}/plan.schema.json"] == ["example/plan.yaml"]


def test_schema_command_on_a_folder_without_a_plan(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", str(tmp_path), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "no plan.yaml" in result.output


def test_schemas_follow_the_round() -> None:
    findings = Findings()
    old = load_framework("bcf-2017-19", default_templates(), Location("x"), findings)
    assert old is not None
    schemas = {s.kind: s for s in plan_schemas(old, available(default_templates()))}
    kinds = schemas["plan"].schema["$defs"]["Partner"]["properties"]["kind"]["enum"]
    assert "ccg" in kinds and "icb" not in kinds


@pytest.fixture(scope="module")
def new_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("new") / "northshire"
    result = CliRunner().invoke(main, ["new", str(folder), "--area", "Northshire"])
    assert result.exit_code == 0, result.output
    return folder


def test_new_writes_schemas_that_vscode_maps_to_the_files(new_plan: Path) -> None:
    settings = json.loads((new_plan / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping: dict[str, list[str]] = settings["yaml.schemas"]
    for schema_path in mapping:
        assert (new_plan / schema_path).is_file(), schema_path
    for path in yaml_files(new_plan):
        relative = path.relative_to(new_plan)
        matched = [
            schema_path
            for schema_path, globs in mapping.items()
            if any(relative.match(g) and len(relative.parts) == len(Path(g).parts) for g in globs)
        ]
        assert len(matched) == 1, relative
        schema = json.loads((new_plan / matched[0]).read_text(encoding="utf-8"))
        file_schema = SchemaFile("x", matched[0], (), schema)
        assert errors(file_schema, path.read_text(encoding="utf-8")) == [], relative
    # A scheme written into the new plan is found by the mapping's glob too.
    assert any(
        relative_glob == "schemes/*.yaml" for globs in mapping.values() for relative_glob in globs
    )
    assert (new_plan / "board-report.yaml").is_file()


def test_new_plan_checks_clean_and_packs(new_plan: Path, tmp_path: Path) -> None:
    check = subprocess.run(
        [BCF_DOCGEN, "check", new_plan, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=SAFETY_NET,
    )
    assert check.returncode == 0, check.stdout
    assert json.loads(check.stdout)["errors"] == 0
    pack = subprocess.run(
        [BCF_DOCGEN, "pack", new_plan, "--out", tmp_path],
        capture_output=True,
        text=True,
        timeout=SAFETY_NET,
    )
    assert pack.returncode == 0, pack.stderr
    from docx import Document
    from pypdf import PdfReader

    pdf = PdfReader(tmp_path / "northshire-bcf-2025-26-board-pack.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages[:4])
    assert "Northshire Health and Wellbeing Board" in text
    report = Document(str(tmp_path / "northshire-bcf-2025-26-board-report.docx"))
    words = " ".join(p.text for p in report.paragraphs)
    assert "To approve the Better Care Fund Plan 2025-26" in words


def test_scaffold_lists_what_it_wrote(tmp_path: Path) -> None:
    framework = load_framework("bcf-2025-26", default_templates(), Location("x"), Findings())
    assert framework is not None
    written = scaffold(tmp_path / "p", "Vale", framework, dt.date(2025, 4, 1))
    names = {p.relative_to(tmp_path / "p").as_posix() for p in written}
    assert {".vscode/settings.json", ".schemas/scheme.schema.json", "board-report.yaml"} <= names
