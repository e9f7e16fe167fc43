"""Synthetic but realistic Better Care Fund plans for the benchmark, in three sizes.

    python bench/generate.py --size M --out /tmp/plan-m [--seed 7]

A plan is written the way an author would write one (see content/example/ and
docs/content-format.md): every data file, narrative sections with sub-sections, lists,
pipe tables with captions, figures, footnotes, callouts, landscape pages, `{{ }}` values
and every kind of `@` reference, a board report and a theme with a logo. Figures are
drawn with Pillow, so each is a distinct image. The same seed gives the same files,
byte for byte. Sizes:

    S  about  8 schemes,  40 pages
    M  about 30 schemes, 150 pages
    L  about 80 schemes, 400 pages

The funding adds up: every source's amount is what the expenditure lines draw from it,
control totals match, the Disabled Facilities Grant is passed in full to the district
councils and both ring-fences are met, so a generated plan passes `bcf-docgen check`.
"""

# ruff: noqa: E501  (the word lists are prose, one sentence a line)
from __future__ import annotations

import argparse
import io
import random
import textwrap
from dataclasses import dataclass
from pathlib import Path

YEAR = "2025-26"


@dataclass(frozen=True)
class Size:
    schemes: int
    risks: int
    local_metrics: int
    localities: int  # one narrative section per locality
    subsections: int  # sub-sections in each framework narrative section
    paragraphs: int  # paragraphs in each sub-section
    case_studies: int
    figures: int
    optional_sections: bool = True  # the framework's optional sections and "progress"


SIZES = {
    "S": Size(
        schemes=8,
        risks=8,
        local_metrics=1,
        localities=0,
        subsections=1,
        paragraphs=1,
        case_studies=2,
        figures=3,
        optional_sections=False,
    ),
    "M": Size(
        schemes=30,
        risks=24,
        local_metrics=4,
        localities=4,
        subsections=4,
        paragraphs=3,
        case_studies=10,
        figures=8,
    ),
    "L": Size(
        schemes=80,
        risks=60,
        local_metrics=9,
        localities=14,
        subsections=10,
        paragraphs=5,
        case_studies=26,
        figures=20,
    ),
}

AREAS = [
    ("Ashvale", ["North Ashvale", "Ashvale Downs", "Ferrisford"]),
    ("Brackenshire", ["Upper Bracken", "Lowmoor", "Castleford Vale"]),
    ("Coldmere", ["Coldmere Town", "Eastbrook", "Marsh End"]),
    ("Durnholme", ["Durn Valley", "Holmefield", "South Durnholme"]),
    ("Eskerby", ["Eskerby Coast", "Riverside", "Kettlewick"]),
]
LOCALITY_WORDS = [
    "Northgate",
    "Southmoor",
    "Westbrook",
    "Eastfield",
    "Millbridge",
    "Harrowden",
    "Kingsley",
    "Oakhurst",
    "Pennford",
    "Quarrybank",
    "Redhill",
    "Stonecross",
    "Thornbury",
    "Underwood",
    "Valeside",
    "Whitmore",
    "Yarrowby",
    "Ashcombe",
]
FIRST = [
    "Amira",
    "Ben",
    "Catherine",
    "David",
    "Eleanor",
    "Farhan",
    "Grace",
    "Harish",
    "Imogen",
    "James",
    "Kate",
    "Liam",
    "Maya",
    "Nadia",
    "Owen",
    "Priya",
    "Rachel",
    "Samuel",
]
LAST = [
    "Ahmed",
    "Bennett",
    "Clarke",
    "Doyle",
    "Evans",
    "Fletcher",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lawson",
    "Morgan",
    "Nash",
    "Okafor",
    "Patel",
    "Reid",
    "Shaw",
]

THEMES = [
    "Prevention and wellbeing",
    "Integrated community care",
    "Hospital discharge and flow",
    "Carers and independence",
    "System enablers",
]
# (name, typical scheme type, typical area of spend) per theme.
SCHEME_BASES = {
    THEMES[0]: [
        (
            "Community wellbeing and social prescribing",
            "Prevention / early intervention",
            "Social care",
        ),
        (
            "Falls prevention and strength and balance",
            "Prevention / early intervention",
            "Community health",
        ),
        ("Technology-enabled care", "Assistive technologies and equipment", "Social care"),
        ("Community equipment service", "Assistive technologies and equipment", "Community health"),
        ("Dementia support in the community", "Community based schemes", "Mental health"),
        ("Loneliness and isolation programme", "Community based schemes", "Other"),
    ],
    THEMES[1]: [
        (
            "Integrated neighbourhood teams",
            "Integrated care planning and navigation",
            "Community health",
        ),
        ("Urgent community response", "Urgent community response", "Community health"),
        ("Frailty virtual ward", "Personalised care at home", "Community health"),
        ("Home care market sustainability", "Home care or domiciliary care", "Social care"),
        ("Care home support and in-reach", "Residential placements", "Social care"),
        ("Mental health crisis support at home", "Community based schemes", "Mental health"),
    ],
    THEMES[2]: [
        ("Home first reablement", "Home-based intermediate care services", "Social care"),
        ("Discharge to assess beds", "Bed-based intermediate care services", "Continuing care"),
        ("Transfer of care hub", "High Impact Change Model for managing transfer of care", "Acute"),
        ("Bridging home care", "Home care or domiciliary care", "Social care"),
        (
            "Trusted assessors for care homes",
            "High Impact Change Model for managing transfer of care",
            "Social care",
        ),
    ],
    THEMES[3]: [
        ("Home improvement agency", "Housing related schemes", "Other"),
        ("Carers support service", "Carers services", "Social care"),
        ("Short breaks for carers", "Carers services", "Social care"),
        ("Direct payments support", "Personalised budgeting and commissioning", "Social care"),
    ],
    THEMES[4]: [
        ("Programme office and joint commissioning", "Enablers for integration", "Other"),
        ("Shared care record", "Enablers for integration", "Other"),
        (
            "Workforce recruitment and retention",
            "Workforce recruitment and retention",
            "Social care",
        ),
        ("Care Act duties", "Care Act implementation related duties", "Social care"),
    ],
}
PURPOSES = [
    "When I am well enough to leave hospital I go home, and the people who help me there work with me to regain my confidence.",
    "I can get help early, close to home, before a small problem becomes a crisis.",
    "I tell my story once, and the people who support me talk to each other.",
    "When I care for someone, I am recognised, I get a break and I know who to call.",
    "My home is safe and suits my needs, so I can keep doing the things I enjoy.",
    "If I become unwell at home, someone comes quickly and I can stay in my own bed.",
    "I have a say in the support I get and it fits around my life.",
]
PROVIDERS = [
    "Local authority",
    "NHS community provider",
    "Private sector",
    "Charity / voluntary sector",
    "NHS acute provider",
    "NHS mental health provider",
]
SERVICES = [
    "reablement",
    "urgent community response",
    "the falls service",
    "home care",
    "the carers hub",
    "social prescribing",
    "the frailty virtual ward",
    "the transfer of care hub",
    "community equipment",
    "intermediate care",
]
GROUPS = [
    "older people living alone",
    "people with dementia",
    "unpaid carers",
    "people leaving hospital",
    "people with learning disabilities",
    "residents of care homes",
    "people in the most deprived neighbourhoods",
]
MONTHS = ["April", "May", "June", "July", "August", "September", "October", "November"]

