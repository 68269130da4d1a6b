"""Discord alerts with the daemon as a real process, the fake GW2 API and the fake Discord over HTTP.

Events reach the daemon's events table either from the fake API (captures while its scenario
advances) or written by this test into the same SQLite file (a burst of exactly N events); the
daemon turns them into outbox rows and delivers them to the fake Discord webhook.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from warclaw.discord.fake import FakeDiscord
from warclaw.store.models import Event, Match, Objective

from .conftest import wait_for


@pytest.fixture
def discord():
    with FakeDiscord(rate_limit=5, rate_window=2.0) as d:
        yield d


def configure(env, discord, *, rules: list[dict] | None = None, **alerts) -> str:
    url = discord.create_webhook("raid")
    env.settings["alerts"] = {
        "webhooks": {"raid": url},
        "scan_seconds": 0.2,
        "rules": rules or [{"name": "flips", "events": ["capture"], "team": "any", "webhook": "raid"}],
        **alerts,
    }
    env.write_config()
    return url


def delivered(discord: FakeDiscord) -> Counter:
    """(unix time, title) of every alert the fake received: one per embed, or per line of a digest."""
    out: Counter = Counter()
    for m in discord.received():
        for e in m.embeds:
            if e["footer"]["text"].endswith("· digest"):
                for line in e["description"].splitlines():
                    tag, _, title = line.partition(" ")
                    out[(int(tag.split(":")[1]), title)] += 1
            else:
                out[(int(datetime.fromisoformat(e["timestamp"]).timestamp()), e["title"])] += 1
    return out


def delivered_ids(discord: FakeDiscord, resent: bool = False) -> Counter:
    """How often each outbox id arrived, read from the footers (``#12``, ``#12–15, #18 · digest``);
    ``resent``: only alerts marked (resent), else only the others."""
    out: Counter = Counter()
    for m in discord.received():
        for e in m.embeds:
            footer = e["footer"]["text"]
            digest = footer.endswith("· digest")
            lines = e["description"].splitlines() if digest else [footer]
            marked = [line.endswith("(resent)") == resent for line in lines]
            ids = []
            for part in footer.removesuffix(" · digest").split(" · ")[-1].removesuffix(" (resent)").split(", "):
                first, _, last = part.lstrip("#").partition("–")
                ids += range(int(first), int(last or first) + 1)
            assert len(ids) == len(lines), footer
            out.update(i for i, keep in zip(ids, marked, strict=True) if keep)
    return out


def outbox(env) -> list[tuple]:
    con = sqlite3.connect(env.db)
    try:
        return con.execute("SELECT id, rule, status, dedupe_key, alert, last_error FROM alert_outbox ORDER BY id").fetchall()
    finally:
        con.close()


def statuses(env) -> Counter:
    return Counter(row[2] for row in outbox(env))


def cursor_ready(env) -> bool:
    con = sqlite3.connect(env.db)
    try:
        return bool(con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
                    and con.execute("SELECT value FROM meta WHERE key = 'alerts_event_cursor'").fetchone())
    finally:
        con.close()


def insert_captures(env, n: int, start: int = 0) -> set[tuple[int, str]]:
    """``n`` capture events for a match the daemon synced; returns the (time, title) each alert must have."""
    base = datetime(2026, 12, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=start)
    with env.store() as store, store.write() as s:
        match = s.query(Match).order_by(Match.id).first()
        objectives = s.query(Objective).filter(Objective.type == "Camp").order_by(Objective.id).all()
        teams = {t.color: t for t in match.teams}
        for i in range(n):
            o = objectives[(start + i) % len(objectives)]
            s.add(Event(match_id=match.id, occurred_at=base + timedelta(seconds=i), recorded_at=base, kind="captured",
                        objective_id=o.id, map_type=o.map_type, team="Red", prev_team="Blue",
                        detail={"type": "Camp"}, dedupe_key=f"test:{start + i}"))
        names = {o.id: o.name for o in objectives}
        red = teams["red"].team_id
    from warclaw.gw2api.teams import all_teams

    red_name = all_teams().get(red, "Red")
    return {(int((base + timedelta(seconds=i)).timestamp()),
             f"{red_name} captured {names[objectives[(start + i) % len(objectives)].id]}") for i in range(n)}


def md_plain(title: str) -> str:
    return title.replace("\\", "")


def start_daemon(env, daemon):
    d = daemon()
    d.wait_started()
    wait_for(lambda: cursor_ready(env), timeout=30, what="the alert scan's first run")
    return d


def test_captures_from_the_api_reach_discord_once_each_and_start_stop_are_told(env, daemon, discord):
    configure(env, discord, rules=[
        {"name": "flips", "events": ["capture", "claim", "tier"], "team": "any", "webhook": "raid"},
        {"name": "life", "events": ["daemon"], "webhook": "raid"},
    ])
    env.sync_in_process()
    d = start_daemon(env, daemon)
    wait_for(lambda: any(e["title"] == "Warclaw daemon started" for m in discord.received() for e in m.embeds),
             what="the start alert")
    env.api.advance(minutes=15)
    d.poke()
    wait_for(lambda: statuses(env).get("sent", 0) >= 2 and not statuses(env).get("pending"), timeout=30,
             what="captures delivered")
    code, out = d.terminate()
    assert code == 0, out
    rows = outbox(env)
    con = sqlite3.connect(env.db)
    events = con.execute("SELECT count(*) FROM events WHERE kind IN ('captured', 'claimed', 'upgraded')").fetchone()[0]
    con.close()
    flips = [r for r in rows if r[1] == "flips"]
    assert len(flips) == events > 0  # every event of those kinds, once
    assert all(r[2] == "sent" for r in rows), Counter(r[2] for r in rows)
    got = delivered(discord)
    assert max(got.values()) == 1
    import json

    expected = Counter((int(datetime.fromisoformat(json.loads(r[4])["timestamp"]).timestamp()), json.loads(r[4])["title"])
                       for r in rows)
    assert got == expected
    titles = {md_plain(t) for _, t in got}
    assert "Warclaw daemon stopped" in titles and "Warclaw daemon started" in titles
    # Nothing pinged: every payload says so.
    assert all(m.payload["allowed_mentions"] == {"parse": []} for m in discord.received())


def test_outage_then_recovery_delivers_every_alert_exactly_once(env, daemon, discord):
    url = configure(env, discord)
    env.sync_in_process()
    d = start_daemon(env, daemon)
    discord.stop()  # Discord unreachable: connections refused
    want = insert_captures(env, 12)
    wait_for(lambda: any(r[5] for r in outbox(env)), timeout=30, what="a failed attempt recorded")
    st = statuses(env)  # waiting, or being retried right now
    assert set(st) <= {"pending", "sending"} and sum(st.values()) == 12
    status = env.warclaw("status")
    token = url.rsplit("/", 1)[1]
    assert "flips" in status.stdout and "12 waiting" in status.stdout and "last problem" in status.stdout
    assert token not in status.stdout + status.stderr
    # Back, but failing with 503 for a while, then healthy.
    discord.start()
    discord.inject("503", count=3)
    more = insert_captures(env, 8, start=100)
    wait_for(lambda: statuses(env) == {"sent": 20}, timeout=60, what="every alert delivered after the outage")
    got = delivered(discord)
    assert {(t, md_plain(x)) for t, x in got} == want | more and max(got.values()) == 1
    code, out = d.terminate()
    assert code == 0
    log = env.log.read_text()
    assert "unavailable" in log and token not in log and token not in out
    status = env.warclaw("status")
    assert "last delivery 20" in status.stdout and "20 sent" in status.stdout


def test_kill_9_mid_delivery_loses_and_duplicates_nothing(env, daemon, discord):
    configure(env, discord, digest_after=10)
    env.sync_in_process()
    rng = random.Random(17)
    want: set = set()
    kills = 0
    start = 0
    for _ in range(5):
        d = start_daemon(env, daemon)
        discord.inject("slow", count=None, seconds=0.4)  # every answer takes a while: kills land mid-request
        for _ in range(4):
            want |= insert_captures(env, 3, start=start)
            start += 3
            time.sleep(rng.uniform(0.1, 0.5))
        d.kill()
        kills += 1
        discord.clear_faults()
    d = start_daemon(env, daemon)
    wait_for(lambda: not statuses(env).get("pending") and not statuses(env).get("sending"), timeout=60,
             what="the outbox drained")
    d.terminate()
    wait_for(lambda: discord.in_flight == 0, what="the fake's slow answers")
    got = delivered(discord)
    rows = outbox(env)
    got_plain = Counter({(t, md_plain(x)): n for (t, x), n in got.items()})
    assert max(got_plain.values()) == 1, "an alert was posted twice"
    st = Counter(r[2] for r in rows)
    assert set(st) <= {"sent", "unconfirmed"} and len(rows) == len(want)
    # By the outbox ids in the footers: each sent alert arrived exactly once, an unconfirmed one at most once.
    ids = delivered_ids(discord)
    assert set(ids) <= {r[0] for r in rows} and max(ids.values()) == 1
    assert all(ids[r[0]] == 1 for r in rows if r[2] == "sent")
    missing = want - set(got_plain)
    import json

    unconfirmed = {(int(datetime.fromisoformat(json.loads(r[4])["timestamp"]).timestamp()), md_plain(json.loads(r[4])["title"]))
                   for r in rows if r[2] == "unconfirmed"}
    # Whatever did not arrive is marked (never silently lost), and only requests in flight at a kill are.
    assert missing <= unconfirmed
    assert st.get("unconfirmed", 0) <= kills * 10
    print(f"kill -9 x{kills}: {len(want)} alerts, {st.get('sent', 0)} sent, {st.get('unconfirmed', 0)} unconfirmed "
          f"({len(unconfirmed - missing)} of them did arrive), {len(missing)} missing")


def test_an_answer_lost_after_discord_posted_is_marked_not_repeated_and_resent_by_hand(env, daemon, discord):
    configure(env, discord, digest_after=3)
    env.sync_in_process()
    d = start_daemon(env, daemon)
    discord.inject("drop_after", count=2)  # Discord posts the message, then the connection drops
    insert_captures(env, 2)
    wait_for(lambda: statuses(env).get("unconfirmed") == 2, timeout=30, what="the first post in doubt")
    insert_captures(env, 2, start=10)
    wait_for(lambda: sum(statuses(env).values()) == 4 and not statuses(env).get("pending")
             and not statuses(env).get("sending"), timeout=30, what="the outbox drained")
    rows = outbox(env)
    st = statuses(env)
    # Both requests that lost their answer were posted by Discord: marked unconfirmed, never sent twice.
    assert st == {"unconfirmed": 4} or (st["unconfirmed"] >= 2 and st["unconfirmed"] + st["sent"] == 4), st
    ids = delivered_ids(discord)
    assert ids == Counter({r[0]: 1 for r in rows}), "every alert arrived exactly once"
    assert discord.count(status=0) == 2 and discord.count(method="POST") == len(discord.received())
    unconfirmed = [r[0] for r in rows if r[2] == "unconfirmed"]
    listed = env.warclaw("alerts", "list", lean=False)
    assert listed.returncode == 0, listed.stderr
    for i in unconfirmed:
        assert f"#{i} unconfirmed" in listed.stdout
    assert f"{len(unconfirmed)} unconfirmed" in listed.stdout and "alerts resend ID" in listed.stdout
    assert f"{len(unconfirmed)} unconfirmed" in env.warclaw("status").stdout
    # The admin saw #first missing (say): sent again by hand, marked (resent); a sent one is refused.
    sent = [r[0] for r in rows if r[2] == "sent"]
    if sent:
        r = env.warclaw("alerts", "resend", str(sent[0]), lean=False)
        assert r.returncode == 1 and r.stderr == f"warclaw: alert #{sent[0]}: sent, only unconfirmed, failed, expired alerts are sent again\n"
    r = env.warclaw("alerts", "resend", str(unconfirmed[0]), lean=False)
    assert r.returncode == 0, r.stderr
    wait_for(lambda: delivered_ids(discord, resent=True), timeout=30, what="the resent alert")
    assert delivered_ids(discord, resent=True) == Counter({unconfirmed[0]: 1})
    assert delivered_ids(discord) == ids  # nothing else went out again
    # The fake has the message before the daemon commits its answer: wait for the commit.
    wait_for(lambda: statuses(env).get("sent", 0) == len(sent) + 1, timeout=30, what="the resent alert marked sent")
    assert delivered_ids(discord, resent=True) == Counter({unconfirmed[0]: 1})  # and it went out once
    d.terminate()


def test_alerts_that_waited_too_long_expire_and_one_notice_says_so(env, daemon, discord):
    from sqlalchemy import update

    from warclaw.store.models import AlertOutbox
    from warclaw.store.types import utcnow

    configure(env, discord, max_age_minutes=30)
    env.sync_in_process()
    d = start_daemon(env, daemon)
    discord.stop()  # Discord unreachable for a long time
    insert_captures(env, 6)
    wait_for(lambda: sum(statuses(env).values()) == 6 and any(r[5] for r in outbox(env)), timeout=30,
             what="the alerts waiting")
    with env.store() as store, store.write() as s:  # 40 minutes pass (moved into the past, not waited for)
        s.execute(update(AlertOutbox).values(created_at=utcnow() - timedelta(minutes=40)))
    wait_for(lambda: statuses(env) == {"expired": 6, "pending": 1}, timeout=30, what="the old alerts expired")
    [notice] = [r for r in outbox(env) if r[2] == "pending"]
    assert notice[3].startswith("expired:")
    discord.start()
    want = insert_captures(env, 2, start=50)  # fresh alerts still go out
    wait_for(lambda: statuses(env) == {"expired": 6, "sent": 3}, timeout=60, what="the notice and the fresh alerts")
    titles = [md_plain(t) for _, t in delivered(discord)]
    assert titles.count("6 alerts expired unsent") == 1 and len(titles) == 3
    assert {(t, md_plain(x)) for t, x in delivered(discord) if "expired" not in x} == want
    expired = [r[0] for r in outbox(env) if r[2] == "expired"]
    assert not set(delivered_ids(discord)) & set(expired)  # none of them was sent
    listed = env.warclaw("alerts", "list", lean=False).stdout
    assert all(f"#{i} expired" in listed for i in expired) and "6 expired" in listed
    assert "alerts.max_age_minutes" in listed
    assert "6 expired" in env.warclaw("status").stdout
    # Sent by hand after all: not marked (resent), since it never went out, and not expired again.
    assert env.warclaw("alerts", "resend", str(expired[0]), lean=False).returncode == 0
    wait_for(lambda: expired[0] in delivered_ids(discord), timeout=30, what="the expired alert sent by hand")
    # The fake has the message before the daemon commits its answer: wait for the commit.
    wait_for(lambda: statuses(env) == {"expired": 5, "sent": 4}, timeout=30, what="the alert sent by hand marked sent")
    assert delivered_ids(discord)[expired[0]] == 1  # and it went out once
    d.terminate()


def match_teams(env) -> dict[str, int]:
    con = sqlite3.connect(env.db)
    try:
        return dict(con.execute("SELECT color, team_id FROM match_teams WHERE match_id = (SELECT min(id) FROM matches)"))
    finally:
        con.close()


def test_rules_name_teams_by_name_or_id_and_an_unknown_one_is_refused_at_start(env, daemon, discord):
    from warclaw.gw2api.teams import all_teams

    env.sync_in_process()
    teams = {c.lower(): t for c, t in match_teams(env).items()}
    names = all_teams()
    configure(env, discord, digest_after=10, rules=[
        {"name": "takers", "events": ["capture"], "team": names[teams["red"]].upper(), "webhook": "raid"},
        {"name": "losers", "events": ["loss"], "team": str(teams["blue"]), "webhook": "raid"},
        {"name": "idle", "events": ["capture", "loss"], "team": names[teams["green"]], "webhook": "raid"},
    ])
    d = start_daemon(env, daemon)
    insert_captures(env, 3)  # Red takes three camps from Blue
    wait_for(lambda: statuses(env).get("sent") == 6, timeout=30, what="the alerts of the named teams")
    d.terminate()
    assert Counter(r[1] for r in outbox(env)) == {"takers": 3, "losers": 3}  # green played no part
    # An unknown team stops the start with one line naming the key; the other rules' keys are fine.
    env.settings["alerts"]["rules"][2]["team"] = "Nowhere Land"
    env.settings["alerts"]["rules"][1]["team"] = "99999"
    env.write_config()
    r = env.warclaw("daemon", "start")
    assert r.returncode != 0
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and all(x.startswith("warclaw: the daemon did not start: ") for x in lines), r.stderr
    assert "alerts.rules[1].team: no team or world named '99999'" in lines[0]
    assert "alerts.rules[2].team: no team or world named 'Nowhere Land'" in lines[1]


def test_a_burst_of_500_events_respects_the_rate_limit_in_digests(env, daemon, discord):
    configure(env, discord)
    env.sync_in_process()
    d = start_daemon(env, daemon)
    want = insert_captures(env, 500)
    wait_for(lambda: statuses(env) == {"sent": 500}, timeout=120, what="500 alerts delivered")
    d.terminate()
    got = delivered(discord)
    assert {(t, md_plain(x)) for t, x in got} == want and max(got.values()) == 1
    messages = discord.received()
    assert len(messages) <= 15  # digests, not 500 messages
    assert all(any(e["footer"]["text"].endswith("digest") for e in m.embeds) for m in messages)
    # The client waited for the bucket (X-RateLimit-Remaining / Reset-After) instead of provoking 429s.
    assert discord.count(status=429) == 0
    posts = sorted(r.at for r in discord.requests if r.method == "POST" and r.status == 200)
    print(f"500 events: {len(messages)} digest messages over {posts[-1] - posts[0]:.1f} s, 0 rate-limited")


def test_alerts_test_command_and_a_bad_rule_on_reload(env, daemon, discord):
    url = configure(env, discord)
    r = env.warclaw("alerts", "test", "flips", lean=False)
    assert r.returncode == 0, r.stderr
    token = url.rsplit("/", 1)[1]
    assert "sent a sample alert for rule flips" in r.stdout and token not in r.stdout
    [m] = discord.received()
    assert m.embeds[0]["title"] == "Test alert for rule flips"
    r = env.warclaw("alerts", "test", "nope", lean=False)
    assert r.returncode == 1 and r.stderr == "warclaw: no alert rule named 'nope' (known: flips)\n"
    env.sync_in_process()
    d = start_daemon(env, daemon)
    good = dict(env.settings)
    env.settings["alerts"] = {**env.settings["alerts"], "rules": [
        {"name": "flips", "events": ["capture", "flip"], "team": "us", "webhook": "raid"}]}
    env.write_config()
    wait_for(lambda: env.log.read_text().count("config reload failed") >= 2, what="the reload refused")
    lines = [x for x in env.log.read_text().splitlines() if "config reload failed" in x]
    assert any(x.endswith("alerts.rules[0].events: expected an array of capture, loss, claim, unclaim, tier, skirmish,"
                          " stale, daemon, got 'flip'") for x in lines)
    # The team is looked up in the database (and the shipped team list) in the same pass.
    [line] = [x for x in lines if "no team or world named 'us'" in x]
    assert "config reload failed, keeping the last good config: " in line and "alerts.rules[0].team: " in line
    assert "expected ours, any, red, green, blue, or a team's name or id, e.g. " in line
    # The last good rules still deliver.
    env.settings = good
    want = insert_captures(env, 2)
    wait_for(lambda: statuses(env).get("sent") == 2, what="alerts under the last good config")
    assert want <= {(t, md_plain(x)) for t, x in delivered(discord)}
    d.terminate()
