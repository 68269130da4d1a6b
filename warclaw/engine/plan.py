"""Plans: every player's party number and build. JSON shape shared by optimize, score and the TUI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warclaw.engine.errors import PlanError


@dataclass(frozen=True)
class Assignment:
    party: int
    build: str


@dataclass(frozen=True)
class Plan:
    assignments: dict[str, Assignment]  # player name -> assignment

    def parties(self) -> dict[int, list[tuple[str, str]]]:
        """Party number -> [(name, build)], parties and members in a stable order."""
        out: dict[int, list[tuple[str, str]]] = {}
        for name, a in self.assignments.items():
            out.setdefault(a.party, []).append((name, a.build))
        return {g: out[g] for g in sorted(out)}

    def moved(self, previous: Plan) -> list[str]:
        """Players in both plans whose build or party differs."""
        return sorted(n for n, a in self.assignments.items()
                      if n in previous.assignments and previous.assignments[n] != a)


def plan_from_mapping(data: Any, source: str = "plan") -> Plan:
    if not isinstance(data, dict) or not isinstance(data.get("parties"), list):
        raise PlanError(f"{source}: expected an object with a \"parties\" list")
    assignments: dict[str, Assignment] = {}
    for i, party in enumerate(data["parties"]):
        where = f"{source}: parties[{i}]"
        if not isinstance(party, dict):
            raise PlanError(f"{where}: expected an object with number and members")
        number = party.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise PlanError(f"{where}.number: expected a party number >= 1, got {number!r}")
        members = party.get("members")
        if not isinstance(members, list):
            raise PlanError(f"{where}.members: expected a list of {{name, build}}")
        for j, m in enumerate(members):
            if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not isinstance(m.get("build"), str):
                raise PlanError(f"{where}.members[{j}]: expected {{\"name\": str, \"build\": str}}")
            if m["name"] in assignments:
                raise PlanError(f"{where}.members[{j}]: {m['name']!r} appears twice in the plan")
            assignments[m["name"]] = Assignment(number, m["build"])
    return Plan(assignments)


def plan_parties_mapping(plan: Plan) -> list[dict]:
    return [{"number": g, "members": [{"name": n, "build": b} for n, b in members]}
            for g, members in plan.parties().items()]