SENTENCES = [
    "Partners in {area} agreed that {service} should be organised around the needs of {group}, not around the boundaries between organisations.",
    "In {locality}, {service} received {n} referrals in 2024-25, {pct}% more than the year before.",
    "Most of the growth came from {group}, many of whom had not been known to services before.",
    "The Better Care Programme Board reviews {service} every quarter against the plan's metrics and its budget.",
    "Staff from the council, the community trust and the voluntary sector now share a base in {locality}, which has cut the time taken to arrange a first visit.",
    "A review in {month} 2025 found that {pct}% of people supported by {service} were still living at home three months later.",
    "We will extend {service} to evenings and weekends in {locality} from {month} 2025, subject to recruitment.",
    "Residents told us that they wanted one number to call, a named worker and fewer repeated assessments.",
    "The approach builds on what worked during the last two winters, when joint daily huddles kept waiting lists short.",
    "Demand is expected to rise by about {pct}% a year as the number of people aged 85 and over grows.",
    "Recruitment remains the largest risk: vacancy rates in {locality} are close to {pct}%, well above the regional average.",
    "Every scheme in this plan names the national metrics it is expected to move, so that its effect can be judged.",
    "Where a scheme does not show the expected results within a year, the board decides whether to change it, move its funding or stop it.",
    "Health and care partners have agreed a single outcomes framework with measures for prevention, independence and experience.",
    "Voluntary and community organisations deliver a growing share of the early help described here, often with small grants from the pooled fund.",
    "The council's housing partners play a full part, because a safe and suitable home underpins almost every other outcome.",
    "We have learned that small changes to referral routes can have large effects on waiting times.",
    "Information is shared, with consent, through the shared care record, so that people do not have to repeat their story.",
    "In {month} 2025 the service supported {n} people, of whom {pct}% were aged 85 or over.",
    "Carers said that they value short breaks and flexible support more than any other kind of help.",
    "The two district councils use the Disabled Facilities Grant to fund adaptations and a fast-track service for people leaving hospital.",
    "People with the poorest health are least likely to use preventive services, so outreach is targeted at the neighbourhoods where need is greatest.",
    "The work is overseen by a joint commissioning group that meets monthly and reports to the board.",
    "A shared dashboard, updated weekly, shows activity, waiting times and spend against budget for each scheme.",
    "We will publish an annual report on the fund, written with Healthwatch, that sets out what changed for residents.",
]
GLOSSARY = [
    (
        "Better Care Fund",
        "The national framework that requires councils and the NHS to pool money and plan health and social care together.",
    ),
    (
        "Bridging care",
        "Short-term home care that allows a person to leave hospital while they wait for reablement or a long-term package.",
    ),
    (
        "Discharge to assess",
        "Assessing a person's long-term needs after they have left hospital, at home or in a short-stay bed.",
    ),
    (
        "Frailty virtual ward",
        "Hospital-level monitoring and treatment provided to a person at home, under a consultant-led team.",
    ),
    (
        "Health and Wellbeing Board",
        "The statutory board that brings together the council, the NHS and others, and which agrees this plan.",
    ),
    ("Integrated Care Board", "The NHS body that plans and pays for most NHS services in an area."),
    (
        "Reablement",
        "Short-term support, usually for up to six weeks, that helps people regain skills and confidence.",
    ),
    (
        "Section 75 agreement",
        "An agreement under the National Health Service Act 2006 that allows the NHS and councils to pool budgets.",
    ),
    (
        "Social prescribing",
        "Connecting people to non-medical support in the community, such as groups, activities or advice.",
    ),
    (
        "Urgent community response",
        "A service that responds within two hours to people whose health or independence is in crisis at home.",
    ),
]
NATIONAL_METRICS = ["emergency-admissions-65", "discharge-delay", "residential-admissions-65"]
MONTH_KEYS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def _yaml_text(text: str, indent: int) -> str:
    """A folded block scalar for `text` (one paragraph) at `indent` spaces."""
    pad = " " * indent
    return ">-\n" + "\n".join(pad + line for line in textwrap.wrap(text, 84))


def _yaml_block(paragraphs: list[str], indent: int) -> str:
    """A literal block scalar holding Markdown paragraphs."""
    pad = " " * indent
    lines: list[str] = []
    for i, para in enumerate(paragraphs):
        if i:
            lines.append("")
        lines += [pad + line for line in textwrap.wrap(para, 84)]
    return "|\n" + "\n".join(lines)


