"""Closing the terminal during `make demo` (SIGHUP) stops what the demo started, the daemon too
(it takes SIGHUP as "reload the config", so it used to poll on, orphaned)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def test_a_hangup_stops_the_demos_daemon(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARCLAW_")} | {"PYTHONUNBUFFERED": "1"}
    me = [sys.executable, "-m", "warclaw"]
    demo = subprocess.Popen([*me, "demo", "--no-tui", "--dir", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    status = [*me, "--config", str(tmp_path / "config.toml"), "daemon", "status"]
    try:
        seen = []
        for line in demo.stdout:  # until the daemon has synced: then hang up, as a closed terminal does
            seen.append(line)
            if "sync daemon running" in line:
                break
        assert subprocess.run(status, env=env, capture_output=True).returncode == 0, "".join(seen)
        demo.send_signal(signal.SIGHUP)
        rest = demo.stdout.read()
        assert demo.wait(timeout=60) == 128 + signal.SIGHUP, "".join(seen) + rest
        gone = subprocess.run(status, env=env, capture_output=True, text=True)
        assert gone.returncode == 3, gone.stdout + gone.stderr  # 3: no daemon runs
        assert "The demo's rosters are kept in" in rest
    finally:
        if demo.poll() is None:
            demo.kill()
        subprocess.run([*me, "--config", str(tmp_path / "config.toml"), "daemon", "stop"], env=env,
                       capture_output=True)
