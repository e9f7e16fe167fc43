#!/usr/bin/env python3
"""Benchmark bcf-docgen against pandoc and WeasyPrint on the same generated plan.

    .venv/bin/python bench/run.py --size M            # about 12 minutes on 2 cores
    .venv/bin/python bench/run.py --size S M L --runs 3   # about 45 minutes
    .venv/bin/python bench/run.py --size M --only check,docx,pandoc
    .venv/bin/python bench/run.py --size S --runs 1 --save-as try   # results/try.json only

It generates a plan (bench/generate.py), then times, as separate processes run the way
a user runs them: `bcf-docgen check`; the Word writer (in-process, and `build --to docx
--no-paginate`); the LibreOffice pagination pass, cold and (when render/libreoffice.py
has `keep_warm`) with one LibreOffice kept running; `build --to pdf` and the full `build`
with each PDF engine (--engines, both by default), each engine's layout alone in-process,
its PDF's pages and size and what the PDF/UA validators say of it (the `validate` row:
../shared/validators' pdfua_check.py, `pdfua`, `outloud`); pandoc converting the same
content as one Markdown file to .docx; the WeasyPrint command line laying out our own
HTML (`build --to html`); building several plans with --jobs 1 and 2; and how soon
`bcf-docgen watch` rewrites each output after a save (again with `--engine typst`).

Each figure is the median of --runs runs. Peak memory is the largest resident set of
any one process of the command (what `/usr/bin/time -v` reports), read with wait4();
for the builds, the sum over its processes at the worst moment is sampled too. The
`pdf` and `build` rows are the default engine's. The full build recorded before the
Typst engine ("today's" in issue 17) is carried from each results file to the next.
The table is printed, kept in bench/results/SIZE.json, and written into
bench/RESULTS.md between the markers (the text around them is kept). Nothing here is a
test: CI does not run it.

pandoc is needed for its row: `apt-get install pandoc` (Debian), or
`.venv/bin/pip install pypandoc_binary` (a wheel that ships pandoc). LibreOffice
(`soffice`) is needed for the pagination rows; `make build` installs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
ROWS = (
    "check",
    "docx",
    "pdf",
    "build",
    "validate",
    "pandoc",
    "weasyprint",
    "batch",
    "watch",
    "diff",
    "summary",
)
ENGINES = ("weasyprint", "typst")
VALIDATORS = ROOT.parent / "shared" / "validators"  # ../shared/validators, as its README says
SUMMARY_PLANS = 150  # S plans in the summary row: about as many as England has boards

PANDOC_HELP = (
    "pandoc is not installed, so the pandoc row is skipped. Install it with\n"
    "    apt-get install pandoc                      (Debian/Ubuntu, as root)\n"
    "or  .venv/bin/pip install pypandoc_binary       (a wheel that ships pandoc)\n"
    "and run this again."
)


# ---------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    wall: float
    rss_mb: float  # the largest single process (self or any waited-for descendant)
    tree_mb: float = 0.0  # sampled sum over the process tree (only when asked)


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants now, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21])
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(command: list[str], tree: bool = False, cwd: Path | None = None) -> Sample:
    """Run `command` to the end; wall time and peak memory. Raises if it fails."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=log, cwd=cwd)
        peak, done = 0.0, threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.1):
                peak = max(peak, _tree_rss_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True) if tree else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            output = log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    return Sample(wall, usage.ru_maxrss / 1024, peak)


def repeat(runs: int, command: list[str], tree: bool = False, **kw) -> dict:
    samples = [measure(command, tree=tree, **kw) for _ in range(runs)]
    return summary([s.wall for s in samples], max(s.rss_mb for s in samples), samples)


def summary(walls: list[float], rss_mb: float | None = None, samples=None) -> dict:
    result = {
        "median": statistics.median(walls),
        "min": min(walls),
        "max": max(walls),
        "runs": len(walls),
    }
    if rss_mb is not None:
        result["rss_mb"] = rss_mb
    if samples and any(s.tree_mb for s in samples):
        result["tree_mb"] = max(s.tree_mb for s in samples)
    return result


# ---------------------------------------------------------------------------- probe


def probe(plan: Path, runs: int, out: Path, engines: list[str]) -> dict:
    """In-process timings (run in a child process: `run.py --probe PLAN`).

    The reading+checking, the Word writer alone, the HTML writer, each PDF engine's
    layout alone (its first run in the process apart: imports, fonts, caches), and the
    LibreOffice pagination pass cold (a new LibreOffice each time) and, when the product
    has it, warm (one LibreOffice kept running), each after a warm-up so that imports
    are not counted.
    """
    from equivalent import document_markdown

    from bcf_docgen.pipeline import check_plan
    from bcf_docgen.render import libreoffice
    from bcf_docgen.render.docx import render_docx
    from bcf_docgen.render.html import render_html

    def timed(function, *args):
        start = time.perf_counter()
        value = function(*args)
        return time.perf_counter() - start, value

    check_plan(plan)  # warm-up: imports, templates, frameworks
    checks = [timed(check_plan, plan) for _ in range(runs)]
    document = checks[-1][1].document
    render_docx(document)
    writes = [timed(render_docx, document) for _ in range(runs)]
    render_html(document)
    html = [timed(render_html, document) for _ in range(runs)]
    data = writes[-1][1]
    passes = [timed(libreoffice.paginate, data) for _ in range(max(1, runs))]
    pages = passes[-1][1]
    (out / "plan.md").write_text(document_markdown(document), encoding="utf-8")
    notes: list[str] = []
    result: dict[str, Any] = {
        "check": [t for t, _ in checks],
        "docx_writer": [t for t, _ in writes],
        "html_writer": [t for t, _ in html],
        "pagination_pass": [t for t, _ in passes] if pages else [],
        "word_pages": pages.total if pages else None,
        "docx_mb": len(data) / 2**20,
        "notes": notes,
    }
    result |= _layouts(document, plan, runs, engines, notes)
    if pages:
        result |= _warm_passes(libreoffice, data, runs, pages, notes)
    return result


