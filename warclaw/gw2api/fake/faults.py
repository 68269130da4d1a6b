"""Fault injection: what can go wrong, on which endpoint, how often.

A fault matches request paths with a glob (``/v2/wvw/matches*`` covers the sub-endpoints too) and
fires on the next ``count`` matching requests (``count=None``: until cleared), optionally only with
``probability``. Kinds and their parameters:

=====================  =====================================================================
``429``                429 ``too many requests`` without ``Retry-After`` (what the real API does)
``429-retry-after``    429 with ``Retry-After: <retry_after>`` (default 1 s)
``500`` ``502``        5xx; 502/504 send an HTML page like a failing CDN, 503 ``API not active``
``503`` ``504``
``slow``               answer after ``seconds`` (default 3 s), i.e. past a short client timeout
``drop``               close the connection without answering
``truncated``          the right status and headers, the JSON body cut in half
``html``               an HTML error page with ``status`` (default 200) and ``text/html``
``remove_field``       drop ``field`` from every object in the body (at any depth)
``rename_field``       rename ``field`` to ``to`` in every object in the body
``set_field``          set ``field`` to ``value`` in every object in the body that has it
                       (hostile names: escape sequences in world or guild names and tags)
``error``              answer ``status`` (default 400) with ``{"text": text}`` (hostile error bodies)
``empty_all``          ``?ids=all`` answers ``[]``
``strict_ids``         one unknown id in ``ids=`` fails the whole request with 404 "all ids
                       provided are invalid" (the API's behaviour since 2019, api-cdi#661)
``invalid_key``        a valid key is refused: 401/403 ``invalid key`` (``status``, default 403)
``errbaddata``         a valid key is refused: 400 ``ErrBadData``
``frozen``             the body of each URL is frozen for ``minutes`` of scenario time (default
                       60), then the live data comes back in one burst
``kd_lag``             match kills/deaths lag ``minutes`` (default 15) behind scores
``skirmish_lag``       the running skirmish's entry shows its score of ``minutes`` (default 15)
                       ago, and is missing for its first ``minutes``
``lagging_node``       a node that has not seen the reset: matches answer with last week's body
                       (last week's ``start_time``); use with ``probability`` for some requests
``relink``             at a reset the matches switch to the new week one at a time, one every
                       ``minutes`` (default 5) in id order, with the teams reshuffled over tiers
=====================  =====================================================================
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = frozenset(
    {
        "429", "429-retry-after", "500", "502", "503", "504", "slow", "drop", "truncated", "html",
        "remove_field", "rename_field", "empty_all", "strict_ids", "invalid_key", "errbaddata",
        "frozen", "kd_lag", "skirmish_lag", "lagging_node", "relink", "set_field", "error",
    }
)
# Kinds that change how the body is built rather than replacing the response.
SHAPING = frozenset({"empty_all", "strict_ids", "frozen", "kd_lag", "skirmish_lag", "lagging_node", "relink",
                     "remove_field", "rename_field", "set_field", "truncated", "slow"})
# Kinds that only make sense on requests carrying a valid key.
AUTH = frozenset({"invalid_key", "errbaddata"})


@dataclass
class Fault:
    path: str
    kind: str
    count: int | None = 1
    probability: float = 1.0
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0
    started_at: datetime | None = None  # scenario time of the first firing (frozen)
    frozen_bodies: dict[str, Any] = field(default_factory=dict)

    def matches(self, path: str) -> bool:
        return fnmatch.fnmatchcase(path, self.path)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


class FaultSet:
    """Thread-safe list of active faults (the server handles requests on several threads)."""

    def __init__(self, seed: int = 0):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def add(self, path: str, kind: str, count: int | None = 1, probability: float = 1.0, **params: Any) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        if not path.startswith("/"):
            raise ValueError(f"fault path must start with '/': {path!r}")
        if kind in ("frozen", "kd_lag", "skirmish_lag", "relink"):
            count = None  # time-based, not count-based
        fault = Fault(path, kind, count, probability, params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, path: str | None = None) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if path is not None and f.path != path]

    def take(self, path: str, *, authed: bool, ids_all: bool) -> list[Fault]:
        """The faults that fire for this request; each firing is counted."""
        fired: list[Fault] = []
        with self._lock:
            for f in self._faults:
                if f.exhausted or not f.matches(path):
                    continue
                if f.kind in AUTH and not authed:
                    continue
                if f.kind == "empty_all" and not ids_all:
                    continue
                if f.probability < 1.0 and self._rng.random() >= f.probability:
                    continue
                f.fired += 1
                fired.append(f)
            self._faults = [f for f in self._faults if not f.exhausted]
        return fired

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
