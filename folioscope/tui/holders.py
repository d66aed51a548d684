"""Who holds each reference of the selected folio (Pernosco's "where did this
value come from", for a refcount)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import var

from .format import CHANGED, GAINED, GONE, LOST, NARROW_BELOW, printable
from .frames import Frame
from .panel import Panel

HOLDER_FIELDS = ("holders", "refcount", "freed", "kind", "order", "zone", "pos", "isolated")
"""The folio fields this view shows."""


class HoldersView(Panel):
    """``folio.NAME.holders`` of the selected folio, summing to its refcount;
    holders the step added are green, those it dropped struck through."""

    frame: var[Frame | None] = var(None)
    """The step on screen."""
    selected: var[str | None] = var(None)
    """The folio whose holders are shown."""

    def watch_frame(self) -> None:
        self._refresh_view()

    def watch_selected(self) -> None:
        self._refresh_view()

    def on_resize(self) -> None:
        self._refresh_view()

    _key: tuple | None = None

    def _refresh_view(self) -> None:
        frame, name = self.frame, self.selected
        if frame is None:
            return
        narrow = self.app.size.width < NARROW_BELOW
        fields = [f"folio.{name}.{f}" for f in HOLDER_FIELDS]
        key = (name, narrow, name in frame.folios,
               tuple((k, frame.state.get(k), frame.changed.get(k)) for k in fields))
        if key == self._key:
            return  # nothing this widget shows changed: no repaint
        self._key = key
        if name is None or name not in frame.folios:
            self.border_title = "holders"
            self.show(Text("no folio selected", style="dim"))
            return
        self.border_title = f"who holds {name}"
        if narrow:
            self.show(holders_line(frame, name))
        else:
            self.show(holders_table(frame, name))


def holders_table(frame: Frame, name: str) -> Table | Text:
    """One row per holder: label and count, then the total."""
    p = f"folio.{name}."
    if frame.folio(name, "freed"):
        return Text(f"{name} is freed: nobody holds it", style="dim")
    new = dict(frame.state.get(p + "holders", ()))
    old = dict(frame.old(p + "holders") or ())
    table = Table.grid(padding=(0, 2))
    table.add_column()
    table.add_column(justify="right")
    table.add_column()
    for raw, count in new.items():
        label, before = printable(raw), old.get(raw, 0)
        if before == count:
            table.add_row(label, str(count), "")
        elif before == 0:
            table.add_row(Text(label, style=GAINED), Text(str(count), style=GAINED), Text("new", style=GAINED))
        else:
            table.add_row(label, Text(str(count), style=CHANGED), Text(f"was {before}", style="dim"))
    for raw, count in old.items():
        if raw not in new:
            table.add_row(Text(GONE + printable(raw), style=LOST), Text(str(count), style=LOST),
                          Text("dropped", style="red"))
    refcount = frame.state.get(p + "refcount", 0)
    changed = p + "refcount" in frame.changed
    total = Text.assemble(("refcount", "bold"))
    table.add_row(total, Text(str(refcount), style=CHANGED if changed else "bold"),
                  Text(_was(frame.old(p + "refcount")), style="dim") if changed else "")
    details = _details(frame, name)
    if details:
        table.add_row(Text(details, style="dim"), "", "")
    return table


def holders_line(frame: Frame, name: str) -> Text:
    """The compact form: ``F: page cache 1, +cpu0 lru_add 1, … = refcount 4 (was 3)``."""
    p = f"folio.{name}."
    text = Text.assemble((f"{name}", "bold"), ": ")
    if frame.folio(name, "freed"):
        return text.append("freed, nobody holds it", style="dim")
    new = dict(frame.state.get(p + "holders", ()))
    old = dict(frame.old(p + "holders") or ())
    items = []
    for label, count in new.items():
        before = old.get(label, 0)
        style = GAINED if before == 0 else CHANGED if before != count else ""
        items.append(Text(printable(f"{label} {count}"), style=style))
    items += [Text(printable(f"{GONE}{label} {count}"), style=LOST) for label, count in old.items()
              if label not in new]
    text.append_text(Text(", ").join(items) if items else Text("nobody", style="dim"))
    refcount = frame.state.get(p + "refcount", 0)
    text.append(" = refcount ")
    if p + "refcount" in frame.changed:
        text.append(str(refcount), style=CHANGED)
        text.append(f" ({_was(frame.old(p + 'refcount'))})", style="dim")
    else:
        text.append(str(refcount), style="bold")
    return text


def _was(old: object) -> str:
    return "new folio" if old is None else f"was {old}"


def _details(frame: Frame, name: str) -> str:
    kind = frame.folio(name, "kind", "?")
    order = frame.folio(name, "order", 0)
    bits = [f"{kind}" + (f" order {order}" if order else ""), str(frame.folio(name, "zone", ""))]
    pos = frame.folio(name, "pos", "none")
    if pos != "none":
        bits.append(f"at {pos}")
    isolated = frame.folio(name, "isolated", "none")
    if isolated != "none":
        bits.append(f"isolated by {isolated}")
    return ", ".join(bits)
