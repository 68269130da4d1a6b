"""Static data is fetched once, re-checked against /v2/build after max-age, refetched on a new build or TTL."""

from __future__ import annotations

from warclaw.gw2api import StaticData
from warclaw.gw2api.fake import FakeGW2Api

from .conftest import ClientFactory, FakeTime


def data_requests(api: FakeGW2Api) -> int:
    return sum(1 for r in api.requests if r.path != "/v2/build")


async def test_static_data_lifecycle(fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime) -> None:
    async with make_client(fake) as client:
        static = StaticData(client, ttl_seconds=24 * 3600)
        objectives = await static.objectives()
        assert len(objectives) == 178 and data_requests(fake) == 1 and fake.count("/v2/build") == 1

        # Within max-age (1 h for objectives): no request at all.
        vtime.now += 1800
        assert await static.objectives() is objectives
        assert fake.count() == 2

        # After max-age, same build: only /v2/build is asked, and only once per its own max-age.
        vtime.now += 3600
        assert await static.objectives() is objectives
        assert await static.objectives() is objectives
        assert data_requests(fake) == 1 and fake.count("/v2/build") == 2

        # A new build: refetched.
        fake.set_build(90557)
        vtime.now += 120
        fresh = await static.objectives()
        assert fresh is not objectives and data_requests(fake) == 2 and static.fetches == 2

        # Past the TTL: refetched even though the build did not change.
        vtime.now += 25 * 3600
        await static.objectives()
        assert static.fetches == 3


async def test_each_kind_is_cached_separately(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake) as client:
        static = StaticData(client)
        assert len(await static.worlds()) == 51
        assert len(await static.upgrades()) > 0 and len(await static.ranks()) > 0
        assert len(await static.professions()) > 0 and len(await static.specializations()) > 0
        assert len(await static.legends()) > 0 and len(await static.pets()) > 0
        await static.worlds()
        assert static.fetches == 7
        static.invalidate("worlds")
        await static.worlds()
        assert static.fetches == 8
