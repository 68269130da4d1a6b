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

To stay out of 3rd (``wins_needed_not_third``) a team must end strictly above at least one rival
whatever the two rivals do together; see that function for why its search is exact.

A tie on VP counts against the team throughout: the game's tie-break is in neither the recorded
data nor the reference, so "certain" means strictly ahead.
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



def wins_needed_not_third(team: str, vp: Mapping[str, int], remaining: Sequence[VP]) -> tuple[int, list[int]] | None:
    """Fewest remaining skirmishes ``team`` must win to be certain of finishing 1st or 2nd (ending
    strictly above at least one rival), with their positions in ``remaining``; None if even winning
    all of them leaves 3rd possible.

    The rivals' worst case for us is both ending at or above us. In a skirmish we do not win we
    place 3rd (that is worse for us on both counts than 2nd), in one we win they share 2nd and 3rd;
    what is left to them is who takes the better of their two places, skirmish by skirmish.
    Three ways out: the rivals' combined margin over us ends below zero (``_wins_to_sink``), we beat
    one rival even when he takes the better place every time (``_wins_to_beat``), or, with few
    points in play, no split of the places puts both at or above us (``_split_escapes``). The first
    two are monotone with exact greedy minima. The third can only hold while the combined margin
    T is below one skirmish's swing (``max(v1 - v2, v2 - v3)``): the margins over us one rival can
    reach form a chain whose steps are at most a swing (flip his place in one skirmish at a time),
    so when that chain straddles [0, T] and T >= swing - 1 some point of it lands inside, leaving
    the other rival T minus that >= 0 too. The few win counts per VP band that bring T into that
    window are checked exhaustively (a reachable-margin bitset each).
    """
    a, b = (c for c in COLORS if c != team)
    best = [r for r in (_wins_to_sink(vp[a] + vp[b] - 2 * vp[team], remaining),
                        _wins_to_beat(vp[team], vp[a], remaining),
                        _wins_to_beat(vp[team], vp[b], remaining)) if r is not None]
    found = min(best, key=lambda r: r[0]) if best else None
    limit = found[0] if found else len(remaining) + 1
    split = _split_escapes(vp[a] - vp[team], vp[b] - vp[team], remaining, limit)
    if split is not None and (found is None or split[0] < found[0]):
        return split
    return found


def _wins_to_sink(margin: int, remaining: Sequence[VP]) -> tuple[int, list[int]] | None:
    """Fewest wins that make the rivals' combined margin over us negative in every outcome.

    Losing a skirmish (3rd) adds ``v1 + v2 - 2 v3`` to it, winning ``v2 + v3 - 2 v1``: winning
    instead of losing takes ``3 (v1 - v3)`` off, independent of the rest, so the largest first.
    """
    total = margin + sum(v1 + v2 - 2 * v3 for v1, v2, v3 in remaining)
    gains = sorted(((3 * (v1 - v3), i) for i, (v1, _v2, v3) in enumerate(remaining)), reverse=True)
    chosen: list[int] = []
    for gain, i in gains:
        if total < 0:
            break
        total -= gain
        chosen.append(i)
    return (len(chosen), sorted(chosen)) if total < 0 else None


def _bands(remaining: Sequence[VP]) -> list[tuple[VP, list[int]]]:
    """The remaining skirmishes grouped by their VP (interchangeable for every question here)."""
    groups: dict[VP, list[int]] = {}
    for i, v in enumerate(remaining):
        groups.setdefault(v, []).append(i)
    return list(groups.items())


