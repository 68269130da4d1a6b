"""RosterBook: validated edits written at once, with undo (no UI)."""

from __future__ import annotations

import pytest

from warclaw.store import rosters as rs
from warclaw.tui.roster_edit import EditError, RosterBook

from .conftest import TINY


@pytest.fixture
def book(empty_store, catalog) -> RosterBook:
    b = RosterBook(empty_store, catalog, "raid")
    b.ensure(TINY)
    return b


def names(book: RosterBook) -> list[str]:
    return [r.name for r in book.rows]


def stored(book: RosterBook) -> dict:
    with book.store.read() as s:
        return rs.load_roster(s, book.name, include_absent=True)


def test_ensure_creates_once(book: RosterBook) -> None:
    assert len(book.rows) == 10
    book.ensure({"players": []})  # an existing roster is kept
    assert len(book.reload()) == 10


def test_add_update_delete_are_stored_and_undone(book: RosterBook) -> None:
    book.add({"name": "Kip.0001", "builds": ["firebrand"], "present": True})
    assert "Kip.0001" in [p["name"] for p in stored(book)["players"]]
    pid = next(r.id for r in book.rows if r.name == "Kip.0001")
    book.update(pid, {"name": "Kip.0002", "builds": ["tempest-heal", "druid-heal"], "lock_party": 2})
    row = next(r for r in book.reload() if r.name == "Kip.0002")
    assert (row.builds, row.lock_party) == (["tempest-heal", "druid-heal"], 2)
    book.delete(row.id)
    assert "Kip.0002" not in names(book)
    assert book.undo() == "delete Kip.0002"
    assert "Kip.0002" in names(book)
    assert book.undo() == "edit Kip.0001"
    assert book.undo() == "add Kip.0001"
    assert names(book) == [p["name"] for p in TINY["players"]]
    assert book.undo() is None


def test_rename_and_delete_keep_with_links_consistent(book: RosterBook) -> None:
    cora = next(r for r in book.rows if r.name == "Cora.9012")
    book.update(cora.id, {"name": "Cora.0000", "builds": ["herald-boon"]})
    bran = next(r for r in book.rows if r.name == "Bran.5678")
    assert bran.with_players == ["Cora.0000"]
    book.delete(next(r.id for r in book.rows if r.name == "Cora.0000"))
    bran = next(r for r in book.rows if r.name == "Bran.5678")
    assert bran.with_players == []
    book.engine_roster()  # still a valid roster for the optimizer


def test_duplicate_and_absent(book: RosterBook) -> None:
    aelin = book.rows[0]
    assert book.duplicate(aelin.id) == "Aelin.1234 (2)"
    assert names(book)[1] == "Aelin.1234 (2)"
    assert book.rows[1].commander is False
    assert book.toggle_present(aelin.id) is False
    assert [p["name"] for p in stored(book)["players"] if p["name"] == "Aelin.1234"]
    with book.store.read() as s:
        assert "Aelin.1234" not in [p["name"] for p in rs.load_roster(s, "raid")["players"]]
    present = book.engine_roster().present()
    assert "Aelin.1234" not in present.by_name


@pytest.mark.parametrize("player, message", [
    ({"name": "X.1", "builds": ["not-a-build"]}, "neither a catalog build"),
    ({"name": "Aelin.1234", "builds": ["firebrand"]}, "already in the roster"),
    ({"name": "X.1", "builds": ["firebrand"], "with": ["Nobody.1"]}, "not in the roster"),
    ({"name": "X.1", "builds": ["firebrand"], "lock_build": "tempest-heal"}, "not one of the player's builds"),
    ({"name": "", "builds": ["firebrand"]}, "non-empty"),
])
def test_bad_edits_are_refused_and_not_written(book: RosterBook, player: dict, message: str) -> None:
    with pytest.raises(EditError, match=message):
        book.add(player)
    assert len(stored(book)["players"]) == 10
    assert not book.undo_stack


def test_import_replaces_and_is_undoable(book: RosterBook) -> None:
    book.replace({"mode": "havoc", "players": [{"name": "Solo.1", "builds": ["weaver-dps"]}]}, "import x.toml")
    assert names(book) == ["Solo.1"] and book.mode == "havoc"
    with pytest.raises(EditError):
        book.replace({"players": [{"name": "Bad.1", "builds": ["nope"]}]}, "import bad")
    book.undo()
    assert len(book.rows) == 10 and book.mode == "zerg"


def test_mode_cycles_through_the_catalog_and_undoes(book: RosterBook) -> None:
    modes = sorted(book.catalog.modes)
    new = book.cycle_mode()
    assert new == modes[(modes.index("zerg") + 1) % len(modes)]
    assert stored(book).get("mode") == new and book.engine_roster().mode == new
    assert book.undo() == "mode zerg"
    assert book.mode == "zerg"


def test_redo_replays_undone_edits_and_a_new_edit_clears_it(book: RosterBook) -> None:
    book.plan = "plan A"
    book.add({"name": "Kip.0001", "builds": ["firebrand"]})
    book.plan = "plan B"
    step = book.undo_step()
    assert (step.what, step.plan) == ("add Kip.0001", "plan A")  # the plan shown before the edit
    assert "Kip.0001" not in names(book)
    step = book.redo_step()
    assert (step.what, step.plan) == ("add Kip.0001", "plan B")
    assert "Kip.0001" in names(book)
    book.undo_step()
    book.add({"name": "Lio.0002", "builds": ["firebrand"]})
    assert book.redo_step() is None


def test_a_delete_that_breaks_a_party_lock_is_refused_and_rolled_back(book: RosterBook) -> None:
    jax = next(r for r in book.rows if r.name == "Jax.5555")
    book.set_fields(jax.id, lock_party=2)
    for r in book.rows[:4]:  # 6 present: two parties still
        book.toggle_present(r.id)
    before = stored(book)
    with pytest.raises(EditError, match="deleting Iris.4444 refused: Jax.5555 is locked to party 2"):
        book.delete(next(r.id for r in book.rows if r.name == "Iris.4444"))
    assert stored(book) == before
    assert book.undo_stack[-1].what.startswith("mark")
