"""``warclaw tui [--match ID] [--roster NAME]``: the terminal UI (also ``warclaw`` alone)."""

from __future__ import annotations

import argparse

from warclaw.cli.context import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tui", help="the terminal UI: live matchup, roster editing, squad optimization")
    p.add_argument("--match", metavar="ID", help="match id such as 2-1 (default: the configured team's match)")
    p.add_argument("--roster", metavar="NAME", default="default",
                   help="roster to edit (created empty if missing: your database never gets sample players; `warclaw roster import` or i on the Roster screen fills it; default: default)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    # Imported here so that other sub-commands do not pay for Textual. The TUI itself loads the
    # engine (OR-Tools, SciPy) only when the Roster or Squad screen is first opened.
    from pathlib import Path

    import platformdirs

    from warclaw.tui.app import run as run_app
    from warclaw.tui.keys import check_keymap

    cfg = ctx.config
    check_keymap(cfg.tui.keys, cfg.source or "config")

    url, busy_ms = cfg.database_url(), cfg.database.busy_timeout_ms

    # Both are called by the app on its database thread, after the first frame: the reader (sqlite3)
    # for the screens; the store (SQLAlchemy) only for roster edits, or once if the schema is due.
    def open_reader():
        from warclaw.store.reader import Reader

        return Reader.open(url, busy_timeout_ms=busy_ms)

    def open_store():
        from warclaw.store import Store

        return Store.open(url, busy_timeout_ms=busy_ms)

    return run_app(open_store, None, reader=open_reader, catalog_path=cfg.engine.catalog or None,
                   match_id=getattr(args, "match", None), team=cfg.daemon.team or None,
                   roster_name=getattr(args, "roster", None) or "default", seed_roster=None,
                   default_mode=cfg.engine.default_mode, time_limit=cfg.engine.time_limit_seconds,
                   seed=cfg.engine.seed, keymap=cfg.tui.keys, alerts=cfg.alerts,
                   theme_file=Path(platformdirs.user_state_dir("warclaw")) / "tui-theme")