def _q(text: str) -> str:
    """A YAML double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Generator:
    def __init__(self, size: str, seed: int):
        self.size = SIZES[size]
        self.size_name = size
        self.rng = random.Random(f"{size}-{seed}")
        area, places = AREAS[seed % len(AREAS)]
        # Past the fifth seed the names come round again: a number keeps each area (and
        # its ONS code, below) its own, so that a summary of many plans has one row each.
        self.area = area if seed < len(AREAS) else f"{area} {seed // len(AREAS) + 1}"
        self.code = f"E10{(122 + seed) % 10**6:06d}"  # seed 1: E10000123, as before
        self.slug = area.lower()
        count = self.size.localities
        extra = [w for w in LOCALITY_WORDS if w not in places]
        self.localities = (places + extra)[: max(count, len(places))]
        self.files: dict[str, str | bytes] = {}
        self.schemes: list[dict] = []
        self.risk_ids: list[str] = []
        self.metric_ids: list[str] = list(NATIONAL_METRICS)
        self.section_ids: list[str] = []
        self.table_ids: list[str] = []
        self.figure_ids: list[str] = []
        self.block_kinds = 0

    # -------------------------------------------------------------- text helpers

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def sentence(self) -> str:
        template = self.rng.choice(SENTENCES)
        return template.format(
            area=self.area,
            locality=self.rng.choice(self.localities),
            service=self.rng.choice(SERVICES),
            group=self.rng.choice(GROUPS),
            n=f"{self.rng.randrange(120, 9000):,}",
            pct=self.rng.randrange(3, 40),
            month=self.rng.choice(MONTHS),
        )

    def paragraph(self, sentences: tuple[int, int] = (3, 6), refs: bool = True) -> str:
        parts = [self.sentence() for _ in range(self.rng.randint(*sentences))]
        if refs and self.rng.random() < 0.6:
            parts.append(self.reference_sentence())
        text = " ".join(parts)
        # Some emphasis, as authors write it.
        if self.rng.random() < 0.3:
            words = text.split(" ")
            i = self.rng.randrange(1, max(2, len(words) - 3))
            words[i] = f"**{words[i]}"
            words[i + 1] = f"{words[i + 1]}**"
            text = " ".join(words)
        return text

    def reference_sentence(self) -> str:
        choice = self.rng.randrange(6)
        if choice == 0 and self.schemes:
            s = self.rng.choice(self.schemes)
            return f"This work is funded through @scheme:{s['id']}."
        if choice == 1 and self.risk_ids:
            return (
                f"The main risk to delivery is recorded as @risk:{self.rng.choice(self.risk_ids)}."
            )
        if choice == 2:
            return f"Progress is tracked through @metric:{self.rng.choice(self.metric_ids)}."
        if choice == 3 and self.table_ids:
            return f"The figures are set out in @tbl:{self.rng.choice(self.table_ids)}."
        if choice == 4 and self.section_ids:
            return f"See also @sec:{self.rng.choice(self.section_ids)}."
        return "The funding for this is described in @sec:funding."

    # -------------------------------------------------------------- the plan

    def generate(self) -> dict[str, str | bytes]:
        self.make_schemes()
        self.risk_ids = [f"R{i}" for i in range(1, self.size.risks + 1)]
        self.local_metrics = [f"local-{i}" for i in range(1, self.size.local_metrics + 1)]
        self.metric_ids += self.local_metrics
        self.write_plan_yaml()
        self.write_schemes()
        self.write_funding()
        self.write_metrics()
        self.write_risks()
        self.write_conditions()
        self.write_vision()
        self.write_signoff()
        self.write_facts()
        self.write_theme()
        self.write_board_report()
        self.write_sections()
        return self.files

    def make_schemes(self) -> None:
        n = self.size.schemes
        # Round-robin over the themes, so that even a small plan has every theme.
        longest = max(len(b) for b in SCHEME_BASES.values())
        bases = [
            (theme, SCHEME_BASES[theme][k])
            for k in range(longest)
            for theme in THEMES
            if k < len(SCHEME_BASES[theme])
        ]
        for i in range(n):
            theme, (name, kind, area) = bases[i % len(bases)]
            if i >= len(bases):
                name = f"{name} ({self.localities[(i // len(bases)) % len(self.localities)]})"
            self.schemes.append(
                {"id": f"S{i + 1}", "name": name, "theme": theme, "type": kind, "area": area}
            )
        # One scheme carries the Disabled Facilities Grant, passed to the districts.
        self.dfg_scheme = next(s for s in self.schemes if s["name"].startswith("Home improvement"))

    def write_plan_yaml(self) -> None:
        districts = self.localities[:2]
        self.districts = [
            (f"{d.lower().replace(' ', '-')}-district", f"{d} District Council") for d in districts
        ]
        partners = [
            f"  - {{id: council, name: {self.area} County Council, kind: local-authority}}",
            f"  - {{id: icb, name: NHS {self.area} Integrated Care Board, kind: icb}}",
            f"  - {{id: trust, name: {self.area} Community Health NHS Trust, kind: nhs-trust}}",
            "  - {id: vcs, name: "
            + self.area
            + " Council for Voluntary Service, kind: voluntary-sector}",
        ] + [
            f"  - {{id: {pid}, name: {name}, kind: district-council}}"
            for pid, name in self.districts
        ]
        sections = [
            "foreword",
            "executive-summary",
            "background",
            "progress",
            "engagement",
            "governance",
            "approach-to-integration",
        ]
        later = ["prevention", "hospital-to-home", "unpaid-carers", "dfg-and-housing", "equality"]
        if not self.size.optional_sections:
            sections.remove("progress")
            later = later[:2]
        self.locality_sections = [f"locality-{i + 1}" for i in range(self.size.localities)]
        outline = ["  - cover", "  - document-control", "  - contents"]
        outline += [f"  - sections/{s}.md" for s in sections]
        outline.append("  - {template: vision, intro: sections/vision.md}")
        outline += [f"  - sections/{s}.md" for s in later + self.locality_sections]
        outline.append("  - {template: schemes, intro: sections/schemes-intro.md}")
        outline += ["  - conditions", "  - funding", "  - metrics", "  - risks", "  - signoff"]
        outline += [
            "  - {appendix: sections/case-studies.md}",
            "  - {appendix: sections/spending-detail.md}",
            "  - {appendix: sections/glossary.md, title: Glossary of terms}",
        ]
        self.narrative = sections + later + self.locality_sections
        history = [
            f'  - {{version: "1.{v}", date: 2025-{3 + 3 * v:02d}-14, author: {self.person()}, '
            f"summary: {_q(self.sentence())}}}"
            for v in range(3)
        ]
        self.files["plan.yaml"] = "\n".join(
            [
                f"# {self.area} Better Care Fund plan 2025-26 (synthetic, bench/generate.py).",
                "format: 1",
                "framework: bcf-2025-26",
                "title: Better Care Fund Plan 2025-26",
                "area:",
                f"  name: {self.area}",
                f"  board: {self.area} Health and Wellbeing Board",
                f"  code: {self.code}",
                "status: draft",
                'version: "1.2"',
                "date: 2025-10-14",
                "description: " + _yaml_text(self.paragraph(refs=False), 2),
                "partners:",
                *partners,
                "roles:",
                "  accountable:",
                f"    - {self.person()}, Executive Director of Adult Social Care",
                f"    - {self.person()}, Director of Place",
                "  responsible:",
                f"    - {self.person()}, Better Care Fund Programme Manager",
                f"  consulted: [Better Care Programme Board, Healthwatch {self.area}]",
                f"  informed: [{self.area} Health and Wellbeing Board]",
                "history:",
                *history,
                "outstanding:",
                "  - Health and Wellbeing Board approval of version 1.2",
                "  - Decision on the use of any forecast underspend",
                "outline:",
                *outline,
                "theme: theme.yaml",
                "",
            ]
        )

    def write_schemes(self) -> None:
        rng = self.rng
        sources = [
            "nhs-minimum",
            "nhs-minimum",
            "la-better-care-grant",
            "additional-la",
            "additional-nhs",
        ]
        for index, scheme in enumerate(self.schemes):
            lines: list[dict] = []
            if scheme is self.dfg_scheme:
                for pid, name in self.districts:
                    lines.append(
                        {
                            "line": f"Disabled Facilities Grant, {name.replace(' District Council', '')}",
                            "type": "DFG related schemes",
                            "area": "Social care",
                            "commissioner": pid,
                            "provider": "Local authority",
                            "source": "dfg",
                            "amount": rng.randrange(1_400, 2_600) * 1000 + rng.randrange(1000),
                        }
                    )
            for j in range(rng.randint(2, 4)):
                source = sources[(index + j) % len(sources)]
                icb = source in ("nhs-minimum", "additional-nhs") and j % 2 == 1
                area = scheme["area"] if not icb else "Community health"
                lines.append(
                    {
                        "line": f"{scheme['name'].split(' (')[0]}: {['core service', 'additional capacity', 'staffing', 'contracts'][j]}",
                        "type": scheme["type"],
                        "area": area,
                        "commissioner": "icb" if icb else "council",
                        "provider": rng.choice(PROVIDERS),
                        "source": source,
                        "amount": rng.randrange(60, 2_400) * 1000,
                    }
                )
            scheme["lines"] = lines
            others = [s["id"] for s in self.schemes if s is not scheme]
            metrics = sorted(set(rng.sample(self.metric_ids, k=min(3, len(self.metric_ids)))))
            status = rng.choice(["existing", "existing", "expanded", "new"])
            activities = [self.sentence() for _ in range(rng.randint(2, 4))]
            if index % 3 == 0:
                activity_yaml = "activities:\n" + "\n".join(f"  - {_q(a)}" for a in activities)
            else:
                activity_yaml = f"activities:\n  {YEAR}:\n" + "\n".join(
                    f"    - {_q(a)}" for a in activities
                )
            summary = [self.paragraph((2, 4), refs=False) for _ in range(2)]
            summary[1] += (
                f" It works closely with @scheme:{rng.choice(others)} and the spend this year is"
                f' {{{{ scheme("{scheme["id"]}").total["{YEAR}"] | money }}}}.'
            )
            expenditure = []
            for line in lines:
                expenditure += [
                    f"  - line: {_q(line['line'])}",
                    f"    type: {line['type']}",
                    f"    area: {line['area']}",
                    f"    commissioner: {line['commissioner']}",
                    f"    provider: {line['provider']}",
                    f"    source: {line['source']}",
                    f"    amounts: {{{YEAR}: {line['amount']:_}}}",
                ]
            text = "\n".join(
                [
                    f"id: {scheme['id']}",
                    f"name: {scheme['name']}",
                    f"theme: {scheme['theme']}",
                    f"lead: {rng.choice(['council', 'icb', 'trust'])}",
                    f"status: {status}",
                    "purpose: " + _yaml_text(rng.choice(PURPOSES), 2),
                    "summary: " + _yaml_block(summary, 2),
                    "objectives:",
                    *[f"  - {_q(self.sentence())}" for _ in range(3)],
                    activity_yaml,
                    "benefits:",
                    *[f"  - {_q(self.sentence())}" for _ in range(rng.randint(2, 3))],
                    f"metrics: [{', '.join(metrics)}]",
                    f"vision_objectives: [{', '.join(sorted(rng.sample(['O1', 'O2', 'O3', 'O4'], k=2)))}]",
                    f"conditions: [{rng.choice(['NC2', 'NC3'])}]",
                    "expenditure:",
                    *expenditure,
                    "",
                ]
            )
            slug = scheme["name"].lower().split(" (")[0].replace(" ", "-").replace("/", "")
            self.files[f"schemes/s{index + 1:03d}-{slug[:30].strip('-')}.yaml"] = text

    def write_funding(self) -> None:
        totals: dict[str, int] = {}
        for scheme in self.schemes:
            for line in scheme["lines"]:
                totals[line["source"]] = totals.get(line["source"], 0) + line["amount"]
        names = {
            "nhs-minimum": ("NHS minimum contribution", "icb"),
            "la-better-care-grant": ("Local Authority Better Care Grant", "council"),
            "dfg": ("Disabled Facilities Grant", "council"),
            "additional-la": (
                f"Additional contribution from {self.area} County Council",
                "council",
            ),
            "additional-nhs": ("Additional contribution from the ICB", "icb"),
        }
        out = [
            "# Income: each source is exactly what the expenditure lines draw from it.",
            "sources:",
        ]
        for source, (name, contributor) in names.items():
            out += [
                f"  - id: {source}",
                f"    type: {source}",
                f"    name: {name}",
                f"    contributor: {contributor}",
                f"    amounts: {{{YEAR}: {totals[source]:_}}}",
            ]
            if source == "dfg":
                out.append("    passported:")
                for line in self.dfg_scheme["lines"]:
                    if line["source"] == "dfg":
                        out.append(
                            f"      - {{to: {line['commissioner']}, amounts: {{{YEAR}: {line['amount']:_}}}}}"
                        )
        pool = sum(totals.values())
        out.append("control_totals:")
        out.append(f"  - {{what: pool, year: {YEAR}, amount: {pool:_}}}")
        out += [f"  - {{what: {s}, year: {YEAR}, amount: {totals[s]:_}}}" for s in names]
        asc = sum(
            line["amount"]
            for s in self.schemes
            for line in s["lines"]
            if line["source"] == "nhs-minimum" and line["area"] == "Social care"
        )
        ooh = sum(
            line["amount"]
            for s in self.schemes
            for line in s["lines"]
            if line["source"] == "nhs-minimum"
            and line["area"] != "Acute"
            and line["commissioner"] == "icb"
        )
        out.append("ring_fences:")
        out.append(f"  - {{rule: nhs-min-asc, year: {YEAR}, amount: {asc * 9 // 10000 * 1000:_}}}")
        out.append(
            f"  - {{rule: ooh-ringfence, year: {YEAR}, amount: {ooh * 9 // 10000 * 1000:_}}}"
        )
        self.files["funding.yaml"] = "\n".join(out) + "\n"

    def write_metrics(self) -> None:
        rng = self.rng
        out = ["metrics:"]
        bases = {
            "emergency-admissions-65": 24_000,
            "discharge-delay": 1.9,
            "residential-admissions-65": 560.0,
        }
        for metric in self.metric_ids:
            local = metric not in bases
            base = bases.get(metric, float(rng.randrange(40, 90)))
            decimals = 0 if isinstance(base, int) else 1
            out.append(f"  - id: {metric}")
            if local:
                out += [
                    f"    name: {_q('Local measure: ' + rng.choice(GROUPS) + ' supported at home')}",
                    '    unit: "%"',
                    "    direction: higher",
                    "    decimals: 1",
                ]
            out.append(f"    baseline: {{period: 2024-25, value: {base}}}")
            target = round(base * (0.97 if not local else 1.04), decimals)
            out += ["    targets:", f"      {YEAR}: {target}"]
            if metric == "residential-admissions-65":
                quarters = [f"{YEAR} Q{q}" for q in range(1, 5)]
                out += [f"      {q}: {round(target / 4, 1)}" for q in quarters]
                out += ["    actuals:"]
                out += [
                    f"      {q}: {round(target / 4 * rng.uniform(0.95, 1.08), 1)}"
                    for q in quarters[:2]
                ]
            elif not local:
                monthly = base / 12 if metric == "emergency-admissions-65" else base
                out += [
                    f"      {m}: {round(monthly * rng.uniform(0.93, 1.02), decimals)}"
                    for m in MONTH_KEYS
                ]
                out += ["    actuals:"]
                out += [
                    f"      {m}: {round(monthly * rng.uniform(0.95, 1.06), decimals)}"
                    for m in MONTH_KEYS[:6]
                ]
                out += ["    last_year:"]
                out += [
                    f"      2024-{m[5:]}: {round(monthly * rng.uniform(0.98, 1.1), decimals)}"
                    for m in MONTH_KEYS[:6]
                ]
            else:
                out += ["    actuals:", f"      {YEAR}: {round(base * rng.uniform(0.98, 1.06), 1)}"]
            refs = ", ".join(f"@scheme:{s['id']}" for s in rng.sample(self.schemes, k=2))
            rationale = [
                self.paragraph(refs=False),
                self.paragraph(refs=False) + f" The schemes most involved are {refs}.",
            ]
            out.append("    rationale: " + _yaml_block(rationale, 6))
        self.files["metrics.yaml"] = "\n".join(out) + "\n"

    def write_risks(self) -> None:
        rng = self.rng
        out = ["scale: {likelihood: 5, impact: 5}", "thresholds: {red: 15, amber: 8}", "risks:"]
        for rid in self.risk_ids:
            likelihood, impact = rng.randint(1, 5), rng.randint(2, 5)
            out += [
                f"  - id: {rid}",
                f"    risk: {_q(self.sentence())}",
                "    cause: " + _yaml_text(self.sentence(), 6),
                f"    category: {rng.choice(['Finance', 'Workforce', 'Demand', 'Delivery'])}",
                f"    likelihood: {likelihood}",
                f"    impact: {impact}",
                f"    owner: {rng.choice(['council', 'icb', 'trust'])}",
                "    mitigations:",
                *[f"      - {_q(self.sentence())}" for _ in range(rng.randint(2, 3))],
                f"    residual: {{likelihood: {max(1, likelihood - 1)}, impact: {max(1, impact - 1)}}}",
                f"    status: {'closed' if rng.random() < 0.1 else 'open'}",
            ]
        self.files["risks.yaml"] = "\n".join(out) + "\n"

    def write_conditions(self) -> None:
        out = ["conditions:"]
        for cid, status in [("NC1", "met"), ("NC2", "met"), ("NC3", "met"), ("NC4", "partly-met")]:
            paras = [self.paragraph(refs=False), self.paragraph(refs=False)]
            paras[0] += (
                f" This is described in @sec:{self.rng.choice(['governance', 'engagement', 'prevention'])}."
            )
            out += [
                f"  - id: {cid}",
                f"    status: {status}",
                "    response: " + _yaml_block(paras, 6),
            ]
        self.files["conditions.yaml"] = "\n".join(out) + "\n"

    def write_vision(self) -> None:
        titles = [
            "Staying well and independent",
            "Joined-up care close to home",
            "Home first after a hospital stay",
            "Supported carers and homes that work",
        ]
        out = [
            "statement: "
            + _yaml_text(
                f"People in {self.area} live well and independently at home for as long as possible, and when they need care it is joined up and close to home.",
                2,
            ),
            "strapline: Home first, together",
            "for_residents: "
            + _yaml_text(
                "I stay well and in control of my life at home. When I need help, the people supporting me know me and talk to each other.",
                2,
            ),
            "objectives:",
        ]
        for i, title in enumerate(titles, start=1):
            out += [
                f"  - id: O{i}",
                f"    title: {title}",
                "    description: " + _yaml_text(self.sentence(), 6),
            ]
        out.append("principles:")
        for word in [
            "Home is the default.",
            "One conversation.",
            "Strengths first.",
            "Fair shares.",
            "Money follows outcomes.",
        ]:
            out.append(f"  - {_q('**' + word + '** ' + self.sentence())}")
        self.files["vision.yaml"] = "\n".join(out) + "\n"

    def write_signoff(self) -> None:
        out = ["signatories:"]
        bodies = [
            (
                f"{self.area} Health and Wellbeing Board",
                "Chair of the Health and Wellbeing Board",
                "",
            ),
            (
                f"{self.area} County Council",
                "Executive Director of Adult Social Care",
                "2025-10-16",
            ),
            (f"NHS {self.area} Integrated Care Board", "Chief Executive", ""),
            (f"NHS {self.area} Integrated Care Board", "Director of Place", "2025-10-17"),
        ]
        for body, position, date in bodies:
            out += [
                f"  - for: {body}",
                f"    name: {self.person()}",
                f"    position: {position}",
                f"    date: {date}",
            ]
        self.files["signoff.yaml"] = "\n".join(out) + "\n"

    def write_facts(self) -> None:
        rng = self.rng
        self.facts = {
            "population": rng.randrange(300_000, 900_000),
            "over_65": rng.randrange(60_000, 180_000),
            "over_65_pct": round(rng.uniform(18, 26), 1),
            "over_85": rng.randrange(9_000, 25_000),
            "over_85_growth_pct": round(rng.uniform(30, 55), 1),
            "unpaid_carers": rng.randrange(25_000, 90_000),
            "care_homes": rng.randrange(60, 220),
            "home_care_hours_weekly": rng.randrange(18_000, 60_000),
            "rural_pct": round(rng.uniform(10, 45), 1),
        }
        self.files["facts.yaml"] = "\n".join(f"{k}: {v}" for k, v in self.facts.items()) + "\n"

    def write_theme(self) -> None:
        self.files["theme.yaml"] = "\n".join(
            [
                "colours:",
                '  primary: "#005EB8"',
                '  accent: "#003087"',
                '  text: "#212B32"',
                "fonts:",
                "  body: Arial",
                "  heading: Arial",
                "paper: A4",
                "money_units: pounds",
                "date_style: long",
                "logo: assets/logo.png",
                "",
            ]
        )
        self.files["assets/logo.png"] = _logo_png(self.area)

    def write_board_report(self) -> None:
        p = self.person()
        out = [
            f"decision_maker: {self.area} Health and Wellbeing Board",
            'subject: "Better Care Fund Plan 2025-26: mid-year refresh"',
            "meeting_date: 2025-10-23",
            "report_of: Executive Director of Adult Social Care",
            "contacts:",
            f"  - {{role: Author, name: {p}, title: Programme Manager, phone: 01632 960 418, email: {p.lower().replace(' ', '.')}@{self.slug}.example}}",
            "confidentiality: Not applicable",
            "summary: "
            + _yaml_block(
                [
                    self.paragraph(refs=False)
                    + ' The pooled fund is {{ funding.pool["2025-26"] | money }}.'
                ],
                2,
            ),
            "recommendations:",
            *[f"  - {_q(self.sentence())}" for _ in range(3)],
            "reasons:",
            *[f"  - {_q(self.sentence())}" for _ in range(2)],
            "alternatives:",
            *[f"  - {_q(self.sentence())}" for _ in range(2)],
            "detail:",
            *[f"  - {_q(self.paragraph(refs=False))}" for _ in range(4)],
            "implications:",
            *[f"  {k}: {_q(self.sentence())}" for k in ["resource", "legal_power", "risk"]],
            "key_decision: false",
            "wards: All wards",
            "equality_impact_assessment: {required: true, note: Completed in September 2025}",
            "privacy_impact_assessment: {required: false, note: No personal data is processed}",
            "appendices:",
            "  - {title: Better Care Fund Plan 2025-26, source: plan}",
            "  - {title: Risk register, source: risks}",
            "",
        ]
        self.files["board-report.yaml"] = "\n".join(out)

    # -------------------------------------------------------------- narrative

    def figure(self, stem: str, title: str) -> str:
        """A Markdown figure with a distinct chart image; returns the Markdown line."""
        index = len(self.figure_ids) + 1
        fid = f"{stem}-{index}"
        labels = self.rng.sample(self.localities + GROUPS[:3], k=min(5, len(self.localities) + 3))
        values = [self.rng.randrange(10, 100) for _ in labels]
        self.files[f"assets/{fid}.png"] = _chart_png(labels, values, self.rng.randrange(1 << 24))
        self.figure_ids.append(fid)
        alt = "Bar chart: " + "; ".join(
            f"{lab} {val}" for lab, val in zip(labels, values, strict=True)
        )
        width = self.rng.choice(["60%", "75%", "100%"])
        return f'![{title}](assets/{fid}.png){{#fig:{fid} alt="{alt}" width="{width}"}}'

    def pipe_table(self, tid: str, caption: str, rows: int) -> str:
        self.table_ids.append(tid)
        header = "| Locality | 2023-24 | 2024-25 | Change |\n|---|---:|---:|---:|"
        body = []
        total_a = total_b = 0
        for _ in range(rows):
            a, b = self.rng.randrange(200, 5000), self.rng.randrange(200, 5000)
            total_a, total_b = total_a + a, total_b + b
            place = self.rng.choice(self.localities)
            body.append(f"| {place} | {a:,} | {b:,} | {(b - a) / a * 100:.1f}% |")
        body.append(
            f"| Total | {total_a:,} | {total_b:,} | {(total_b - total_a) / total_a * 100:.1f}% |"
        )
        return f"{header}\n" + "\n".join(body) + f"\n\nTable: {caption} {{#tbl:{tid}}}"

    def section(
        self, sid: str, title: str, body_parts: list[str], front: str = "", name: str = ""
    ) -> None:
        self.files[f"sections/{name or sid}.md"] = (
            f"---\nid: {sid}\ntitle: {_q(title)}\n{front}---\n" + "\n\n".join(body_parts) + "\n"
        )

    def narrative_body(self, sid: str, subsections: int, with_figure: bool) -> list[str]:
        size = self.size
        rng = self.rng
        parts = [self.paragraph() for _ in range(2)]
        for k in range(subsections):
            sub_id = f"{sid}-{k + 1}"
            words = self.sentence().split(",")[0].rstrip(".").split(" ")
            parts.append(f"## {' '.join(words[:8])} {{#{sub_id}}}")
            self.section_ids.append(sub_id)
            for _ in range(size.paragraphs):
                parts.append(self.paragraph())
            kind = self.block_kinds % 5  # lists, tables, callouts, quotes in turn
            self.block_kinds += 1
            if kind == 0:
                parts.append("\n".join(f"- {self.sentence()}" for _ in range(rng.randint(3, 5))))
            elif kind == 1:
                tid = f"{sid}-t{k + 1}"
                parts.append(f"@tbl:{tid} shows activity by locality.")
                parts.append(
                    self.pipe_table(
                        tid, f"Activity by locality: {title_case(sid)}", rng.randint(4, 8)
                    )
                )
            elif kind == 2:
                parts.append(
                    "\n".join(
                        [
                            f"1. {self.sentence()}",
                            f"2. {self.sentence()}",
                            f"   - {self.sentence()}",
                            f"   - {self.sentence()}",
                            f"3. {self.sentence()}",
                        ]
                    )
                )
            elif kind == 3:
                parts.append(
                    f"::: callout note What residents told us\n{self.paragraph(refs=False)}\n:::"
                )
            else:
                parts.append(f"> {self.sentence()}\n> {self.sentence()}")
            if k == 0:
                parts.append(f"### In practice\n\n{self.paragraph()}")
                parts.append(f"#### What changed\n\n{self.paragraph(refs=False)}")
        if with_figure:
            fid_line = self.figure(sid, f"Change in demand by locality, {title_case(sid)}")
            parts.append(f"@fig:{self.figure_ids[-1]} shows the change by locality.")
            parts.append(fid_line)
        return parts

    def write_sections(self) -> None:
        size = self.size
        rng = self.rng
        # Ids are known before the text is written, so references only point at real targets.
        self.section_ids += list(self.narrative)
        figure_budget = size.figures
        figures_at = set(
            rng.sample(range(len(self.narrative)), k=min(figure_budget, len(self.narrative)))
        )
        titles = {
            "foreword": "Foreword",
            "executive-summary": "Executive summary",
            "background": "Background and local needs",
            "progress": "Progress so far",
            "engagement": "Bodies involved and stakeholder engagement",
            "governance": "Governance",
            "approach-to-integration": "Overall approach to integration",
            "prevention": "Objective 1: shifting from sickness to prevention",
            "hospital-to-home": "Objective 2: independent living and the shift from hospital to home",
            "unpaid-carers": "Supporting unpaid carers",
            "dfg-and-housing": "Disabled Facilities Grant and housing",
            "equality": "Equality and health inequalities",
        }
        for i, sid in enumerate(self.locality_sections):
            titles[sid] = f"Locality profile: {self.localities[i % len(self.localities)]}"
        for index, sid in enumerate(self.narrative):
            if sid == "foreword":
                body = [
                    "::: style lead\n" + self.paragraph(refs=False) + "\n:::",
                    self.paragraph(refs=False),
                    f"{self.person()}  \nChair, {self.area} Health and Wellbeing Board",
                ]
                self.section(sid, titles[sid], body, front="numbered: false\n")
                continue
            if sid == "executive-summary":
                body = [
                    (
                        'The pooled fund for 2025-26 is {{ funding.pool["2025-26"] | money }} '
                        '({{ funding.pool["2025-26"] | thousands }}), spent through '
                        "{{ schemes | length | words }} schemes agreed on {{ plan.date | date }}. "
                        "About {{ facts.over_85 | number }} residents are aged 85 or over, a "
                        "group expected to grow by {{ facts.over_85_growth_pct | pct }}."
                    ),
                    '{% for s in schemes[:5] %}\n- **{{ s.id }}** {{ s.name }}: {{ s.total["2025-26"] | money }}\n{% endfor %}',
                    self.paragraph()
                    + "[^1] More detail is in @app:case-studies and @app:spending-detail.",
                    "[^1]: Figures are for the financial year April 2025 to March 2026, as agreed in the section 75 agreement.",
                    f"Read the national guidance at [the Better Care Fund pages](https://www.england.nhs.uk/ourwork/part-rel/transformation-fund/) or write to `bcf@{self.slug}.example`.",
                ]
                self.section(sid, titles[sid], body)
                continue
            subsections = (
                size.subsections
                if sid not in self.locality_sections
                else max(2, size.subsections // 2)
            )
            body = self.narrative_body(sid, subsections, with_figure=index in figures_at)
            self.section(sid, titles[sid], body)
        self.section(
            "vision-intro",
            "Our vision for health and care",
            [
                self.paragraph(refs=False),
                self.paragraph(refs=False) + " See @sec:prevention and @sec:hospital-to-home.",
            ],
            name="vision",
        )
        self.section(
            "schemes-intro",
            "Schemes and spending",
            [
                'The pooled fund of {{ funding.pool["2025-26"] | money }} is spent through {{ schemes | length | words }} schemes, grouped into five themes.',
                "\n".join(f"- **{t}**" for t in THEMES),
                self.paragraph(refs=False) + " @tbl:schemes summarises them.",
            ],
        )
        # Appendices.
        stories = []
        for k in range(size.case_studies):
            s = self.schemes[k % len(self.schemes)]
            stories.append(f"## {rng.choice(FIRST)[0]}. {rng.choice(LAST)}: {s['name'].lower()}")
            stories.append(
                self.paragraph(refs=False) + f" They were supported by @scheme:{s['id']}."
            )
            stories.append(self.paragraph(refs=False))
            stories.append(f'*"{self.sentence()}"*')
        self.section("case-studies", "Case studies", [self.paragraph(refs=False), *stories])
        detail = [
            "This appendix repeats the spending tables in the form of the national planning template.",
            ":::: landscape\n::: table spend-by-commissioner\n:::\n::::",
            "::: pagebreak\n:::",
            "::: style small\nAll amounts are in pounds and exclude VAT.\n:::",
        ]
        self.section("spending-detail", "Spending detail", detail)
        glossary = "| Term | Meaning |\n|---|---|\n" + "\n".join(
            f"| {t} | {m} |" for t, m in GLOSSARY
        )
        self.section(
            "glossary",
            "Glossary",
            [
                "This glossary explains terms used in the plan.",
                glossary + "\n\nTable: Glossary of terms {#tbl:glossary}",
            ],
        )


def title_case(sid: str) -> str:
    return sid.replace("-", " ")


def _logo_png(area: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 120), "#005EB8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 110, 110), outline="white", width=6)
    draw.text((130, 45), f"{area} Better Care", fill="white")
    return _png(image)


def _chart_png(labels: list[str], values: list[int], colour_seed: int) -> bytes:
    from PIL import Image, ImageDraw

    width, height = 900, 480
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    colour = f"#{(colour_seed & 0x7F7F7F) | 0x203040:06X}"
    bar = (width - 100) // len(values)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = 60 + i * bar
        top = height - 60 - int(value / 100 * (height - 120))
        draw.rectangle((x + 10, top, x + bar - 10, height - 60), fill=colour)
        draw.text((x + 10, height - 50), label[:18], fill="black")
        draw.text((x + 10, top - 15), str(value), fill="black")
    draw.line((50, height - 60, width - 20, height - 60), fill="black", width=2)
    return _png(image)


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def generate_plan(folder: Path | str, size: str = "S", seed: int = 1) -> Path:
    """Write a plan of `size` (S, M or L) into `folder` (created; must be empty or new)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty")
    files = Generator(size, seed).generate()
    for relative, content in sorted(files.items()):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


