"""The squad plan posted to the fake Discord, and re-posted in place after a re-plan."""

import os
import subprocess
import sys

import pytest
import tomli_w

from warclaw.discord.fake import FakeDiscord
from warclaw.discord.post import post_plan
from warclaw.engine import optimize, roster_from_mapping
from warclaw.engine.discord_text import FENCE, plan_messages
from warclaw.engine.generate import generate_roster
from warclaw.store import Store


@pytest.fixture
def discord():
    with FakeDiscord(rate_limit=50, rate_window=1.0) as d:
        yield d


def test_repost_edits_the_previous_messages(tmp_path, discord, catalog):
    url = discord.create_webhook("raid")
    mapping = generate_roster(50, 3)
    roster = roster_from_mapping(mapping, catalog)
    cmd = {p.name for p in roster.players if p.commander}
    res = optimize(roster, catalog, "zerg", time_limit=2, workers=1)
    with Store.open(f"sqlite:///{tmp_path / 'w.db'}") as store:
        first = post_plan(res, cmd, url, plan_key="roster:raid", store=store)
        assert first.posted == len(plan_messages(res, cmd)) == 2 and first.edited == 0
        assert [m.content for m in discord.received()] == plan_messages(res, cmd)
        # A re-plan (one player left): the same two messages are edited, nothing new is posted.
        mapping["players"] = mapping["players"][:-1]
        res2 = optimize(roster_from_mapping(mapping, catalog), catalog, "zerg", time_limit=2, workers=1,
                        previous=res.plan)
        second = post_plan(res2, cmd, url, plan_key="roster:raid", store=store)
        assert second.edited == 2 and second.posted == 0 and second.message_ids == first.message_ids
        got = discord.received()
        assert len(got) == 2 and [m.content for m in got] == plan_messages(res2, cmd) and all(m.edits == 1 for m in got)
        # A much smaller squad needs one message: the second is deleted.
        small = roster_from_mapping(generate_roster(10, 3), catalog)
        third = post_plan(optimize(small, catalog, "zerg", time_limit=2, workers=1), cmd, url,
                          plan_key="roster:raid", store=store)
        assert (third.edited, third.posted, third.deleted) == (1, 0, 1) and len(discord.received()) == 1
        # Someone deleted the message in Discord: it is posted anew.
        discord.messages.clear()
        fourth = post_plan(res, cmd, url, plan_key="roster:raid", store=store)
        assert fourth.posted == 2 and "deleted in Discord" in fourth.notes[0]
        # Another plan key is another set of messages.
        other = post_plan(res, cmd, url, plan_key="roster:other", store=store)
        assert other.posted == 2 and len(discord.received()) == 4


def test_cli_optimize_discord_from_stdin(tmp_path, discord):
    url = discord.create_webhook("raid")
    roster = tmp_path / "roster.toml"
    roster.write_text(tomli_w.dumps(generate_roster(40, 2)))
    env = {**os.environ, "WARCLAW_DB": str(tmp_path / "w.db"), "WARCLAW_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("[engine]\ntime_limit_seconds = 2.0\n")

    def run(*extra, stdin=url + "\n"):
        return subprocess.run([sys.executable, "-m", "warclaw", "optimize", str(roster), "--discord", "-", *extra],
                              input=stdin, capture_output=True, text=True, env=env, timeout=120)
    r = run()
    assert r.returncode == 0, r.stderr
    token = url.rsplit("/", 1)[1]
    msgs = discord.received()
    n = len(msgs)
    assert f"{n} posted" in r.stderr and token not in r.stdout + r.stderr
    assert n >= 1 and all(m.content.startswith(FENCE) and len(m.content) <= 2000 for m in msgs)
    r = run()
    assert r.returncode == 0 and f"{n} edited" in r.stderr and len(discord.received()) == n
    bad = run(stdin="https://discord.com/channels/1/2\n")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "expected a webhook URL" in bad.stderr
    assert run(stdin="").stderr == "warclaw: --discord -: no webhook URL on stdin\n"
    # A webhook by its name in the config, or alerts.plan_webhook when --discord comes alone.
    (tmp_path / "none.toml").write_text(f'[engine]\ntime_limit_seconds = 2.0\n[alerts]\nwebhooks = {{ raid = "{url}" }}\n'
                                        'plan_webhook = "raid"\n')
    by_name = subprocess.run([sys.executable, "-m", "warclaw", "optimize", str(roster), "--discord", "raid"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert by_name.returncode == 0 and f"{n} edited" in by_name.stderr
    alone = subprocess.run([sys.executable, "-m", "warclaw", "optimize", str(roster), "--discord"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert alone.returncode == 0 and f"{n} edited" in alone.stderr and len(discord.received()) == n
    discord.delete_webhook("raid")
    gone = run()
    assert gone.returncode == 1 and "Unknown Webhook" in gone.stderr and token not in gone.stderr
    assert gone.stderr.strip().count("\n") == 0
