"""A fake GW2 API for tests and the demo: a real HTTP server on 127.0.0.1 serving recorded responses.

Start it in-process (a random free port unless ``port=`` is given)::

    from warclaw.gw2api.fake import FakeGW2Api, DEFAULT_KEY

    with FakeGW2Api(scenario="replay") as api:      # speed=0: time moves only when you say so
        api.base_url                                # "http://127.0.0.1:54321" -> ApiConfig.base_url
        api.advance(minutes=5)                      # one score tick; objectives flip, kills grow
        api.inject_fault("/v2/wvw/matches", kind="429", count=3)
        api.count("/v2/wvw/matches")                # requests seen for a path (see api.requests)

or from the shell: ``warclaw fakeapi [--port 8765] [--scenario replay] [--speed 60]``.

Constructor: ``FakeGW2Api(scenario="replay", *, port=0, speed=0.0, seed=0, rate_limit=True)``.
``speed`` is scenario seconds per real second (0 = step-driven; the demo uses 60, a score tick every
5 s). ``rate_limit`` enforces the real 300-burst/5-per-second bucket with 429s. Everything random
(objective flips, kills, probabilistic faults) is seeded by ``seed``.

Scenarios (``warclaw.gw2api.fake.scenario``): ``recorded`` (the recordings as they are, static),
``replay`` (nine matches advancing in 5-minute ticks: EU 2-1 is the 2025 post-restructuring recording
with team ids 12014/12006/12007, the others are the 2020 recordings moved to the same week with team
ids 12001-12015 / 11001-11012 — the recorded account's team 12008 plays in 2-3), ``stormy``
(``replay`` + random 5xx/429/drops/truncated bodies on matches and a flaky key on /v2/account), and
``frozen`` (``replay`` whose match data freezes for an hour, then re-syncs; kills/deaths lag 15 min).

Driving it:
- ``advance(minutes=, seconds=, hours=)``, ``now()``, ``set_speed(x)`` — scenario time;
- ``inject_fault(path_glob, kind, count=1, probability=1.0, **params)`` -> ``Fault``; ``count=None``
  means until ``clear_faults(path=None)``; kinds and params are listed in ``faults.py``
  (429, 429-retry-after, 500/502/503/504, slow, drop, truncated, html, remove_field,
  rename_field, empty_all, strict_ids, invalid_key, errbaddata, frozen, kd_lag);
- ``add_key(key, permissions, name)`` — keys and their scopes; ``DEFAULT_KEY`` has all of them.
  Unknown keys get 401 "Invalid access token", missing scopes 403 "requires scope X";
- ``set_build(id)`` — a game update: /v2/build changes, so static-data caches should refresh;
- ``requests`` (list of ``RequestRecord(path, query, status, key(masked), faults)``),
  ``count(path=None, status=None)``, ``reset_log()``.

Served: /v2/build, /v2/worlds, /v2/wvw (+ matches[/overview|/scores|/stats] with ``id``, ``ids``,
``world`` (world or team id), objectives, upgrades, ranks, abilities, guilds/{na,eu},
timers/{lockout, teamAssignment}), /v2/tokeninfo, /v2/account, /v2/account/wvw,
/v2/guild/:id[/members], /v2/characters[/:id[/core|/buildtabs]], /v2/professions,
/v2/specializations, /v2/legends, /v2/pets — with the real API's
headers (Cache-Control max-age per endpoint, X-Rate-Limit-Limit, X-Result-*, X-Page-*, Link) and
honouring ``v=`` (e.g. /v2/account has ``wvw.team_id`` from 2024-07-20 on) and ``lang=``.
"""

from warclaw.gw2api.fake.faults import KINDS as FAULT_KINDS
from warclaw.gw2api.fake.faults import Fault
from warclaw.gw2api.fake.scenario import SCENARIOS
from warclaw.gw2api.fake.server import DEFAULT_KEY, FakeGW2Api, RequestRecord

__all__ = ["DEFAULT_KEY", "FAULT_KINDS", "SCENARIOS", "Fault", "FakeGW2Api", "RequestRecord"]
