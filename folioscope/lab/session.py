"""One ``folioscope lab`` run: kernel, variant, plan, boot, compare, report."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..dsl import parse_file
from ..mm.variants import canonical_name
from ..replay import run_scenario
from . import debian, ftrace, qemu
from .agent_build import build_agent
from .compare import step_report
from .errors import LabFailed
from .initramfs import lab_initramfs
from .observe import kernel_state, parse_output, result_name
from .report import expect_keys, final_histogram, histogram_text, render_step, show
from .routes import Plan, as_routed, pin_touches, plan_scenario, program_text
from .variant_match import match, parse_version

BATCHES = ("lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate", "lru_lazyfree",
           "lru_activate", "mlock")


@dataclass
class LabOptions:
    file: str
    debian: str | None = None
    kernel_image: str | None = None
    variant: str | None = None
    runs: int = 5
    ftrace: bool = False
    cache: Path | None = None
    timeout: float = 600


def cache_dir(explicit: Path | None = None) -> Path:
    """$FOLIOSCOPE_CACHE, else $XDG_CACHE_HOME/folioscope, else ~/.cache/folioscope."""
    if explicit:
        return Path(explicit)
    if os.environ.get("FOLIOSCOPE_CACHE"):
        return Path(os.environ["FOLIOSCOPE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "folioscope"


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def image_version(image: Path) -> str:
    """The version string a bzImage carries (its setup header's kernel_version)."""
    data = image.read_bytes()[:0x10000]
    if data[0x202:0x206] != b"HdrS":
        return ""
    ptr = int.from_bytes(data[0x20E:0x210], "little") + 0x200
    return data[ptr:data.index(b"\0", ptr)].decode("ascii", "replace").split(" ")[0]


def upstream_of(release: str) -> str:
    """6.16.3+deb13-cloud-amd64 -> 6.16.3; 6.1.0-57-cloud-amd64 needs the package."""
    return release.split("+")[0].split("-")[0]


def resolve_kernel(opts: LabOptions, cache: Path) -> debian.Kernel:
    if opts.debian:
        return debian.fetch(opts.debian, cache, progress)
    if opts.kernel_image is None:
        raise ValueError("give --debian VERSION or --kernel-image PATH")
    image = Path(opts.kernel_image)
    release = image_version(image) if image.exists() else ""
    return debian.Kernel(upstream_of(release) if release else "", release, image, "")


def resolve_variant(opts: LabOptions, kernel: debian.Kernel) -> tuple[str, str]:
    """The variant to model (its canonical name) and the sentence saying how
    it was chosen."""
    if opts.variant:
        name = canonical_name(opts.variant)
        return name, f"variant {name} (given with --variant)"
    if not kernel.version:
        raise ValueError("cannot tell this image's version: give --variant")
    m = match(kernel.version, debian.changelog_entries(kernel.changelog))
    return m.name, m.sentence


def run_lab(opts: LabOptions) -> int:
    cache = cache_dir(opts.cache)
    scenario = parse_file(opts.file)
    # a line without a route fails now, before any download or boot
    early = as_routed(scenario)
    plan_scenario(early, run_scenario(early, opts.variant and canonical_name(opts.variant)).steps)
    kernel = resolve_kernel(opts, cache)
    variant, sentence = resolve_variant(opts, kernel)
    version = parse_version(kernel.version) if kernel.version else None
    routed = as_routed(scenario, pin_touches(version))
    trace = run_scenario(routed, variant)
    plan = plan_scenario(routed, trace.steps)
    qemu.require(kernel.image)      # before minutes of compiling and booting
    progress("lab: building the guest agent")
    agent = build_agent(cache)
    funcs = ftrace.FUNCTIONS if opts.ftrace else ()
    program = program_text(plan, opts.runs, scenario.cpus, funcs)
    progress(f"lab: booting {kernel.package or kernel.image} under QEMU (TCG, "
             f"{max(scenario.cpus, 2)} CPUs), {opts.runs} run(s)")
    booted = qemu.boot(kernel.image, lab_initramfs(agent, program), scenario.cpus, version, opts.timeout,
                       workdir=cache / "runs")
    out = parse_output(booted.output)
    if out.fatal or not out.done:
        raise LabFailed(f"the guest agent stopped: {out.fatal or 'no end marker'}; the console ends:\n"
                        + "\n".join(booted.console.splitlines()[-20:]))
    print(f"{scenario.path}: {scenario.title or ''}")
    print(f"kernel {kernel.package or kernel.image}; {sentence}")
    print(f"booted and ran in {booted.seconds:.1f} s\n")
    verdict = report(trace, plan, out, scenario, opts)
    return verdict


def report(trace, plan: Plan, out, scenario, opts: LabOptions) -> int:
    names = [n for n, _ in plan.folios]
    runs = [{k: kernel_state(obs, names, out.zones, scenario.cpus, BATCHES) for k, obs in run.items()}
            for run in out.runs]
    functions = [{k: obs.functions for k, obs in run.items()} for run in out.runs]
    musts = expect_keys(scenario)
    disagreements = []
    for index in [0, *sorted(plan.steps)]:
        step = trace.steps[index]
        must = set().union(*(musts.get(e.line, set()) for e in step.expects)) if step.expects else set()
        rep = step_report(trace, plan, index, [r.get(index, {}) for r in runs], must,
                          [f.get(index, []) for f in functions])
        print(render_step(rep, len(runs), ftrace=opts.ftrace))
        print()
        disagreements += [(rep, k) for k in rep.disagreements]
    outcomes = [tuple(f"line {trace.steps[k].line}={result_name(run[k].result)}" for k in sorted(plan.steps)
                      if k in run) for run in out.runs]
    print(final_histogram(outcomes))
    if disagreements:
        print(f"\n{len(disagreements)} disagreement(s):")
        for rep, k in disagreements:
            print(f"  line {rep.line} ({rep.text}): {k.key}: model {show(k.model)}, "
                  f"kernel {histogram_text(k.kernel)}")
        return 1
    print("\nthe model and the kernel agree")
    return 0
