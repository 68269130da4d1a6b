"""The commander's own moves on the Squad screen (swap, move to a free place), the "why here"
panel, and a 50-player squad at 80×24."""

from __future__ import annotations

from warclaw.engine import plan_from_mapping, roster_from_mapping, score_plan
from warclaw.engine.generate import generate_roster
from warclaw.store import rosters as rs
from warclaw.tui.why import why_here

from .conftest import TINY, TINY_PLAN
from .helpers import members, settle, text


def lock(app, name: str) -> int | None:
    return next(r for r in app.planner.book.rows if r.name == name).lock_party


async def test_swap_two_players_by_hand_locks_both_and_undo_restores(saved_plan, make_app) -> None:
    app = make_app(saved_plan, start_screen="squad")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = app.state.plan
        assert members(app)[0][0] == "Aelin.1234" and members(app)[1][0] == "Fenn.1111"
        await pilot.press("v")  # pick Aelin (party 1)
        assert app.screen.picked == "Aelin.1234"
        assert "Esc" in " ".join(n.message for n in app._notifications)
        await pilot.press("down", "v")  # on Fenn (party 2): swap
        await settle(app, pilot)
        assert (lock(app, "Aelin.1234"), lock(app, "Fenn.1111")) == (2, 1)
        plan = app.state.plan.plan
        assert (plan.assignments["Aelin.1234"].party, plan.assignments["Fenn.1111"].party) == (2, 1)
        assert "swap Aelin.1234 and Fenn.1111 (locked; p unlocks) — u undo" in " ".join(
            n.message for n in app._notifications)
        await pilot.press("u")
        await settle(app, pilot)
        assert (lock(app, "Aelin.1234"), lock(app, "Fenn.1111")) == (None, None)
        assert app.state.plan is before


async def test_move_into_a_free_place_and_escape_cancels_a_pick(saved_plan, make_app) -> None:
    app = make_app(saved_plan, start_screen="squad")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("v", "escape")  # picked, then cancelled: nothing changes
        assert app.screen.picked is None and lock(app, "Aelin.1234") is None
        await pilot.press("down", "right", "right", "right", "right", "x")  # Jax absent: party 2 has a free place
        await settle(app, pilot)
        assert app.screen.grid()[1].count(None) == 1
        await pilot.press("up", "left", "left", "left", "left")  # back on Aelin, party 1
        await pilot.press("v")
        grid = app.screen.grid()
        col = grid[1].index(None) + 1
        table = app.screen.query_one("#parties")
        table.move_cursor(row=1, column=col)
        await pilot.pause()
        assert "A free place in party 2" in text(app, "why")
        await pilot.press("v")
        await settle(app, pilot)
        assert lock(app, "Aelin.1234") == 2
        assert app.state.plan.plan.assignments["Aelin.1234"].party == 2


async def test_why_here_panel_names_what_the_player_brings(saved_plan, make_app) -> None:
    app = make_app(saved_plan, start_screen="squad")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        why = text(app, "why")
        assert why.startswith("Aelin.1234  party 1  firebrand-support  ★ commander")
        assert "Party 1 gets from his FB-sup: aeg 100%" in why and "stb 90%" in why and "Without him party 1 loses" in why
        assert "Slot he fills: stb" in why and "slot stb" in why  # the party would lack its stab slot


def test_why_here_loss_is_the_score_the_party_loses_without_him(catalog) -> None:
    roster = roster_from_mapping(TINY, catalog)
    mode = catalog.mode("zerg")
    plan = plan_from_mapping(TINY_PLAN)
    w = why_here(plan, catalog, mode, "Aelin.1234")
    assert w is not None and w.party == 1 and w.build == "firebrand-support"
    assert any(k == "stability" for k, _share, _cov in w.gives)
    without = plan_from_mapping({"parties": [
        {**p, "members": [m for m in p["members"] if m["name"] != "Aelin.1234"]} for p in TINY_PLAN["parties"]]})
    rest = roster_from_mapping({"players": [p for p in TINY["players"] if p["name"] != "Aelin.1234"]}, catalog)
    full, less = score_plan(plan, roster, catalog, mode), score_plan(without, rest, catalog, mode)
    assert abs(w.loss - ((full.party + full.slots) - (less.party + less.slots))) < 1e-6


async def test_fifty_players_fit_at_80x24_with_every_key_on_screen(store, make_app) -> None:
    with store.write() as s:
        rs.save_roster(s, "default", generate_roster(50, 3, duos=3))
    app = make_app(store, start_screen="squad", time_limit=2.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        grid = app.screen.grid()
        assert len(grid) == 10 and sorted(n for row in grid for n in row if n) == sorted(app.state.plan.plan.assignments)
        table = app.screen.query_one("#parties")
        assert table.region.height >= 11 and table.virtual_size.height <= table.region.height  # no scrolling
        assert table.virtual_size.width <= table.region.width
        bar = app.screen.query_one("#keys")
        shown = " ".join(label for line in bar.lines(80) for _x, _k, label, _a in line)
        for label in ("Optimize", "Move", "Lock", "Build", "Absent", "Heat", "Text", "Export", "Copy", "Undo", "Quit"):
            assert label in shown
        assert all(x + len(k) + 1 + len(label) <= 80 for line in bar.lines(80) for x, k, label, _a in line)


async def test_a_solve_that_overruns_its_limit_ends_with_its_best_plan(store, make_app, monkeypatch) -> None:
    """The limit is the commander's: a solver that does not answer (a loaded machine) is not waited
    for; the best plan it streamed is the result and its late answer is dropped. Event-gated."""
    import threading

    from warclaw.tui import plans

    real = plans.solve
    release = threading.Event()
    answered = threading.Event()

    def stuck(*args, on_improved=None, stop=None, **kw):
        res = real(*args, on_improved=on_improved, stop=stop, **kw)
        release.wait(30)  # the answer is held back until the test has looked
        answered.set()
        return res
    monkeypatch.setattr(plans, "solve", stuck)
    app = make_app(store, time_limit=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.loaded.wait()
        await pilot.press("5", "o")
        while app.state.solving:
            await pilot.pause(0.05)
        assert not answered.is_set()  # ended by the limit, not by the solver's answer
        assert app.state.overruns == 1 and app.state.plan.plan is not None and not app.state.plan.running
        shown = app.state.plan
        release.set()
        await settle(app, pilot)
        assert app.state.plan is shown  # the late answer is dropped
