"""Seeded generator of realistic WvW rosters (benchmarks, property tests, the demo's sample)."""

from __future__ import annotations

import random

# Pools by the part a player usually plays in a zerg (share of the squad, builds/specs they list).
POOLS: list[tuple[float, list[str]]] = [
    (0.18, ["firebrand-support", "luminary-support", "firebrand"]),
    (0.18, ["scrapper-heal", "tempest-heal", "druid-heal", "troubadour-support"]),
    (0.14, ["herald-boon", "chronomancer-support", "renegade-boon", "paragon-support", "specter-support"]),
    (0.20, ["scourge-strip", "spellbreaker-strip", "ritualist-strip", "reaper-dps"]),
    (0.30, ["willbender-dps", "vindicator-dps", "harbinger-dps", "catalyst-dps", "virtuoso-dps", "berserker-dps",
            "weaver-dps", "dragonhunter-dps", "herald-dps", "untamed-dps", "soulbeast-dps", "holosmith-dps",
            "deadeye-dps", "spellbreaker-dps", "reaper"]),
]
NAMES = ["Aelin", "Bran", "Cora", "Dax", "Eira", "Fenn", "Gale", "Hale", "Iris", "Jax", "Kael", "Lyra", "Mira",
         "Nox", "Orin", "Pax", "Quin", "Rhea", "Sol", "Tove", "Ulla", "Vale", "Wren", "Xan", "Yara", "Zed"]


def _name_and_main_pool(rng: random.Random, i: int) -> tuple[str, list[str]]:
    """Player ``i``'s account name and the pool of builds he mainly plays (drawn by the pools' shares)."""
    name = f"{NAMES[i % len(NAMES)]}{'' if i < len(NAMES) else i // len(NAMES)}.{1000 + rng.randrange(9000)}"
    r, acc = rng.random(), 0.0
    for share, pool in POOLS:
        acc += share
        if r < acc:
            return name, pool
    return name, POOLS[-1][1]


def generate_roster(n: int, seed: int = 0, *, duos: int = 0, locks: int = 0, mode: str = "zerg") -> dict:
    """A roster mapping (the roster TOML shape) of ``n`` players."""
    rng = random.Random(seed)
    players = []
    for i in range(n):
        name, main = _name_and_main_pool(rng, i)
        builds = [rng.choice(main)]
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            pool = main if rng.random() < 0.5 else rng.choice(POOLS)[1]
            b = rng.choice(pool)
            if b not in builds:
                builds.append(b)
        players.append({"name": name, "builds": builds})
    if players:
        players[0]["commander"] = True
    for k in range(min(duos, n // 2)):
        a, b = players[2 * k + 1:2 * k + 3] if 2 * k + 2 < n else (None, None)
        if a and b:
            a["with"] = [b["name"]]
    for k in range(locks):
        p = players[-1 - k] if k < n else None
        if p is None:
            break
        if k % 2 == 0:
            p["lock_build"] = p["builds"][0]
        else:
            p["lock_party"] = 1 + (k % max(1, (n + 4) // 5))
    return {"mode": mode, "players": players}


def _spec_of(build_id: str) -> str:
    return build_id.rsplit("-", 1)[0] if "-" in build_id else build_id


# How many entries a sign-up lists (real sheets: mostly two, some one, a few up to seven).
ENTRY_COUNTS = [1] * 15 + [2] * 55 + [3] * 15 + [4] * 6 + [5] * 4 + [6] * 3 + [7] * 2


def generate_signup(n: int, seed: int = 0, *, duos: int | None = None, mode: str = "zerg") -> dict:
    """A roster shaped like a real sign-up sheet: the commander locked to party 1, most players
    listing two entries and some up to seven, entries often a spec name (which stands for every
    catalog build of that spec), a few `with` pairs (n // 10 unless given)."""
    rng = random.Random(seed)
    players = []
    for i in range(n):
        name, main = _name_and_main_pool(rng, i)
        want = rng.choice(ENTRY_COUNTS)
        entries: list[str] = []
        tries = 0
        while len(entries) < want and tries < 50:
            tries += 1
            pool = main if not entries or rng.random() < 0.4 else rng.choice(POOLS)[1]
            b = rng.choice(pool)
            entry = _spec_of(b) if rng.random() < 0.5 else b
            if entry not in entries and not (entry == _spec_of(b) and b in entries):
                entries.append(entry)
        players.append({"name": name, "builds": entries})
    if players:
        players[0]["commander"] = True
        players[0]["lock_party"] = 1
    pairs = n // 10 if duos is None else duos
    for k in range(min(pairs, (n - 1) // 2)):
        a, b = players[2 * k + 1], players[2 * k + 2]
        a["with"] = [b["name"]]
    return {"mode": mode, "players": players}
