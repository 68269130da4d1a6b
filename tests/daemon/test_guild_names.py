"""Guild names end to end: the fake API claims with recorded guilds, the daemon names them."""

from __future__ import annotations

from sqlalchemy import select

from warclaw.gw2api.fake import recorded
from warclaw.store.models import Guild
from warclaw.store.queries import find_match, matchup, objectives, recent_events
from warclaw.store.types import utcnow

from .conftest import wait_for


def test_the_daemon_names_every_claiming_guild_and_the_views_show_names(env, daemon):
    d = daemon()
    bodies = {b["id"]: b for b in recorded.guild_bodies()}

    def named():
        rows = env.query(lambda s: [(g.id, g.name, g.tag, g.fetched_at) for g in s.scalars(select(Guild))])
        return rows if rows and all(r[3] is not None for r in rows) else None

    rows = wait_for(named, timeout=30, what="every guild fetched")
    assert {r[0] for r in rows} <= set(bodies)  # the scenario claims only with recorded guilds
    assert all((name, tag) == (bodies[gid]["name"], bodies[gid]["tag"]) for gid, name, tag, _ in rows)
    env.api.advance(minutes=40)  # new claims (with the same guilds) and events
    d.poke()
    wait_for(lambda: env.read(lambda r: [e for e in recent_events(r, kinds=["claimed"])]), timeout=30,
             what="a claim event")
    rc, out = d.terminate()
    assert rc == 0, out
    assert "named 0 of" not in out and "new or due guilds" in out

    def views(r):
        m = find_match(r, "2-1")
        return objectives(r, m.pk), matchup(r, m.pk, utcnow(), samples=100), recent_events(r, m.pk, kinds=["claimed"])

    objs, view, claims = env.read(views)
    claimed = [o for o in objs if o.claimed_by]
    assert claimed and all(o.guild_name and o.guild_tag and o.guild_fetched for o in claimed)
    assert all(o["guild"]["name"] for o in view["objectives"] if o["guild"])
    assert claims and all(e.guild_name for e in claims)
