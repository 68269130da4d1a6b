"""The delivery loop in-process against the fake Discord over HTTP: cooldowns, a deleted webhook, digests."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from warclaw.config import parse_config
from warclaw.daemon.alerts import AlertService, scan
from warclaw.discord.fake import FakeDiscord
from warclaw.store.ingest import apply_match
from warclaw.store.models import AlertOutbox
from warclaw.store.types import utcnow

from .factory import START, evolve, find_obj, iso, make_match

T = START + timedelta(hours=1)


def _flip(store, m, oid, owner, minutes):
    m = evolve(m)
    find_obj(m, oid).update(owner=owner, last_flipped=iso(T + timedelta(minutes=minutes)))
    with store.write() as s:
        apply_match(s, m, T + timedelta(minutes=minutes))
    return m


def test_cooldown_coalesces_and_a_deleted_webhook_fails_loudly(store, caplog):
    with FakeDiscord() as discord:
        url = discord.create_webhook("raid")
        cfg = parse_config({"alerts": {"webhooks": {"raid": url}, "digest_after": 1, "rules": [
            {"name": "flips", "events": ["capture"], "team": "any", "webhook": "raid", "cooldown_seconds": 600}]}})
        m = make_match()
        with store.write() as s:
            apply_match(s, m, T)
            scan(s, cfg, T)  # places the cursor

        async def go():
            svc = AlertService(store, lambda: cfg, asyncio.Event())
            try:
                nonlocal m
                m = _flip(store, m, "38-4", "Red", 1)
                await svc.scan_once()
                await svc.deliver_once()
                assert len(discord.received()) == 1  # the first capture at once
                m = _flip(store, m, "38-3", "Red", 2)
                m = _flip(store, m, "38-4", "Green", 3)
                await svc.scan_once()
                wait = await svc.deliver_once()
                assert len(discord.received()) == 1 and wait <= cfg.alerts.scan_seconds  # cooling down
                with store.write() as s:  # the cooldown ends (moved into the past rather than waited for)
                    s.execute(update(AlertOutbox).values(sent_at=utcnow() - timedelta(seconds=601)).where(
                        AlertOutbox.sent_at.is_not(None)))
                await svc.deliver_once()
                second = discord.received()[1]
                assert len(discord.received()) == 2 and "2 alerts" in second.embeds[0]["title"]  # one digest
                discord.delete_webhook("raid")
                m = _flip(store, m, "38-3", "Blue", 4)
                with store.write() as s:
                    s.execute(update(AlertOutbox).values(sent_at=utcnow() - timedelta(seconds=601)).where(
                        AlertOutbox.sent_at.is_not(None)))
                await svc.scan_once()
                await svc.deliver_once()
            finally:
                await svc.aclose()

        asyncio.run(go())
    with store.read() as s:
        rows = s.execute(select(AlertOutbox.status, AlertOutbox.last_error).order_by(AlertOutbox.id)).all()
    assert [r[0] for r in rows] == ["sent", "sent", "sent", "failed"]
    assert "Unknown Webhook" in rows[-1][1] and url.rsplit("/", 1)[1] not in rows[-1][1]
    assert any("refused 1 alert(s), not retried" in r.getMessage() for r in caplog.records)


def test_a_claim_waits_for_the_guild_name(store):
    from warclaw.store.ingest import apply_guild

    with FakeDiscord() as discord:
        url = discord.create_webhook("raid")
        cfg = parse_config({"alerts": {"webhooks": {"raid": url}, "rules": [
            {"name": "claims", "events": ["claim"], "team": "any", "webhook": "raid"}]}})
        m = make_match()
        with store.write() as s:
            apply_match(s, m, T)
            scan(s, cfg, T)
        m = evolve(m)
        find_obj(m, "38-4").update(claimed_by="GUILD-9", claimed_at=iso(T + timedelta(minutes=1)))
        with store.write() as s:
            apply_match(s, m, T + timedelta(minutes=1))

        async def go():
            svc = AlertService(store, lambda: cfg, asyncio.Event())
            try:
                await svc.scan_once()
                assert await svc.deliver_once() == 1.0 and discord.received() == []  # held for the name
                with store.write() as s:
                    apply_guild(s, "GUILD-9", {"id": "GUILD-9", "name": "Lords of *Chaos*", "tag": "LoC"}, utcnow())
                await svc.deliver_once()
            finally:
                await svc.aclose()

        asyncio.run(go())
        [msg] = discord.received()
    assert msg.embeds[0]["title"].startswith(r"[LoC] Lords of \*Chaos\* claimed ")


def test_expiry_in_two_rounds_makes_one_notice_and_spares_alerts_sent_by_hand(store):
    with FakeDiscord() as discord:
        url = discord.create_webhook("raid")
        cfg = parse_config({"alerts": {"webhooks": {"raid": url}, "max_age_minutes": 10, "rules": [
            {"name": "flips", "events": ["capture"], "team": "any", "webhook": "raid"}]}})
        m = make_match()
        with store.write() as s:
            apply_match(s, m, T)
            scan(s, cfg, T)

        def age(minutes: float) -> None:
            with store.write() as s:
                s.execute(update(AlertOutbox).where(AlertOutbox.status == "pending", ~AlertOutbox.dedupe_key.like("expired:%"))
                          .values(created_at=utcnow() - timedelta(minutes=minutes)))

        async def go():
            svc = AlertService(store, lambda: cfg, asyncio.Event())
            try:
                nonlocal m
                m = _flip(store, m, "38-4", "Red", 1)
                await svc.scan_once()
                age(11)
                assert await svc.expire(cfg, utcnow()) == 1
                m = _flip(store, m, "38-3", "Red", 2)
                m = _flip(store, m, "38-4", "Green", 3)
                await svc.scan_once()
                with store.write() as s:  # sent again by hand (warclaw alerts resend): never expires
                    row = s.scalars(select(AlertOutbox).where(AlertOutbox.status == "pending",
                                                              ~AlertOutbox.dedupe_key.like("expired:%"))).first()
                    row.alert = {**row.alert, "requeued": True}
                age(30)
                assert await svc.expire(cfg, utcnow()) == 1
                await svc.deliver_once()
            finally:
                await svc.aclose()

        asyncio.run(go())
        with store.read() as s:
            rows = s.execute(select(AlertOutbox.status, AlertOutbox.alert).order_by(AlertOutbox.id)).all()
        assert sorted(r[0] for r in rows) == ["expired", "expired", "sent", "sent"]
        [notice] = [r[1] for r in rows if r[1].get("notice")]
        assert notice["count"] == 2 and notice["title"] == "2 alerts expired unsent"
        titles = [e["title"] for msg in discord.received() for e in msg.embeds]
        assert titles.count("2 alerts expired unsent") == 1 and len(titles) == 2


def test_rule_teams_are_checked_against_the_shipped_teams_and_the_worlds_once_synced(store):
    from warclaw.daemon.alerts import check_rule_teams
    from warclaw.store.ingest import apply_teams

    url = "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    cfg = parse_config({"alerts": {"webhooks": {"raid": url}, "rules": [
        {"name": f"r{i}", "events": ["capture"], "team": team, "webhook": "raid"}
        for i, team in enumerate(["moogooloo", "11001", "Gandara", "Nowhere", "Red"])]}}, "c.toml")
    with store.read() as s:  # a new database: teams are known (shipped), worlds not yet
        problems, unchecked = check_rule_teams(s, cfg)
    assert problems == [] and [x.split(":")[1].strip() for x in unchecked] == ["alerts.rules[2].team", "alerts.rules[3].team"]
    with store.write() as s:
        apply_teams(s, {2101: "Gandara", 2014: "Gunnar's Hold"}, kind="world")
    with store.read() as s:
        problems, unchecked = check_rule_teams(s, cfg)
    assert unchecked == [] and problems == [
        "c.toml: alerts.rules[3].team: no team or world named 'Nowhere' (the shipped team list and the worlds synced);"
        " expected ours, any, red, green, blue, or a team's name or id, e.g. 'Moogooloo' or 11001"]
