"""A panel at the bottom for an error from a reload or a variant switch:
the rendered ``file:line:col: error`` with its caret, kept unwrapped."""

from __future__ import annotations

from rich.text import Text
from textual.containers import ScrollableContainer
from textual.widgets import Static


class ErrorPanel(ScrollableContainer):
    """Hidden until :meth:`show`; ``escape`` (the app's) hides it again."""

    can_focus = False

    def compose(self):
        yield Static(id="error-text")

    def show(self, message: str, title: str) -> None:
        """Show ``message`` verbatim under ``title``."""
        self.border_title = title
        self.border_subtitle = "esc to close"
        self.query_one("#error-text", Static).update(Text(message.rstrip("\n"), no_wrap=True))
        self.add_class("-visible")

    def hide(self) -> None:
        """Take the panel away."""
        self.remove_class("-visible")

    @property
    def shown(self) -> bool:
        """Whether an error is on screen."""
        return self.has_class("-visible")


def error_message(error: BaseException) -> str:
    """``error.render()`` for a ScenarioError; the type and text otherwise."""
    render = getattr(error, "render", None)
    if callable(render):
        try:
            return str(render())
        except Exception:  # a broken render() must not hide the error itself
            pass
    return f"{type(error).__name__}: {error}"