def _split_escapes(da: int, db: int, remaining: Sequence[VP], limit: int) -> tuple[int, list[int]] | None:
    """Fewest wins (< ``limit``) after which no outcome leaves both rivals at or above us, found by
    trying every count of wins per VP band whose combined margin is below one skirmish's swing."""
    # Bands with the largest cut first: the innermost loop, over the night skirmishes, stays short.
    bands = sorted(_bands(remaining), key=lambda band: band[0][2] - band[0][0])
    swing = max((max(v[0] - v[1], v[1] - v[2]) for v, _ in bands), default=0)
    total0 = da + db + sum(v1 + v2 - 2 * v3 for v1, v2, v3 in remaining)
    cuts = [3 * (v[0] - v[2]) for v, _ in bands]
    after = [sum(len(ix) * c for (_, ix), c in zip(bands[j:], cuts[j:], strict=True)) for j in range(len(bands) + 1)]
    best: tuple[int, list[int]] | None = None

    def visit(j: int, total: int, wins: list[int], k: int) -> None:
        nonlocal best
        if k >= (best[0] if best else limit) or total < 0 or total - after[j] > swing - 2:
            return  # too many wins, or the margin cannot land in the window where a split matters
        if j == len(bands):
            if _no_split(da, total, bands, wins):
                best = (k, sorted(i for (_, ix), w in zip(bands, wins, strict=True) for i in ix[:w]))
            return
        # Only win counts that keep the margin reachable: at least enough to come down to the window.
        low = max(0, -(-(total - after[j + 1] - (swing - 2)) // cuts[j])) if cuts[j] else 0
        cap = (best[0] if best else limit) - 1 - k  # fewer wins in all than the best so far
        for w in range(low, min(len(bands[j][1]), cap) + 1):
            if total - w * cuts[j] < 0:
                break
            visit(j + 1, total - w * cuts[j], [*wins, w], k + w)

    visit(0, total0, [], 0)
    return best


def _no_split(da: int, total: int, bands: Sequence[tuple[VP, list[int]]], wins: Sequence[int]) -> bool:
    """True if no outcome gives rival A a margin ``d`` with 0 <= d <= total (so both >= us)."""
    reach, base = 1, da  # bit p set: A's margin base + p is reachable
    for ((v1, v2, v3), ix), w in zip(bands, wins, strict=True):
        for won in (False, True):
            low, high = (v3 - v1, v2 - v1) if won else (v2 - v3, v1 - v3)
            for _ in range(w if won else len(ix) - w):
                reach |= reach << (high - low)
                base += low
    if total < 0:
        return True
    lo, hi = max(0, -base), total - base
    if hi < lo:
        return True
    return not (reach >> lo) & ((1 << (hi - lo + 1)) - 1)


def still_possible(team: str, vp: Mapping[str, int], remaining: Sequence[VP], place: int) -> bool:
    """Can ``team`` still end strictly above both rivals (``place`` 1) or at least one (``place``
    2, out of 3rd) in some outcome of the remaining skirmishes? What tells a ``None`` need apart:
    out of reach (False) or not certain even winning every one, yet possible with help (True).

    Winning every remaining skirmish is the team's best case against each rival whatever else
    happens (its own VP are the most it can get and the rivals share only 2nd and 3rd), so what is
    left is how the rivals split those: for 1st, is there a split leaving both below us (rival A's
    reachable totals are a bitset of subset sums); out of 3rd, one rival taking every 3rd place.
    """
    a, b = (c for c in COLORS if c != team)
    ours = vp[team] + sum(v1 for v1, _v2, _v3 in remaining)
    if place == 2:
        third = sum(v3 for _v1, _v2, v3 in remaining)
        return min(vp[a], vp[b]) + third < ours
    # Rival A's extra VP x: each skirmish gives it v2 or v3 (B the other); both below us needs
    # vp[a] + x < ours and vp[b] + (shared - x) < ours, i.e. x in [shared + vp[b] - ours + 1, ours - vp[a] - 1].
    base = sum(v3 for _v1, _v2, v3 in remaining)
    reach = 1  # bit p: x = base + p reachable
    for _v1, v2, v3 in remaining:
        reach |= reach << (v2 - v3)
    shared = sum(v2 + v3 for _v1, v2, v3 in remaining)
    lo, hi = max(0, shared + vp[b] - ours + 1 - base), ours - vp[a] - 1 - base
    return hi >= lo and bool((reach >> lo) & ((1 << (hi - lo + 1)) - 1))
