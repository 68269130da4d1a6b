"""`warclaw roster add-key` against the fake API over HTTP."""

from __future__ import annotations

import stat

from sqlalchemy import select

from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.gw2api.keys import mask
from warclaw.store.models import ApiKeyRecord, ApiKeySecret, RosterPlayer
from warclaw.store.rosters import save_roster

from .conftest import NO_ACCOUNT_KEY, NO_CHARACTERS_KEY, UNKNOWN_KEY

WARRIOR = {"spellbreaker-strip", "berserker-dps", "warrior-dps"}  # the recorded account's level-80 Warrior


def _player(cli, name):
    with cli.store() as store, store.read() as s:
        p = s.scalar(select(RosterPlayer).where(RosterPlayer.name == name))
        return None if p is None else {
            "builds": list(p.builds), "derived": list(p.derived_builds), "account": p.account, "ref": p.api_key_ref,
        }


def test_add_key_stores_the_key_links_the_player_and_derives_builds(cli):
    code, out, err = cli("roster", "add-key", "Aelin", DEFAULT_KEY, "--roster", "raid")
    assert code == 0, err
    assert mask(DEFAULT_KEY) in out and "Shooterking.1234" in out
    p = _player(cli, "Aelin")
    assert p["account"] == "Shooterking.1234"
    assert WARRIOR <= set(p["builds"]) and "scourge-strip" in p["builds"] and "herald-boon" in p["builds"]
    assert not any(b.startswith(("firebrand", "guardian", "tempest")) for b in p["builds"])  # no such character
    assert p["builds"] == p["derived"]
    with cli.store() as store, store.read() as s:
        key = s.scalar(select(ApiKeyRecord))
        secret = s.scalar(select(ApiKeySecret.secret).where(ApiKeySecret.key_id == key.id))
        assert secret == DEFAULT_KEY and key.status == "ok" and p["ref"] == str(key.id)
        assert key.masked == mask(DEFAULT_KEY) and DEFAULT_KEY not in key.fingerprint
        assert [c.name for c in key.characters] == ["Bob", "Bob 2", "Bob Ranger", "Bob Revenant"]
    # Only the owner can read the database holding the key.
    assert stat.S_IMODE(cli.db.stat().st_mode) == 0o600
    code, out, _ = cli("roster", "keys")
    assert code == 0 and mask(DEFAULT_KEY) in out and "raid/Aelin" in out


def test_the_players_own_preference_order_comes_first(cli):
    with cli.store() as store, store.write() as s:
        save_roster(s, "raid", {"players": [{"name": "Aelin", "builds": ["firebrand", "herald-boon"]}]})
    assert cli("roster", "add-key", "Aelin", DEFAULT_KEY)[0] == 0  # the only roster is picked
    p = _player(cli, "Aelin")
    assert p["builds"][:2] == ["firebrand", "herald-boon"]
    assert p["builds"].count("herald-boon") == 1
    assert p["derived"] == p["builds"][2:] and WARRIOR <= set(p["derived"])
    # Registering again does not pile up duplicates.
    assert cli("roster", "add-key", "Aelin", DEFAULT_KEY)[0] == 0
    assert _player(cli, "Aelin")["builds"] == p["builds"]


def test_an_invalid_key_is_one_line_and_nothing_is_stored(cli):
    code, out, err = cli("roster", "add-key", "Aelin", UNKNOWN_KEY, "--roster", "raid")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("warclaw: ") and "refused" in last and mask(UNKNOWN_KEY) in last
    assert "Traceback" not in err
    assert _player(cli, "Aelin") is None
    code, _, err = cli("roster", "add-key", "Aelin", "not-a-key", "--roster", "raid")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "is not a GW2 API key" in err


def test_a_missing_permission_is_named(cli):
    code, _, err = cli("roster", "add-key", "Aelin", NO_CHARACTERS_KEY, "--roster", "raid")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "lacks the 'characters' permission" in err and mask(NO_CHARACTERS_KEY) in err
    code, _, err = cli("roster", "add-key", "Aelin", NO_ACCOUNT_KEY, "--roster", "raid")
    assert code == 1 and "lacks the 'account' permission" in err
    assert _player(cli, "Aelin") is None


def test_rate_limits_are_absorbed(cli):
    cli.api.inject_fault("/v2/tokeninfo", kind="429", count=1)
    cli.api.inject_fault("/v2/account", kind="429-retry-after", count=1, retry_after=1)
    cli.api.inject_fault("/v2/characters", kind="429", count=1)
    code, out, err = cli("roster", "add-key", "Aelin", DEFAULT_KEY, "--roster", "raid")
    assert code == 0, err
    assert cli.api.count(status=429) == 3
    assert WARRIOR <= set(_player(cli, "Aelin")["builds"])


def test_the_key_can_come_from_stdin(cli, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(DEFAULT_KEY + "\n"))
    code, out, err = cli("roster", "add-key", "Aelin", "-", "--roster", "raid")
    assert code == 0, err
    assert mask(DEFAULT_KEY) in out
    assert _player(cli, "Aelin")["account"] == "Shooterking.1234"
