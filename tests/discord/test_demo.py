"""`warclaw demo --no-tui` (what `make demo` runs without a terminal) shows the alerts the fake Discord got."""

import os
import re
import subprocess
import sys


def test_demo_shows_the_fake_discord_messages(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARCLAW_")}
    r = subprocess.run([sys.executable, "-m", "warclaw", "demo", "--no-tui", "--dir", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "fake Discord on http://127.0.0.1:" in out and "The fake Discord received" in out
    assert "  alert: Warclaw daemon started" in out
    assert "  plan: Squad plan · zerg · 40 players" in out
    assert "plan sent to Discord" in r.stderr and "…" in r.stderr.split("plan sent to Discord")[1].split("\n")[0]
    # The count is of everything received, the list its last dozen after "... N earlier".
    count = int(re.search(r"The fake Discord received (\d+) alert\(s\) and plan\(s\)", out)[1])
    listed = out.split("so far:\n")[1].split("The demo's rosters")[0].splitlines()
    earlier = int(m[1]) if (m := re.match(r"  \.\.\. (\d+) earlier", listed[0])) else 0
    assert count == earlier + sum(line.startswith(("  alert:", "  plan:", "  digest")) for line in listed)
