"""`warclaw tui` parses its options; `warclaw` alone opens the TUI only on a terminal."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warclaw.cli import build_parser, main


def test_tui_options() -> None:
    args = build_parser().parse_args(["tui", "--match", "2-1", "--roster", "raid"])
    assert (args.match, args.roster) == ("2-1", "raid")
    assert args.func.__module__ == "warclaw.cli.tui_cmds"


def test_bare_warclaw_without_a_terminal_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "usage: warclaw" in capsys.readouterr().out


def test_tui_imports_neither_the_api_client_nor_the_engine_at_start() -> None:
    # The API client is the daemon's; the engine (OR-Tools, SciPy) loads when a roster screen opens.
    code = ("import sys, warclaw.tui.app, warclaw.cli.tui_cmds; "
            "bad = [m for m in sys.modules if m.startswith(('warclaw.gw2api', 'httpx', 'warclaw.engine', 'ortools'))];"
            " print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
