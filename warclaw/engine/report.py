"""Plans and scores as JSON mappings and as text a commander can read or paste into Discord."""

from __future__ import annotations

import dataclasses

from warclaw.engine import abbrev
from warclaw.engine.catalog import Catalog, Mode
from warclaw.engine.explain import missing_slots
from warclaw.engine.plan import plan_parties_mapping
from warclaw.engine.score import ScoreBreakdown
from warclaw.engine.solver import SolveResult


def catalog_mapping(catalog: Catalog) -> dict:
    """The resolved catalog as JSON (`warclaw catalog --json`); tuples become lists."""
    return {
        "meta": catalog.meta,
        "specs": {k: dataclasses.asdict(s) for k, s in catalog.specs.items()},
        "builds": {k: dataclasses.asdict(b) for k, b in catalog.builds.items()},
        "modes": {k: dataclasses.asdict(m) for k, m in catalog.modes.items()},
    }


def result_mapping(res: SolveResult) -> dict:
    parties = []
    if res.plan is not None and res.breakdown is not None:
        for party in plan_parties_mapping(res.plan):
            cov = res.breakdown.coverage.get(party["number"], {})
            parties.append({**party, "coverage": {k: round(v, 4) for k, v in cov.items()},
                            "slots": res.breakdown.slot_counts.get(party["number"], {})})
    sb = res.breakdown
    return {
        "status": res.status, "score": round(res.score, 6), "bound": round(res.bound, 6),
        "breakdown": {k: round(getattr(sb, k), 6) for k in ("party", "slots", "squad", "utility", "preference", "change")}
        if sb else None,
        "solve_seconds": round(res.solve_seconds, 4), "mode": res.mode, "parties": parties,
        "deficits": res.breakdown.deficits if res.breakdown else [], "reason": res.reason,
        "moved": moves_mapping(sb) if sb else [],
    }


def moves_mapping(sb: ScoreBreakdown) -> list[dict]:
    """Who a re-plan moved: [{name, from: {party, build}, to: {party, build}}]."""
    return [{"name": name, "from": {"party": a[0], "build": a[1]}, "to": {"party": b[0], "build": b[1]}}
            for name, a, b in sb.moves]


def move_text(name: str, before: tuple[int, str], now: tuple[int, str]) -> str:
    """"Kara.1234: party 3 firebrand-support -> party 5" (the build named again only if it changed)."""
    to = f"party {now[0]}" + (f" {now[1]}" if now[1] != before[1] else "")
    if now[0] == before[0]:
        to = now[1]
    return f"{name}: party {before[0]} {before[1]} -> {to}"


def score_mapping(sb: ScoreBreakdown) -> dict:
    return {
        "score": round(sb.score, 6), "valid": not sb.violations, "violations": sb.violations,
        "party": round(sb.party, 6), "squad": round(sb.squad, 6), "preference": round(sb.preference, 6),
        "slots": round(sb.slots, 6), "utility": round(sb.utility, 6),
        "change": round(sb.change, 6), "moved": sb.moved,
        "parties": [{"number": g, "coverage": {k: round(v, 4) for k, v in cov.items()},
                     "slots": sb.slot_counts.get(g, {})} for g, cov in sb.coverage.items()],
        "squad_totals": {k: {"total": t, "target": tg} for k, (t, tg) in sb.squad_totals.items()},
        "utility_totals": {u: {"total": n, "min": m} for u, (n, m) in sb.utility_totals.items()},
        "deficits": sb.deficits, "moves": moves_mapping(sb),
    }


def plan_text(res: SolveResult, commanders: set[str] = frozenset(), mode: Mode | None = None) -> str:
    """Parties as plain text, each with its unfilled slots (given the mode) and boons below target,
    then the deficits and, after a re-plan, who moved."""
    if res.plan is None:
        return f"No plan: {res.reason}"
    gap = (res.bound - res.score) / res.bound if res.bound else 0.0
    proof = "proven optimal" if res.status == "optimal" else f"best found, within {gap:.2%} of the bound"
    lines = [f"Squad plan — {res.mode}, score {res.score:.2f} ({proof})"]
    cov = res.breakdown.coverage if res.breakdown else {}
    for g, members in res.plan.parties().items():
        lines.append(f"Party {g}:")
        for name, build in sorted(members, key=lambda m: m[0] not in commanders):
            tag = " (commander)" if name in commanders else ""
            lines.append(f"  {name:<22} {build}{tag}")
        if mode is not None and res.breakdown:
            missing = missing_slots(mode, res.breakdown.slot_counts.get(g, {}))
            lines.append("  slots: " + (", ".join(missing) if missing else "all filled"))
        low = [f"{abbrev.cap(k)} {v:.0%}" for k, v in cov.get(g, {}).items() if v < 1]
        lines.append("  below target: " + (", ".join(low) if low else "none"))
    if res.breakdown and res.breakdown.deficits:
        lines.append("Deficits:")
        lines += [f"  - {d}" for d in res.breakdown.deficits]
    if res.breakdown and res.breakdown.moves:
        lines.append(f"Moved ({len(res.breakdown.moves)}):")
        lines += [f"  {move_text(*m)}" for m in res.breakdown.moves]
    return "\n".join(lines)