def _layouts(document, plan: Path, runs: int, engines: list[str], notes: list[str]) -> dict:
    """Each engine's PDF layout alone: the first run in this process, then `runs` warm.
    The Typst figure includes writing the Typst source from the model."""
    layouts: dict = {}
    for engine in engines:
        render: Callable[..., bytes]
        try:
            if engine == "typst":
                from bcf_docgen.render.typst_pdf import render_typst_pdf as render
            else:
                from bcf_docgen.render.pdf import render_pdf as render
        except ImportError as exc:
            notes.append(f"no in-process {engine} layout: {exc}")
            continue
        times = []
        for _ in range(1 + max(1, runs)):
            start = time.perf_counter()
            render(document, plan)
            times.append(time.perf_counter() - start)
        layouts[f"layout_{engine}_first"] = times[:1]
        layouts[f"layout_{engine}"] = times[1:]
    return layouts


def _warm_passes(libreoffice, data: bytes, runs: int, cold, notes: list[str]) -> dict:
    """The pagination pass with one LibreOffice kept running (`keep_warm`): the first
    pass (which starts it) and `runs` later ones; and whether they find the same pages."""
    keep_warm = getattr(libreoffice, "keep_warm", None)
    close_warm = getattr(libreoffice, "close_warm", None)
    if keep_warm is None or close_warm is None:
        notes.append("render/libreoffice.py has no keep_warm()/close_warm() yet: no warm pass row")
        return {}
    times, same = [], True
    try:
        keep_warm()
        for _ in range(1 + max(1, runs)):
            start = time.perf_counter()
            pages = libreoffice.paginate(data)
            times.append(time.perf_counter() - start)
            same = same and pages is not None and pages == cold
    finally:
        close_warm()
    if not same:
        notes.append("the warm LibreOffice pass found other pages than the cold one")
    return {
        "pagination_warm_first": times[:1],
        "pagination_warm": times[1:],
        "pagination_warm_same_pages": same,
    }


def validate(pdf: Path, validators: Path) -> dict:
    """What each PDF/UA validator says about `pdf` (run in a child process: `run.py
    --validate PDF`): counts of errors and warnings and the rules that failed.

    The Matterhorn walk is /work/shared/validators' pdfua_check.py, run as its README
    says (with $DOCVAL's Python when set up); `pdfua` and `outloud` are called as
    tests/test_validators.py calls them. veraPDF is not obtainable on these machines.
    """
    found: dict[str, dict] = {}
    script = validators / "pdfua_check.py"
    docval = Path(os.environ.get("DOCVAL", "/tmp/docval")) / "venv" / "bin" / "python"
    python = str(docval) if docval.exists() else sys.executable
    if script.exists():
        with tempfile.TemporaryDirectory() as folder:
            written = Path(folder) / "report.json"
            subprocess.run(
                [python, str(script), str(pdf), "--json", str(written)],
                capture_output=True,
                check=False,
            )
            if written.exists():
                items: list[dict] = next(iter(json.loads(written.read_text()).values()), [])
                levels = [(i["level"], i["checkpoint"]) for i in items]
                found["matterhorn"] = _counts(levels, error="FAIL", warning="WARN")
            else:
                found["matterhorn"] = {"missing": f"{script} wrote no report"}
    else:
        found["matterhorn"] = {"missing": f"no {script}"}
    try:
        from pdfua import validate as pdfua_validate

        report = pdfua_validate(str(pdf))
        levels = [(f.severity.name, f.rule_id) for f in report.findings]
        found["pdfua"] = _counts(levels, error="ERROR", warning="WARNING")
        found["pdfua"]["skipped_rules"] = len(report.skipped)
    except ImportError:
        found["pdfua"] = {"missing": "pdfua is not installed"}
    try:
        import outloud

        result = outloud.check(str(pdf))
        levels = [(f.severity, f.rule) for f in result.findings]
        found["outloud"] = _counts(levels, error="error", warning="warning")
    except ImportError:
        found["outloud"] = {"missing": "outloud is not installed"}
    return found


def _counts(levels: list[tuple[str, str]], error: str, warning: str) -> dict:
    return {
        "errors": sum(level == error for level, _ in levels),
        "warnings": sum(level == warning for level, _ in levels),
        "failed_rules": sorted({rule for level, rule in levels if level == error}),
        "warned_rules": sorted({rule for level, rule in levels if level == warning}),
    }


# ---------------------------------------------------------------------------- rows


def tool(name: str) -> str:
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: run `make build` first")
    return found


