"""The client against the fake server over real HTTP: happy paths, then every fault kind."""

from __future__ import annotations

import logging

import pytest

from warclaw.gw2api import (
    ApiUnavailableError,
    BadRequestError,
    BadResponseError,
    Gw2ApiError,
    InvalidKeyError,
    MissingPermissionError,
    NotFoundError,
    RateLimitedError,
    RetryPolicy,
)
from warclaw.gw2api import models as m
from warclaw.gw2api.fake import FakeGW2Api

from .conftest import FAST, ClientFactory, FakeTime

OTHER_KEY = "ABCDEF01-2345-6789-ABCD-EF0123456789ABCDEF01-2345-6789-ABCD-EF0123456789"


# ---------------------------------------------------------------- conventions


async def test_sends_schema_version_and_lang_as_query_and_key_as_bearer(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake) as api:
        await api.build()
        account = await api.account()
    build_req, tokeninfo_req, account_req = fake.requests
    assert build_req.query == {"v": "2024-07-20T01:00:00Z", "lang": "en"}
    assert build_req.key == ""  # no key on public endpoints
    assert tokeninfo_req.path == "/v2/tokeninfo" and account_req.key == "C0FF…EEEE"
    assert account.team_id == 12008  # schema 2024-07-20 + wvw permission


