"""Pilot tests of every roster action by keyboard: each edit is in the database at once."""

from __future__ import annotations

import tomllib

from pgserver import both_engines
from textual.widgets import Input

from warclaw.store import rosters as rs
from warclaw.tui.widgets import Confirm, PathPrompt, PlayerForm

from .conftest import TINY
from .helpers import click_header, column, settle, text


def db_players(store) -> list[dict]:
    with store.read() as s:
        return [{"name": p.name, "present": p.present, "builds": p.builds, "lock_party": p.lock_party}
                for p in rs.roster_players(s, "default")]


async def open_roster(app, pilot) -> None:
    await settle(app, pilot)
    await pilot.press("4")
    await pilot.pause()
    assert app.screen.KEY == "roster"


async def fill(pilot, app, field: str, value: str) -> None:
    app.screen.query_one(f"#f-{field}", Input).value = value
    await pilot.pause()


async def test_roster_is_seeded_and_listed(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        assert column(app, "players", 0) == [p["name"] for p in TINY["players"]]
        assert "10 present / 10" in text(app, "roster-title")
        assert column(app, "players", 2)[0] == "★"


@both_engines
async def test_add_player_by_keyboard(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PlayerForm)
        await pilot.press(*"Kip.42", "tab", *"druid,tempest", "tab", "2")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.KEY == "roster"
        added = [p for p in db_players(store) if p["name"] == "Kip.42"]
        assert added == [{"name": "Kip.42", "present": True, "builds": ["druid", "tempest"], "lock_party": 2}]
        assert "Kip.42" in column(app, "players", 0)


async def test_form_refuses_a_bad_build_and_escape_cancels(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, app, "name", "Kip.4242")
        await fill(pilot, app, "builds", "wizard")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlayerForm)  # still open, with the reason
        assert "'wizard' is neither a catalog build id nor a spec name" in str(
            app.screen.query_one("#form-error").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.KEY == "roster"
        assert len(db_players(store)) == 10


@both_engines
async def test_edit_delete_duplicate_absent_and_undo(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        # edit the second player (Bran): rename, Enter on the row opens the form too
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PlayerForm)
        await fill(pilot, app, "name", "Bran.0001")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert [p["name"] for p in db_players(store)][1] == "Bran.0001"
        # duplicate it: the copy goes right below, absent until someone renames it and marks it present
        await pilot.press("c")
        await settle(app, pilot)
        assert [p["name"] for p in db_players(store)][2] == "Bran.0001 (2)"
        assert db_players(store)[2]["present"] is False
        assert column(app, "players", 1)[2] == "absent"
        # mark the copy present
        await pilot.press("down", "x")
        await settle(app, pilot)
        assert db_players(store)[2]["present"] is True
        # delete it
        await pilot.press("d")
        await settle(app, pilot)
        assert "Bran.0001 (2)" not in [p["name"] for p in db_players(store)]
        # undo: delete, present, duplicate, edit
        for _ in range(4):
            await pilot.press("u")
            await settle(app, pilot)
        assert [p["name"] for p in db_players(store)] == [p["name"] for p in TINY["players"]]
        await pilot.press("u")  # nothing left to undo: says so, changes nothing
        await settle(app, pilot)
        assert len(db_players(store)) == 10


async def test_export_and_import_roster_toml(store, make_app, tmp_path) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        await pilot.press("enter")  # the default path: <export dir>/default.toml
        await settle(app, pilot)
        exported = tomllib.loads((tmp_path / "default.toml").read_text())
        assert [p["name"] for p in exported["players"]] == [p["name"] for p in TINY["players"]]
        assert exported["mode"] == "zerg"

        other = tmp_path / "other.toml"
        other.write_text('[[players]]\nname = "Solo.1"\nbuilds = ["weaver-dps"]\n')
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#f-path", Input).value = str(other)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)  # replacing 10 players with 1 is asked first
        assert "Replace the 10 players of roster default with the 1 of other.toml" in str(
            app.screen.query_one("#form-title").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert len(db_players(store)) == 10
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#f-path", Input).value = str(other)
        await pilot.press("enter", "y")
        await settle(app, pilot)
        assert [p["name"] for p in db_players(store)] == ["Solo.1"]
        assert column(app, "players", 0) == ["Solo.1"]
        await pilot.press("u")
        await settle(app, pilot)
        assert len(db_players(store)) == 10


async def test_roster_and_optimizer_load_on_first_visit(store, make_app, tmp_path) -> None:
    seed = tmp_path / "seed.toml"
    seed.write_text('mode = "zerg"\n[[players]]\nname = "Solo.1"\nbuilds = ["weaver-dps"]\n')
    app = make_app(store, seed_roster=seed)
    app.planner.catalog = None  # as `warclaw tui` starts: no engine until a roster screen opens
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.planner.book is None
        await pilot.press("4")
        await settle(app, pilot)
        assert app.planner.book is not None
        assert column(app, "players", 0) == ["Solo.1"]


async def test_api_key_is_saved_masked_and_linked(store, make_app) -> None:
    from warclaw.store.keys import list_keys

    key = "C0FFEE00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDDEEEE"
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        first = column(app, "players", 0)[0]
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        app.screen.query_one(Input).value = "not-a-key"
        await pilot.press("enter")
        await settle(app, pilot)
        assert any("not an API key" in n.message for n in app._notifications)
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one(Input).value = key
        await pilot.press("enter")
        await settle(app, pilot)
        shown = " ".join(n.message for n in app._notifications)
        assert "C0FF…EEEE" in shown and key not in shown
    with store.read() as s:
        keys = list_keys(s)
    assert [(k.masked, k.players) for k in keys] == [("C0FF…EEEE", [f"default/{first}"])]


async def test_signup_csv_import_and_csv_export(store, make_app, tmp_path) -> None:
    sheet = tmp_path / "signup.csv"
    sheet.write_text("name,builds,commander\nKip.42,druid;tempest,yes\nLio.7,firebrand,\n")
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#f-path", Input).value = str(sheet)
        await pilot.press("enter", "y")
        await settle(app, pilot)
        assert [p["name"] for p in db_players(store)] == ["Kip.42", "Lio.7"]
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("#f-path", Input).value = str(tmp_path / "out.csv")
        await pilot.press("enter")
        await settle(app, pilot)
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0].startswith("name,builds,commander") and lines[1].startswith("Kip.42,druid;tempest,yes")


async def test_a_click_on_a_column_header_sorts_by_it_and_a_second_reverses(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_roster(app, pilot)
        table = app.screen.query_one("#players")
        await pilot.press("down", "down")  # the cursor on Cora.9012: it stays on her through the sorts
        names = [p["name"] for p in TINY["players"]]
        await pilot.press("x")  # Cora absent
        await settle(app, pilot)

        async def click(header: str) -> list[str]:
            await click_header(pilot, table, header)
            return [c.label.plain for c in table.columns.values()]

        assert (await click("Name"))[0] == "Name ▲"
        assert column(app, "players", 0) == sorted(names, key=str.casefold)
        assert (await click("Name"))[0] == "Name ▼"
        assert column(app, "players", 0) == sorted(names, key=str.casefold, reverse=True)
        headers = await click("Here")
        assert headers[:2] == ["Name", "Here ▲"]
        assert column(app, "players", 0) == [n for n in names if n != "Cora.9012"] + ["Cora.9012"]
        assert app.screen.selected_player_id() == next(r.id for r in app.planner.book.rows if r.name == "Cora.9012")
        await click("Here")
        assert column(app, "players", 0)[0] == "Cora.9012"
        await click("Cmd")
        assert column(app, "players", 0)[0] == "Aelin.1234"  # the commander first