def pandoc_path() -> str | None:
    found = shutil.which("pandoc")
    if found:
        return found
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except Exception:  # not installed, or the wheel has no binary
        return None


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def watch_latency(plan: Path, out: Path, runs: int, bcf: str, engine: str | None = None) -> dict:
    """Start `bcf-docgen watch` (with `--engine engine` if given), save a section `runs`
    times, time each output's rewrite."""
    lines: list[tuple[float, str]] = []
    process = subprocess.Popen(
        [bcf, "watch", str(plan), "--out", str(out), *(["--engine", engine] if engine else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )

    stderr = process.stderr
    assert stderr is not None  # stderr=PIPE

    def read() -> None:
        for line in stderr:
            lines.append((time.perf_counter(), line.rstrip()))

    threading.Thread(target=read, daemon=True).start()

    def wait_for(text: str, count: int, timeout: float = 300) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            hits = [t for t, line in lines if text in line]
            if len(hits) >= count:
                return hits[count - 1]
            if process.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(
            f"watch: no '{text}' (#{count}); output:\n" + "\n".join(line for _, line in lines[-20:])
        )

    def changed(path: Path, before: int, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                if path.stat().st_mtime_ns != before:
                    return time.perf_counter()
            except FileNotFoundError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"watch: {path.name} was not rewritten")

    from bcf_docgen.render.libreoffice import soffice

    paged = soffice() is not None  # without LibreOffice the quick Word file stays
    results: dict[str, list[float]] = {"html": [], "docx": [], "pdf": [], "docx_paged": []}
    try:
        wait_for("PDF updated", 1)
        if paged:
            wait_for("paged Word file updated", 1)
        section = plan / "sections" / "background.md"
        for n in range(1, runs + 1):
            html, docx = (next(out.glob(f"*.{ext}")) for ext in ("html", "docx"))
            html_before, docx_before = html.stat().st_mtime_ns, docx.stat().st_mtime_ns
            saved = time.perf_counter()
            with section.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\nA sentence added by the benchmark, save {n}.\n")
            results["html"].append(changed(html, html_before) - saved)
            results["docx"].append(changed(docx, docx_before) - saved)
            results["pdf"].append(wait_for("PDF updated", n + 1) - saved)
            if paged:
                results["docx_paged"].append(wait_for("paged Word file updated", n + 1) - saved)
    finally:
        stop = time.perf_counter()
        process.send_signal(signal.SIGINT)
        code: int | None
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = None
    summaries = {k: summary(v) for k, v in results.items() if v}
    summaries["ctrl_c"] = {"exit": code, "seconds": time.perf_counter() - stop}
    return summaries


# ---------------------------------------------------------------------------- one size


def default_engine() -> str:
    try:
        from bcf_docgen.engines import DEFAULT_PDF_ENGINE
    except ImportError:  # before the Typst engine: WeasyPrint was the only one
        return "weasyprint"
    return str(DEFAULT_PDF_ENGINE)


def recorded_build(size: str) -> dict | None:
    """The full build this size's stored results recorded before the Typst engine ("today's"
    in issue 17): carried from file to file, so a new run does not replace it by itself."""
    path = RESULTS_DIR / f"{size}.json"
    if not path.exists():
        return None
    old = json.loads(path.read_text())
    if old.get("baseline_build"):
        return old["baseline_build"]
    row = old.get("rows", {}).get("build_weasyprint") or old.get("rows", {}).get("build")
    if not row:
        return None
    machine_info = old.get("machine", {})
    return {
        "median": row["median"],
        "rss_mb": row.get("rss_mb"),
        "date": machine_info.get("date", "?"),
        "commit": machine_info.get("commit", "?"),
    }


def run_probe(plan: Path, work: Path, runs: int, engines: list[str], results: dict) -> None:
    command = [sys.executable, __file__, "--probe", str(plan), "--runs", str(runs)]
    command += ["--work", str(work), "--engines", ",".join(engines)]
    probe_out = subprocess.run(command, capture_output=True, text=True)
    if probe_out.returncode != 0:
        raise RuntimeError(f"the probe failed:\n{probe_out.stderr[-3000:]}")
    inproc = json.loads(probe_out.stdout.strip().splitlines()[-1])
    rows = results["rows"]
    results["word_pages"] = inproc["word_pages"]
    results["notes"] += inproc["notes"]
    for key in ("check", "docx_writer", "html_writer"):
        rows["check_inprocess" if key == "check" else key] = summary(inproc[key])
    timings = [k for k, v in inproc.items() if k.startswith(("pagination", "layout_"))]
    for key in timings:
        if isinstance(inproc[key], list) and inproc[key]:
            rows[key] = summary(inproc[key])
    if "pagination_warm_same_pages" in inproc:
        results["pagination_warm_same_pages"] = inproc["pagination_warm_same_pages"]


def engine_rows(
    size: str,
    runs: int,
    only: set[str],
    engines: list[str],
    validators: Path,
    plan: Path,
    out: Path,
    results: dict,
) -> None:
    """`build --to pdf` and the full `build` with each engine, side by side; each engine's
    PDF (pages, size, validators); `pdf` and `build` are the default engine's rows."""
    bcf, rows = tool("bcf-docgen"), results["rows"]
    per_engine: dict[str, dict] = results.setdefault("engines", {})
    for engine in engines:
        made: dict = per_engine.setdefault(engine, {})
        pdf_out, build_out = out / f"pdf-{engine}", out / f"build-{engine}"
        common = ["--engine", engine]
        if "pdf" in only:
            cmd = [bcf, "build", str(plan), "--out", str(pdf_out), "--to", "pdf", *common]
            rows[f"pdf_{engine}"] = repeat(runs, cmd, tree=True)
        if "build" in only:
            cmd = [bcf, "build", str(plan), "--out", str(build_out), *common]
            rows[f"build_{engine}"] = repeat(runs, cmd, tree=True)
        if "validate" in only and not pdf_out.exists():  # one PDF to look at, not timed
            measure([bcf, "build", str(plan), "--out", str(pdf_out), "--to", "pdf", *common])
        pdf = next(pdf_out.glob("*.pdf"), None) or next(build_out.glob("*.pdf"), None)
        if pdf is None:
            continue
        made["pages"], made["pdf_mb"] = pdf_pages(pdf), pdf.stat().st_size / 2**20
        took = ", ".join(
            f"{k} {rows[f'{k}_{engine}']['median']:.2f} s"
            for k in ("pdf", "build")
            if f"{k}_{engine}" in rows
        )
        say(size, f"{engine}: {took}; {made['pages']} pages, {made['pdf_mb']:.2f} MB")
        if "validate" in only:
            made["validators"] = run_validators(pdf, validators)
            say(size, f"{engine} validators: {validator_text(made['validators'])}")
    default = results["default_engine"]
    for key in ("pdf", "build"):
        if f"{key}_{default}" in rows:
            rows[key] = rows[f"{key}_{default}"]
    if per_engine.get(default, {}).get("pages"):
        results["pdf_pages"] = per_engine[default]["pages"]


def run_validators(pdf: Path, validators: Path) -> dict:
    command = [sys.executable, __file__, "--validate", str(pdf), "--validators", str(validators)]
    checked = subprocess.run(command, capture_output=True, text=True)
    if checked.returncode != 0:
        return {"failed": checked.stderr[-2000:]}
    return json.loads(checked.stdout.strip().splitlines()[-1])


def say(size: str, text: str) -> None:
    print(f"[{size}] {text}", flush=True)


def run_size(
    size: str,
    runs: int,
    only: set[str],
    seed: int,
    batch_plans: int,
    engines: list[str],
    validators: Path,
) -> dict:
    from generate import SIZES, generate_plan

    bcf, weasy = tool("bcf-docgen"), tool("weasyprint")
    results: dict = {"size": size, "seed": seed, "runs": runs, "rows": {}, "notes": []}
    results["default_engine"] = default_engine()
    results["baseline_build"] = recorded_build(size)
    rows = results["rows"]
    work = Path(tempfile.mkdtemp(prefix=f"bcf-bench-{size}-"))
    plan = generate_plan(work / "plan", size, seed)
    results["schemes"] = SIZES[size].schemes
    out = work / "out"

    say(size, f"plan generated in {plan}")
    run_probe(plan, work, runs, engines, results)
    say(size, "in-process timings done")

    if "check" in only:
        rows["check"] = repeat(runs, [bcf, "check", str(plan)])
        say(size, f"check {rows['check']['median']:.2f} s")
    if "docx" in only:
        cmd = [bcf, "build", str(plan), "--out", str(out), "--to", "docx", "--no-paginate"]
        rows["docx_quick"] = repeat(runs, cmd)
        rows["docx"] = repeat(runs, [bcf, "build", str(plan), "--out", str(out), "--to", "docx"])
        say(
            size,
            f"docx {rows['docx_quick']['median']:.2f} s / paged {rows['docx']['median']:.2f} s",
        )
    if {"pdf", "build", "validate"} & only:
        engine_rows(size, runs, only, engines, validators, plan, out, results)
    if "pandoc" in only:
        pandoc = pandoc_path()
        if pandoc is None:  # main() has said how to install it
            results["notes"].append("pandoc not installed: no pandoc row")
        else:
            results["pandoc_version"] = _first_line([pandoc, "--version"])
            cmd = [pandoc, str(work / "plan.md"), "--toc", f"--resource-path={plan}"]
            cmd += ["-o", str(work / "pandoc.docx")]
            rows["pandoc"] = repeat(runs, cmd, cwd=work)
            say(size, f"pandoc {rows['pandoc']['median']:.2f} s")
    if "weasyprint" in only:
        html_out = work / "html"
        measure([bcf, "build", str(plan), "--out", str(html_out), "--to", "html"])
        cmd = [bcf, "build", str(plan), "--out", str(html_out), "--to", "html"]
        rows["html"] = repeat(runs, cmd)
        page = next(html_out.glob("*.html"))
        cmd = [weasy, "--pdf-variant", "pdf/ua-1", str(page), str(work / "weasyprint.pdf")]
        rows["weasyprint"] = repeat(runs, cmd)
        results["weasyprint_pages"] = pdf_pages(work / "weasyprint.pdf")
        say(size, f"weasyprint {rows['weasyprint']['median']:.2f} s")
    if "batch" in only:
        plans = [generate_plan(work / f"batch-{i}", "S", seed + i) for i in range(batch_plans)]
        for jobs in (1, 2):
            cmd = [bcf, "build", *map(str, plans), "--out", str(work / "batch-out"), "--jobs"]
            rows[f"batch_jobs{jobs}"] = repeat(runs, [*cmd, str(jobs)])
            took = rows[f"batch_jobs{jobs}"]["median"]
            say(size, f"{batch_plans} S plans, --jobs {jobs}: {took:.1f} s")
    if "diff" in only:
        repo_plan = two_revisions(plan, work / "diff-repo")
        cmd = [bcf, "diff", str(repo_plan), "--from", "HEAD~1", "--to", "HEAD"]
        cmd += ["--out", str(work / "diff-out"), "--format", "json"]
        rows["diff"] = repeat(runs, cmd)
        rows["diff_summary"] = repeat(runs, [*cmd, "--no-redline"])
        took = rows["diff"]["median"], rows["diff_summary"]["median"]
        say(size, f"diff {took[0]:.2f} s, summary only {took[1]:.2f} s")
    if "watch" in only:
        watched = work / "watch-plan"
        shutil.copytree(plan, watched)
        latency = watch_latency(watched, work / "watch-out", runs, bcf)
        for key, value in latency.items():
            rows[f"watch_{key}"] = value
        took = f"html {latency['html']['median']:.2f} s, docx {latency['docx']['median']:.2f} s"
        say(size, f"watch {took}, pdf {latency['pdf']['median']:.2f} s")
        if "typst" in engines:  # the same saves, the PDF laid out by Typst
            watched = work / "watch-plan-typst"
            shutil.copytree(plan, watched)
            latency = watch_latency(watched, work / "watch-out-typst", runs, bcf, "typst")
            for key, value in latency.items():
                rows[f"watch_{key}_typst"] = value
            say(size, f"watch --engine typst: pdf {latency['pdf']['median']:.2f} s")
    shutil.rmtree(work, ignore_errors=True)
    return results


def summary_row(seed: int, runs: int) -> dict:
    """`bcf-docgen summary` of SUMMARY_PLANS generated S plans with their assessments (the
    same plans whatever --size says: the row is about many plans, not one large one)."""
    from generate import generate_assessments, generate_plan

    work = Path(tempfile.mkdtemp(prefix="bcf-bench-summary-"))
    seeds = [seed + i for i in range(SUMMARY_PLANS)]
    plans = [generate_plan(work / f"plan-{s}", "S", s) for s in seeds]
    assessed = generate_assessments(work / "assessments.yaml", seeds)
    cmd = [tool("bcf-docgen"), "summary", *map(str, plans), "--assessments", str(assessed)]
    row = repeat(runs, [*cmd, "--out", str(work / "out")])
    row["load_after"] = os.getloadavg()[0]
    took = f"{row['median']:.1f} s, load average {row['load_after']:.2f}"
    print(f"summary of {SUMMARY_PLANS} S plans: {took}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return row


def two_revisions(plan: Path, repo: Path) -> Path:
    """A git repository holding `plan` at two commits that differ in 10 places: six
    scheme amounts, a risk's likelihood, a metric target and a word in two sections."""
    target = repo / "plan"
    shutil.copytree(plan, target)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)

    def edit(path: Path, pattern: str, change) -> None:
        text = path.read_text(encoding="utf-8")
        new = re.sub(pattern, change, text, count=1, flags=re.MULTILINE)
        assert new != text, f"no edit in {path}"
        path.write_text(new, encoding="utf-8")

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "before")
    for scheme in sorted((target / "schemes").glob("*.yaml"))[:6]:
        edit(
            scheme,
            r"(amounts: \{2025-26: )([\d_]+)",
            lambda m: f"{m.group(1)}{int(m.group(2).replace('_', '')) + 1000}",
        )
    edit(
        target / "risks.yaml",
        r"^(\s+likelihood: )(\d)$",
        lambda m: f"{m.group(1)}{int(m.group(2)) % 5 + 1}",
    )
    edit(
        target / "metrics.yaml",
        r"^(\s+2025-26: )([\d_.]+)$",
        lambda m: f"{m.group(1)}{float(m.group(2).replace('_', '')) + 1}",
    )
    for section in ("background.md", "prevention.md"):
        edit(target / "sections" / section, r" and ", lambda m: " and also ")
    git("commit", "-qam", "ten edits")
    return target


def _first_line(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "not installed"


def machine() -> dict:
    import docx
    import weasyprint

    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    debian = Path("/etc/debian_version")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now().isoformat(timespec="minutes"),
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory_gb": round(memory, 1),
        "os": f"{platform.system()} {platform.release()}"
        + (f", Debian {debian.read_text().strip()}" if debian.exists() else ""),
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
        "python_docx": docx.__version__ if hasattr(docx, "__version__") else "?",
        "libreoffice": _first_line(["soffice", "--version"]),
        "pandoc": _first_line([pandoc_path() or "pandoc", "--version"]),
        "commit": commit,
        "load_before": os.getloadavg()[0],
    }


# ---------------------------------------------------------------------------- reporting

LABELS = [
    ("check", "`bcf-docgen check` (command)"),
    ("check_inprocess", "check, in-process (read + check + assemble)"),
    ("docx_writer", "Word writer alone, in-process"),
    ("docx_quick", "`build --to docx --no-paginate` (command)"),
    ("pagination_pass", "one LibreOffice pagination pass (cold: a new LibreOffice)"),
    ("pagination_warm_first", "LibreOffice pass, kept warm: the first (starts it)"),
    ("pagination_warm", "LibreOffice pass, kept warm: the next ones"),
    ("docx", "`build --to docx` (writer + pagination)"),
    ("html_writer", "HTML writer alone, in-process"),
    ("html", "`build --to html` (command)"),
    ("pdf", "`build --to pdf` (command, {default})"),
    ("build", "`build` (docx + pdf in parallel, {default})"),
    ("pandoc", "pandoc md -> docx (command)"),
    ("weasyprint", "weasyprint CLI on our HTML"),
    ("batch_jobs1", "build {n} S plans, `--jobs 1`"),
    ("batch_jobs2", "build {n} S plans, `--jobs 2`"),
    ("diff", "`diff` between two revisions, 10 edits (summary + Word redline)"),
    ("diff_summary", "`diff --no-redline` (change summary only)"),
    ("watch_html", "watch: HTML rewritten after a save"),
    ("watch_docx", "watch: .docx rewritten after a save"),
    ("watch_pdf", "watch: PDF rewritten after a save"),
    ("watch_docx_paged", "watch: paged .docx rewritten after a save"),
    ("watch_pdf_typst", "watch --engine typst: PDF rewritten after a save"),
    ("summary", f"`summary` of {SUMMARY_PLANS} S plans (PDF, HTML, .xlsx)"),
]


ENGINE_NAMES = {"weasyprint": "WeasyPrint", "typst": "Typst"}
# The side-by-side rows, each once per engine (the scaling tables take them too).
ENGINE_LABELS = [
    ("layout_{e}", "PDF layout alone, in-process, warm"),
    ("layout_{e}_first", "PDF layout alone, in-process, first in a process"),
    ("pdf_{e}", "`build --to pdf --engine E` (command)"),
    ("build_{e}", "`build --engine E` (Word with page numbers + PDF)"),
]
VALIDATOR_NAMES = [
    ("matterhorn", "Matterhorn walk (shared pdfua_check.py): fails / warnings"),
    ("pdfua", "`pdfua`: errors / warnings"),
    ("outloud", "`outloud`: errors / warnings"),
]


def ratio(rows: dict, a: str, b: str) -> float | None:
    if a in rows and b in rows and rows[b]["median"]:
        return rows[a]["median"] / rows[b]["median"]
    return None


def targets(results: dict) -> list[tuple[str, str, str]]:
    """(target, measured, met?) for one size."""
    rows = results["rows"]
    out = []

    def add(name: str, value: float | None, limit: float, fmt: str, below: bool = True) -> None:
        if value is None:
            return
        met = value <= limit if below else value >= limit
        out.append((name, fmt.format(value), "yes" if met else "**no**"))

    add("Word writer / pandoc <= 1.0", ratio(rows, "docx_writer", "pandoc"), 1.0, "{:.2f}x")
    add(
        "`build --to docx --no-paginate` / pandoc <= 1.0",
        ratio(rows, "docx_quick", "pandoc"),
        1.0,
        "{:.2f}x",
    )
    add("full build / WeasyPrint CLI <= 1.15", ratio(rows, "build", "weasyprint"), 1.15, "{:.2f}x")
    if "check_inprocess" in rows:
        add("check in-process < 0.5 s", rows["check_inprocess"]["median"], 0.5, "{:.2f} s")
    if "check" in rows:
        add("`bcf-docgen check` command < 0.5 s", rows["check"]["median"], 0.5, "{:.2f} s")
    if "build" in rows:
        memory = rows["build"]["rss_mb"]
        add("full build peak memory < 400 MB (largest process)", memory, 400, "{:.0f} MB")
    if "diff" in rows:
        add("`diff` of 10 edits < 5 s", rows["diff"]["median"], 5.0, "{:.2f} s")
    if "summary" in rows:
        add(f"`summary` of {SUMMARY_PLANS} plans < 60 s", rows["summary"]["median"], 60, "{:.1f} s")
    speedup = ratio(rows, "batch_jobs1", "batch_jobs2")
    add("--jobs 2 speed-up >= 1.8", speedup, 1.8, "{:.2f}x", below=False)
    if "watch_html" in rows:
        add("watch: HTML within 1 s of a save", rows["watch_html"]["median"], 1.0, "{:.2f} s")
        add("watch: .docx within 2 s of a save", rows["watch_docx"]["median"], 2.0, "{:.2f} s")
    return out + engine_targets(results)


def engine_targets(results: dict) -> list[tuple[str, str, str]]:
    """Issue 17's "done when" figures (the issue asks them of M, and the memory of L)."""
    rows, out = results["rows"], []

    def add(name: str, value: float | None, limit: float | None, fmt: str) -> None:
        if value is not None:
            met = "information" if limit is None else "yes" if value <= limit else "**no**"
            out.append((name, fmt.format(value), met))

    layout = ratio(rows, "layout_typst", "layout_weasyprint")
    add("Typst PDF layout <= 0.1x WeasyPrint's (in-process, warm)", layout, 0.1, "{:.3f}x")
    command = ratio(rows, "pdf_typst", "pdf_weasyprint")
    add("`build --to pdf`: Typst / WeasyPrint (commands)", command, None, "{:.2f}x")
    recorded = results.get("baseline_build")
    if recorded and "build_typst" in rows:
        name = (
            f"full build with Typst <= 0.4x the recorded full build "
            f"({recorded['median']:.2f} s, {recorded['date']}, {recorded['commit']})"
        )
        add(name, rows["build_typst"]["median"] / recorded["median"], 0.4, "{:.2f}x")
    same_run = ratio(rows, "build_typst", "build_weasyprint")
    add("full build with Typst <= 0.4x WeasyPrint's full build, same run", same_run, 0.4, "{:.2f}x")
    # The 695 MB was WeasyPrint's `build --to pdf` on L (its largest process): the
    # same command with Typst, and as information the whole process tree's peak and the
    # full build's largest process (the Word file's side included).
    if "pdf_typst" in rows:
        memory = rows["pdf_typst"]["rss_mb"]
        add(
            f"peak memory on {results['size']} with Typst < 400 MB (`build --to pdf`, "
            "largest process)",
            memory,
            400,
            "{:.0f} MB",
        )
        tree = rows["pdf_typst"].get("tree_mb")
        add("the same, all its processes at once", tree, None, "{:.0f} MB")
    if "build_typst" in rows:
        memory = rows["build_typst"]["rss_mb"]
        add("full build with Typst, largest process", memory, None, "{:.0f} MB")
    if "watch_pdf_typst" in rows:
        latency = rows["watch_pdf_typst"]["median"]
        add("watch: PDF within 2 s of a save (Typst)", latency, 2.0, "{:.2f} s")
    return out


def validator_text(found: dict | None) -> str:
    """'errors / warnings (failed rules)' for each validator, for the console."""
    if not found:
        return "not run"
    return "; ".join(f"{name} {validator_cell(found.get(name))}" for name, _ in VALIDATOR_NAMES)


def validator_cell(found: dict | None) -> str:
    if not found:
        return "not run"
    if "errors" not in found:
        return found.get("missing") or "failed"
    rules = found["failed_rules"]
    listed = ", ".join(rules[:6]) + (f" and {len(rules) - 6} more" if len(rules) > 6 else "")
    return f"{found['errors']} / {found['warnings']}" + (f" ({listed})" if rules else "")


def _engine_watch_key(results: dict, engine: str) -> str:
    if engine == "typst":
        return "watch_pdf_typst"
    return "watch_pdf" if results.get("default_engine", "weasyprint") == engine else ""


def engine_table(results: dict) -> str:
    """Both PDF engines side by side for one size: time, memory, pages, size, validators."""
    rows, made = results["rows"], results.get("engines", {})
    engines = [e for e in ENGINES if e in made or f"layout_{e}" in rows]
    if not engines:
        return ""
    both = len(engines) == 2
    lines = [
        f"| Size {results['size']} | "
        + " | ".join(ENGINE_NAMES[e] for e in engines)
        + " |"
        + (" Typst / WeasyPrint |" if both else ""),
        "|---|" + "---:|" * (len(engines) + both),
    ]

    def line(label: str, cells: list[str], values: list[float | None] | None = None) -> None:
        if not any(cells):
            return
        relative = ""
        if both:
            relative = " |"
            if values and values[0] and values[1] is not None:
                relative = f" {values[1] / values[0]:.2f}x |"
        lines.append(f"| {label} | " + " | ".join(c or "-" for c in cells) + " |" + relative)

    def timing(key: str) -> tuple[str, float | None]:
        row = rows.get(key)
        if not row:
            return "", None
        spread = f" ({row['min']:.2f}-{row['max']:.2f})" if row["runs"] > 1 else ""
        return f"{row['median']:.2f} s{spread}", row["median"]

    for pattern, label in ENGINE_LABELS:
        pairs = [timing(pattern.format(e=e)) for e in engines]
        line(label, [cell for cell, _ in pairs], [value for _, value in pairs])
        if pattern in ("pdf_{e}", "build_{e}"):
            found = [rows.get(pattern.format(e=e), {}) for e in engines]
            peak = [r.get("rss_mb") for r in found]
            cells = [
                (f"{r['rss_mb']:.0f} MB" if "rss_mb" in r else "")
                + (f" ({r['tree_mb']:.0f} MB all processes)" if r.get("tree_mb") else "")
                for r in found
            ]
            line("its peak memory (largest process)", cells, peak)
    watch = [timing(_engine_watch_key(results, e)) for e in engines]
    line("watch: PDF rewritten after a save", [c for c, _ in watch], [v for _, v in watch])
    pages = [made.get(e, {}).get("pages") for e in engines]
    line("PDF pages", [str(p) if p else "" for p in pages], pages)
    size = [made.get(e, {}).get("pdf_mb") for e in engines]
    line("PDF file size", [f"{s:.2f} MB" if s else "" for s in size], size)
    for name, label in VALIDATOR_NAMES:
        found = [made.get(e, {}).get("validators") for e in engines]
        if any(found):
            line(label, [validator_cell((f or {}).get(name)) for f in found])
    return "\n".join(lines)


def table(results: dict) -> str:
    rows = results["rows"]
    n = results.get("batch_plans", 4)
    default = ENGINE_NAMES.get(results.get("default_engine", "weasyprint"), "?")
    lines = ["| What | Median | Min-max | Peak RSS |", "|---|---:|---:|---:|"]
    for key, label in LABELS:
        if key not in rows:
            continue
        row = rows[key]
        rss = f"{row['rss_mb']:.0f} MB" if "rss_mb" in row else ""
        if "tree_mb" in row:
            rss += f" ({row['tree_mb']:.0f} MB all processes)"
        lines.append(
            f"| {label.format(n=n, default=default)} | {row['median']:.2f} s | "
            f"{row['min']:.2f}-{row['max']:.2f} | {rss} |"
        )
    return "\n".join(lines)


def scaling(all_results: dict[str, dict]) -> str:
    """L/M (and M/S) time ratios against the page ratio."""
    lines = []
    for small, large in (("S", "M"), ("M", "L")):
        a, b = all_results.get(small), all_results.get(large)
        if not a or not b or not a.get("pdf_pages") or not b.get("pdf_pages"):
            continue
        pages = b["pdf_pages"] / a["pdf_pages"]
        lines.append(f"\n{large}/{small}: pages {pages:.2f}x")
        lines.append("\n| What | time ratio | / page ratio |\n|---|---:|---:|")
        per_engine = [
            (pattern.format(e=e), f"{ENGINE_NAMES[e]}: {text.replace(' E`', f' {e}`')}")
            for pattern, text in ENGINE_LABELS
            for e in ENGINES
        ]
        for key, label in LABELS + per_engine:
            if key.startswith(("batch", "watch")) or key not in a["rows"] or key not in b["rows"]:
                continue
            r = b["rows"][key]["median"] / a["rows"][key]["median"]
            label = label.format(n="", default="default engine")
            lines.append(f"| {label} | {r:.2f}x | {r / pages:.2f} |")
    return "\n".join(lines)


def render_markdown(all_results: dict[str, dict]) -> str:
    parts = [BEGIN, "", "_Written by `bench/run.py`; edit the text outside these markers._", ""]
    for size in ("S", "M", "L"):
        results = all_results.get(size)
        if not results:
            continue
        m = results["machine"]
        parts += [
            f"### Size {size}: {results['schemes']} schemes, {results.get('pdf_pages', '?')} PDF "
            f"pages ({results.get('word_pages', '?')} in Word)",
            "",
            f"{m['date']}, {m['cpu']}, {m['memory_gb']} GB, {m['os']}; Python {m['python']}, "
            f"WeasyPrint {m['weasyprint']}, python-docx {m['python_docx']}, {m['libreoffice']}, "
            f"{m['pandoc']}; commit {m['commit']}; {results['runs']} runs; load average "
            f"{m['load_before']:.2f} before, {results.get('load_after', 0):.2f} after.",
            "",
            table(results),
            "",
        ]
        sides = engine_table(results)
        if sides:
            parts += ["Both PDF engines, side by side:", "", sides, ""]
        parts += [
            "| Target | Measured | Met |",
            "|---|---:|---|",
            *[f"| {t} | {v} | {ok} |" for t, v, ok in targets(results)],
            "",
        ]
        if results.get("notes"):
            parts += [f"Notes: {'; '.join(results['notes'])}.", ""]
    text = scaling(all_results)
    if text:
        parts += ["### Scaling", text, ""]
    parts.append(END)
    return "\n".join(parts)


def write_markdown(all_results: dict[str, dict]) -> None:
    block = render_markdown(all_results)
    if RESULTS_MD.exists():
        text = RESULTS_MD.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            pattern = re.escape(BEGIN) + ".*?" + re.escape(END)
            text = re.sub(pattern, lambda _: block, text, flags=re.S)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = f"# Benchmark results\n\n{block}\n"
    RESULTS_MD.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------- main


def _in_the_venv() -> None:
    """Run again with the project's .venv Python if this one cannot import bcf_docgen."""
    try:
        import bcf_docgen  # noqa: F401
    except ImportError:
        venv = ROOT / ".venv" / "bin" / "python"
        if venv.exists() and Path(sys.executable) != venv:
            os.execv(str(venv), [str(venv), __file__, *sys.argv[1:]])
        raise SystemExit("bcf_docgen is not installed: run `make build` first") from None


def main(argv: list[str] | None = None) -> None:
    _in_the_venv()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", nargs="+", choices=["S", "M", "L"], default=["M"])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", default=",".join(ROWS), help=f"comma-separated rows: {', '.join(ROWS)}"
    )
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="PDF engines for the pdf, build, validate and watch rows, side by side",
    )
    parser.add_argument("--batch-plans", type=int, default=4, help="S plans for the --jobs rows")
    parser.add_argument(
        "--validators",
        type=Path,
        default=VALIDATORS,
        help="folder of the shared validators (its pdfua_check.py is run)",
    )
    parser.add_argument("--save-as", help="keep the figures as results/NAME.json only")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--validate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    engines = [item.strip() for item in args.engines.split(",") if item.strip()]
    if set(engines) - set(ENGINES):
        parser.error(f"unknown engines: {', '.join(sorted(set(engines) - set(ENGINES)))}")
    if args.probe:
        print(json.dumps(probe(args.probe, args.runs, args.work, engines)))
        return
    if args.validate:
        print(json.dumps(validate(args.validate, args.validators)))
        return
    only = {item.strip() for item in args.only.split(",") if item.strip()}
    unknown = only - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    if "pandoc" in only and pandoc_path() is None:
        print(PANDOC_HELP, file=sys.stderr)
    info = machine()
    measured: dict[str, dict] = {}
    for size in args.size:
        results = run_size(
            size, args.runs, only, args.seed, args.batch_plans, engines, args.validators
        )
        if "summary" in only:
            results["rows"]["summary"] = summary_row(args.seed, args.runs)
        results["machine"] = info
        results["batch_plans"] = args.batch_plans
        results["load_after"] = os.getloadavg()[0]
        measured[size] = results
        print()
        print(table(results))
        print()
        print(engine_table(results))
        print()
        for target, value, met in targets(results):
            said = {"yes": "met", "information": "for information"}.get(met, "NOT met")
            print(f"{target}: {value} ({said})")
        for note in results["notes"]:
            print(f"note: {note}")
        print()
    if args.no_write:
        return
    RESULTS_DIR.mkdir(exist_ok=True)
    if args.save_as:
        for size, results in measured.items():
            name = args.save_as if len(measured) == 1 else f"{args.save_as}-{size}"
            (RESULTS_DIR / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        return
    for size, results in measured.items():
        (RESULTS_DIR / f"{size}.json").write_text(json.dumps(results, indent=2) + "\n")
    files = [RESULTS_DIR / f"{size}.json" for size in ("S", "M", "L")]
    stored = {p.stem: json.loads(p.read_text()) for p in files if p.exists()}
    write_markdown(stored)
    print(f"wrote {RESULTS_MD.relative_to(ROOT)} and bench/results/")


if __name__ == "__main__":
    main()
