"""Safe keys: undo/redo with the plan, refused edits, confirmations, keys held back from under dialogs."""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from warclaw.store import rosters as rs
from warclaw.tui.app import WarclawApp
from warclaw.tui.roster_edit import EditError
from warclaw.tui.widgets import Confirm, PathPrompt, PlayerForm

from .helpers import cells, column, flat_members, members, settle, text
from .test_squad_screen import optimize


def notices(app) -> str:
    return " | ".join(n.message for n in app._notifications)


def db_names(store) -> list[str]:
    with store.read() as s:
        return [p["name"] for p in rs.load_roster(s, "default", include_absent=True)["players"]]


async def test_undo_and_redo_on_the_squad_screen_bring_the_plan_back(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        before = app.state.plan
        name = members(app)[0][0]
        await pilot.press("p")  # lock the first player's party: a roster change
        await settle(app, pilot)
        assert next(r for r in app.planner.book.rows if r.name == name).lock_party is not None
        assert "u undo" in notices(app)
        locked = app.state.plan
        await pilot.press("u")
        await settle(app, pilot)
        assert next(r for r in app.planner.book.rows if r.name == name).lock_party is None
        assert app.state.plan is before  # the plan shown before the lock, not a new solve
        assert "undone: edit" in notices(app) and "ctrl+y redo" in notices(app)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert next(r for r in app.planner.book.rows if r.name == name).lock_party is not None
        assert app.state.plan is locked
        await pilot.press("ctrl+y")  # nothing left to redo: says so
        await settle(app, pilot)
        assert "nothing to redo" in notices(app)


async def test_absent_from_the_squad_screen_and_undo_from_the_matchup_screen(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        name = members(app)[0][0]  # the cursor's cell
        await pilot.press("x")  # the same key as on the Roster screen: absent
        await settle(app, pilot)
        assert name not in app.state.plan.plan.assignments
        assert f"{name} absent — u undo" in notices(app)
        await pilot.press("1", "u")
        await settle(app, pilot)
        assert name in app.state.plan.plan.assignments
        assert next(r for r in app.planner.book.rows if r.name == name).present


async def test_delete_says_how_to_undo(store, make_app) -> None:
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert "deleted Aelin.1234 — u undo" in notices(app)
        assert "Aelin.1234" not in db_names(store)
        await pilot.press("u")
        await settle(app, pilot)
        assert db_names(store)[0] == "Aelin.1234"


async def test_the_form_names_the_field_of_a_lock_no_plan_can_keep(store, make_app) -> None:
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PlayerForm)
        form.query_one("#f-name", Input).value = "Kip.0001"
        form.query_one("#f-builds", Input).value = "firebrand"
        form.query_one("#f-lock_party", Input).value = "9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open, with the reason, on the field at fault
        error = str(form.query_one("#form-error").render())
        assert error.startswith("Lock party: Kip.0001 is locked to party 9, but 11 players make only 3 parties")
        assert form.query_one("#f-lock_party").has_class("invalid") and form.focused.id == "f-lock_party"
        form.query_one("#f-builds", Input).value = "no-such-build"
        form.query_one("#f-lock_party", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(form.query_one("#form-error").render()).startswith("Builds:")
        assert form.focused.id == "f-builds"
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Kip.0001" not in db_names(store)


async def test_an_absence_that_leaves_a_lock_impossible_is_refused(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        book = app.planner.book
        jax = next(r for r in book.rows if r.name == "Jax.5555")
        await app.database.run(lambda: book.set_fields(jax.id, lock_party=2))
        app.planner.maybe_replan()
        await settle(app, pilot)
        plan = app.state.plan
        for r in book.rows[:4]:  # 6 present make two parties of 5 still
            await app.database.run(book.toggle_present, r.id)
        app.planner.maybe_replan()
        await settle(app, pilot)
        good = app.state.plan
        assert good.plan is not None and good is not plan
        await pilot.press("4")
        await pilot.pause()
        app.screen.query_one("#players").move_cursor(row=4)
        await pilot.press("x")  # 5 present would make one party: Jax's lock to party 2 cannot hold
        await settle(app, pilot)
        assert "marking Eira.7890 absent refused: Jax.5555 is locked to party 2" in notices(app)
        assert next(r for r in book.rows if r.name == "Eira.7890").present
        assert app.state.plan is good  # the last good plan stays


async def test_export_asks_before_overwriting(store, make_app, tmp_path) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        target = tmp_path / "squad-default.txt"
        target.write_text("keep me\n")
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("escape")
        await settle(app, pilot)
        assert target.read_text() == "keep me\n"
        await pilot.press("w", "enter", "y")
        await settle(app, pilot)
        assert target.read_text().startswith("```") and "Squad plan" in target.read_text()


async def test_quitting_during_a_solve_asks(store, make_app) -> None:
    app = make_app(store, time_limit=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.state.solving = "optimizing"  # as while a solve runs
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and app.is_running
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, Confirm)
        app.state.solving = None
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def _keys_after_choosing_theme(app: WarclawApp, pilot) -> None:
    await settle(app, pilot)
    mode = app.planner.book.mode
    await pilot.press("ctrl+p", *"theme")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    # Enter chooses "Theme", and the person types on at once: the keys are in the queue before the
    # palette has closed and before the theme picker it opens is on screen.
    for key in ("enter", "g", "e", "d"):
        app.post_message(events.Key(key, key if len(key) == 1 else None))
    await pilot.pause()
    await settle(app, pilot)
    assert app.planner.book.mode == mode, "g reached the Roster screen: the mode changed"
    assert not any(isinstance(s, PlayerForm) for s in app.screen_stack), "e opened the edit form"
    assert len(db_names(app.planner.book.store)) == 10, "d deleted a player"


async def test_keys_typed_at_a_closing_palette_do_not_act_on_the_screen_below(store, make_app) -> None:
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await _keys_after_choosing_theme(app, pilot)


async def test_untrusted_names_neither_crash_nor_reach_the_terminal(store, make_app) -> None:
    evil = "[/]Evil[bold].1234"  # markup that would crash or restyle a screen
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        # Control characters are refused with the field named (issue 15: one rule, warclaw.common);
        # the pty test in tests/daemon/test_hostile_tui.py shows names written by others stay off the terminal.
        with pytest.raises(EditError, match="Name: must not contain control characters"):
            await app.database.run(lambda: app.planner.book.add(
                {"name": "[/]Evil[bold]\x1b[2J\x1b]0;pwned\x07.1234", "builds": ["firebrand"], "present": True}))
        await app.database.run(lambda: app.planner.book.add({"name": evil, "builds": ["firebrand"], "present": True}))
        app.planner.changed({"roster"}, f"added {evil}")
        await settle(app, pilot)
        shown = column(app, "players", 0)
        assert "[/]Evil[bold].1234" in shown  # shown as typed, escapes dropped
        assert not any("\x1b" in c for row in cells(app, "players") for c in row)
        await pilot.press("5", "o")
        await settle(app, pilot)
        assert evil in flat_members(app)
        shown = [c for row in cells(app, "parties") for c in row]
        assert any("[/]Evil" in c for c in shown) and not any("\x1b" in c for c in shown)
        assert text(app, "squad-title").startswith("Score")
        assert "\x1b" not in notices(app)


async def test_the_theme_picked_is_remembered(store, make_app, tmp_path) -> None:
    theme_file = tmp_path / "state" / "tui-theme"
    app = make_app(store, theme_file=theme_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.theme = "nord"
        await pilot.pause()
    assert theme_file.read_text().strip() == "nord"
    again = make_app(store, theme_file=theme_file)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot)
        assert again.theme == "nord"


async def test_tabs_are_clickable(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.click("#nav", offset=(15, 0))  # " 1 Matchup " is 0-10, " 2 Maps " 12-19
        await pilot.pause()
        assert app.screen.KEY == "maps"
        await pilot.click("#nav", offset=(35, 0))  # " 4 Roster " is 32-41
        await settle(app, pilot)
        assert app.screen.KEY == "roster"


async def test_without_a_seed_the_roster_starts_empty_not_with_sample_players(empty_store, make_app) -> None:
    app = make_app(empty_store, seed_roster=None, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.planner.book.rows == []
        assert "empty: press a to add a player" in text(app, "roster-title")


async def test_a_failed_import_lists_every_bad_row_and_keeps_the_prompt_open(store, make_app, tmp_path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("name,builds,present\nKip.1,nope,\nLio.2,firebrand,perhaps\n")
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#f-path", Input).value = str(sheet)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)  # still open, for a corrected path
        error = str(app.screen.query_one("#form-error").render())
        assert "row 2 (Kip.1).builds" in error and "row 3, column present" in error
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(db_names(store)) == 10


async def test_the_roster_switcher_opens_another_roster_or_a_new_empty_one(store, make_app) -> None:
    from textual.widgets import OptionList

    from warclaw.tui.widgets import Choose

    with store.write() as s:
        rs.save_roster(s, "havoc-team", {"players": [{"name": "Solo.1", "builds": ["weaver-dps"]}]})
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, Choose)
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        options.highlighted = next(i for i, label in enumerate(labels) if label.startswith("havoc-team"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.planner.book.name == "havoc-team" and column(app, "players", 0) == ["Solo.1"]
        await pilot.press("l")
        await settle(app, pilot)
        options = app.screen.query_one(OptionList)
        options.highlighted = options.option_count - 1  # new roster…
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one(Input).value = "raid-2"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.planner.book.name == "raid-2" and app.planner.book.rows == []
        assert "Roster raid-2" in text(app, "roster-title")
