""""What do we need?": the fewest skirmish wins from now on that make a final place certain.

For 1st place, a team must end strictly above each rival even when everything it does not win
goes against it: in a skirmish it wins the strongest rival still takes 2nd, in one it does not
win it places 3rd and that rival takes 1st. Against each rival separately the worst case is the
rival taking the better of the two remaining places in every skirmish; beating that worst case
for both rivals is exactly "certain". Each remaining skirmish then either is won or not, and
winning skirmish *s* instead of losing it improves the margin against any rival by the same
amount, ``(v1 - v2) - (v3 - v1)``, independent of every other skirmish: so the fewest wins are
the skirmishes with the largest such gains (the prime-time ones), taken in that order, and this
greedy choice is the exact optimum (an exchange argument: any set of k wins can be swapped,
skirmish by skirmish, for the k largest gains without lowering the margin).

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from warclaw.matchup.rules import VP

COLORS = ("red", "blue", "green")


def _wins_to_beat(ours: int, rival: int, remaining: Sequence[VP]) -> tuple[int, list[int]] | None:
    """Fewest wins (and which remaining indices) to end strictly above ``rival`` in the worst case."""
    margin = ours - rival + sum(v3 - v1 for v1, _v2, v3 in remaining)  # losing every one
    gains = sorted(((v1 - v2) - (v3 - v1), i) for i, (v1, v2, v3) in enumerate(remaining))
    gains.reverse()
    chosen: list[int] = []
    for gain, i in gains:
        if margin > 0:
            break
        margin += gain
        chosen.append(i)
    return (len(chosen), sorted(chosen)) if margin > 0 else None


def wins_needed(team: str, vp: Mapping[str, int], remaining: Sequence[VP]) -> tuple[int, list[int]] | None:
    """Fewest remaining skirmishes ``team`` must win to be certain of 1st, with their positions in
    ``remaining`` (0-based); None if even winning all of them does not make it certain."""
    rivals = [c for c in COLORS if c != team]
    results = [_wins_to_beat(vp[team], vp[r], remaining) for r in rivals]
    if any(r is None for r in results):
        return None
    # Both rivals at once: the larger set suffices, as the gains are the same for either rival.
    return max((r for r in results if r is not None), key=lambda r: r[0])

