"""Alerts name maps and guilds as the screens do (``warclaw.matchup.names``). Claim alerts: ``[TAG] Name`` once the daemon has it, the screens'
placeholder while it cannot ("unknown guild" when the API refuses the id, "guild (name pending)"
while the lookup never answers), never a bare guild id and never "A guild"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from warclaw.daemon.alerts import GUILD_NAME_WAIT, GUILD_PENDING_TEXT, Names, _named, describe, guild_text
from warclaw.discord.alert_text import md
from warclaw.discord.fake import FakeDiscord
from warclaw.gw2api.fake import recorded
from warclaw.matchup.names import GUILD_PENDING, GUILD_UNKNOWN, MAP_ORDER, guild_label, map_name
from warclaw.store.models import AlertOutbox, Event

from .conftest import wait_for
from .test_alerts import configure, delivered, md_plain, outbox, start_daemon

CLAIMS = [{"name": "claims", "events": ["claim"], "team": "any", "webhook": "raid"}]
GUILD_IDS = recorded.guild_ids()


@pytest.fixture
def discord():
    with FakeDiscord() as d:
        yield d


def claim_titles(env, daemon, discord) -> list[str]:
    """Run the daemon while the replay makes new claims; the titles of the claim alerts posted."""
    configure(env, discord, rules=CLAIMS)
    env.sync_in_process()  # the recorded claims are the starting state, not events
    d = start_daemon(env, daemon)
    env.api.advance(minutes=30)
    d.poke()

    def all_sent():
        rows = [r for r in outbox(env) if r[1] == "claims"]
        return rows and all(r[2] == "sent" for r in rows) and rows

    wait_for(all_sent, timeout=60, what="claim alerts delivered")
    code, out = d.terminate()
    assert code == 0, out
    posted = json.dumps([m.payload for m in discord.received()])
    assert not any(gid.lower() in posted.lower() for gid in GUILD_IDS)  # no id anywhere in what was posted
    assert "A guild" not in posted
    return [md_plain(title) for _, title in delivered(discord) if " claimed " in title]


def test_a_guild_the_api_refuses_is_posted_as_unknown_guild(env, daemon, discord):
    # Every /v2/guild/:id lookup fails as the real API fails an unknown id (404 "no such id").
    env.api.inject_fault("/v2/guild/*", "error", count=None, status=404, text=recorded.error_text("no_such_id"))
    titles = claim_titles(env, daemon, discord)
    assert titles and all(t.startswith(f"{GUILD_UNKNOWN} claimed ") for t in titles), titles


def test_a_named_guild_is_posted_with_its_tag_and_name(env, daemon, discord):
    labels = {guild_label(b["name"], b["tag"]) for b in recorded.guild_bodies()}
    titles = claim_titles(env, daemon, discord)
    assert titles and all(t.split(" claimed ")[0] in labels for t in titles), titles


def _claim(guild_id: str) -> Event:
    return Event(id=1, match_id=7, kind="claimed", team="Blue", map_type="Center", objective_id="38-1",
                 occurred_at=datetime(2026, 12, 1, 12, tzinfo=UTC), detail={"type": "Castle"}, guild_id=guild_id,
                 dedupe_key="k")


def _row(alert: dict, age: timedelta, now: datetime) -> AlertOutbox:
    return AlertOutbox(alert=alert, created_at=now - age)


def test_alerts_say_the_short_map_names_the_screens_use():
    names = Names(ours={}, teams={}, objectives={"38-1": ("Stonemist Castle", "Castle")}, guilds={})
    for map_type in MAP_ORDER:
        e = _claim("g1")
        e.kind, e.team, e.prev_team, e.map_type = "captured", "Red", "Blue", map_type
        assert describe(e, "capture", names)["description"].startswith(f"Stonemist Castle (Castle, {map_name(map_type, short=True)})")
    assert [map_name(t, short=True) for t in MAP_ORDER] == ["EBG", "Red BL", "Blue BL", "Green BL"]


def test_an_unnamed_guild_waits_then_goes_out_with_the_pending_placeholder():
    gid = GUILD_IDS[0]
    names = Names(ours={}, teams={(7, "blue"): "Moogooloo"}, objectives={"38-1": ("Stonemist Castle", "Castle")},
                  guilds={})
    alert = describe(_claim(gid), "claim", names)
    assert alert["title"] == f"{GUILD_PENDING_TEXT} claimed Stonemist Castle" and alert["guild_id"] == gid
    assert md_plain(GUILD_PENDING_TEXT) == GUILD_PENDING
    now = datetime(2026, 12, 1, 12, 1, tzinfo=UTC)
    assert not _named(_row(alert, GUILD_NAME_WAIT / 2, now), {}, now)  # held for the guilds poller
    late = _row(alert, GUILD_NAME_WAIT, now)
    assert _named(late, {}, now)  # the poller never answered: sent as it is
    assert md_plain(late.alert["title"]) == "guild (name pending) claimed Stonemist Castle"
    assert gid not in json.dumps(late.alert | {"guild_id": None})


def test_a_held_alert_is_named_on_delivery():
    now = datetime(2026, 12, 1, 12, 1, tzinfo=UTC)
    line = "<t:1:t> "
    for title, looked_up, want in [
        (f"{GUILD_PENDING_TEXT} claimed X", ("Lords of *Chaos*", "LoC"), r"[LoC] Lords of \*Chaos\* claimed X"),
        (f"{GUILD_PENDING_TEXT} claimed X", (None, None), "unknown guild claimed X"),  # the API refused the id
        ("A guild claimed X", ("Name", None), "Name claimed X"),  # queued by an older version
    ]:
        row = _row({"title": title, "line": line + title, "guild_id": "g1"}, timedelta(), now)
        assert _named(row, {"g1": looked_up}, now)
        assert row.alert == {"title": want, "line": line + want}
        assert want.startswith(guild_text(*looked_up, failed=looked_up == (None, None)))
    assert md(GUILD_UNKNOWN) == GUILD_UNKNOWN
