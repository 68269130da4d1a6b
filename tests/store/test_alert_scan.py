"""Events to outbox rows: unclaim events, the scan cursor, one row per event and rule, stale spells."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from warclaw.config import parse_config
from warclaw.daemon.alerts import CURSOR_KEY, scan, scan_stale
from warclaw.store.ingest import apply_match
from warclaw.store.models import AlertOutbox, Event, Match
from warclaw.store.status import set_meta

from .factory import START, evolve, find_obj, iso, make_match

T = START + timedelta(hours=1)
URL = "https://discord.com/api/webhooks/1/abcdefghijklmnop"


def _config(*rules):
    return parse_config({"alerts": {"webhooks": {"raid": URL}, "rules": [{"webhook": "raid", **r} for r in rules]}})


def _ingest(store, data, now):
    with store.write() as s:
        return apply_match(s, data, now)


def test_a_lost_claim_is_an_unclaim_event_once(store):
    m = make_match()
    _ingest(store, m, T)
    m2 = evolve(m)
    find_obj(m2, "38-4").update(claimed_by="GUILD-1", claimed_at=iso(T + timedelta(seconds=10)))
    _ingest(store, m2, T + timedelta(minutes=1))
    m3 = evolve(m2)
    find_obj(m3, "38-4").update(claimed_by=None, claimed_at=None)
    _ingest(store, m3, T + timedelta(minutes=2))
    _ingest(store, m3, T + timedelta(minutes=3))  # the same data again: nothing new
    with store.read() as s:
        got = [(e.kind, e.guild_id, e.team) for e in s.scalars(select(Event).where(Event.objective_id == "38-4"))]
    assert got == [("claimed", "GUILD-1", "Blue"), ("unclaimed", "GUILD-1", "Blue")]


def test_scan_queues_each_event_once_per_rule_from_its_cursor(store):
    m = make_match()
    _ingest(store, m, T)
    cfg = _config({"name": "any", "events": ["capture", "claim"], "team": "any"},
                  {"name": "red", "events": ["capture"], "team": "red"})
    with store.write() as s:
        assert scan(s, cfg, T) == 0  # the first scan only places the cursor: history is not news
    m2 = evolve(m)
    find_obj(m2, "38-4").update(owner="Red", last_flipped=iso(T + timedelta(seconds=30)))
    find_obj(m2, "38-3").update(claimed_by="G", claimed_at=iso(T + timedelta(seconds=40)))
    _ingest(store, m2, T + timedelta(minutes=1))
    with store.write() as s:
        assert scan(s, cfg, T) == 3  # the capture for both rules, the claim for one
        set_meta(s, CURSOR_KEY, "0")  # a daemon killed before its cursor moved scans them again
    with store.write() as s:
        assert scan(s, cfg, T) == 0
        rows = s.execute(select(AlertOutbox.rule, AlertOutbox.status, AlertOutbox.webhook)).all()
    assert sorted(rows) == [("any", "pending", "raid"), ("any", "pending", "raid"), ("red", "pending", "raid")]


def test_stale_data_is_alerted_once_per_spell(store):
    _ingest(store, make_match(), T)
    cfg = _config({"name": "stale", "events": ["stale"], "team": "any", "stale_minutes": 15})
    with store.write() as s:
        assert scan_stale(s, cfg, T + timedelta(minutes=10)) == 0
        assert scan_stale(s, cfg, T + timedelta(minutes=16)) == 1
        assert scan_stale(s, cfg, T + timedelta(minutes=30)) == 0  # the same spell
        s.execute(update(Match).values(changed_at=T + timedelta(minutes=31)))
        assert scan_stale(s, cfg, T + timedelta(minutes=50)) == 1  # a new one
        [title, *_] = s.scalars(select(AlertOutbox.alert)).all()
    assert "stale for 16 minutes" in title["title"]


def test_finished_rows_are_purged_after_30_days(store):
    import asyncio

    from warclaw.daemon.alerts import AlertService
    from warclaw.store.types import utcnow

    _ingest(store, make_match(), T)
    now = utcnow()
    with store.write() as s:
        for i, (status, age) in enumerate([("sent", 31), ("failed", 40), ("sent", 29), ("pending", 60)]):
            s.add(AlertOutbox(rule="r", webhook="raid", dedupe_key=f"k{i}", occurred_at=now, alert={},
                              created_at=now - timedelta(days=age), status=status, attempts=1))
    svc = AlertService(store, lambda: _config(), asyncio.Event())
    assert asyncio.run(svc.purge(now)) == 2
    asyncio.run(svc.aclose())
    with store.read() as s:
        assert sorted(s.scalars(select(AlertOutbox.dedupe_key))) == ["k2", "k3"]  # recent, and never a pending one
