"""`warclaw roster list|show|import|export|add-key|keys|import-guild`: rosters in the database,
to and from TOML/CSV files, players' API keys and guild members."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from warclaw.cli.context import Context
from warclaw.cli.output import echo
from warclaw.common import safe_line
from warclaw.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="rosters in the database: list, show, import, export")
    rsub = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    a = rsub.add_parser("list", help="the saved rosters")
    a.set_defaults(func=cmd_list)
    a = rsub.add_parser("show", help="one roster's players")
    a.add_argument("name")
    a.set_defaults(func=cmd_show)
    a = rsub.add_parser("import", help="save a roster TOML or sign-up CSV into the database")
    a.add_argument("file", help="roster .toml or .csv")
    a.add_argument("--name", help="roster name (default: the file name without extension)")
    a.set_defaults(func=cmd_import)
    a = rsub.add_parser("export", help="write a roster from the database to TOML or CSV")
    a.add_argument("file", help="target .toml or .csv")
    a.add_argument("--name", help="roster name (default: the only roster, or the file name)")
    a.set_defaults(func=cmd_export)
    a = rsub.add_parser("add-key", help="register a player's API key (needs account and characters)")
    a.add_argument("name", help="the roster player (added if not on the roster)")
    a.add_argument("key", help="the player's API key, or - to read it from stdin (keeps it out of shell history)")
    a.add_argument("--roster", help="roster name (default: the only roster); created if missing")
    a.set_defaults(func=cmd_add_key)
    a = rsub.add_parser("keys", help="the registered API keys (masked), their accounts and status")
    a.set_defaults(func=cmd_keys)
    a = rsub.add_parser("import-guild", help="add a guild's members with their rank (guild leader's key)")
    a.add_argument("guild_id", help="the guild id (a GUID, as in /v2/account's guilds)")
    a.add_argument("--key", required=True, help="the guild leader's API key with 'guilds', or - for stdin")
    a.add_argument("--roster", help="roster name (default: the guild's name); created if missing")
    a.add_argument("--present", action="store_true", help="mark new members present (default: on the roster, absent)")
    a.set_defaults(func=cmd_import_guild)


def _store(ctx: Context):
    from warclaw.store import Store

    return Store.open(ctx.config.database_url())


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store.rosters import list_rosters

    with _store(ctx) as store, store.read() as s:
        rows = list_rosters(s)
    if not rows:
        echo("no rosters yet: `warclaw roster import FILE` adds one")
    for r in rows:
        echo(f"{r.name:<24} {r.present:>3}/{r.players:<3} present  mode {r.mode or '-':<8} updated {r.updated_at:%Y-%m-%d %H:%M}")
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    from sqlalchemy import select

    from warclaw.store.models import Roster, RosterPlayer
    from warclaw.store.rosters import load_roster

    with _store(ctx) as store, store.read() as s:
        data = load_roster(s, args.name, include_absent=True)
        extra = {
            n: (rank, ref)
            for n, rank, ref in s.execute(
                select(RosterPlayer.name, RosterPlayer.guild_rank, RosterPlayer.api_key_ref)
                .join(Roster).where(Roster.name == args.name)
            )
        }
    echo(f"roster {args.name} (mode {data.get('mode') or '-'}), {len(data['players'])} players")
    for p in data["players"]:
        flags = [f for f, on in (("commander", p.get("commander")), ("absent", not p.get("present", True))) if on]
        if p.get("lock_party"):
            flags.append(f"party {p['lock_party']}")
        if p.get("lock_build"):
            flags.append(f"build {p['lock_build']}")
        if p.get("with"):
            flags.append("with " + ", ".join(p["with"]))
        rank, ref = extra.get(p["name"], (None, None))
        if rank:
            flags.append(f"rank {rank}")
        if ref:
            flags.append("API key")
        echo(f"  {p['name']:<22} {', '.join(p['builds']):<50} {' · '.join(flags)}")
    return 0


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.files import load_catalog
    from warclaw.rosterfile import read_roster_file
    from warclaw.store.rosters import save_roster

    cfg = ctx.config
    data = read_roster_file(args.file, load_catalog(cfg.engine.catalog or None), cfg.engine.default_mode)
    name = args.name or Path(args.file).stem
    with _store(ctx) as store, store.write() as s:
        save_roster(s, name, data)
    echo(f"roster {name}: {len(data['players'])} players saved")
    return 0


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.rosterfile import write_roster_file
    from warclaw.store.rosters import list_rosters, load_roster

    with _store(ctx) as store, store.read() as s:
        name = args.name
        if name is None:
            names = [r.name for r in list_rosters(s)]
            stem = Path(args.file).stem
            if stem in names:
                name = stem
            elif len(names) == 1:
                name = names[0]
            else:
                raise UserError(f"--name: which roster? saved rosters: {', '.join(names) or 'none'}")
        data = load_roster(s, name, include_absent=True)
    write_roster_file(data, args.file)
    echo(f"roster {name}: {len(data['players'])} players written to {args.file}")
    return 0


# --- players' API keys and guild members ---------------------------------------------------------

NEEDED_KEY_PERMISSIONS = ("account", "characters")
KEYS_URL = "https://account.arena.net/applications"


def _policy() -> Any:
    from warclaw.gw2api import RetryPolicy

    # The API refuses valid keys now and then, so one more try; an invalid key then fails within ~1 s
    # instead of the client's default minute of retries. 429s keep their usual patient retries.
    return RetryPolicy(auth_attempts=2, auth_base_delay=1.0, total_seconds=60.0)


def _read_key(raw: str) -> Any:
    from warclaw.gw2api.keys import ApiKey

    if raw == "-":
        raw = sys.stdin.readline()
    return ApiKey(raw)  # a malformed key is a one-line InvalidKeyError, masked


def _roster_for_key(session: Any, wanted: str | None) -> str:
    from warclaw.store.keys import ensure_roster
    from warclaw.store.rosters import list_rosters

    if wanted:
        return ensure_roster(session, wanted.strip()).name
    names = [r.name for r in list_rosters(session)]
    if len(names) == 1:
        return names[0]
    raise UserError(f"--roster: which roster? saved rosters: {', '.join(names) or 'none'} (a new name creates one)")


def _run(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


def cmd_add_key(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.daemon.roster_keys import fetch_account
    from warclaw.gw2api import Gw2ApiError, Gw2Client
    from warclaw.store.keys import link_player, protect_sqlite_file, record_refresh, save_key
    from warclaw.store.playable import load_catalog_builds

    key = _read_key(args.key)
    cfg = ctx.config
    catalog = load_catalog_builds(cfg.engine.catalog or None)

    async def check() -> tuple[Any, Any, str | None]:
        async with Gw2Client(cfg.api, key=key, policy=_policy()) as client:
            info = await client.tokeninfo()
            missing = [p for p in NEEDED_KEY_PERMISSIONS if p not in info.permissions]
            if missing:
                have = ", ".join(info.permissions) or "none"
                raise UserError(
                    f"API key {key.masked} lacks the '{missing[0]}' permission (it has: {have}); "
                    f"create a key with {' and '.join(NEEDED_KEY_PERMISSIONS)} at {KEYS_URL}"
                )
            try:
                return info, await fetch_account(client, catalog), None
            except Gw2ApiError as e:  # the key is fine; its data will come with the daemon's refresh
                return info, None, str(e)

    info, fetched, fetch_error = _run(check())
    url = cfg.database_url()
    with _store(ctx) as store:
        with store.write() as s:
            key_id = save_key(s, key.secret, token_name=info.name, permissions=list(info.permissions))
            roster = _roster_for_key(s, args.roster)
            added = link_player(s, roster, args.name, key_id)
            derived: list[str] = []
            if fetched is not None:
                account, team_id, chars = fetched
                derived = record_refresh(s, key_id, account=account, team_id=team_id, characters=chars, catalog=catalog)
        protect_sqlite_file(url)
    where = "in the database (SQLite file mode 0600)" if url.startswith("sqlite") else "in the database"
    echo(f"roster {roster}: {'added' if added else 'player'} {args.name.strip()}, key {key.masked} stored {where}")
    if fetched is not None:
        account, _team, chars = fetched
        lvl80 = sum(1 for c in chars if c.level >= 80)
        echo(f"  account {account}: {len(chars)} characters ({lvl80} at level 80); playable: {', '.join(derived) or 'none yet'}")
    else:
        echo(f"  account not read yet ({safe_line(fetch_error)}); the daemon will refresh it")
    return 0


def cmd_keys(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store.keys import list_keys

    with _store(ctx) as store, store.read() as s:
        rows = list_keys(s)
    if not rows:
        echo("no API keys yet: `warclaw roster add-key NAME KEY` registers one")
    for k in rows:
        when = f"{k.refreshed_at:%Y-%m-%d %H:%M}" if k.refreshed_at else "never"
        note = f"  ({safe_line(k.last_error)})" if k.last_error and k.status != "ok" else ""
        echo(f"{k.masked:<11} {k.account or '?':<22} {k.status:<8} refreshed {when:<16} {', '.join(k.players)}{note}")
    return 0


def cmd_import_guild(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.gw2api import Gw2Client, InvalidKeyError, MissingPermissionError, NotFoundError
    from warclaw.store.keys import import_guild_members

    key = _read_key(args.key)
    cfg = ctx.config
    gid = args.guild_id.strip()

    async def fetch() -> tuple[str | None, list[Any]]:
        async with Gw2Client(cfg.api, key=key, policy=_policy()) as client:
            try:
                members = await client.guild_members(gid)
            except MissingPermissionError as e:
                if e.permission == "guild membership":
                    raise UserError(
                        f"guild {gid}: key {key.masked} may not list its members: only the guild "
                        f"leader's key (with 'guilds') can ({e.text or e})"
                    ) from None
                raise UserError(
                    f"guild {gid}: key {key.masked} lacks the '{e.permission}' permission needed to list "
                    f"members; use the guild leader's key with 'guilds' ({KEYS_URL})"
                ) from None
            except NotFoundError:
                raise UserError(f"guild {gid}: no such guild") from None
            except InvalidKeyError as e:
                raise UserError(f"guild {gid}: {e}") from None
            name = None
            if not args.roster:
                try:
                    name = (await client.guild(gid)).name
                except Exception:  # noqa: BLE001 - the name is a nicety; the id will do
                    name = None
            return name, members

    guild_name, members = _run(fetch())
    roster = (args.roster or guild_name or gid).strip()
    with _store(ctx) as store, store.write() as s:
        added, updated = import_guild_members(s, roster, [(mb.name, mb.rank) for mb in members], present=args.present)
    state = "present" if args.present else "absent until marked present"
    echo(f"roster {roster}: {len(members)} guild members, {added} added ({state}), {updated} ranks updated")
    for mb in members:
        echo(f"  {mb.name:<24} {mb.rank}")
    return 0
