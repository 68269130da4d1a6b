"""What a screen may use of the app, as a protocol: screens import this, never ``app.py``.

The app (``app.py``) imports the screens; typing them against this protocol keeps the import graph
one-way (tests/tui/test_structure.py checks it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from warclaw.config import AlertsConfig
    from warclaw.tui.database import Database
    from warclaw.tui.planner import Planner
    from warclaw.tui.state import AppState


class AppContext(Protocol):
    state: AppState
    database: Database
    planner: Planner
    match_id: str | None
    alerts: AlertsConfig | None  # the config's [alerts] (the plan's webhook), None without a config

    def data_now(self) -> datetime: ...

    def update_status_bar(self) -> None: ...

    export_dir: Path

    async def reload(self, changed: set[str]) -> None:
        """Reload the named parts of the data (fingerprint keys) and re-render what shows them."""
        ...
