"""Helpers for the replayer's tests: traces, fake sources, screen text."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from rich.console import Console

from folioscope.mm.events import Event
from folioscope.replay.trace import Change, ExpectOutcome, Step, Trace
from folioscope.views.json_trace import load

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "b2-v6.11.json"
B2_SCENARIO = REPO / "scenarios" / "b2-will-deacon-pin-failure.fs"


def b2_trace() -> Trace:
    """The B2 fixture (v6.11, 6 steps, ENOMEM and one failed expectation at step 4)."""
    return load(FIXTURE.read_text(encoding="utf-8"))


def b2_variant_trace(variant: str, steps: int | None = None) -> Trace:
    """The fixture relabelled as ``variant`` (and cut to ``steps`` steps)."""
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["variant"] = variant
    doc["title"] = f"B2 as {variant}"
    if steps is not None:
        doc["steps"] = doc["steps"][:steps]
        outcomes = doc["initial_expects"] + [o for s in doc["steps"] for o in s["expects"]]
        doc["verdict"] = {"expectations": len(outcomes),
                          "failed": sum(1 for o in outcomes if not o["ok"])}
    return load(json.dumps(doc))


class RenderedError(Exception):
    """Stands in for ScenarioError: has ``render()``."""

    def render(self) -> str:
        return ("b2.fs:3:7: error: unknown operation 'ad_lru'\n"
                "    cpu1 ad_lru F\n"
                "         ^^^^^^\n"
                "hint: did you mean 'add_lru'?")


class FakeSource:
    """A recomputable source whose traces are the fixture relabelled."""

    recomputable = True

    def __init__(self, default: str = "v6.11", lengths: dict[str, int] | None = None) -> None:
        self.default = default
        self.lengths = lengths or {}
        self.calls: list[str | None] = []
        self.error: Exception | None = None

    def build(self, variant: str | None = None) -> Trace:
        self.calls.append(variant)
        if self.error is not None:
            raise self.error
        name = variant or self.default
        return b2_variant_trace(name, self.lengths.get(name))


class SavedSource:
    """Like SavedTraceSource: not recomputable."""

    recomputable = False

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def build(self, variant: str | None = None) -> Trace:
        raise AssertionError("a saved trace must not be rebuilt")


def two_folio_trace(length: int = 6) -> Trace:
    """A hand-made trace with folios A and B.

    Step 1, 2, 4, 5.. change A; step 3 changes only B; step 2 carries a failed
    expectation; step 4's result is ENOMEM.
    """
    state = {"folios": ("A", "B")}
    for name in ("A", "B"):
        p = f"folio.{name}."
        state.update({p + "refcount": 1, p + "mapcount": 0, p + "pincount": 0, p + "mlock_count": 0,
                      p + "list": "inactive_anon", p + "pos": "head", p + "order": 0,
                      p + "zone": "normal", p + "kind": "anon", p + "freed": False,
                      p + "isolated": "none", p + "flags": ("lru", "swapbacked"),
                      p + "holders": (("map", 1),)})
    for cpu in (0, 1):
        for batch in ("lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate",
                      "lru_lazyfree", "lru_activate", "mlock"):
            state[f"cpu{cpu}.{batch}"] = ()
    state.update({"list.inactive_anon": ("A", "B"), "list.active_anon": (), "list.inactive_file": (),
                  "list.active_file": (), "list.unevictable": (), "stats.drain_all_calls": 0,
                  "stats.drain_all_cpus": 0, "stats.drain_all_work": (), "stats.local_drains": 0,
                  "stats.gup_attempts": 0, "lru_disable_count": 0})
    source = "\n".join(["folio A anon", "folio B anon"] + [f"cpu0 get {'B' if k == 3 else 'A'}"
                                                           for k in range(1, length + 1)])
    trace = Trace("two.fs", source, "two folios", "v6.18", 2)
    trace.start(dict(state), Step(0, 1, 1, None, "declare", (), "initial state", "ok", "", (), ()))
    refs = {"A": 1, "B": 1}
    for k in range(1, length + 1):
        name = "B" if k == 3 else "A"
        refs[name] += 1
        key = f"folio.{name}.refcount"
        trace.append(Step(k, k + 2, 1, 0, "get", (name,), f"cpu0 get {name}",
                          "ENOMEM" if k == 4 else "ok", "", (Event.plain(0, f"folio_get({name})"),),
                          (Change(key, refs[name] - 1, refs[name]),)))
        if k == 2:
            trace.add_expects([ExpectOutcome(99, "expect A.refcount == 7", False, "7", "3")])
    return trace


def screen_text(app) -> str:
    """The screen as plain text (no styles, no ids): what a snapshot compares."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    return "\n".join(lines) + "\n"


def header_text(app) -> str:
    """The header's two lines as plain text."""
    return app.query_one("#header").text


def notifications(app) -> list[str]:
    """The messages of the notifications on screen."""
    return [n.message for n in app._notifications]


async def settle(pilot) -> None:
    """Let scheduled renders and build workers finish."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def run(coro):
    """Run one async test body."""
    return asyncio.run(coro)
