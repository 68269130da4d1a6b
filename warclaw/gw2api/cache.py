"""Static game data (worlds, objectives, upgrades, ranks, professions, specializations, legends, pets).

This data only changes with a game build, so an entry is re-fetched when ``/v2/build`` reports a new
build, or after a long TTL as a safety net. Within the response's ``Cache-Control: max-age`` nothing
is asked at all (the CDN would answer the same bytes), and the build itself is checked at most once
per its own max-age, so a daemon asking for objectives every poll costs no requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warclaw.gw2api import models as m
from warclaw.gw2api.client import BulkResult, Gw2Client

DEFAULT_TTL_SECONDS = 24 * 3600.0
MIN_BUILD_CHECK_SECONDS = 60.0

_ENDPOINTS: dict[str, tuple[str, type[Any]]] = {
    "worlds": ("/v2/worlds", m.World),
    "objectives": ("/v2/wvw/objectives", m.Objective),
    "upgrades": ("/v2/wvw/upgrades", m.Upgrade),
    "ranks": ("/v2/wvw/ranks", m.Rank),
    "professions": ("/v2/professions", m.Profession),
    "specializations": ("/v2/specializations", m.Specialization),
    "legends": ("/v2/legends", m.Legend),
    "pets": ("/v2/pets", m.Pet),
}


@dataclass
class _Entry:
    value: list[Any]
    build: int
    fetched_at: float
    max_age: float


class StaticData:
    def __init__(self, client: Gw2Client, *, ttl_seconds: float = DEFAULT_TTL_SECONDS):
        self.client = client
        self.ttl = ttl_seconds
        self._clock = client._clock
        self._entries: dict[str, _Entry] = {}
        self._build: tuple[int, float, float] | None = None  # (id, checked_at, valid_for)
        self.fetches = 0  # how many times data (not the build) was fetched; for tests and stats

    async def current_build(self) -> int:
        now = self._clock()
        if self._build and now - self._build[1] < self._build[2]:
            return self._build[0]
        resp = await self.client.get("/v2/build")
        build = m.parse(m.GameBuild, resp.data, "GET /v2/build").id
        self._build = (build, now, max(resp.max_age or 0.0, MIN_BUILD_CHECK_SECONDS))
        return build

    async def get(self, name: str) -> list[Any]:
        if name not in _ENDPOINTS:
            raise KeyError(f"unknown static data {name!r}; known: {', '.join(_ENDPOINTS)}")
        entry = self._entries.get(name)
        now = self._clock()
        if entry:
            age = now - entry.fetched_at
            if age < entry.max_age:
                return entry.value
            if age < self.ttl and await self.current_build() == entry.build:
                return entry.value
        path, model = _ENDPOINTS[name]
        build = await self.current_build()
        items: BulkResult[Any] = await self.client.get_many(path, model)
        self.fetches += 1
        self._entries[name] = _Entry(list(items), build, self._clock(), items.max_age or 0.0)
        return self._entries[name].value

    def invalidate(self, name: str | None = None) -> None:
        if name is None:
            self._entries.clear()
        else:
            self._entries.pop(name, None)

    async def worlds(self) -> list[m.World]:
        return await self.get("worlds")

    async def objectives(self) -> list[m.Objective]:
        return await self.get("objectives")

    async def upgrades(self) -> list[m.Upgrade]:
        return await self.get("upgrades")

    async def ranks(self) -> list[m.Rank]:
        return await self.get("ranks")

    async def professions(self) -> list[m.Profession]:
        return await self.get("professions")

    async def specializations(self) -> list[m.Specialization]:
        return await self.get("specializations")

    async def legends(self) -> list[m.Legend]:
        return await self.get("legends")

    async def pets(self) -> list[m.Pet]:
        return await self.get("pets")
