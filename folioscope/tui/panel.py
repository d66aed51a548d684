"""A panel that renders its Rich content once per change (and per width).

``Static`` renders a Rich table twice per update (once to measure its height
for the layout, once to paint) and always asks for a layout pass; the state
panels change on most steps, so they render into cached strips instead, and
ask for a layout only when their height changes.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class Panel(Widget):
    """Shows one Rich renderable, wrapped to the content width."""

    DEFAULT_CSS = "Panel { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._renderable: RenderableType = ""
        self._strips: list[Strip] = []
        self._width = -1
        self._base: Style | None = None

    def show(self, renderable: RenderableType) -> None:
        """Replace the content; a layout pass only if the height changes."""
        self._renderable = renderable
        before = len(self._strips)
        if self._width > 0:
            self._render_at(self._width)
        else:
            self._strips = []
        self.refresh(layout=len(self._strips) != before or self._width <= 0)

    def _render_at(self, width: int) -> None:
        console = self.app.console
        options = console.options.update_width(width)
        lines = console.render_lines(self._renderable, options, pad=False)
        self._strips = [Strip(line) for line in lines]
        self._width = width

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width and width > 0:
            self._render_at(width)
        return len(self._strips)

    def on_resize(self) -> None:
        width = self.content_size.width
        if width > 0 and width != self._width:
            before = len(self._strips)
            self._render_at(width)
            self.refresh(layout=len(self._strips) != before)

    def render_line(self, y: int) -> Strip:
        if self._base is None:
            self._base = self.rich_style
        width = self.content_size.width
        if y >= len(self._strips):
            return Strip.blank(width, self._base)
        return self._strips[y].apply_style(self._base).crop_extend(0, width, self._base)
