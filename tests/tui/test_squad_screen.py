"""Pilot tests of the Squad screen: optimize, automatic re-plans, locks, export."""

from __future__ import annotations

from functools import partial

from textual.widgets import OptionList

from warclaw.store import rosters as rs
from warclaw.tui.commands import commands
from warclaw.tui.widgets import Choose

from .conftest import TINY_PLAN
from .helpers import cells, click_header, column, flat_members, members, settle, text


async def optimize(app, pilot) -> None:
    await settle(app, pilot)
    await pilot.press("5")
    seen: list[float] = []
    improved = app.planner._improved

    def spy(token, res):
        seen.append(res.score)
        improved(token, res)
    app.planner._improved = spy
    await pilot.press("o")
    await settle(app, pilot)
    assert seen, "no improving plan was shown while solving"
    assert seen == sorted(seen)


async def test_optimize_streams_plans_and_shows_grid_heatmap_deficits(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        r = app.state.plan.result
        assert r.status == "optimal" and r.plan is not None
        title = text(app, "squad-title")
        assert f"Score {r.score:.2f}" in title and "proven optimal" in title and "10 players, 2 parties" in title
        assert sorted(flat_members(app)) == sorted(r.plan.assignments)
        heat = cells(app, "heat")
        assert [row[0].strip() for row in heat] == ["1", "2"]
        cov = r.breakdown.coverage[1]
        assert heat[0][1].strip() == str(round(cov["stability"] * 100))
        deficits = r.breakdown.deficits
        assert text(app, "deficits") == (f"Deficits ({len(deficits)}, t shows all): " + "; ".join(deficits)
                                         if deficits else "No deficits.")
        # 80 columns: the heat map is behind h, in place of the parties, and back
        assert app.screen.query_one("#parties").display and not app.screen.query_one("#heat").display
        await pilot.press("h")
        assert app.screen.query_one("#heat").display and not app.screen.query_one("#parties").display
        await pilot.press("h")
        assert app.screen.query_one("#parties").display
        await pilot.press("t")  # the whole plan as text, every deficit in it
        await pilot.pause()
        assert all(d in str(app.screen.query_one("#text").render()) for d in deficits)
        await pilot.press("escape")
        with store.read() as s:  # the finished plan is saved with the roster
            assert rs.latest_plan(s, "default")["score"] == round(r.score, 6)


async def test_roster_edit_replans_with_few_moves_highlighted(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        before = app.state.plan.plan
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("down", "down", "down", "x")  # Dax absent
        await settle(app, pilot)
        pv = app.state.plan
        assert pv.kind == "re-planning" and "Dax.3456" not in pv.plan.assignments
        assert pv.moved == set(pv.plan.moved(before))
        assert len(pv.moved) <= 3  # only who must move moves
        assert app.state.replan_seconds is not None and app.state.replan_seconds < 5
        await pilot.press("5")
        await pilot.pause()
        assert "Dax.3456" not in flat_members(app)
        if pv.moved:
            assert f"moved {len(pv.moved)}" in text(app, "squad-title")


async def test_lock_party_and_build_from_the_squad_screen(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        name = members(app)[0][0]
        a = app.state.plan.plan.assignments[name]
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("b")  # the player's builds, the one he plays now marked
        await pilot.pause()
        assert isinstance(app.screen, Choose)
        labels = [str(app.screen.query_one(OptionList).get_option_at_index(i).prompt)
                  for i in range(app.screen.query_one(OptionList).option_count)]
        now = next(i for i, label in enumerate(labels) if label.endswith("(now)"))
        assert a.build in labels[now]
        app.screen.query_one(OptionList).highlighted = now
        await pilot.press("enter")
        await settle(app, pilot)
        row = next(r for r in app.planner.book.rows if r.name == name)
        assert (row.lock_party, row.lock_build) == (a.party, a.build)
        assert app.state.plan.plan.assignments[name] == a
        assert "⚓≡" in cells(app, "parties")[0][1]  # party and build locks marked in the cell
        assert "party locked" in text(app, "why") and "build locked" in text(app, "why")
        await pilot.press("p", "b")  # unlock both: the last choice frees the build
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        options.highlighted = options.option_count - 1
        assert str(options.get_option_at_index(options.option_count - 1).prompt).startswith("free")
        await pilot.press("enter")
        await settle(app, pilot)
        row = next(r for r in app.planner.book.rows if r.name == name)
        assert (row.lock_party, row.lock_build) == (None, None)


async def test_export_plan_to_file_and_clipboard(store, make_app, tmp_path) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard.startswith("```") and "Squad plan" in app.clipboard  # Discord code blocks
        blocks = app.clipboard.split("```")[1::2]
        assert blocks and all(len(f"```{b}```") <= 2000 for b in blocks)
        assert "Aelin.1234" in app.clipboard
        shown = " ".join(n.message for n in app._notifications)
        assert "sent to the terminal's clipboard by OSC 52" in shown and "copy nothing" in shown
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        written = (tmp_path / "squad-default.txt").read_text()
        assert written.strip() == app.clipboard.strip()
        titles = [c.title for c in commands(app.screen)]
        assert "Squad: export plan to a file (w)" in titles


async def test_saved_plan_is_shown_on_start(saved_plan, make_app) -> None:
    app = make_app(saved_plan, start_screen="squad")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.state.plan.kind == "saved"
        assert members(app) == [[m["name"] for m in p["members"]] for p in TINY_PLAN["parties"]]
        assert column(app, "parties", 0) == ["  1", "  2"]


async def test_an_edit_that_leaves_no_plan_is_refused_and_the_plan_stays(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        plan = app.state.plan.plan
        # lock two players of a `with` pair to different parties: no plan can honour it
        bran = next(r for r in app.planner.book.rows if r.name == "Bran.5678")
        cora = next(r for r in app.planner.book.rows if r.name == "Cora.9012")
        app.planner.edit(partial(app.planner.book.set_fields, bran.id, lock_party=1), lambda _n: "ok")
        await settle(app, pilot)
        app.planner.edit(partial(app.planner.book.set_fields, cora.id, lock_party=2), lambda _n: "ok")
        await settle(app, pilot)
        shown = " ".join(n.message for n in app._notifications)
        assert "must share a party (with), but are locked apart" in shown
        assert next(r for r in app.planner.book.rows if r.name == "Cora.9012").lock_party is None
        assert app.state.plan.plan is not None and set(app.state.plan.plan.assignments) == set(plan.assignments)
        assert text(app, "squad-title").startswith("Score")


async def test_mode_change_on_the_roster_replans(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await optimize(app, pilot)
        await pilot.press("4", "g")
        await settle(app, pilot)
        assert app.planner.book.mode != "zerg"
        assert app.state.plan.result.mode == app.planner.book.mode
        assert f"mode {app.planner.book.mode}" in text(app, "roster-title")


async def test_o_pressed_while_the_optimizer_loads_still_optimizes(store, tmp_path, monkeypatch) -> None:
    import threading

    from warclaw.tui.app import WarclawApp
    from warclaw.tui.roster_edit import RosterBook

    ensure = RosterBook.ensure
    loading = threading.Event()

    def slow_ensure(self, seed):  # a slow machine: the load is still running when `o` arrives
        loading.wait(10)
        return ensure(self, seed)
    monkeypatch.setattr(RosterBook, "ensure", slow_ensure)

    from .conftest import TINY
    from .fixtures import NOW

    app = WarclawApp(store, None, seed_roster=TINY, clock=lambda: NOW, live=False, time_limit=5.0,
                     export_dir=tmp_path)  # no catalog given: the engine loads on the first roster key
    async with app.run_test(size=(80, 24)) as pilot:
        await app.loaded.wait()
        assert app.planner.book is None
        await pilot.press("5", "o")  # the Squad screen starts the load; `o` comes before it ends
        assert app.planner.book is None
        loading.set()
        await settle(app, pilot)
        assert app.state.plan is not None and app.state.plan.result.status == "optimal"


async def test_escape_takes_the_best_streamed_plan_when_the_solver_is_slow_to_stop(store, make_app, monkeypatch) -> None:
    # A huge roster's last phase can take seconds after a stop: Esc must not wait for it.
    import threading

    import warclaw.tui.plans as plans

    real = plans.solve
    release, returned = threading.Event(), threading.Event()

    def slow_to_stop(*args, stop, on_improved=None, **kw):
        res = real(*args, stop=None, on_improved=on_improved, **{**kw, "time_limit": 5})
        if on_improved is not None:
            on_improved(res)  # one plan streamed, then the solver is busy until released
        release.wait(30)
        returned.set()
        return res

    monkeypatch.setattr(plans, "solve", slow_to_stop)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.planner.time_limit = 600  # only Esc ends this solve
        await pilot.press("5", "o")
        for _ in range(500):
            if app.planner._best is not None:
                break
            await pilot.pause(0.02)
        assert app.planner._best is not None, "no plan was streamed"
        await pilot.press("escape")
        for _ in range(500):
            if not app.state.solving:
                break
            await pilot.pause(0.02)
        assert not app.state.solving and not returned.is_set()  # answered without the solver
        assert app.state.plan.plan is not None
        release.set()


async def test_a_click_on_a_heat_map_column_orders_the_parties_by_it(saved_plan, make_app) -> None:
    app = make_app(saved_plan, start_screen="squad")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        cov = app.state.plan.result.breakdown.coverage
        cap = next(k for k in cov[1] if cov[2][k] < cov[1][k])  # party 2 is the weaker at it
        await pilot.press("down")  # the cursor on party 2: it follows him
        await pilot.press("h")
        heat = app.screen.query_one("#heat")
        label = next(c.label.plain for c in heat.columns.values() if c.key.value == cap)
        await click_header(pilot, heat, label.strip())
        assert [r[0].strip() for r in cells(app, "heat")] == ["2", "1"]
        assert heat.columns[cap].label.plain.endswith("▲")
        await pilot.press("h")  # the party grid in the same order, the cursor still on party 2
        assert [r[0].strip() for r in cells(app, "parties")] == ["2", "1"] and app.screen.selected_party() == 2
        assert members(app)[0] == [m["name"] for m in TINY_PLAN["parties"][1]["members"]]
        await pilot.press("h")
        await click_header(pilot, heat, label.strip())  # again: the strongest first
        assert [r[0].strip() for r in cells(app, "heat")] == ["1", "2"] and heat.columns[cap].label.plain.endswith("▼")
