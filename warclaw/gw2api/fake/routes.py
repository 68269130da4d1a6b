"""What the fake API answers for each endpoint: recorded bodies, bulk/paging rules, keys and scopes.

The conventions are the real API's (API_NOTES.md §1, §3): an indexed endpoint without parameters
lists ids, ``id=``/``/:id`` gives one object, ``ids=`` (≤200, or ``all``) an array, ``page`` and
``page_size`` (≤200) a page with ``X-Page-*`` and ``Link`` headers; errors are ``{"text": ...}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from warclaw.gw2api.fake import recorded
from warclaw.gw2api.fake.faults import Fault
from warclaw.gw2api.fake.scenario import Quirks

if TYPE_CHECKING:
    from warclaw.gw2api.fake.server import FakeGW2Api

ALL_PERMISSIONS = (
    "account", "builds", "characters", "guilds", "inventories", "progression", "pvp", "tradingpost", "unlocks", "wallet", "wvw",
)
MAX_IDS = 200
DEFAULT_PAGE_SIZE = 50

# Cache-Control max-age per endpoint (API_NOTES §5): matches 1 s, static data 1 h, account data 5 min.
# /v2/build is not documented; 60 s keeps a poller honest without hiding a new build for long.
_MAX_AGE: list[tuple[str, int]] = [
    ("/v2/wvw/matches", 1),
    ("/v2/build", 60),
    ("/v2/account", 300),
    ("/v2/characters", 300),
    ("/v2/guild", 300),
    ("/v2/tokeninfo", 300),
]


def max_age_for(path: str) -> int:
    return next((age for prefix, age in _MAX_AGE if path.startswith(prefix)), 3600)


class Reply(Exception):
    """An error answer: ``{"text": text}`` with ``status``."""

    def __init__(self, status: int, text: str):
        self.status = status
        self.text = text


@dataclass
class KeyInfo:
    key: str
    name: str
    permissions: tuple[str, ...]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    lang: str
    schema: datetime | None  # None = classic (no v=)
    key: KeyInfo | None
    key_sent: bool
    now: datetime
    faults: list[Fault] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def fault(self, kind: str) -> Fault | None:
        return next((f for f in self.faults if f.kind == kind), None)


def parse_schema(value: str | None) -> datetime | None:
    if not value:
        return None
    if value == "latest":
        return datetime.max.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _since(req: Request, version: str) -> bool:
    return req.schema is not None and req.schema >= datetime.fromisoformat(version).replace(tzinfo=UTC)


# ---------------------------------------------------------------------- generic bulk/paging


def bulk(req: Request, items: list[dict[str, Any]], one: str | None = None, id_key: str = "id") -> Any:
    """Answer an indexed endpoint from ``items`` following the API's selectors."""
    by_id = {str(it[id_key]): it for it in items}
    if one is not None:
        if one not in by_id:
            raise Reply(404, recorded.error_text("no_such_id"))
        return by_id[one]
    q = req.query
    if "ids" in q:
        if q["ids"] == "all":
            found = [] if req.fault("empty_all") else items
        else:
            wanted = [w for w in q["ids"].split(",") if w]
            if len(wanted) > MAX_IDS:
                raise Reply(400, recorded.error_text("id_list_too_long"))
            found = [by_id[w] for w in wanted if w in by_id]
            if not found or (len(found) < len(wanted) and req.fault("strict_ids")):
                raise Reply(404, recorded.error_text("all_ids_provided_are_invalid"))
        req.headers.update({"X-Result-Count": str(len(found)), "X-Result-Total": str(len(items))})
        return found
    if "id" in q:
        return bulk(req, items, one=q["id"], id_key=id_key)
    if "page" in q or "page_size" in q:
        return _page(req, items)
    return [it[id_key] for it in items]


