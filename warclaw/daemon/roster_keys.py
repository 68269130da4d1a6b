"""Players' API keys: fetching each key's account and characters, and the daemon's poller for them.

Per key, one refresh is /v2/tokeninfo (once per client), /v2/account and /v2/characters?ids=all.
A key's failure never fails the others: an "invalid key" answer is recorded against that key
(suspect, then revoked: see :mod:`warclaw.store.keys`) and the poll counts as done, so a bad key is
asked again only at the next scheduled refresh, never in a backoff loop. Only when *every* key
failed for a transient reason (rate limit, outage) does the poll fail, so the poller backs off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from warclaw.config import Config
from warclaw.gw2api import Gw2ApiError, Gw2Client, InvalidKeyError, RetryPolicy
from warclaw.gw2api import models as m
from warclaw.gw2api.keys import ApiKey
from warclaw.gw2api.ratelimit import TokenBucket
from warclaw.store.db import Store
from warclaw.store.keys import (
    REVOKED,
    keys_to_refresh,
    protect_sqlite_file,
    record_error,
    record_refresh,
    record_refusal,
)
from warclaw.store.playable import CatalogBuilds, CharacterInfo, elite_specs_of, load_catalog_builds
from warclaw.store.types import utcnow

log = logging.getLogger("warclaw.daemon")


@dataclass
class KeyResult:
    key_id: int
    masked: str
    account: str | None = None
    team_id: int | None = None
    characters: list[CharacterInfo] = field(default_factory=list)
    refused: str | None = None  # the API called the key invalid
    error: str | None = None  # any other failure


async def fetch_account(client: Gw2Client, catalog: CatalogBuilds) -> tuple[str, int | None, list[CharacterInfo]]:
    """The key's account name, WvW team and characters (raises the client's typed errors)."""
    acc = await client.account()
    chars = await client.get_many("/v2/characters", m.Character)
    infos = []
    for c in chars:
        raw = c.model_dump(mode="json")
        infos.append(CharacterInfo(c.name, c.profession, c.level, elite_specs_of(raw, catalog)))
    return acc.name, acc.team_id, infos


async def refresh_one(client: Gw2Client, key_id: int, catalog: CatalogBuilds) -> KeyResult:
    res = KeyResult(key_id, str(client.key))
    try:
        res.account, res.team_id, res.characters = await fetch_account(client, catalog)
    except InvalidKeyError as e:
        res.refused = str(e)
    except Gw2ApiError as e:
        res.error = str(e)
    return res


class KeyRefresher:
    """The ``player_keys`` poller's fetch and store (see :class:`warclaw.daemon.service.Poller`)."""

    def __init__(self, store: Store, config: Callable[[], Config], limiter: Callable[[], TokenBucket],
                 policy: RetryPolicy, *, now: Callable[[], datetime] = utcnow):
        self.store = store
        self._config = config
        self._limiter = limiter
        self._policy = policy
        self._now = now
        self._catalog: tuple[str, CatalogBuilds] | None = None
        self._protected = False

    def catalog(self) -> CatalogBuilds:
        path = self._config().engine.catalog
        if self._catalog is None or self._catalog[0] != path:
            self._catalog = (path, load_catalog_builds(path or None))
        return self._catalog[1]

    async def fetch(self) -> list[KeyResult]:
        with self.store.read() as s:
            keys = keys_to_refresh(s)
        if keys and not self._protected:
            # The database holds keys: keep it owner-only even if it was copied or restored since.
            for path in protect_sqlite_file(str(self.store.url)):
                log.info("player keys: %s was readable by others; set to mode 0600", path)
            self._protected = True
        catalog = self.catalog()
        out = []
        for key_id, secret in keys:
            try:
                key = ApiKey(secret)
            except InvalidKeyError as e:
                out.append(KeyResult(key_id, "…", refused=str(e)))
                continue
            async with Gw2Client(self._config().api, key=key, limiter=self._limiter(), policy=self._policy) as client:
                out.append(await refresh_one(client, key_id, catalog))
        if out and all(r.error for r in out):
            # Nothing answered (outage, rate limit): fail the poll so the poller backs off.
            raise _AllFailed(f"{len(out)} player keys: none could be refreshed ({out[0].error})")
        return out

    def store_results(self, results: list[KeyResult]) -> str | None:
        if not results:
            return None
        catalog = self.catalog()
        notes = []
        with self.store.write() as s:
            for r in results:
                now = self._now()
                if r.refused is not None:
                    status = record_refusal(s, r.key_id, r.refused, now)
                    level = logging.WARNING if status == REVOKED else logging.INFO
                    log.log(level, "player key %s refused by the API: marked %s", r.masked, status)
                    notes.append(f"{r.masked} {status}")
                elif r.error is not None:
                    record_error(s, r.key_id, r.error, now)
                    notes.append(f"{r.masked} failed")
                else:
                    assert r.account is not None
                    record_refresh(s, r.key_id, account=r.account, team_id=r.team_id, characters=r.characters,
                                   catalog=catalog, now=now)
        ok = sum(1 for r in results if r.account is not None)
        return f"refreshed {ok} of {len(results)} player keys" + (f" ({', '.join(notes)})" if notes else "")


class _AllFailed(Gw2ApiError):
    pass

