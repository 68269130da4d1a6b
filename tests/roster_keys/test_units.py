"""Builds from characters, preference order, and the 0002 migration over an existing database."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from warclaw.store import Store
from warclaw.store.migrate import _alembic_config
from warclaw.store.playable import (
    CharacterInfo,
    derive_builds,
    elite_specs_of,
    load_catalog_builds,
    merge_builds,
)
from warclaw.store.rosters import load_roster, roster_players

CATALOG = load_catalog_builds()


def test_a_level_80_guardian_plays_the_guardian_builds_and_a_low_level_one_does_not():
    guardian = {b for b, prof, _ in CATALOG.builds if prof == "guardian"}
    assert set(derive_builds([CharacterInfo("G", "Guardian", 80)], CATALOG)) == guardian
    assert {"firebrand-support", "willbender-dps", "guardian-dps"} <= guardian
    assert derive_builds([CharacterInfo("G", "Guardian", 79)], CATALOG) == []


def test_elite_specs_the_api_shows_narrow_the_elite_builds():
    # A /v2/characters record whose build tab has Firebrand (62) in the elite slot.
    record = {"name": "G", "profession": "Guardian", "level": 80, "build_tabs": [
        {"tab": 1, "is_active": True, "build": {"profession": "Guardian", "specializations": [
            {"id": 42, "traits": [1, 2, 3]}, {"id": 46, "traits": [1, 2, 3]}, {"id": 62, "traits": [1, 2, 3]}]}},
        {"tab": 2, "is_active": False, "build": {"profession": "Guardian", "specializations": [None, None, None]}},
    ]}
    elites = elite_specs_of(record, CATALOG)
    assert elites == ("firebrand",)
    builds = derive_builds([CharacterInfo("G", "Guardian", 80, elites)], CATALOG)
    assert set(builds) == {"firebrand-support", "firebrand-dps", "guardian-dps"}
    # Per-mode specializations (older schema) tell the same.
    assert elite_specs_of({"specializations": {"wvw": [{"id": 65}, None]}}, CATALOG) == ("willbender",)


def test_a_user_catalog_adds_builds(tmp_path):
    user = tmp_path / "catalog.toml"
    user.write_text('[builds.guardian-celestial]\nspec = "guardian"\nprofession = "Guardian"\n')
    cat = load_catalog_builds(str(user))
    assert "guardian-celestial" in derive_builds([CharacterInfo("G", "Guardian", 80)], cat)


def test_merge_keeps_the_players_order_and_replaces_only_what_was_derived():
    builds, derived = merge_builds(["firebrand", "scourge-strip"], [], ["scourge-strip", "reaper-dps"])
    assert (builds, derived) == (["firebrand", "scourge-strip", "reaper-dps"], ["reaper-dps"])
    # Next refresh: the account lost its necromancer and gained a guardian.
    builds, derived = merge_builds(builds, derived, ["guardian-dps"])
    assert (builds, derived) == (["firebrand", "scourge-strip", "guardian-dps"], ["guardian-dps"])
    # A derived build the player moved up is theirs from then on.
    builds, derived = merge_builds(["guardian-dps", "firebrand", "scourge-strip"], ["guardian-dps"], [])
    assert builds == ["guardian-dps", "firebrand", "scourge-strip"] and derived == []


def test_upgrading_a_0001_database_keeps_its_rosters(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(sa.text("INSERT INTO rosters (id, name, updated_at) VALUES (1, 'raid', '2026-11-01 00:00:00')"))
        conn.execute(sa.text(
            "INSERT INTO roster_players (roster_id, position, name, builds, commander, with_players, present) "
            "VALUES (1, 0, 'Aelin', '[\"firebrand\"]', 1, '[]', 1)"
        ))
    engine.dispose()
    with Store.open(url) as store, store.read() as s:
        assert load_roster(s, "raid")["players"][0]["builds"] == ["firebrand"]
        assert roster_players(s, "raid")[0].name == "Aelin"
        assert s.execute(sa.text("SELECT derived_builds, guild_rank FROM roster_players")).one() == ("[]", None)
