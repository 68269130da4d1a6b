"""'What do we need?' to stay out of 3rd: exact against brute force, and hand-computed cases.

A tie on VP counts against the team: the game's tie-break is in neither the recorded data nor the
reference, so "certain" means ending strictly above (a rival level with us might be ranked ahead).
"""

from __future__ import annotations

import itertools
import random

import pytest

from warclaw.matchup import need

from .brute import COLORS, holds_whatever_happens


def _out_of_third(team, vp, remaining, wins):
    """Brute force: out of 3rd for sure if ``team`` wins the slots in ``wins`` and nothing else?"""
    return holds_whatever_happens(team, vp, remaining, wins, any)


@pytest.mark.parametrize("seed", range(60))
def test_not_third_is_the_exact_fewest_wins(seed):
    rng = random.Random(seed)
    bands = [(15, 14, 12), (22, 18, 14), (31, 24, 17), (51, 37, 24), (5, 4, 3), (43, 32, 21)]
    remaining = [rng.choice(bands[:rng.randint(1, 6)]) for _ in range(rng.randint(0, 5))]
    vp = {c: rng.randint(0, 90) for c in COLORS}
    team = rng.choice(COLORS)
    brute = next((k for k in range(len(remaining) + 1)
                  if any(_out_of_third(team, vp, remaining, set(w))
                         for w in itertools.combinations(range(len(remaining)), k))), None)
    found = need.wins_needed_not_third(team, vp, remaining)
    assert (None if found is None else found[0]) == brute
    if found is not None:
        assert len(found[1]) == found[0] and _out_of_third(team, vp, remaining, set(found[1]))


def test_no_skirmish_left_ties_count_against():
    vp = {"red": 10, "blue": 10, "green": 5}
    assert need.wins_needed_not_third("red", vp, []) == (0, [])  # level with blue, above green
    assert need.wins_needed("red", vp, []) is None  # level for 1st: not certain
    assert need.wins_needed_not_third("green", vp, []) is None
    assert need.wins_needed_not_third("green", {"red": 5, "blue": 5, "green": 5}, []) is None


def test_one_flat_skirmish_by_hand():
    one = [(5, 4, 3)]
    # Red wins: 5; the rivals take 4 and 3 on 2 and 0: 6/3 or 5/4, red above one of them either way.
    # Without the win red has at most 4 (2nd) against 2+5 = 7 and 0+3 = 3... but the rivals can
    # make it 3rd (3 points) against 7 and 4: so one win is needed, and enough.
    assert need.wins_needed_not_third("red", {"red": 0, "blue": 2, "green": 0}, one) == (1, [0])
    # With green on 1 the win can end 5 against 5 and 5 (blue 2+3, green 1+4): a tie, not certain.
    assert need.wins_needed_not_third("red", {"red": 0, "blue": 2, "green": 1}, one) is None


def test_neither_rival_alone_but_not_both():
    # Red 6, blue 25, green 30, one prime-time skirmish (51/37/24) left. Winning it gives red 57;
    # the rivals get 37 and 24: blue 62 / green 54 or blue 49 / green 67, red above one either way.
    # Red beats neither rival for sure (each can reach 62 or 67), and together they are not sunk
    # (25 + 30 - 12 + 37 + 24 - 102 = 2 >= 0): only the split of their two places saves red.
    # Without the win red ends 3rd at best 43 against 25+51 = 76 and 30+24 = 54.
    vp = {"red": 6, "blue": 25, "green": 30}
    assert need.wins_needed_not_third("red", vp, [(51, 37, 24)]) == (1, [0])
    assert need.wins_needed("red", vp, [(51, 37, 24)]) is None  # 1st is out of reach


def test_prime_time_first_and_already_safe():
    remaining = [(15, 14, 12), (51, 37, 24), (22, 18, 14)]
    # Far ahead of green: nothing needed.
    assert need.wins_needed_not_third("red", {"red": 200, "blue": 300, "green": 0}, remaining) == (0, [])
    # 20 behind both: win the prime-time and the morning skirmish (red 51 + 22 + 12 = 85; the
    # rivals share 40 + 37 + 24 + 18 + 14 + 15 + 14 = 162 < 2 x 85: they cannot both reach red).
    vp = {"red": 0, "blue": 20, "green": 20}
    assert need.wins_needed_not_third("red", vp, remaining) == (2, [1, 2])
    # 40 behind both: even three wins (red 88) leave them 80 + 61 + 32 + 26 = 199 >= 2 x 88.
    assert need.wins_needed_not_third("red", {"red": 0, "blue": 40, "green": 40}, remaining) is None


def test_a_week_ahead_out_of_third_never_needs_more_than_first():
    # The whole EU week ahead (84 skirmishes in four bands).
    day = [(15, 14, 12)] * 4 + [(22, 18, 14)] * 3 + [(31, 24, 17)] * 2 + [(51, 37, 24)] * 2 + [(31, 24, 17)]
    week = day * 7
    for gap in range(0, 600, 37):
        vp = {"red": 0, "blue": gap, "green": gap // 2}
        found = need.wins_needed_not_third("red", vp, week)
        first = need.wins_needed("red", vp, week)
        assert found is not None
        assert first is None or found[0] <= first[0]
        assert _sums_hold(vp, week, found[1])


def _sums_hold(vp, remaining, wins):
    """The rivals' combined worst case with these wins: red strictly above one of them."""
    red = vp["red"] + sum(v[0] if i in wins else v[2] for i, v in enumerate(remaining))
    rivals = vp["blue"] + vp["green"] + sum(v[1] + v[2] if i in wins else v[0] + v[1] for i, v in enumerate(remaining))
    return rivals < 2 * red or red > vp["green"] + sum(v[1] if i in wins else v[0] for i, v in enumerate(remaining))


def _possible_by_brute(team, vp, remaining, place):
    rivals = [c for c in COLORS if c != team]
    for outcome in itertools.product(itertools.permutations(COLORS), repeat=len(remaining)):
        total = dict(vp)
        for order, points in zip(outcome, remaining, strict=True):
            for c, p in zip(order, points, strict=True):
                total[c] += p
        above = [total[team] > total[c] for c in rivals]
        if all(above) if place == 1 else any(above):
            return True
    return False


@pytest.mark.parametrize("seed", range(60))
def test_still_possible_against_brute_force(seed):
    rng = random.Random(1000 + seed)
    bands = [(15, 14, 12), (22, 18, 14), (31, 24, 17), (51, 37, 24), (5, 4, 3), (43, 32, 21)]
    remaining = [rng.choice(bands[:rng.randint(1, 6)]) for _ in range(rng.randint(0, 4))]
    vp = {c: rng.randint(0, 120) for c in COLORS}
    team = rng.choice(COLORS)
    for place in (1, 2):
        assert need.still_possible(team, vp, remaining, place) == _possible_by_brute(team, vp, remaining, place)


def test_possible_with_help_but_not_certain():
    # Red 0, blue 30, green 30, two prime-time skirmishes left (51/37/24). Red winning both ends on
    # 102; blue and green share 37+24 twice: 30+37+24 = 91 each is one split, both below red. But
    # blue 30+74 = 104 is another: red cannot make 1st certain, yet it is within reach.
    vp, two = {"red": 0, "blue": 30, "green": 30}, [(51, 37, 24)] * 2
    assert need.wins_needed("red", vp, two) is None
    assert need.still_possible("red", vp, two, 1)
    assert not need.still_possible("red", {"red": 0, "blue": 60, "green": 60}, two, 1)  # 102 vs 60+61 split
