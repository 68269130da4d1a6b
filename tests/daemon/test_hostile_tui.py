"""The TUI part of issue 15's hostile run: the real `warclaw tui` process in a pseudo-terminal, on a
database filled by the daemon from a hostile fake API (world, guild names and tags, error bodies)
and holding hostile roster names. Every screen is visited; the bytes the TUI writes to the terminal
must not carry the hostile sequences (Textual's own escape codes are of course there), and the
process must neither crash (a guild tag `[/]` used to) nor exit before `q`.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time

from warclaw.data import sample_roster_path

from .conftest import wait_for
from .test_hostile_text import HOSTILE, hostile_api

# What only the hostile text carries: the title it would set (OSC 0), the 8-bit CSI, the bell
# inside a name, ESC c (full reset).
MARKERS = (b"\x1b]0;pwned", b"pwned", b"\xc2\x9b", b"\x1bc")


def read_for(fd: int, seconds: float) -> bytes:
    out = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    return out


def test_hostile_text_never_reaches_the_terminal_from_the_tui(env, tmp_path):
    hostile_api(env.api)
    assert env.warclaw("sync", "--once").returncode == 0
    # The replay's claiming guilds are unknown to the fake's /v2/guild (404), so their hostile names
    # and tags are written as the daemon would have stored them; team names come from shipped data.
    with sqlite3.connect(env.db) as db:
        assert db.execute("SELECT count(*) FROM guilds").fetchone()[0] > 0
        db.execute("UPDATE guilds SET name = 'Guild' || ?, tag = '[/]' || ?", (HOSTILE, HOSTILE))
        db.execute("UPDATE teams SET name = 'Team' || ?", (HOSTILE,))
    sample = tmp_path / "raid.toml"
    sample.write_text(sample_roster_path().read_text())
    assert env.warclaw("roster", "import", str(sample), "--name", "raid", lean=False).returncode == 0
    # Hostile roster names: a roster file with them is refused, so they are written straight into
    # the database, as another writer could.
    with sqlite3.connect(env.db) as db:
        assert db.execute("UPDATE roster_players SET name = name || ?", (HOSTILE,)).rowcount > 0
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "warclaw", "tui", "--roster", "raid"],
        stdin=slave, stdout=slave, stderr=slave, close_fds=True, start_new_session=True,
        env={**env.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40", "TEXTUAL_ANIMATIONS": "none"},
    )
    os.close(slave)
    out = b""
    try:
        out += read_for(master, 8)
        for key in (b"1", b"2", b"3", b"4", b"5", b"r", b"1"):
            os.write(master, key)
            out += read_for(master, 2.5)
            assert proc.poll() is None, out[-2000:].decode("utf-8", "replace")
        os.write(master, b"q")
        wait_for(lambda: proc.poll() is not None, timeout=20, what="the TUI to quit")
        out += read_for(master, 0.5)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        os.close(master)
    assert proc.returncode == 0, out[-2000:].decode("utf-8", "replace")
    for marker in MARKERS:
        assert marker not in out, (marker, out[max(0, out.find(marker) - 200):out.find(marker) + 200])
    text = out.decode("utf-8", "replace")
    assert "Traceback" not in text and "MarkupError" not in text
    assert "Evil" in text  # the hostile names were on screen, made safe
