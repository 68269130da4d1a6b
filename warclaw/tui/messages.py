"""The messages the app's services (database, planner) send; the app routes them to the screens.

Services run their work in workers (threads for solves and database calls) and never touch a
widget: they post one of these to the app, which updates what is shown on the UI thread.
``post_message`` is thread-safe, so the solver thread posts directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.message import Message


class StateChanged(Message):
    """Parts of the app state (see ``state.PARTS``) changed: the screen showing one re-renders."""

    def __init__(self, parts: Iterable[str], notice: str | None = None, *, severity: str = "information",
                 title: str = "", timeout: float = 3.0) -> None:
        super().__init__()
        self.parts = frozenset(parts)
        self.notice = notice
        self.severity = severity
        self.title = title
        self.timeout = timeout


class DiscordPosted(Message):
    """From the Squad screen's posting thread: how posting the plan to Discord went (one line, the
    webhook URL masked); ``ok`` False when nothing or not everything was posted."""

    def __init__(self, note: str, ok: bool) -> None:
        super().__init__()
        self.note = note
        self.ok = ok


class PlanStreamed(Message):
    """From the solver thread: a better plan while solving (``final`` False) or the solve's result."""

    def __init__(self, token: int, result: Any, final: bool) -> None:
        super().__init__()
        self.token = token
        self.result = result
        self.final = final