# What a 2025-26 assessment rates (templates/frameworks/bcf-2025-26.yaml), for the
# assessment file that goes with generated plans (the summary row of bench/run.py).
CONDITIONS = ("NC1", "NC2", "NC3", "NC4")
KEY_LINES = (
    "governance",
    "discharge",
    "capacity-demand",
    "metrics-ambition",
    "expenditure",
    "dfg-housing",
)
OUTCOMES = ("approved", "approved", "approved-with-conditions", "not-approved")


def generate_assessments(path: Path | str, seeds: list[int]) -> Path:
    """A region's assessment file (docs/assurance.md) for the plans of `seeds`: ratings
    drawn from each seed, mostly green, so that the summary has every rating and outcome."""
    lines = [
        "# Synthetic assessments of generated plans (bench/generate.py).",
        "framework: bcf-2025-26",
        "region: Bench region",
        "assessor: Bench Assessor",
        "date: 2025-11-03",
        "assessments:",
    ]
    for seed in seeds:
        rng = random.Random(f"assessment-{seed}")
        rated = [f"{i}: {rng.choice('GGGAR')}" for i in CONDITIONS + KEY_LINES]
        risky = rng.random() < 0.15
        lines += [
            f"  - plan: {Generator('S', seed).code}",
            "    conditions: {" + ", ".join(rated[: len(CONDITIONS)]) + "}",
            "    key_lines_of_enquiry: {" + ", ".join(rated[len(CONDITIONS) :]) + "}",
            f"    high_risk: {'yes' if risky else 'no'}",
            *(["    high_risk_reason: The plan depends on one-off money"] if risky else []),
            f"    recommendation: {rng.choice(OUTCOMES)}",
        ]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    args = parser.parse_args(argv)
    generate_plan(args.out, args.size, args.seed)
    print(f"wrote a size {args.size} plan into {args.out}")


if __name__ == "__main__":
    main()
