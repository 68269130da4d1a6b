"""Scenarios: what the fake API's world looks like and how it moves in (scenario) time.

- ``recorded``: every recorded file served as it is, nothing moves (2020-12 matches and their
  overview/scores/stats from the same recordings), except that claims name the recorded guilds.
- ``replay``: nine matches that advance every 5 minutes of scenario time (see ``replay.py``); EU 2-1
  is the 2025 post-restructuring recording, the rest carry post-2024 team ids.
- ``stormy``: ``replay`` plus random faults on the match endpoints (5xx, 429, drops, truncated bodies,
  a valid key refused now and then) — the daemon must ride through it.
- ``frozen``: ``replay`` whose match data freezes for an hour of scenario time, then re-syncs in one
  burst (gw2-api/issues#81), with kills/deaths lagging 15 minutes behind scores.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warclaw.gw2api.fake import recorded, replay
from warclaw.gw2api.fake.faults import FaultSet

SCENARIOS = ("recorded", "replay", "stormy", "frozen")


class ScenarioClock:
    """Scenario time = start + real elapsed time x speed + manual advances. Speed 0 = step-driven."""

    def __init__(self, start: datetime, speed: float = 0.0, monotonic: Any = time.monotonic):
        self._start = start
        self._speed = speed
        self._mono = monotonic
        self._t0 = monotonic()
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            real = (self._mono() - self._t0) * self._speed
            return self._start + self._offset + timedelta(seconds=real)

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("scenario time only moves forward")
        with self._lock:
            self._offset += delta

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        with self._lock:
            # Fold the elapsed time into the offset so that changing speed never jumps time.
            self._offset += timedelta(seconds=(self._mono() - self._t0) * self._speed)
            self._t0 = self._mono()
            self._speed = speed


def _project(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """The /overview, /scores or /stats view of a full match body."""
    if kind == "overview":
        return {k: body[k] for k in ("id", "worlds", "all_worlds", "start_time", "end_time")}
    if kind == "scores":
        out = {k: body[k] for k in ("id", "scores", "victory_points", "skirmishes") if k in body}
        out["maps"] = [{k: mp[k] for k in ("id", "type", "scores")} for mp in body["maps"]]
        return out
    out = {k: body[k] for k in ("id", "deaths", "kills")}
    out["maps"] = [{k: mp[k] for k in ("id", "type", "deaths", "kills")} for mp in body["maps"]]
    return out


@dataclass(frozen=True)
class Quirks:
    """How the API misbehaves for one request (from the request's faults, see faults.py)."""

    kd_lag: timedelta | None = None
    skirmish_lag: timedelta | None = None
    lagging_node: bool = False
    relink_every: timedelta | None = None


class Scenario:
    """Base: the match data of a scenario at a given scenario time."""

    name = "base"
    start: datetime

    def match_bodies(self, kind: str, now: datetime, quirks: Quirks | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def guild_teams(self) -> dict[str, dict[str, str]]:
        raise NotImplementedError

    def install_faults(self, faults: FaultSet) -> None:
        """Scenario-wide faults (none by default)."""


class RecordedScenario(Scenario):
    name = "recorded"
    FILES = {
        "full": "wvw/matches/gw2sharp_2020-12_matches_all.bulk.json",
        "overview": "wvw/matches_overview/gw2sharp_2020-12_overview_all.bulk.json",
        "scores": "wvw/matches_scores/gw2sharp_2020-12_scores_all.bulk.json",
        "stats": "wvw/matches_stats/gw2sharp_2020-12_stats_all.bulk.json",
    }

    def __init__(self, seed: int = 0):
        self.start = replay.parse_time(replay.OLD_RECORDED_AT)
        self._seed = seed
        self._teams: dict[str, dict[str, str]] | None = None
        # The recorded bodies, except that claims name the recorded guilds (see replay.py).
        self._full = recorded.load(self.FILES["full"])
        replay.claim_with_recorded_guilds(self._full)

    def match_bodies(self, kind: str, now: datetime, quirks: Quirks | None = None) -> list[dict[str, Any]]:
        if kind == "full":
            return self._full
        return recorded.shared(self.FILES[kind])  # type: ignore[no-any-return]

    def guild_teams(self) -> dict[str, dict[str, str]]:
        if self._teams is None:  # no recorded body exists; derive it like the replay does
            self._teams = replay.guild_teams(replay.initial_sims(self._seed))
        return self._teams


class ReplayScenario(Scenario):
    name = "replay"

    def __init__(self, seed: int = 0):
        self.start = replay.replay_start()
        self.sims = replay.initial_sims(seed)
        self._teams = replay.guild_teams(self.sims)
        self._lock = threading.Lock()
        self._relinked: set[tuple[str, str]] = set()  # (region, week start) already reshuffled

    def match_bodies(self, kind: str, now: datetime, quirks: Quirks | None = None) -> list[dict[str, Any]]:
        q = quirks or Quirks()
        with self._lock:
            for sim in self.sims.values():
                sim.advance_to(now)
            if q.relink_every:
                self._relink()
            out = []
            for sim in self.sims.values():
                if q.lagging_node or (q.relink_every and not self._switched(sim, now, q.relink_every)):
                    body = sim.previous_week()
                else:
                    body = sim.view(q.kd_lag, q.skirmish_lag)
                out.append(body if kind == "full" else _project(body, kind))
            return out

    def _region_sims(self, region_digit: str) -> list[replay.MatchSim]:
        return sorted((s for s in self.sims.values() if s.body["id"].startswith(region_digit + "-")),
                      key=lambda s: s.body["id"])

    def _switched(self, sim: replay.MatchSim, now: datetime, every: timedelta) -> bool:
        """During a relink the matches of a region move to the new week one at a time, in id order."""
        if sim.last_week is None:
            return True  # no reset seen yet
        tier = self._region_sims(sim.body["id"][0]).index(sim)
        return now >= replay.parse_time(sim.body["start_time"]) + tier * every

    def _relink(self) -> None:
        """Reshuffle the teams over the tiers of a region once per new week (each team one tier up,
        the first tier's teams to the last), as a relink moves teams between matches."""
        for digit in ("1", "2"):
            sims = self._region_sims(digit)
            starts = {s.body["start_time"] for s in sims}
            if len(starts) != 1 or any(s.last_week is None for s in sims):
                continue
            key = (digit, starts.pop())
            if key in self._relinked:
                continue
            self._relinked.add(key)
            teams = [(copy.deepcopy(s.body["worlds"]), copy.deepcopy(s.body["all_worlds"])) for s in sims]
            for i, sim in enumerate(sims):
                sim.body["worlds"], sim.body["all_worlds"] = teams[(i + 1) % len(sims)]
                sim.invalidate()

    def guild_teams(self) -> dict[str, dict[str, str]]:
        return self._teams


class StormyScenario(ReplayScenario):
    name = "stormy"

    def install_faults(self, faults: FaultSet) -> None:
        for kind, p in (("503", 0.05), ("502", 0.03), ("429", 0.03), ("drop", 0.02), ("truncated", 0.02)):
            faults.add("/v2/wvw/matches*", kind, count=None, probability=p)
        faults.add("/v2/account*", "invalid_key", count=None, probability=0.05)


class FrozenScenario(ReplayScenario):
    name = "frozen"

    def install_faults(self, faults: FaultSet) -> None:
        faults.add("/v2/wvw/matches*", "frozen", minutes=60)
        faults.add("/v2/wvw/matches*", "kd_lag", minutes=15)


def make_scenario(name: str, seed: int = 0) -> Scenario:
    classes: dict[str, type[Scenario]] = {
        "recorded": RecordedScenario,
        "replay": ReplayScenario,
        "stormy": StormyScenario,
        "frozen": FrozenScenario,
    }
    if name not in classes:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    return classes[name](seed)  # type: ignore[call-arg]
