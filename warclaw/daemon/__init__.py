"""The sync daemon: polls the GW2 API and keeps the store current, for months, unattended.

``service`` holds the asyncio pollers, ``runner`` the process around them (signals, config
reload, logging), ``control`` the detached start/stop/status/reload, ``pidfile`` the single-
instance lock.
"""
