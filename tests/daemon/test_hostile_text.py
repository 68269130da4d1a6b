"""Untrusted text never drives the terminal (issue 15, item 1).

A hostile fake API (world, guild names and tags, error bodies carrying OSC/CSI/ESC sequences) and
a hostile database (roster, player and team names written by someone else) are fed through every
command that shows them, as real processes; no escape byte may reach stdout, stderr or the log.
"""

from __future__ import annotations

import sqlite3
import subprocess

from warclaw.data import sample_roster_path

from .conftest import wait_for

# Retitles the terminal (OSC 0), clears the screen (CSI 2J), colours (CSI, and the 8-bit C1 CSI),
# rings the bell, and Rich markup that would crash or restyle a screen.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J[b]Evil[/]\x1b[31m\x9b1m\x07\x1bc"
ESCAPE_BYTES = ("\x1b", "\x9b", "\x07", "\x9d")


def assert_terminal_safe(*texts: str) -> None:
    for text in texts:
        for b in ESCAPE_BYTES:
            assert b not in text, f"{b!r} reached the output: {text[-300:]!r}"


def hostile_api(api) -> None:
    api.inject_fault("/v2/worlds", "set_field", count=None, field="name", value="World" + HOSTILE)
    api.inject_fault("/v2/guild/*", "set_field", count=None, field="name", value="Guild" + HOSTILE)
    api.inject_fault("/v2/guild/*", "set_field", count=None, field="tag", value="[/]" + HOSTILE)
    api.inject_fault("/v2/account*", "error", count=None, status=400, text="Refused" + HOSTILE)


def hostile_database(env) -> None:
    with sqlite3.connect(env.db) as db:
        db.execute("UPDATE teams SET name = 'Team' || ?", (HOSTILE,))
        db.execute("UPDATE rosters SET name = 'Raid' || ?, mode = 'zerg' || ?", (HOSTILE, HOSTILE))
        db.execute("UPDATE roster_players SET name = name || ?, lock_build = 'x' || ?", (HOSTILE, HOSTILE))


def run(env, *args: str, lean: bool = False) -> subprocess.CompletedProcess[str]:
    r = env.warclaw(*args, lean=lean)
    assert "Traceback" not in r.stderr, r.stderr
    assert_terminal_safe(r.stdout, r.stderr)
    return r


def test_hostile_api_and_roster_reach_no_output_raw(env, daemon, tmp_path):
    hostile_api(env.api)
    r = run(env, "sync", "--once")
    assert r.returncode == 0 and "Refused" in r.stdout and "account  FAILED" in r.stdout
    sample = tmp_path / "raid.toml"
    sample.write_text(sample_roster_path().read_text())
    assert run(env, "roster", "import", str(sample), "--name", "raid").returncode == 0
    hostile_database(env)

    r = run(env, "matchup")
    assert r.returncode == 0 and "Team" in r.stdout and "Evil" in r.stdout
    r = run(env, "roster", "list")
    assert r.returncode == 0 and "Raid" in r.stdout and "Evil" in r.stdout
    (roster_name,) = sqlite3.connect(env.db).execute("SELECT name FROM rosters").fetchone()
    r = run(env, "roster", "show", roster_name)
    assert r.returncode == 0 and r.stdout.count("Evil") > 10
    r = run(env, "roster", "show", "Nobody" + HOSTILE)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Nobody" in r.stderr
    out = tmp_path / "out.toml"
    r = run(env, "roster", "export", str(out), "--name", roster_name)
    # A roster file with the hostile names: optimize shows the plan or refuses it, never raw.
    r = run(env, "optimize", str(out), "--time-limit", "2")
    assert "Evil" in r.stdout + r.stderr
    r = run(env, "daemon", "status", lean=True)
    assert r.returncode == 3 and "Refused" in r.stdout

    # The daemon's log and its foreground output (stderr under systemd).
    d = daemon()
    d.wait_started()
    wait_for(lambda: env.log.exists() and "Refused" in env.log.read_text(), what="the account failure in the log")
    code, output = d.terminate()
    assert code == 0
    assert_terminal_safe(output, env.log.read_text())
    assert "Refused" in output


def test_a_key_pasted_into_any_config_field_is_masked(env):
    from warclaw.gw2api.fake import DEFAULT_KEY

    env.write_config(f'[api]\nbase_url = "{DEFAULT_KEY}"\n[daemon]\nteam = 5\nregion = "{DEFAULT_KEY}"\n')
    for args in (("daemon", "status"), ("matchup",), ("sync", "--once")):
        r = env.warclaw(*args)
        assert "Traceback" not in r.stderr
        assert "base_url" in r.stderr and ("region" in r.stderr or args == ("daemon", "status"))
        # Not even a run of the key's middle: only the mask's ends are left.
        assert DEFAULT_KEY[4:-4] not in r.stderr and DEFAULT_KEY[8:24] not in r.stderr, r.stderr
    env.settings["api"]["base_url"] = env.api.base_url
    env.write_config()


def test_the_log_formatter_cleans_and_masks_every_record_and_traceback(tmp_path):
    import logging

    from warclaw.daemon.logs import setup_logging
    from warclaw.gw2api.fake import DEFAULT_KEY

    log_file = tmp_path / "daemon.log"
    handlers = setup_logging(log_file, max_bytes=100_000, backups=1, to_stderr=False)
    try:
        logging.getLogger("warclaw.test").warning("guild %s tag %s", "Guild" + HOSTILE, DEFAULT_KEY)
        try:
            raise ValueError("body " + HOSTILE + DEFAULT_KEY.lower())
        except ValueError:
            logging.getLogger("warclaw.test").exception("failed")
    finally:
        for h in handlers:
            logging.getLogger().removeHandler(h)
            h.close()
    text = log_file.read_text()
    assert_terminal_safe(text)
    assert "Guild[b]Evil" in text and "Traceback" in text
    assert DEFAULT_KEY[4:-4].lower() not in text.lower()
