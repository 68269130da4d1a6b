"""The Textual terminal UI: the live matchup and live squad optimization, for use during raids.

Reads and writes only through :mod:`warclaw.store` and :mod:`warclaw.engine`; never talks to the
GW2 API (the daemon does). Entry point: :func:`warclaw.tui.app.run`.
"""
