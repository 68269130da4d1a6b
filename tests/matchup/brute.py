"""Brute force over the remaining skirmishes, the oracle the exact need searches are checked by."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

COLORS = ("red", "blue", "green")


def holds_whatever_happens(team, vp, remaining, wins, over_rivals: Callable[[Iterable[bool]], bool]) -> bool:
    """Is ``team`` above its rivals (``over_rivals`` all: both, for 1st; any: one, out of 3rd) in
    every outcome where it wins exactly the skirmishes in ``wins`` (the rivals in either order
    there, any order without the team first elsewhere)?"""
    rivals = [c for c in COLORS if c != team]
    choices = []
    for i in range(len(remaining)):
        if i in wins:
            choices.append([(team, *rivals), (team, *rivals[::-1])])
        else:
            choices.append([o for o in itertools.permutations(COLORS) if o[0] != team])
    for outcome in itertools.product(*choices):
        total = dict(vp)
        for order, points in zip(outcome, remaining, strict=True):
            for c, p in zip(order, points, strict=True):
                total[c] += p
        if not over_rivals(total[team] > total[c] for c in rivals):
            return False
    return True
