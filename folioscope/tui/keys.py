"""The replayer's keys: one table for the footer, the help screen and the
command palette, so that all three call the same ``action_*`` methods."""

from __future__ import annotations

from typing import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding

BINDINGS = [
    Binding("right,n", "step_forward", "Next", key_display="→", tooltip="Next step"),
    Binding("left,p", "step_back", "Back", key_display="←", tooltip="Previous step"),
    Binding("home", "first_step", "First", show=False, tooltip="First step (the declared state)"),
    Binding("end", "last_step", "Last", show=False, tooltip="Last step"),
    Binding("space", "toggle_play", "Play", tooltip="Play / pause"),
    Binding("plus,equals_sign", "faster", "Faster", show=False, key_display="+",
            tooltip="Play faster"),
    Binding("minus", "slower", "Slower", show=False, key_display="-", tooltip="Play slower"),
    Binding("right_square_bracket", "next_change", "Change", key_display="]",
            tooltip="Next step that changes the selected folio"),
    Binding("left_square_bracket", "prev_change", "Prev change", key_display="[", show=False,
            tooltip="Previous step that changed the selected folio"),
    Binding("x", "next_issue", "Failure",
            tooltip="Next non-ok result or failed expectation"),
    Binding("X", "prev_issue", "Prev failure", show=False,
            tooltip="Previous non-ok result or failed expectation"),
    Binding("b,ctrl+left", "jump_back", "Jump back", show=False,
            tooltip="Back to where the last jump (g ] [ x X, a click) started"),
    Binding("f,ctrl+right", "jump_forward", "Jump forward", show=False,
            tooltip="Forward again to where that jump led"),
    Binding("down,j", "select_folio(1)", "Next folio", show=False, tooltip="Select the next folio"),
    Binding("up,k", "select_folio(-1)", "Prev folio", show=False,
            tooltip="Select the previous folio"),
    Binding("pagedown,J", "scroll_events(1)", "Scroll down", show=False, key_display="PgDn",
            tooltip="Scroll what the kernel did down a page"),
    Binding("pageup,K", "scroll_events(-1)", "Scroll up", show=False, key_display="PgUp",
            tooltip="Scroll what the kernel did up a page"),
    Binding("greater_than_sign", "scroll_batches(3)", "Batches down", show=False, key_display=">",
            tooltip="Scroll the per-CPU batches down"),
    Binding("less_than_sign", "scroll_batches(-3)", "Batches up", show=False, key_display="<",
            tooltip="Scroll the per-CPU batches up"),
    Binding("c", "pick_cpus", "CPUs", show=False, tooltip="Choose CPUs the batches always show…"),
    Binding("v", "switch_variant", "Variant", tooltip="Switch kernel variant (re-run)…"),
    Binding("v", "cannot_recompute('variant')", "Variant", show=False,
            tooltip="(a saved trace: open the scenario to switch variants)"),
    Binding("r", "reload", "Reload", tooltip="Reload the scenario file after editing it"),
    Binding("r", "cannot_recompute('reload')", "Reload", show=False,
            tooltip="(a saved trace: nothing to reload)"),
    Binding("s", "toggle_source", "Source", show=False,
            tooltip="Hide/show the source (narrow screens: swap with the batches and lists)"),
    Binding("S", "save_screenshot", "Screenshot", show=False,
            tooltip="Save an SVG screenshot in the current directory"),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Keys and legend"),
    Binding("q", "quit", "Quit", tooltip="Quit"),
    Binding("g", "goto", "Go to", tooltip="Go to step…"),
    Binding("escape", "dismiss_error", "Close error", show=False, tooltip="Close the error panel"),
]
"""(keys, action, footer label) — the tooltip is the long description.  The
footer shows them in this order and cuts what does not fit: what must stay
on an 80-column screen (r, ?, q) comes before g."""


def key_help(app: App) -> list[tuple[str, str]]:
    """(keys as displayed, description) of every binding, for the help screen."""
    rows = []
    for binding in BINDINGS:
        if binding.action.startswith("cannot_recompute"):
            continue
        keys = [app.get_key_display(Binding(k, binding.action)) for k in binding.key.split(",")]
        if binding.key_display:
            keys[0] = binding.key_display
        rows.append((" ".join(keys), binding.tooltip or binding.description))
    return rows


def action_commands(app: App) -> Iterable[SystemCommand]:
    """A palette command per binding, calling the binding's action method."""
    for binding in BINDINGS:
        name, _, arg = binding.action.partition("(")
        if arg or name in ("quit", "dismiss_error") or app.check_action(name, ()) is False:
            continue  # parametrised, offered by Textual already, or not for this trace
        keys = binding.key_display or binding.key.split(",")[0]
        yield SystemCommand(binding.tooltip.rstrip("…"), f"key: {keys}",
                            getattr(app, f"action_{name}"))
