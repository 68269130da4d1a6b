"""Plans: every player's party number and build. JSON shape shared by optimize, score and the TUI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from warclaw.common import MAX_PARTY, clean, name_problem
from warclaw.engine.errors import PlanError


def _shown(value: Any) -> str:
    """A JSON value as the file spells it (true, "1", Infinity), cut short for a one-line message."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return clean(text, 40)


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
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_PARTY:
            members = party.get("members")
            names = [m["name"] for m in members if isinstance(m, dict) and isinstance(m.get("name"), str)] \
                if isinstance(members, list) else []
            who = f" ({clean(names[0], 40)}{f' and {len(names) - 1} more' if len(names) > 1 else ''})" if names else ""
            raise PlanError(f"{where}{who}.number: expected a party number from 1 to {MAX_PARTY}, got {_shown(number)}")
        members = party.get("members")
        if not isinstance(members, list):
            raise PlanError(f"{where}.members: expected a list of {{name, build}}")
        for j, m in enumerate(members):
            if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not isinstance(m.get("build"), str):
                raise PlanError(f"{where}.members[{j}]: expected {{\"name\": str, \"build\": str}}")
            # Names and build ids are shown on terminals and compared with the roster's: its rules.
            problem = name_problem(m["name"])
            if problem:
                raise PlanError(f"{where}.members[{j}].name: {problem}")
            problem = name_problem(m["build"])
            if problem:
                raise PlanError(f"{where}.members[{j}] ({m['name']}).build: {problem}")
            if m["name"] in assignments:
                raise PlanError(f"{where}.members[{j}]: {m['name']!r} appears twice in the plan")
            assignments[m["name"]] = Assignment(number, m["build"])
    return Plan(assignments)


def plan_parties_mapping(plan: Plan) -> list[dict]:
    return [{"number": g, "members": [{"name": n, "build": b} for n, b in members]}
            for g, members in plan.parties().items()]
