from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pgserver import both_engines

from warclaw.store import rosters
from warclaw.store.rosters import RosterError

pytestmark = both_engines  # every test here runs on SQLite and on PostgreSQL

SAMPLE = {
    "mode": "zerg",
    "players": [
        {
            "name": "Aelin.1234",
            "builds": ["firebrand", "scrapper-heal"],
            "commander": True,
            "lock_party": 1,
            "lock_build": "firebrand",
            "with": ["Bran.5678"],
        },
        {"name": "Bran.5678", "builds": ["scourge"], "commander": False},
    ],
}


def test_a_roster_round_trips_in_the_toml_shape(store):
    with store.write() as s:
        rosters.save_roster(s, "raid", SAMPLE)
    with store.read() as s:
        assert rosters.load_roster(s, "raid") == SAMPLE


def test_saving_again_replaces_the_roster(store):
    with store.write() as s:
        rid = rosters.save_roster(s, "raid", SAMPLE)
        assert rosters.save_roster(s, "raid", {"players": [{"name": "Cy.1", "builds": ["herald"]}]}) == rid
    with store.read() as s:
        assert rosters.load_roster(s, "raid") == {
            "players": [{"name": "Cy.1", "builds": ["herald"], "commander": False}]
        }
        assert [(r.name, r.players) for r in rosters.list_rosters(s)] == [("raid", 1)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"players": [{"builds": ["x"]}]}, r"players\[0\].name: expected a non-empty string"),
        ({"players": [{"name": "A", "builds": "firebrand"}]}, r"players\[0\] \(A\).builds: expected a list"),
        ({"players": [{"name": "A", "lock_party": 0}]}, r"lock_party: expected a party number from 1 to 10000, got 0"),
        ({"players": [{"name": "A", "colour": "red"}]}, r"unknown key 'colour'"),
        ({"players": [{"name": "A"}, {"name": "A"}]}, r"players\[1\].name: 'A' appears twice"),
        ({"mode": 3, "players": []}, r"mode: must be a string"),
    ],
)
def test_bad_rosters_are_refused_naming_the_field(store, data, message):
    with pytest.raises(RosterError, match=message), store.write() as s:
        rosters.save_roster(s, "raid", data)


def test_player_edits_absence_and_order(store):
    with store.write() as s:
        rosters.save_roster(s, "raid", SAMPLE)
        cid = rosters.add_player(s, "raid", {"name": "Cy.1", "builds": ["herald"]}, position=0)
        bran = next(p for p in rosters.roster_players(s, "raid") if p.name == "Bran.5678")
        rosters.update_player(s, bran.id, {"present": False, "builds": ["scourge", "harbinger"]})
        rosters.move_player(s, cid, 5)
    with store.read() as s:
        rows = rosters.roster_players(s, "raid")
        assert [(p.name, p.position, p.present) for p in rows] == [
            ("Aelin.1234", 0, True),
            ("Bran.5678", 1, False),
            ("Cy.1", 2, True),
        ]
        assert [p["name"] for p in rosters.load_roster(s, "raid")["players"]] == ["Aelin.1234", "Cy.1"]
        assert len(rosters.load_roster(s, "raid", include_absent=True)["players"]) == 3
    with store.write() as s:
        rosters.delete_player(s, cid)
        with pytest.raises(RosterError, match="'Aelin.1234' already exists"):
            rosters.update_player(s, bran.id, {"name": "Aelin.1234"})
    with store.read() as s:
        assert [p.position for p in rosters.roster_players(s, "raid")] == [0, 1]
        with pytest.raises(RosterError, match="roster 'nope' does not exist"):
            rosters.load_roster(s, "nope")


def test_plans_are_saved_listed_and_deleted_with_their_roster(store):
    plan = {
        "status": "optimal",
        "score": 12.5,
        "parties": [{"number": 1, "members": [{"name": "A", "build": "x"}]}],
    }
    with store.write() as s:
        rosters.save_roster(s, "raid", SAMPLE)
        pid = rosters.save_plan(s, "raid", "zerg", 12.5, plan)
    with store.read() as s:
        assert rosters.load_plan(s, pid) == plan
        assert rosters.latest_plan(s, "raid") == plan
        assert [p.score for p in rosters.list_plans(s, "raid")] == [12.5]
    with store.write() as s:
        rosters.delete_roster(s, "raid")
    with store.read() as s, pytest.raises(RosterError, match="plan id"):
        rosters.load_plan(s, pid)