def _page(req: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        page = int(req.query.get("page", "0"))
        size = min(MAX_IDS, max(1, int(req.query.get("page_size", str(DEFAULT_PAGE_SIZE)))))
    except ValueError:
        raise Reply(400, "page and page_size must be integers") from None
    total_pages = max(1, -(-len(items) // size))
    if not 0 <= page < total_pages:
        raise Reply(400, f"page out of range. Use page values 0 - {total_pages - 1}.")
    chunk = items[page * size : (page + 1) * size]

    def link(p: int) -> str:
        return f"<{req.path}?page={p}&page_size={size}>"

    rels = []
    if page > 0:
        rels.append(f"{link(page - 1)}; rel=previous")
    if page < total_pages - 1:
        rels.append(f"{link(page + 1)}; rel=next")
    rels += [f"{link(page)}; rel=self", f"{link(0)}; rel=first", f"{link(total_pages - 1)}; rel=last"]
    req.headers.update(
        {
            "X-Page-Size": str(size),
            "X-Page-Total": str(total_pages),
            "X-Result-Count": str(len(chunk)),
            "X-Result-Total": str(len(items)),
            "Link": ", ".join(rels),
        }
    )
    return chunk


# ---------------------------------------------------------------------- the router

Handler = Callable[["Router", Request, dict[str, str]], Any]
_ROUTES: list[tuple[re.Pattern[str], tuple[str, ...] | None, Handler]] = []


def route(pattern: str, scopes: tuple[str, ...] | None = None) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        _ROUTES.append((re.compile(f"^{pattern}$"), scopes, fn))
        return fn

    return deco


STATIC_FILES: dict[str, dict[str, str]] = {
    "/v2/worlds": {"en": "worlds/gw2sharp_worlds_all.bulk.json", "de": "worlds/apigen_worlds_de.examples.json"},
    "/v2/wvw/objectives": {"en": recorded.OBJECTIVES},
    "/v2/wvw/upgrades": {"en": recorded.UPGRADES},
    "/v2/wvw/ranks": {"en": "wvw/ranks/gw2sharp_ranks_all.bulk.json"},
    "/v2/professions": {
        "en": "professions/gw2sharp_professions.bulk.json",
        "de": "professions/apigen_professions_all_de_schema-2019-12-19.examples.json",
    },
    "/v2/specializations": {
        "en": "specializations/gw2sharp_specializations.bulk.json",
        "de": "specializations/apigen_specializations_all_de.examples.json",
    },
    # The 2019-12-19 legends carry the chat-link ``code`` 1..6; the Gw2Sharp file uses older 13+ codes.
    "/v2/legends": {"en": "legends/apigen_legends_schema-2019-12-19.examples.json"},
    "/v2/pets": {"en": "pets/gw2sharp_pets.bulk.json", "de": "pets/apigen_pets_de.examples.json"},
    "/v2/wvw/abilities": {
        "en": "wvw/abilities/gw2sharp_abilities_all.bulk.json",
        "de": "wvw/abilities/apigen_abilities_de.examples.json",
    },
}
MEMBER_GUILD = "123E4567-E89B-12D3-A456-426614174000"  # the recorded account's guild (it leads it)
GUILD_PUBLIC_FIELDS = ("id", "name", "tag", "emblem")


class Router:
    def __init__(self, api: FakeGW2Api):
        self.api = api

    def dispatch(self, req: Request) -> Any:
        for pattern, scopes, fn in _ROUTES:
            found = pattern.match(req.path)
            if not found:
                continue
            if scopes is not None:
                self._authorize(req, scopes)
            return fn(self, req, {k: v for k, v in found.groupdict().items() if v is not None})
        raise Reply(404, "not found")

    @staticmethod
    def needs_key(path: str) -> bool:
        return any(p.match(path) and s is not None for p, s, _ in _ROUTES)

    def _authorize(self, req: Request, scopes: tuple[str, ...]) -> None:
        if not req.key_sent:
            raise Reply(401, recorded.error_text("endpoint_requires_authentication"))
        if req.key is None:
            raise Reply(401, recorded.error_text("Invalid_access_token"))
        for scope in scopes:
            if scope not in req.key.permissions:
                raise Reply(403, f"requires scope {scope}")


# -- static data


def _static(path: str) -> Handler:
    def handler(router: Router, req: Request, args: dict[str, str]) -> Any:
        files = STATIC_FILES[path]
        lang = req.lang if req.lang in files else "en"
        req.headers["Content-Language"] = lang
        return bulk(req, recorded.load(files[lang]), one=args.get("id"))

    return handler


for _path in STATIC_FILES:
    route(f"{_path}(?:/(?P<id>[^/]+))?")(_static(_path))


@route("/v2/build")
def _build(router: Router, req: Request, args: dict[str, str]) -> Any:
    body = recorded.load("build/gw2sharp_build.json")
    if router.api.build_id is not None:
        body["id"] = router.api.build_id
    return body


@route("/v2/wvw")
def _wvw_root(router: Router, req: Request, args: dict[str, str]) -> Any:
    # The 2021 recording, plus the sub-endpoints added since (API_NOTES §1).
    return [*recorded.load("wvw/nusphere_wvw_root.json"), "guilds", "timers"]


# -- matches


@route("/v2/wvw/matches(?:/(?P<kind>overview|scores|stats))?(?:/(?P<id>[^/]+))?")
def _matches(router: Router, req: Request, args: dict[str, str]) -> Any:
    kind = args.get("kind", "full")

    def minutes(fault_kind: str, default: float) -> timedelta | None:
        f = req.fault(fault_kind)
        return timedelta(minutes=float(f.params.get("minutes", default))) if f else None

    quirks = Quirks(kd_lag=minutes("kd_lag", 15), skirmish_lag=minutes("skirmish_lag", 15),
                    lagging_node=req.fault("lagging_node") is not None, relink_every=minutes("relink", 5))
    bodies = router.api.scenario.match_bodies(kind, req.now, quirks)
    world = req.query.get("world")
    if world is not None and "id" not in args:
        # ``world`` wins over ``id``/``ids``; it also accepts post-2024 team ids.
        for body in bodies:
            full = body if "all_worlds" in body else None
            if full is None:
                full = next(b for b in router.api.scenario.match_bodies("overview", req.now) if b["id"] == body["id"])
            ids = {str(w) for c in ("red", "blue", "green") for w in [full["worlds"][c], *full["all_worlds"][c]]}
            if world in ids:
                return body
        raise Reply(404, recorded.error_text("no_such_id"))
    return bulk(req, bodies, one=args.get("id"))


@route("/v2/wvw/guilds")
def _guild_regions(router: Router, req: Request, args: dict[str, str]) -> Any:
    return ["na", "eu"]


@route("/v2/wvw/guilds/(?P<region>[^/]+)")
def _guild_teams(router: Router, req: Request, args: dict[str, str]) -> Any:
    teams = router.api.scenario.guild_teams()
    if args["region"] not in teams:
        raise Reply(404, recorded.error_text("no_such_id"))
    return teams[args["region"]]


@route("/v2/wvw/timers")
def _timers(router: Router, req: Request, args: dict[str, str]) -> Any:
    return ["lockout", "teamAssignment"]


@route("/v2/wvw/timers/(?P<which>lockout|teamAssignment)")
def _timer(router: Router, req: Request, args: dict[str, str]) -> Any:
    return recorded.example("wvw/timers/apigen_timers.examples.json")


# -- keys and the account


@route("/v2/tokeninfo", scopes=())
def _tokeninfo(router: Router, req: Request, args: dict[str, str]) -> Any:
    assert req.key is not None
    body = recorded.load("tokeninfo/gw2sharp_tokeninfo_apikey.json")
    body.update(id=req.key.key[:36], name=req.key.name, permissions=list(req.key.permissions))
    if not _since(req, "2019-05-22T00:00:00"):
        body.pop("type", None)
    return body


_ACCOUNT_BY_SCHEMA = [
    ("2024-07-20T01:00:00", "account/apigen_account_schema-2024-07-20.examples.json"),
    ("2019-12-19T00:00:00", "account/apigen_account_schema-2019-12-19.examples.json"),
    ("2019-02-21T00:00:00", "account/apigen_account_schema-2019-02-21.examples.json"),
]
# Fields that need a permission beyond ``account``; without it they are absent, not an error.
_ACCOUNT_FIELD_SCOPES = {
    "guild_leader": "guilds", "fractal_level": "progression", "daily_ap": "progression",
    "monthly_ap": "progression", "wvw_rank": "progression", "wvw": "wvw", "build_storage_slots": "builds",
}


@route("/v2/account", scopes=("account",))
def _account(router: Router, req: Request, args: dict[str, str]) -> Any:
    assert req.key is not None
    path = next((f for v, f in _ACCOUNT_BY_SCHEMA if _since(req, v)), "account/apigen_account_schema-classic.examples.json")
    body = recorded.example(path)
    perms = req.key.permissions
    for name, scope in _ACCOUNT_FIELD_SCOPES.items():
        if scope not in perms:
            body.pop(name, None)
    if isinstance(body.get("wvw"), dict) and "progression" not in perms:
        body["wvw"].pop("rank", None)
    return body


@route("/v2/account/wvw", scopes=("account", "wvw"))
def _account_wvw(router: Router, req: Request, args: dict[str, str]) -> Any:
    return recorded.example("account/apigen_account_wvw.examples.json")


# -- guilds


def _guilds() -> dict[str, dict[str, Any]]:
    return {body["id"]: body for body in recorded.guild_bodies()}


@route("/v2/guild/(?P<id>[^/]+)")
def _guild(router: Router, req: Request, args: dict[str, str]) -> Any:
    guild = _guilds().get(args["id"].upper())
    if guild is None:
        raise Reply(404, recorded.error_text("no_such_id"))
    member = req.key is not None and "guilds" in req.key.permissions and guild["id"] == MEMBER_GUILD
    if req.key is not None and req.key_sent and not member and "guilds" in req.key.permissions:
        # A key of a non-member gets 403 instead of the public fields (arenanet/api-cdi#647).
        raise Reply(403, recorded.error_text("membership_required"))
    return guild if member else {k: guild[k] for k in GUILD_PUBLIC_FIELDS if k in guild}


@route("/v2/guild/(?P<id>[^/]+)/members", scopes=("account", "guilds"))
def _guild_members(router: Router, req: Request, args: dict[str, str]) -> Any:
    if args["id"].upper() != MEMBER_GUILD:
        raise Reply(403, recorded.error_text("membership_required"))
    return recorded.load("guild/apigen_guild_members.examples.json")


# -- characters


def _characters() -> list[dict[str, Any]]:
    return recorded.load("characters/gw2sharp_characters.bulk.json")  # type: ignore[no-any-return]


def _character(name: str) -> dict[str, Any]:
    found = next((c for c in _characters() if c["name"] == name), None)
    if found is None:
        raise Reply(404, recorded.error_text("no_such_id"))
    return found


@route("/v2/characters(?:/(?P<id>[^/]+))?", scopes=("account", "characters"))
def _characters_route(router: Router, req: Request, args: dict[str, str]) -> Any:
    return bulk(req, _characters(), one=args.get("id"), id_key="name")


@route("/v2/characters/(?P<id>[^/]+)/core", scopes=("account", "characters"))
def _character_core(router: Router, req: Request, args: dict[str, str]) -> Any:
    core = recorded.load("characters/gw2sharp_character_core.json")
    return {k: v for k, v in _character(args["id"]).items() if k in core}


@route("/v2/characters/(?P<id>[^/]+)/buildtabs(?:/(?P<tab>\\d+))?", scopes=("account", "characters", "builds"))
def _buildtabs(router: Router, req: Request, args: dict[str, str]) -> Any:
    tabs = _character(args["id"]).get("build_tabs") or recorded.load("characters/gw2sharp_character_buildtabs.bulk.json")
    if req.query.get("tabs") == "all":
        return tabs
    if "tab" in req.query:
        return bulk(req, tabs, one=req.query["tab"], id_key="tab")
    return bulk(req, tabs, one=args.get("tab"), id_key="tab")
