"""``folioscope check`` end to end, without output: for each variant,
compile the program, search, judge, and pick the witnesses."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..dsl import ast
from .compile import compile_program
from .parallel import explorer_for
from .program import Program
from .search import Bounds, Explorer, Final
from .verdict import Verdict, judge
from .witness import witness_file_name, witness_text


@dataclass
class Witness:
    """One interleaving reaching one outcome, as a sequential scenario."""

    index: int
    file_name: str
    text: str
    final: Final
    path: str | None = None
    """Where it was written (``-o DIR``), if it was."""

    @property
    def label(self) -> str:
        values = "; ".join(f"{label}={value}" for label, value in self.final.values)
        if self.final.bug:
            values = (values + "; " if values else "") + "BUG"
        where = self.path or self.file_name
        return f"{where} ({values})" if values else where


@dataclass
class VariantReport:
    variant: str
    verdict: Verdict
    program: Program
    witnesses: list[Witness] = field(default_factory=list)
    por: bool = True


@dataclass
class CheckReport:
    name: str
    file_name: str
    hash: str
    program: Program
    variants: list[VariantReport]
    all_states: bool = False
    """Final states were told apart by everything (``--all-states``)."""

    @property
    def exit_status(self) -> int:
        """0 held, 1 a verdict differed or a problem was found, 3 incomplete."""
        if any(v.verdict.failed for v in self.variants):
            return 1
        if any(not v.verdict.search.complete for v in self.variants):
            return 3
        return 0


@dataclass
class Options:
    por: bool = True
    bounds: Bounds = field(default_factory=Bounds)
    invariants: bool = False
    all_states: bool = False
    workers: int | None = None
    """Processes (with ``ray``: Ray workers, None for one per CPU of the
    cluster); None or 1: the in-process explorer."""
    ray: str | None = None
    """A Ray cluster's address, or ``auto`` (parallel.py, ray_backend.py)."""


def check(scenario: ast.Scenario, variants: list[str], options: Options | None = None,
          progress=None) -> CheckReport:
    """Search every interleaving of ``scenario`` under each variant."""
    options = options or Options()
    reports = []
    program = None
    for variant in variants:
        program = compile_program(scenario, variant)
        explorer = explorer_for(program, options,
                                progress and (lambda *a, v=program.variant.name: progress(v, *a)))
        search = explorer.run()
        verdict = judge(program, search, program.variant.name)
        report = VariantReport(program.variant.name, verdict, program, por=options.por)
        report.witnesses = _witnesses(program, explorer, verdict)
        reports.append(report)
    assert program is not None
    return CheckReport(program.name, scenario.path.rsplit("/", 1)[-1], file_hash(scenario.source),
                       program, reports, options.all_states)


def _witnesses(program: Program, explorer: Explorer, verdict: Verdict) -> list[Witness]:
    """One per distinct outcome worth showing: the satisfying ones for
    ``exists``, the failing ones for ``forall``/``never``, every BUG outcome
    and problem; the first in BFS order, so the shortest."""
    kind = getattr(program.condition, "kind", None)
    want = [f for f in verdict.finals if (f.satisfies if kind in ("exists", "never") else
                                         not f.satisfies) or f.bug]
    if kind is None:
        want = [f for f in verdict.finals if f.bug]
    out: list[Witness] = []
    for final in want:
        index = len(out) + 1
        text = witness_text(program, verdict.variant, final, verdict.search,
                            explorer.locations, index)
        out.append(Witness(index, witness_file_name(program, verdict.variant, index), text, final))
    for problem in verdict.search.problems:
        index = len(out) + 1
        final = Final((("problem", problem.kind),), False, problem.node_fp, 0)
        text = witness_text(program, verdict.variant, final, verdict.search, (), index)
        out.append(Witness(index, witness_file_name(program, verdict.variant, index), text, final))
    return out


def write_witnesses(report: CheckReport, directory: str, force: bool) -> None:
    """Write every witness under ``directory``; an existing file is kept
    unless ``force`` (FileExistsError names it)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for variant in report.variants:
        for w in variant.witnesses:
            path = folder / w.file_name
            if path.exists() and not force:
                raise FileExistsError(str(path))
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(w.text, encoding="utf-8")
            tmp.replace(path)
            w.path = str(path)


def file_hash(source: str) -> str:
    """blake2b of the file with comments, blank lines and spacing normalised:
    two files that differ only in layout hash alike (as herd's Hash=)."""
    lines = []
    for line in source.splitlines():
        line = re.sub(r"#.*", "", line).strip()
        if line:
            lines.append(re.sub(r"\s+", " ", line))
    return hashlib.blake2b("\n".join(lines).encode(), digest_size=16).hexdigest()
