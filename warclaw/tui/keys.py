"""Key remapping by binding id (the config's ``[tui] keys``): the ids there are, and the check."""

from __future__ import annotations

from textual.binding import Binding

from warclaw.errors import ConfigError


def binding_ids() -> set[str]:
    """Every binding id a person may remap in the config (``[tui] keys``)."""
    from warclaw.tui.app import WarclawApp
    from warclaw.tui.screens import SCREEN_PATHS, screen_class
    from warclaw.tui.screens.help import HelpScreen
    from warclaw.tui.widgets import PathPrompt, PlayerForm

    classes = [WarclawApp, *map(screen_class, SCREEN_PATHS), PlayerForm, PathPrompt, HelpScreen]
    return {b.id for c in classes for b in c.BINDINGS if isinstance(b, Binding) and b.id}


def check_keymap(keymap: dict[str, str], source: str) -> None:
    """Refuse ids that no binding has, one line each, before the app starts."""
    if not keymap:
        return  # binding_ids() imports every screen, the Squad's the optimizer: not for nothing at start
    unknown = sorted(set(keymap) - binding_ids())
    if unknown:
        raise ConfigError([f"{source}: tui.keys.{i}: no such key binding (F1 in the TUI lists the ids, "
                           f"e.g. squad.optimize)" for i in unknown])