names = st.text(
    # Names as warclaw.common.name_problem allows them: no control or format characters.
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), min_size=1, max_size=20
).filter(lambda n: n.strip() == n and n)
player = st.fixed_dictionaries(
    {"name": names, "builds": st.lists(names, max_size=4), "commander": st.booleans()},
    optional={
        "lock_party": st.integers(1, 10),
        "lock_build": names,
        "with": st.lists(names, min_size=1, max_size=3),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(players=st.lists(player, max_size=8, unique_by=lambda p: p["name"]), mode=st.none() | names)
def test_any_valid_roster_round_trips(store, players, mode):
    data = {"players": players} if mode is None else {"mode": mode, "players": players}
    with store.write() as s:
        rosters.save_roster(s, "prop", data)
    with store.read() as s:
        assert rosters.load_roster(s, "prop") == data


def test_a_95_character_name_is_refused_in_one_line_naming_the_field(store):
    long_name = "A" * 90 + ".1234"
    with store.write() as s:
        rosters.save_roster(s, "raid", {"players": [{"name": "Aelin.1234", "builds": ["firebrand"]}]})
    with pytest.raises(RosterError) as e, store.write() as s:
        rosters.add_player(s, "raid", {"name": long_name, "builds": ["firebrand"]})
    assert str(e.value) == "roster 'raid': player.name: expected at most 80 characters, got 95"  # optimize's words
    with pytest.raises(RosterError, match=r"players\[0\]\.name: expected at most 80 characters, got 95"), \
            store.write() as s:
        rosters.save_roster(s, "raid", {"players": [{"name": long_name, "builds": []}]})
    with pytest.raises(RosterError, match="roster name: 95 characters, at most 80"), store.write() as s:
        rosters.save_roster(s, long_name, {"players": []})


def test_every_write_checks_text_lengths_before_the_database_does(store):
    """The backstop under every ORM write: the same one-line error on SQLite (which would accept
    the value) and on PostgreSQL (which would raise a traceback-shaped error)."""
    from warclaw.store.keys import ensure_roster
    from warclaw.store.limits import ValueTooLong

    with pytest.raises(ValueTooLong) as e, store.write() as s:
        ensure_roster(s, "R" * 81)
    assert str(e.value) == "rosters.name: 81 characters, at most 80 allowed"
    with store.read() as s:
        assert rosters.list_rosters(s) == []


BAD_PLAYERS = [
    {"name": "A", "builds": ["firebrand"], "lock_party": 0},
    {"name": "A", "builds": ["firebrand"], "lock_party": 10**20},
    {"name": "A", "builds": ["firebrand"], "commander": "yes"},
    {"name": "A", "builds": ["firebrand"], "colour": "red"},
    {"name": "A\x1b]0;x\x07", "builds": ["firebrand"]},
    {"name": " A", "builds": ["firebrand"]},
    {"name": "A", "builds": ["fire\nbrand"]},
    {"name": "A", "builds": "firebrand"},
    {"name": "A", "builds": ["firebrand"], "with": ["B\x00"]},
    {"name": "A", "builds": ["firebrand"], "lock_build": 3},
    {"name": "A", "builds": ["firebrand"], "present": 1},
]


@pytest.mark.parametrize("bad", BAD_PLAYERS, ids=range(len(BAD_PLAYERS)))
def test_the_store_refuses_a_player_with_the_engines_words(store, catalog, bad):
    """The TUI's edits (the store) and optimize (the engine) apply one check of a player's fields."""
    from warclaw.engine import RosterError as EngineRosterError
    from warclaw.engine.roster import player_from_mapping

    with store.write() as s:
        rosters.save_roster(s, "raid", {"players": [{"name": "Z", "builds": ["firebrand"]}]})
    with pytest.raises(EngineRosterError) as engine:
        player_from_mapping(bad, catalog, "W")
    with pytest.raises(RosterError) as stored, store.write() as s:
        rosters.add_player(s, "raid", bad)
    with pytest.raises(RosterError) as saved, store.write() as s:
        rosters.save_roster(s, "raid", {"players": [bad]})
    said = str(engine.value).removeprefix("W")
    assert str(stored.value) == f"roster 'raid': player{said}"
    assert str(saved.value) == f"roster 'raid': players[0]{said}"


def test_a_player_without_builds_yet_is_stored_but_not_planned(store, catalog):
    """The one difference, on purpose: a player linked to a key waits for the daemon's builds."""
    from warclaw.engine.roster import player_from_mapping

    with store.write() as s:
        rosters.save_roster(s, "raid", {"players": [{"name": "Keyed.1234", "builds": []}]})
    with pytest.raises(Exception, match=r"W \(Keyed.1234\).builds: expected at least one build id"):
        player_from_mapping({"name": "Keyed.1234", "builds": []}, catalog, "W")
