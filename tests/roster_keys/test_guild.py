"""`warclaw roster import-guild` against the fake API over HTTP."""

from __future__ import annotations

from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.gw2api.keys import mask
from warclaw.store.rosters import load_roster, roster_players, save_roster

from .conftest import LEADER_GUILD, NO_GUILDS_KEY

OTHER_GUILD = "12345678-90AB-CDEF-FEDC-BA0987654321"  # recorded, but the key's account is not its leader


def _ranks(cli, roster):
    with cli.store() as store, store.read() as s:
        return {p.name: (p.present, p.account) for p in roster_players(s, roster)}, load_roster(s, roster, include_absent=True)


def test_import_guild_adds_the_members_with_their_rank(cli):
    code, out, err = cli("roster", "import-guild", LEADER_GUILD, "--key", DEFAULT_KEY, "--roster", "guild")
    assert code == 0, err
    assert "2 added" in out and "Blubbelino.1234" in out and "Kohl Kopf" in out and "Lauch" in out
    players, _ = _ranks(cli, "guild")
    assert players == {"Blubbelino.1234": (False, "Blubbelino.1234"), "Samen.1234": (False, "Samen.1234")}
    from sqlalchemy import select

    from warclaw.store.models import RosterPlayer

    with cli.store() as store, store.read() as s:
        ranks = dict(s.execute(select(RosterPlayer.name, RosterPlayer.guild_rank)).all())
    assert ranks == {"Blubbelino.1234": "Kohl Kopf", "Samen.1234": "Lauch"}


def test_import_guild_into_an_existing_roster_keeps_its_players(cli):
    with cli.store() as store, store.write() as s:
        save_roster(s, "raid", {"players": [{"name": "Samen.1234", "builds": ["firebrand"]},
                                            {"name": "Aelin", "builds": ["scourge-strip"]}]})
    code, out, err = cli("roster", "import-guild", LEADER_GUILD, "--key", DEFAULT_KEY, "--roster", "raid", "--present")
    assert code == 0, err
    players, data = _ranks(cli, "raid")
    assert list(players) == ["Samen.1234", "Aelin", "Blubbelino.1234"]
    assert data["players"][0]["builds"] == ["firebrand"] and players["Blubbelino.1234"][0] is True


def test_the_default_roster_is_named_after_the_guild(cli):
    code, out, err = cli("roster", "import-guild", LEADER_GUILD, "--key", DEFAULT_KEY)
    assert code == 0, err
    assert "roster Wir wuenschen einen guten:" in out


def test_a_key_without_guilds_gets_a_one_line_error(cli):
    code, out, err = cli("roster", "import-guild", LEADER_GUILD, "--key", NO_GUILDS_KEY, "--roster", "g")
    assert code == 1 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "'guilds' permission" in line and "guild leader" in line and mask(NO_GUILDS_KEY) in line


def test_a_key_of_another_guild_gets_a_one_line_error(cli):
    code, out, err = cli("roster", "import-guild", OTHER_GUILD, "--key", DEFAULT_KEY, "--roster", "g")
    assert code == 1 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "may not list its members" in line and "guild leader" in line
    with cli.store() as store, store.read() as s:
        from warclaw.store.rosters import list_rosters

        assert [r.name for r in list_rosters(s)] == []  # nothing half-imported
