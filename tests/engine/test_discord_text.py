"""The plan as Discord messages: the 2,000-character limit, complete code blocks, every player once."""

import random

import pytest

from warclaw.engine import RosterError, abbrev, optimize, plan_from_mapping, roster_from_mapping, score_plan
from warclaw.engine.catalog import PARTY_CAPABILITIES, SQUAD_CAPABILITIES
from warclaw.engine.discord_text import (
    FENCE,
    MESSAGE_LIMIT,
    NAME_MAX,
    fence_safe,
    plan_export_text,
    plan_messages,
)
from warclaw.engine.generate import generate_roster
from warclaw.engine.solver import SolveResult


def _check_messages(messages: list[str], names: list[str]) -> list[str]:
    """Every message one complete code block within the limit; returns the member lines."""
    members = []
    for m in messages:
        assert len(m) <= MESSAGE_LIMIT, len(m)
        assert m.startswith(FENCE + "\n") and m.endswith("\n" + FENCE)
        assert m.count(FENCE) == 2  # nothing inside closes or opens a block
        members += [line for line in m.splitlines() if line.startswith(" ")]
    shown = [line[3:].rsplit("  ", 1)[0].rstrip() for line in members]
    assert sorted(shown) == sorted(fence_safe(n, NAME_MAX) for n in names)
    return members


@pytest.mark.parametrize("n", [40, 50])
def test_optimized_plan_fits_in_complete_blocks(catalog, n):
    roster = roster_from_mapping(generate_roster(n, seed=n, duos=3, locks=2), catalog)
    res = optimize(roster, catalog, "zerg", time_limit=3, workers=1)
    cmd = {p.name for p in roster.players if p.commander}
    messages = plan_messages(res, cmd)
    _check_messages(messages, [p.name for p in roster.players])
    assert len(messages) <= 3
    # The commander's party comes first and the commander heads it.
    first_party = messages[0].splitlines()[3]
    assert first_party.startswith(f"Party {res.plan.assignments[next(iter(cmd))].party} ·")
    assert messages[0].splitlines()[4].startswith(" * ")
    assert plan_export_text(res, cmd) == "\n".join(messages) + "\n"


def _synthetic(catalog, names: list[str], seed: int = 0) -> SolveResult:
    """A valid plan (every player on a random build, five per party) scored exactly."""
    rng = random.Random(seed)
    builds = sorted(catalog.builds)
    players = [{"name": n, "builds": [rng.choice(builds)]} for n in names]
    players[-1]["commander"] = True
    roster = roster_from_mapping({"players": players}, catalog)
    plan = plan_from_mapping({"parties": [
        {"number": g + 1, "members": [{"name": p["name"], "build": p["builds"][0]} for p in players[5 * g:5 * g + 5]]}
        for g in range((len(players) + 4) // 5)]})
    sb = score_plan(plan, roster, catalog, catalog.mode("zerg"))
    return SolveResult("feasible", plan, sb.score, sb.score * 1.02, 0.5, "zerg", sb)


@pytest.mark.parametrize("n", [40, 50])
def test_longest_names_and_hostile_names_still_fit(catalog, n):
    names = [f"{'W' * 22}{i:02d}.{1000 + i}" for i in range(n)]  # 29 characters, longer than any GW2 name
    names[0] = "```@everyone```.1234"
    names[1] = "||Evil|| *b* _i_ ~~s~~.6666"
    names[2] = "> quote `tick`.7777"
    # Control characters never get this far: a roster refuses them (issue 15, one rule in common).
    for bad in ("\x1b]0;pwned\x07Evil\x1b[2J.6666", "two\nlines.7777"):
        with pytest.raises(RosterError, match="must not contain control characters"):
            roster_from_mapping({"players": [{"name": bad, "builds": ["firebrand"]}]}, catalog)
    res = _synthetic(catalog, names)
    messages = plan_messages(res, {names[-1]})
    members = _check_messages(messages, names)
    assert len(members) == n
    text = "\n".join(messages)
    assert "\x1b" not in text and "@everyone```" not in text
    assert all(len(line) <= 60 for line in members)  # readable on a phone
    # The commander's party (the last one) comes first.
    assert messages[0].splitlines()[3].startswith(f"Party {(n + 4) // 5} ·")


def test_deficits_take_one_line(catalog):
    names = [f"Solo{i}.1234" for i in range(10)]
    res = _synthetic(catalog, names, seed=3)
    res.breakdown.deficits = [f"party {g}: no stability source" for g in range(1, 60)]
    lines = plan_messages(res)[0].splitlines()
    deficit_lines = [x for x in lines if "deficit" in x.lower() or "stability source" in x]
    assert len(deficit_lines) == 1
    assert deficit_lines[0].startswith("Deficits: party 1: no stability source")
    assert "more" in deficit_lines[0] and len(deficit_lines[0]) <= 500


def test_no_plan_is_one_block():
    res = SolveResult("infeasible", None, 0.0, 0.0, 0.0, "zerg", reason="Aelin.1234 locked to party 9 ```")
    [m] = plan_messages(res)
    assert m.count(FENCE) == 2 and "party 9" in m


def test_one_set_of_abbreviations(catalog):
    # Every capability has its short name, and no two shipped builds share one.
    assert set(PARTY_CAPABILITIES) | set(SQUAD_CAPABILITIES) <= set(abbrev.CAP3)
    shorts = [abbrev.build(b) for b in catalog.builds]
    assert len(set(shorts)) == len(shorts)
    assert all(len(s) <= abbrev.BUILD_MAX for s in shorts)
    assert abbrev.build("firebrand-support") == "FB-sup" and abbrev.build("scrapper") == "Scrap"
    assert abbrev.build("my-very-own-custom-build") == "my-very-own…"
    # The TUI's heat map reads the same table.
    from warclaw.tui.screens import squad

    assert squad.CAP3 is abbrev.CAP3
