"""The fake API itself: the replay moves like a match, faults that shape data, headers, keys, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from warclaw.gw2api import models as m
from warclaw.gw2api.fake import DEFAULT_KEY, FAULT_KINDS, SCENARIOS, FakeGW2Api
from warclaw.gw2api.models import parse


@pytest.fixture
def http(replay_api: FakeGW2Api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=replay_api.base_url, timeout=5) as client:
        yield client


def match(http: httpx.Client, match_id: str = "2-1", **params: str) -> m.Match:
    resp = http.get(f"/v2/wvw/matches/{match_id}", params=params)
    assert resp.status_code == 200
    return parse(m.Match, resp.json(), match_id)


def test_replay_starts_at_the_2025_recording(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    live = match(http)
    assert replay_api.now().isoformat() == "2025-04-18T14:40:22+00:00"
    assert live.scores.green == 617761 and live.skirmishes[-1].id == 83  # the recorded values
    assert {mt.team_ids()["red"] for mt in map(lambda i: match(http, i), ["2-2", "1-1"])} == {12001, 11001}


def test_scores_tick_every_5_minutes(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    before = match(http)
    replay_api.advance(seconds=10)  # 14:40:22 -> 14:40:32: no tick boundary crossed
    assert match(http).scores == before.scores
    replay_api.advance(minutes=5)  # crosses 14:45
    after = match(http)
    held = {c: sum(o.points_tick for mp in before.maps for o in mp.objectives if o.owner.lower() == c) for c in ("red", "blue", "green")}
    for color in ("red", "blue", "green"):
        # The tick pays what each team holds, plus any capture during the tick.
        assert after.scores.by_color(color) >= before.scores.by_color(color) + min(held[color], 1)
    assert after.skirmishes[-1].scores != before.skirmishes[-1].scores


def test_an_hour_flips_objectives_and_grows_kills(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    before = match(http)
    replay_api.advance(hours=1)
    after = match(http)
    owners = lambda mt: {o.id: o.owner for mp in mt.maps for o in mp.objectives}  # noqa: E731
    flipped = [k for k, v in owners(after).items() if owners(before)[k] != v]
    assert flipped
    for oid in flipped:
        obj = next(o for mp in after.maps for o in mp.objectives if o.id == oid)
        assert obj.last_flipped is not None and obj.last_flipped > before.maps[0].objectives[0].last_flipped.replace(year=2000)
    assert sum(after.kills.model_dump().values()) > sum(before.kills.model_dump().values())
    assert sum(after.deaths.model_dump().values()) > sum(before.deaths.model_dump().values())


def test_skirmishes_end_and_award_victory_points(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    before = match(http)
    replay_api.advance(minutes=80)  # 14:40 -> 16:00 ends skirmish 83
    after = match(http)
    assert after.skirmishes[-1].id == 84
    assert after.victory_points is not None and before.victory_points is not None
    gained = sorted(after.victory_points.by_color(c) - before.victory_points.by_color(c) for c in ("red", "blue", "green"))
    assert gained == [17, 24, 31]  # EU 14:00-16:00 UTC under the 2025 schedule


def test_the_last_skirmish_ends_at_end_time_with_its_victory_points(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    replay_api.advance(minutes=80)  # 16:00: skirmish 84 starts (16:00-17:58 is worth 31/24/17)
    before = match(http)
    replay_api.advance(minutes=118)  # 17:58:22, just past end_time, before the 18:00 reset
    after = match(http)
    assert after.end_time.isoformat() == "2025-04-18T17:58:00+00:00" and after.skirmishes[-1].id == 84
    gained = sorted(after.victory_points.by_color(c) - before.victory_points.by_color(c) for c in ("red", "blue", "green"))
    assert gained == [17, 24, 31]
    # A week the recorded one could have ended with: its 82 + two more skirmishes by the schedule.
    assert sum(after.victory_points.model_dump().values()) == 1394 + 1662 + 2162 + 2 * (31 + 24 + 17)
    # Team by team: the recorded VP plus what its places in skirmishes 83 and 84 give.
    from warclaw.matchup.rules import ranking

    body = http.get("/v2/wvw/matches/2-1").json()
    expected = {"red": 1394, "blue": 1662, "green": 2162}
    for sk in body["skirmishes"][-2:]:
        for color, points in zip(ranking(sk["scores"]), (31, 24, 17), strict=True):
            expected[color] += points
    assert body["victory_points"] == expected


def test_every_claiming_guild_has_a_recorded_body(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    from warclaw.gw2api.fake import recorded

    for _ in range(3):
        claims = {o["claimed_by"] for body in http.get("/v2/wvw/matches", params={"ids": "all"}).json()
                  for mp in body["maps"] for o in mp["objectives"] if o.get("claimed_by")}
        assert claims and claims <= set(recorded.guild_ids())
        for gid in claims:
            guild = http.get(f"/v2/guild/{gid}").json()
            assert guild["id"] == gid and guild["name"] and guild["tag"]
        replay_api.advance(hours=2)


def test_the_recorded_scenario_claims_with_recorded_guilds_too() -> None:
    from warclaw.gw2api.fake import recorded

    with FakeGW2Api(scenario="recorded") as api, httpx.Client(base_url=api.base_url, timeout=5) as client:
        bodies = client.get("/v2/wvw/matches", params={"ids": "all"}).json()
        claims = {o["claimed_by"] for b in bodies for mp in b["maps"] for o in mp["objectives"] if o.get("claimed_by")}
        assert claims == set(recorded.guild_ids())
        # Only the claims changed: scores and owners are the recording's.
        assert bodies[0]["victory_points"] == recorded.load("wvw/matches/gw2sharp_2020-12_matches_all.bulk.json")[0]["victory_points"]


def test_week_rolls_over_after_end_time(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    replay_api.advance(hours=4)  # past 2025-04-18T18:00Z reset
    after = match(http)
    assert after.start_time.isoformat() == "2025-04-18T18:00:00+00:00"
    assert after.skirmishes[0].id == 1 and after.scores.red < 10000


def test_speed_moves_time_without_steps() -> None:
    with FakeGW2Api(scenario="recorded", speed=3600) as api:
        start = api.now()
        import time

        time.sleep(0.05)
        assert api.now() - start >= timedelta(minutes=2)


def test_world_selector_takes_team_ids_and_subendpoints(http: httpx.Client) -> None:
    assert http.get("/v2/wvw/matches", params={"world": 12008}).json()["id"] == "2-3"
    assert http.get("/v2/wvw/matches", params={"world": 2202}).json()["id"] == "2-1"
    assert http.get("/v2/wvw/matches/overview", params={"world": 11005}).json()["id"] == "1-2"
    assert http.get("/v2/wvw/matches", params={"world": 99999}).status_code == 404
    scores = parse(m.MatchScores, http.get("/v2/wvw/matches/scores/2-1").json(), "scores")
    stats = parse(m.MatchStats, http.get("/v2/wvw/matches/stats/2-1").json(), "stats")
    full = match(http)
    assert scores.scores == full.scores and stats.kills == full.kills


def test_frozen_data_resyncs_in_one_burst(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    replay_api.inject_fault("/v2/wvw/matches*", "frozen", minutes=60)
    first = match(http)
    replay_api.advance(minutes=30)
    assert match(http).scores == first.scores  # frozen
    replay_api.advance(minutes=31)
    later = match(http)
    assert later.scores.green > first.scores.green  # back, with an hour of ticks at once
    assert later.skirmishes[-1].scores != first.skirmishes[-1].scores


def test_kills_and_deaths_lag_behind_scores(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    first = match(http)
    replay_api.inject_fault("/v2/wvw/matches*", "kd_lag", minutes=30)
    replay_api.advance(minutes=20)
    lagged = match(http)
    assert lagged.kills == first.kills and lagged.scores != first.scores
    replay_api.clear_faults()
    assert match(http).kills != first.kills


def test_real_api_headers(http: httpx.Client) -> None:
    resp = http.get("/v2/worlds", params={"page": 1, "page_size": 20})
    h = resp.headers
    assert h["content-type"] == "application/json; charset=utf-8"
    assert h["cache-control"] == "public, max-age=3600" and "expires" in h and h["server"] == "Quaggans"
    assert h["x-rate-limit-limit"] == "600"
    assert (h["x-page-size"], h["x-page-total"], h["x-result-count"], h["x-result-total"]) == ("20", "3", "20", "51")
    assert "</v2/worlds?page=0&page_size=20>; rel=previous" in h["link"] and "rel=last" in h["link"]
    assert http.get("/v2/wvw/matches/2-1").headers["cache-control"] == "public, max-age=1"
    bulk = http.get("/v2/worlds", params={"ids": "1001,1002"})
    assert bulk.headers["x-result-count"] == "2" and len(bulk.json()) == 2
    assert http.get("/v2/worlds", params={"ids": ",".join(str(i) for i in range(201))}).json() == {
        "text": "id list too long; this endpoint is limited to 200 ids at once"
    }


def test_keys_and_scopes_like_the_real_api(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    assert http.get("/v2/account").json() == {"text": "endpoint requires authentication"}
    bad = http.get("/v2/account", headers={"Authorization": "Bearer " + DEFAULT_KEY.replace("C", "D")})
    assert (bad.status_code, bad.json()) == (401, {"text": "Invalid access token"})
    limited = "ABCDEF01-2345-6789-ABCD-EF0123456789ABCDEF01-2345-6789-ABCD-EF0123456789"
    replay_api.add_key(limited, ["account"])
    denied = http.get("/v2/characters", params={"access_token": limited})
    assert (denied.status_code, denied.json()) == (403, {"text": "requires scope characters"})
    account = http.get("/v2/account", params={"access_token": limited, "v": "2024-07-20T01:00:00Z"}).json()
    assert "wvw" not in account and "guild_leader" not in account  # fields need their permission
    assert all(r.key in ("", "C0FF…EEEE", "ABCD…6789", "D0FF…EEEE") for r in replay_api.requests)
    public = http.get("/v2/guild/123E4567-E89B-12D3-A456-426614174000").json()
    assert set(public) == {"id", "name", "tag", "emblem"}


def test_fault_bookkeeping(replay_api: FakeGW2Api, http: httpx.Client) -> None:
    assert {"429", "drop", "frozen", "kd_lag", "strict_ids"} <= FAULT_KINDS
    with pytest.raises(ValueError, match="unknown fault kind"):
        replay_api.inject_fault("/v2/build", "explode")
    fault = replay_api.inject_fault("/v2/build", "503", count=2)
    assert [http.get("/v2/build").status_code for _ in range(3)] == [503, 503, 200]
    assert fault.fired == 2 and replay_api.requests[0].faults == ("503",)
    replay_api.inject_fault("/v2/b*", "html", count=1, status=502)
    page = http.get("/v2/build")
    assert page.status_code == 502 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_scenario_serves_parseable_matches(name: str) -> None:
    from warclaw.config import ApiConfig
    from warclaw.gw2api import Gw2Client, RetryPolicy

    async def no_sleep(_: float) -> None:
        return None

    with FakeGW2Api(scenario=name) as api:
        cfg = ApiConfig(base_url=api.base_url, key=DEFAULT_KEY, timeout_seconds=2)
        async with Gw2Client(cfg, sleep=no_sleep, policy=RetryPolicy(max_attempts=10)) as client:
            for _ in range(4):  # 40 minutes of polling every 10 minutes, through the scenario's faults
                matches = await client.matches()
                assert len(matches) == 9
                await client.account()
                api.advance(minutes=10)


def test_cli_fakeapi_serves_until_interrupted(tmp_path: object) -> None:
    env = {**os.environ, "WARCLAW_CONFIG": os.devnull}
    proc = subprocess.Popen(
        [sys.executable, "-m", "warclaw", "fakeapi", "--port", "0", "--scenario", "recorded"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), line
        assert httpx.get(url + "/v2/build", timeout=10).json() == {"id": 90556}
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out


def test_cli_fakeapi_port_in_use_is_a_user_error() -> None:
    import argparse

    from warclaw.cli.context import Context
    from warclaw.cli.fakeapi_cmd import register, run
    from warclaw.errors import UserError

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    with FakeGW2Api(scenario="recorded") as api:
        args = parser.parse_args(["fakeapi", "--port", str(api.port), "--scenario", "recorded"])
        with pytest.raises(UserError, match=r"^cannot listen on 127\.0\.0\.1:\d+: .*\(try --port 0\)$"):
            run(args, Context())
    with pytest.raises(UserError, match="--speed must be >= 0"):
        run(parser.parse_args(["fakeapi", "--speed", "-1"]), Context())


def test_cli_lists_the_scenarios_without_importing_the_client() -> None:
    from warclaw.cli import fakeapi_cmd

    assert fakeapi_cmd.SCENARIOS == SCENARIOS
    code = "import sys, warclaw.cli.fakeapi_cmd; print('httpx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_lang_and_schema_version_are_honoured(http: httpx.Client) -> None:
    de = http.get("/v2/worlds/2201", params={"lang": "de"})
    assert de.headers["content-language"] == "de" and de.json()["name"] == "Kodasch [DE]"
    assert http.get("/v2/worlds/2201").json()["name"] != "Kodasch [DE]"
    key = {"access_token": DEFAULT_KEY}
    assert "type" not in http.get("/v2/tokeninfo", params=key).json()  # classic schema
    assert http.get("/v2/tokeninfo", params={**key, "v": "latest"}).json()["type"] == "APIKey"
    classic = http.get("/v2/account", params=key).json()
    assert "wvw_rank" in classic and "wvw" not in classic


def test_a_bug_in_the_fake_answers_500_instead_of_hanging(replay_api: FakeGW2Api, http: httpx.Client) -> None:
    def broken(*args: object) -> None:
        raise KeyError("oops")

    replay_api._router.dispatch = broken  # type: ignore[method-assign]
    resp = http.get("/v2/build")
    assert resp.status_code == 500 and resp.json() == {"text": "fake server error: KeyError"}
