"""The shipped catalog covers the reference data and the game; user files override any field."""

import tomllib
from pathlib import Path

import pytest

from warclaw.engine import CatalogError
from warclaw.engine.catalog import PARTY_CAPABILITIES
from warclaw.files import load_catalog

REFERENCE = tomllib.loads((Path(__file__).parent / "data" / "reference-builds.toml").read_text())


def test_every_reference_build_is_shipped_with_its_confidence(catalog):
    for bid, ref in REFERENCE["builds"].items():
        b = catalog.builds[bid]
        assert b.confidence == ref["confidence"]
        assert b.party["stability"] == ref["party"]["stability"]
        assert b.party["heal"] == pytest.approx(ref["ratings"]["heal"] / 3, abs=1e-4)
        assert b.squad["strip"] == ref["ratings"]["strip"]
        assert b.sources


def test_nine_professions_each_core_plus_four_elites_with_a_build(catalog):
    professions = {s.profession for s in catalog.specs.values()}
    assert len(professions) == 9
    for prof in professions:
        specs = [s for s in catalog.specs.values() if s.profession == prof]
        assert sum(not s.elite for s in specs) == 1
        assert sum(s.elite for s in specs) == 4
        assert all(s.id for s in specs if s.elite)
    for key in catalog.specs:
        assert catalog.builds_of_spec(key), f"spec {key} has no build"


def test_modes_have_every_field(catalog):
    for mid in ("zerg", "havoc", "roaming", "defense"):
        m = catalog.modes[mid]
        assert m.party_size == 5 and m.confidence == "estimate"
        assert set(m.party_targets) == set(PARTY_CAPABILITIES)
        assert set(m.squad_targets) == {"strip", "cc", "damage"}


def test_user_catalog_overrides_one_number_and_adds_a_build(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text(
        '[builds.firebrand-support.party]\nquickness = 0.95\n'
        '[builds.my-fb]\nspec = "firebrand"\nroles = ["stab"]\nparty = { stability = 1.0 }\nsquad = { cc = 2 }\n'
        '[modes.zerg]\nchange_penalty = 9\n')
    cat = load_catalog(str(user))
    assert cat.builds["firebrand-support"].party["quickness"] == 0.95
    assert cat.builds["firebrand-support"].party["stability"] == 0.9  # untouched fields stay
    assert cat.builds["my-fb"].profession == "Guardian"
    assert cat.modes["zerg"].change_penalty == 9


@pytest.mark.parametrize("text,message", [
    ('[builds.firebrand-support.party]\nquickness = 1.5\n',
     "builds.firebrand-support.party.quickness: expected a number in 0.0..1.0, got 1.5"),
    ('[builds.x]\nspec = "nope"\n', "builds.x.spec: unknown spec 'nope'"),
    ('[builds.x]\nspec = "firebrand"\nparty = { boons = 1 }\n', "builds.x.party.boons: unknown capability"),
    ('[modes.zerg]\nparty_size = "five"\n', "modes.zerg.party_size: expected an integer 1..10"),
    ('[builds.x]\nspec = "firebrand"\nprofession = "Thief"\n', "does not match spec 'firebrand' (Guardian)"),
])
def test_bad_user_entries_are_named(tmp_path, text, message):
    user = tmp_path / "mine.toml"
    user.write_text(text)
    with pytest.raises(CatalogError) as e:
        load_catalog(str(user))
    assert message in str(e.value)
    assert str(user) in str(e.value)
    assert "\n" not in str(e.value)