async def test_schema_version_changes_the_account_shape(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    old = make_client(fake)
    old.config.schema_version = "2019-12-19T00:00:00Z"
    async with old as api:
        account = await api.account()
    assert account.wvw is None and account.wvw_rank is not None


async def test_bulk_all_ids_and_chunks_of_at_most_200(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake) as api:
        worlds = await api.worlds()
        assert len(worlds) == 51 and worlds.max_age == 3600
        assert fake.requests[-1].query["ids"] == "all"
        fake.reset_log()
        wanted = [w.id for w in worlds] * 3 + list(range(5000, 5400))  # duplicates and unknown ids
        again = await api.worlds(wanted)
    assert sorted(w.id for w in again) == sorted(w.id for w in worlds)
    sizes = [len(r.query.get("ids", "").split(",")) for r in fake.requests]
    # 200 (51 known) -> ok; 200 unknown -> 404, one id list, nothing left; 51 unknown -> 404.
    assert sizes == [200, 200, 1, 51] and fake.count("/v2/worlds", 404) == 2
    assert all(len(r.query.get("ids", "").split(",")) <= 200 for r in fake.requests)


async def test_pagination_follows_x_page_total(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake) as api:
        worlds = await api.get_pages("/v2/worlds", m.World, page_size=10)
    assert len(worlds) == 51 and len({w.id for w in worlds}) == 51
    assert [r.query["page"] for r in fake.requests] == ["0", "1", "2", "3", "4", "5"]


async def test_page_out_of_range_is_a_bad_request_not_retried(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake) as api:
        with pytest.raises(BadRequestError, match="page out of range"):
            await api.get("/v2/worlds", {"page": 99})
    assert fake.count() == 1


async def test_every_endpoint_the_project_uses(replay_api: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(replay_api) as api:
        match = await api.match_for_world(12008)
        assert match.id == "2-3" and match.team_ids()["green"] == 12008
        assert (await api.match_overview("2-1")).team_ids() == {"red": 12014, "blue": 12006, "green": 12007}
        assert (await api.match_scores("2-1")).scores.green > 0
        assert (await api.match_stats("2-1")).kills.green > 0
        assert len(await api.match_ids()) == 9 and len(await api.matches()) == 9
        assert len(await api.objectives()) == 178 and len(await api.upgrades()) > 0 and len(await api.ranks()) > 0
        assert len(await api.professions()) > 0 and len(await api.specializations()) > 0
        assert [leg.code for leg in await api.legends()][:3] == [1, 2, 3]
        assert len(await api.pets()) == 3 and len(await api.wvw_abilities()) > 0  # as recorded
        assert (await api.account_wvw()).team == 12008
        assert "wvw" in (await api.tokeninfo()).permissions
        assert (await api.guild("123E4567-E89B-12D3-A456-426614174000", details=True)).member_count == 1
        public = await api.guild("11111111-2222-3333-4444-555555555555")  # not our guild: public fields
        assert public.tag == "AG" and public.motd is None
        with pytest.raises(MissingPermissionError, match="membership required"):
            await api.guild("11111111-2222-3333-4444-555555555555", details=True)
        assert len(await api.guild_members("123E4567-E89B-12D3-A456-426614174000")) == 2
        names = await api.characters()
        assert (await api.character_core(names[0])).level == 80
        assert len(await api.character_buildtabs(names[0])) >= 1
        assert (await api.wvw_timer("lockout")).eu.year == 2024
        teams = await api.wvw_guild_teams("eu")
        assert teams.root and all(v.startswith("120") for v in teams.root.values())
        with pytest.raises(BadRequestError):
            await api.wvw_guild_teams("asia")


# ---------------------------------------------------------------- keys and permissions


async def test_missing_permission_is_named_before_any_request(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.add_key(OTHER_KEY, ["account", "wvw"])
    async with make_client(fake, key=OTHER_KEY) as api:
        with pytest.raises(MissingPermissionError) as err:
            await api.characters()
    assert err.value.permission == "characters"
    assert "'characters' permission" in str(err.value) and OTHER_KEY not in str(err.value)
    assert [r.path for r in fake.requests] == ["/v2/tokeninfo"]


async def test_server_side_scope_error_is_typed(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.add_key(OTHER_KEY, ["account"])
    async with make_client(fake, key=OTHER_KEY, check_permissions=False) as api:
        with pytest.raises(MissingPermissionError) as err:
            await api.account_wvw()
    assert err.value.permission == "wvw" and err.value.status == 403 and err.value.text == "requires scope wvw"


async def test_endpoint_needing_a_key_without_one(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake, key=None) as api:
        with pytest.raises(InvalidKeyError, match="needs an API key"):
            await api.account()
    assert fake.count() == 0


async def test_unknown_key_is_retried_slowly_then_declared_invalid(
    fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_client(fake, key=OTHER_KEY) as api:
        with pytest.raises(InvalidKeyError) as err:
            await api.tokeninfo()
    assert fake.count("/v2/tokeninfo", 401) == 4  # RetryPolicy.auth_attempts
    assert len(vtime.sleeps) == 3 and min(vtime.sleeps) >= 2.5  # slow: >= auth_base_delay / 2
    assert "ABCD…6789" in str(err.value) and OTHER_KEY not in str(err.value)
    assert OTHER_KEY not in caplog.text and "retry" in caplog.text


@pytest.mark.parametrize("kind, status", [("invalid_key", 403), ("errbaddata", 400)])
async def test_valid_key_randomly_refused_is_retried(
    fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime, kind: str, status: int
) -> None:
    fake.inject_fault("/v2/account", kind, count=2)
    async with make_client(fake) as api:
        account = await api.account()
    assert account.name == "Shooterking.1234"
    assert fake.count("/v2/account", status) == 2 and fake.count("/v2/account", 200) == 1
    assert len(vtime.sleeps) == 2 and all(s >= 2.5 for s in vtime.sleeps)


# ---------------------------------------------------------------- rate limiting


async def test_429_without_retry_after_backs_off_exponentially(fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime) -> None:
    fake.inject_fault("/v2/wvw/matches", "429", count=3)
    async with make_client(fake) as api:
        ids = await api.match_ids()
    assert len(ids) == 9 and fake.count("/v2/wvw/matches", 429) == 3
    retry_sleeps = [s for s in vtime.sleeps if s >= 0.5]  # the bucket's own waits are tiny
    assert len(retry_sleeps) == 3
    assert retry_sleeps[0] < retry_sleeps[2]  # grows (equal jitter keeps each within [d/2, d])


async def test_429_honours_retry_after(fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime) -> None:
    fake.inject_fault("/v2/build", "429-retry-after", count=2, retry_after=7)
    async with make_client(fake) as api:
        await api.build()
    assert fake.count("/v2/build", 429) == 2
    assert vtime.sleeps.count(7.0) == 2


async def test_429_storm_ends_in_a_typed_error(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/build", "429", count=None)
    async with make_client(fake, policy=FAST) as api:
        with pytest.raises(RateLimitedError) as err:
            await api.build()
    assert fake.count("/v2/build") == FAST.rate_limit_attempts
    assert err.value.status == 429 and err.value.text == "too many requests"


async def test_a_429_drains_the_local_bucket(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/build", "429", count=1)
    async with make_client(fake) as api:
        await api.build()
        assert api.limiter.tokens < 5


async def test_server_enforces_the_real_limit() -> None:
    import httpx

    with FakeGW2Api(scenario="recorded") as api:
        with httpx.Client(base_url=api.base_url) as http:
            statuses = [http.get("/v2/build").status_code for _ in range(330)]
    # 300 at once, then about 5 per second: a few more pass while the loop runs, then 429s.
    assert statuses[:300] == [200] * 300 and statuses.count(429) >= 10


# ---------------------------------------------------------------- outages and garbage


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "drop", "truncated", "html"])
async def test_transient_faults_are_retried(fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime, kind: str) -> None:
    fake.inject_fault("/v2/wvw/matches/2-1", kind, count=2)
    async with make_client(fake) as api:
        match = await api.match("2-1")
    assert match.id == "2-1"
    assert fake.count("/v2/wvw/matches/2-1") == 3
    assert len([s for s in vtime.sleeps if s > 0.2]) == 2


@pytest.mark.parametrize(
    "kind, error, text",
    [
        ("503", ApiUnavailableError, "API not active"),
        ("502", ApiUnavailableError, "HTML error page"),
        ("drop", ApiUnavailableError, "RemoteProtocolError"),
        ("truncated", BadResponseError, "invalid JSON"),
        ("html", BadResponseError, "HTML error page"),
    ],
)
async def test_persistent_faults_end_in_typed_errors(
    fake: FakeGW2Api, make_client: ClientFactory, kind: str, error: type[Gw2ApiError], text: str
) -> None:
    fake.inject_fault("/v2/wvw/matches/2-1", kind, count=None)
    async with make_client(fake, policy=FAST) as api:
        with pytest.raises(error) as err:
            await api.match("2-1")
    assert text in err.value.text
    assert str(err.value).startswith("/v2/wvw/matches/2-1: ") and "\n" not in str(err.value)
    assert fake.count("/v2/wvw/matches/2-1") == FAST.max_attempts


async def test_slow_answers_time_out_and_are_retried(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/build", "slow", count=1, seconds=0.5)
    async with make_client(fake, timeout=0.15) as api:
        build = await api.build()
    assert build.id == 90556 and fake.count("/v2/build") == 2


async def test_slow_forever_gives_up_with_unavailable(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/build", "slow", count=None, seconds=0.3)
    async with make_client(fake, timeout=0.1, policy=RetryPolicy(max_attempts=2)) as api:
        with pytest.raises(ApiUnavailableError, match="no answer within 0.1s"):
            await api.build()


async def test_total_time_is_bounded(fake: FakeGW2Api, make_client: ClientFactory, vtime: FakeTime) -> None:
    fake.inject_fault("/v2/build", "503", count=None)
    policy = RetryPolicy(max_attempts=100, base_delay=1.0, max_delay=8.0, total_seconds=30.0)
    async with make_client(fake, policy=policy) as api:
        with pytest.raises(ApiUnavailableError):
            await api.build()
    assert sum(vtime.sleeps) <= 30.0 and fake.count("/v2/build") < 100


async def test_removed_required_field_is_a_bad_response_naming_the_field(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/wvw/matches/2-1", "remove_field", count=None, field="points_tick")
    async with make_client(fake) as api:
        with pytest.raises(BadResponseError, match=r"field maps\.0\.objectives\.0\.points_tick: Field required"):
            await api.match("2-1")
    assert fake.count() == 1  # a schema problem is not retried


async def test_renamed_optional_field_is_tolerated(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/account", "rename_field", count=1, field="commander", to="is_commander")
    fake.inject_fault("/v2/account", "rename_field", count=1, field="fractal_level", to="fractals")
    async with make_client(fake) as api:
        with pytest.raises(BadResponseError, match="field commander"):
            await api.account()
        fake.inject_fault("/v2/account", "rename_field", count=1, field="fractal_level", to="fractals")
        account = await api.account()
    assert account.fractal_level is None and account.model_extra and account.model_extra["fractals"] == 100


async def test_empty_ids_all_falls_back_to_chunks(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/wvw/objectives", "empty_all", count=1)
    async with make_client(fake) as api:
        objectives = await api.objectives()
    assert len(objectives) == 178
    assert [r.query.get("ids", "(id list)")[:9] for r in fake.requests] == ["all", "(id list)", "1099-99,1"]


async def test_one_unknown_id_failing_the_whole_request_is_split_away(
    fake: FakeGW2Api, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    fake.inject_fault("/v2/worlds", "strict_ids", count=None)
    async with make_client(fake) as api:
        worlds = await api.worlds([1001, 1002, 9999, 2001, 2002, 2003, 2004, 2005])
    assert sorted(w.id for w in worlds) == [1001, 1002, 2001, 2002, 2003, 2004, 2005]
    assert fake.count("/v2/worlds", 404) == 1 and fake.count("/v2/worlds", 200) == 2  # failed, id list, retried
    assert "1 unknown id(s) skipped" in caplog.text


async def test_unknown_id_is_split_away_when_there_is_no_id_list(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    fake.inject_fault("/v2/worlds", "strict_ids", count=None)
    async with make_client(fake) as api:
        api._known_ids = _no_list  # type: ignore[method-assign]  # an endpoint without an id list
        worlds = await api.worlds([1001, 1002, 9999, 2001])
    assert sorted(w.id for w in worlds) == [1001, 1002, 2001]
    assert fake.count("/v2/worlds", 404) >= 2


async def _no_list(path: str, cache: object) -> None:
    return None


async def test_not_found_is_not_retried(fake: FakeGW2Api, make_client: ClientFactory) -> None:
    async with make_client(fake) as api:
        with pytest.raises(NotFoundError) as err:
            await api.match("9-9")
    assert err.value.text == "no such id" and fake.count() == 1


async def test_connection_refused_is_unavailable(make_client: ClientFactory, caplog: pytest.LogCaptureFixture) -> None:
    with FakeGW2Api(scenario="recorded") as api:
        client = make_client(api, policy=RetryPolicy(max_attempts=2))
    async with client:
        with pytest.raises(ApiUnavailableError, match="connection failed"):
            await client.build()
    assert caplog.records and all(r.levelno <= logging.WARNING for r in caplog.records)
