"""Configuration: TOML read with tomllib, validated by msgspec.

msgspec rather than pydantic because every warclaw process loads the config, the TUI included, and
msgspec costs ~0.6 MB and a few ms where pydantic costs ~10 MB and ~150 ms.

Looked up at ``--config``, then ``$WARCLAW_CONFIG``, then the platform config dir; a missing file
means defaults. Every problem is reported as one line naming the file and the dotted key, e.g.
``config.toml: daemon.match_poll_seconds: expected a number >= 5, got 2``; each section is
validated on its own and a bad key is dropped and the rest re-checked, so all problems are reported.

Keyword construction (``ApiConfig(timeout_seconds=2)``) runs the ``__post_init__`` checks but not the
bounds: anything built from a person's input goes through :func:`parse_config` or :func:`override`.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_type_hints

import msgspec
import msgspec.inspect as mi
import platformdirs

from warclaw.common import InputTooLarge, mask_webhook_url, parse_nested, read_bounded, scrub_secrets
from warclaw.errors import ConfigError, UserError

APP_NAME = "warclaw"


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


class _FieldError(ValueError):
    """A ``__post_init__`` check failed: names the field, since msgspec reports only the section."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class _Section(msgspec.Struct, forbid_unknown_fields=True):
    pass


class ApiConfig(_Section):
    base_url: str = "https://api.guildwars2.com"
    key: str = ""
    lang: Literal["en", "de", "es", "fr", "zh"] = "en"
    schema_version: str = "2024-07-20T01:00:00Z"
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.base_url, str) or not self.base_url.startswith(("http://", "https://")):
            raise _FieldError("base_url", f"expected a URL starting with http:// or https://, got {_show(self.base_url)}")
        self.base_url = self.base_url.rstrip("/")


class DatabaseConfig(_Section):
    # A SQLAlchemy URL or a file path; empty means <platform data dir>/warclaw.db.
    url: str = ""
    # How long a writer waits for another process's write lock before giving up (SQLite).
    busy_timeout_ms: Annotated[int, msgspec.Meta(ge=100, le=600_000)] = 15_000
    # Score samples older than this are rolled up to one per skirmish.
    full_resolution_days: Annotated[float, msgspec.Meta(ge=0.5, le=3650)] = 7.0


class DaemonConfig(_Section):
    region: Literal["na", "eu"] = "eu"
    team: str = ""
    match_poll_seconds: Annotated[float, msgspec.Meta(ge=5, le=300)] = 15.0
    log_file: str = ""
    pidfile: str = ""
    # Cadences of the other pollers (seconds). Static data is re-read only when /v2/build changes.
    build_check_seconds: Annotated[float, msgspec.Meta(ge=30, le=86_400)] = 600.0
    guild_poll_seconds: Annotated[float, msgspec.Meta(ge=5, le=86_400)] = 60.0
    account_poll_seconds: Annotated[float, msgspec.Meta(ge=60, le=86_400)] = 3600.0
    player_keys_poll_seconds: Annotated[float, msgspec.Meta(ge=60, le=86_400)] = 3600.0
    heartbeat_seconds: Annotated[float, msgspec.Meta(ge=1, le=300)] = 10.0
    # Longest wait between attempts while an endpoint keeps failing.
    backoff_max_seconds: Annotated[float, msgspec.Meta(ge=5, le=3600)] = 300.0
    # Rotate the log file at this size, keeping this many old files.
    log_max_bytes: Annotated[int, msgspec.Meta(ge=10_000)] = 5_000_000
    log_backups: Annotated[int, msgspec.Meta(ge=0, le=100)] = 5
    # Prometheus metrics over HTTP: off unless a port is given; loopback unless told otherwise.
    metrics_port: Annotated[int, msgspec.Meta(ge=0, le=65_535)] = 0
    metrics_host: str = "127.0.0.1"


class EngineConfig(_Section):
    catalog: str = ""
    default_mode: str = "zerg"
    time_limit_seconds: Annotated[float, msgspec.Meta(gt=0, le=600)] = 10.0
    seed: int = 0


class TuiConfig(_Section):
    # Key remapping: binding id -> key(s), e.g. {"squad.optimize" = "O", "app.quit" = "q,ctrl+q"}.
    # The ids are listed on the TUI's help screen (F1); unknown ids are refused when the TUI starts.
    keys: dict[str, str] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        for action, key in self.keys.items():
            if not key.strip() or any(not k.strip() for k in key.split(",")):
                raise _FieldError(f"keys.{action}", f"expected a key such as \"O\" or \"ctrl+o\", got {_show(key)}")


# Alert rules: the events a rule may name (daemon/alerts.py turns store events into alerts).
ALERT_EVENTS = ("capture", "loss", "claim", "unclaim", "tier", "skirmish", "stale", "daemon")
ALERT_MAPS = ("Center", "RedHome", "BlueHome", "GreenHome")
ALERT_TYPES = ("Camp", "Tower", "Keep", "Castle", "Ruins", "Spawn", "Mercenary")
ALERT_TEAMS = ("ours", "any", "red", "green", "blue")
_MISSING = re.compile(r"^object missing required field `(?P<key>[^`]*)`$")
_RULE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
# https://discord.com/api/webhooks/<id>/<token> (also /api/v10/..., ptb./canary. hosts, or the fake's 127.0.0.1).
_WEBHOOK_URL = re.compile(r"^https?://[^/\s]+/api(?:/v\d+)?/webhooks/\d{1,25}/[A-Za-z0-9_-]{8,}$")


class AlertRule(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    events: list[Literal["capture", "loss", "claim", "unclaim", "tier", "skirmish", "stale", "daemon"]]
    webhook: str
    # ours, any, a colour, or a team (world) by name or id: checked against the known teams by the daemon.
    team: str = "ours"
    maps: list[Literal["Center", "RedHome", "BlueHome", "GreenHome"]] = msgspec.field(default_factory=list)
    types: list[Literal["Camp", "Tower", "Keep", "Castle", "Ruins", "Spawn", "Mercenary"]] = msgspec.field(default_factory=list)
    guilds: list[str] = msgspec.field(default_factory=list)
    min_tier: Annotated[int, msgspec.Meta(ge=1, le=3)] = 1
    stale_minutes: Annotated[float, msgspec.Meta(ge=1, le=1440)] = 15.0
    cooldown_seconds: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 0.0

    def __post_init__(self) -> None:
        if not _RULE_NAME.match(self.name):
            raise _FieldError("name", f"expected 1-40 letters, digits, '-', '_' or '.', got {_show(self.name)}")
        if not self.events:
            raise _FieldError("events", f"expected at least one of {', '.join(ALERT_EVENTS)}")
        team = self.team.strip() if isinstance(self.team, str) else ""
        if not team or len(team) > 80 or not team.isprintable():
            raise _FieldError("team", f"expected {', '.join(ALERT_TEAMS)}, or a team's name or id, got {_show(self.team)}")
        self.team = team.lower() if team.lower() in ALERT_TEAMS else team


class AlertsConfig(_Section):
    # Webhook name -> URL. A URL is a secret: it is only ever shown masked.
    webhooks: dict[str, str] = msgspec.field(default_factory=dict)
    rules: list[AlertRule] = msgspec.field(default_factory=list)
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] = "Warclaw"
    # More alerts than this waiting for one rule are sent as one digest message instead of one embed each.
    digest_after: Annotated[int, msgspec.Meta(ge=1, le=10)] = 5
    # Seconds between looks at the events table for new events.
    scan_seconds: Annotated[float, msgspec.Meta(ge=0.2, le=300)] = 2.0
    # An alert not delivered this many minutes after it was queued (Discord down, the daemon stopped)
    # is not sent but marked expired; one message per rule then says how many expired.
    max_age_minutes: Annotated[float, msgspec.Meta(ge=1, le=10_080)] = 60.0
    # The webhook (a name of `webhooks`) the squad plan is posted to from the TUI (and `optimize --discord`).
    plan_webhook: str = ""

    def __post_init__(self) -> None:
        if self.plan_webhook and self.plan_webhook not in self.webhooks:
            known = ", ".join(sorted(self.webhooks)) or "none: add [alerts.webhooks]"
            raise _FieldError("plan_webhook", f"no webhook named {self.plan_webhook!r} (known: {known})")
        for name, url in self.webhooks.items():
            if not isinstance(url, str) or not _WEBHOOK_URL.match(url.strip()):
                shown = mask_webhook_url(url) if isinstance(url, str) else _show(url)
                raise _FieldError(f"webhooks.{name}", "expected a Discord webhook URL like "
                                  f"https://discord.com/api/webhooks/<id>/<token>, got {shown!r}")
            self.webhooks[name] = url.strip()


# Checks a rule's named team (not ours/any/a colour): a problem, or None. The daemon passes one
# that looks in its database, so a reload names an unknown team with the other bad keys.
TeamCheck = Callable[[str], str | None]


def _parse_alerts(data: dict, team_check: TeamCheck | None = None) -> tuple[AlertsConfig | None, list[tuple[str | None, str]]]:
    """``[alerts]`` with one problem per bad key, each rule checked on its own (``rules[2].team``)."""
    data = dict(data)
    rules_raw = data.pop("rules", [])
    problems: list[tuple[str | None, str]] = []
    rules: list[AlertRule] = []
    if not isinstance(rules_raw, list):
        problems.append(("rules", "expected an array of tables ([[alerts.rules]])"))
        rules_raw = []
    section, errs = _convert(AlertsConfig, data)
    problems += errs
    webhooks = data.get("webhooks") if isinstance(data.get("webhooks"), dict) else {}
    seen: set[str] = set()
    for i, raw in enumerate(rules_raw):
        where = f"rules[{i}]"
        if not isinstance(raw, dict):
            problems.append((where, "expected a table"))
            continue
        raw = dict(raw)
        for key, allowed in (("events", ALERT_EVENTS), ("maps", ALERT_MAPS), ("types", ALERT_TYPES)):
            value = raw.get(key)
            if value is None:
                continue
            bad = [v for v in value if v not in allowed] if isinstance(value, list) else [value]
            if bad:
                problems.append((f"{where}.{key}", f"expected an array of {', '.join(allowed)}, got {_show(bad[0])}"))
                raw[key] = ["daemon"] if key == "events" else []  # checked: the rest of the rule is still read
        rule, rule_errs = _convert(AlertRule, raw)
        reported = {k for k, _ in problems}
        for k, p in rule_errs:
            missing = _MISSING.match(p)
            if missing:
                k, p = missing["key"], "required"
            if f"{where}.{k}" not in reported:
                problems.append((f"{where}.{k}" if k else where, p))
                reported.add(f"{where}.{k}")
        name = raw.get("name")
        if isinstance(name, str):
            if name in seen:
                problems.append((f"{where}.name", f"a second rule named {name!r}: rule names must be unique"))
            seen.add(name)
        hook = raw.get("webhook")
        if isinstance(hook, str) and hook not in webhooks:
            known = ", ".join(sorted(webhooks)) or "none: add [alerts.webhooks]"
            problems.append((f"{where}.webhook", f"no webhook named {hook!r} (known: {known})"))
        if rule is not None and team_check is not None and rule.team not in ALERT_TEAMS:
            problem = team_check(rule.team)
            if problem and f"{where}.team" not in reported:
                problems.append((f"{where}.team", problem))
        if rule is not None:
            rules.append(rule)
    if problems or section is None:
        return None, problems
    section.rules = rules
    return section, []


class Config(msgspec.Struct, forbid_unknown_fields=True):
    api: ApiConfig = msgspec.field(default_factory=ApiConfig)
    database: DatabaseConfig = msgspec.field(default_factory=DatabaseConfig)
    daemon: DaemonConfig = msgspec.field(default_factory=DaemonConfig)
    engine: EngineConfig = msgspec.field(default_factory=EngineConfig)
    tui: TuiConfig = msgspec.field(default_factory=TuiConfig)
    alerts: AlertsConfig = msgspec.field(default_factory=AlertsConfig)
    # Where the config was read from (None: defaults). Set by parse_config, never read from the file.
    source: str | None = None

    def database_url(self) -> str:
        """The database as a SQLAlchemy URL: a bare path becomes a sqlite URL, and a SQLite file is
        named by its real absolute path (a relative one is relative to the config file), so that
        ``./w.db``, a symlink and the detached daemon (which runs in ``/``) all mean one database."""
        return absolute_db_url(self.database.url or str(default_data_dir() / "warclaw.db"), self.base_dir())

    def base_dir(self) -> Path:
        """What relative paths in the config are relative to: the config file's directory."""
        return Path(self.source).absolute().parent if self.source and self.source != "<config>" else Path.cwd()

    def path(self, value: str) -> Path:
        """A path setting (``daemon.log_file``, ``daemon.pidfile``) made absolute."""
        return Path(os.path.abspath(self.base_dir() / Path(value).expanduser()))


def absolute_db_url(url: str, base: Path) -> str:
    """``url`` (a SQLAlchemy URL or a file path) with a SQLite file's path made real and absolute
    against ``base``; an in-memory SQLite database is refused, since it keeps nothing."""
    if "://" not in url:
        return f"sqlite:///{_real_path(url, base)}"
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] != "sqlite":
        return url
    database = rest[1:] if rest.startswith("/") else rest
    if not database or database.startswith(":memory:") or "mode=memory" in database:
        raise UserError(f"database {url!r} is in memory and would keep nothing: give a file path or sqlite:///PATH")
    if "?" in database or database.startswith("file:"):
        return url  # an SQLite URI (read-only and the like): used as written
    return f"{scheme}:///{_real_path(database, base)}"


def _real_path(path: str, base: Path) -> Path:
    return Path(os.path.realpath(base / Path(path).expanduser()))


_SECTIONS: dict[str, type[_Section]] = {"api": ApiConfig, "database": DatabaseConfig, "daemon": DaemonConfig,
                                        "engine": EngineConfig, "tui": TuiConfig, "alerts": AlertsConfig}
_S = TypeVar("_S", bound=_Section)

# msgspec's message: "Expected `float` >= 5.0 - at `$.match_poll_seconds`" (the path is optional).
_MSGSPEC_ERROR = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
# msgspec's type names in its messages, as a TOML file calls them.
_TOML_WORDS = {"`object`": "a table", "`str`": "a string", "`int`": "an integer", "`float`": "a number",
               "`bool`": "true or false", "`array`": "an array"}
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<key>[^`]*)`$")


def _show(value: Any) -> str:
    """A value as the person wrote it in TOML, shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, (dt.datetime, dt.date, dt.time)):
        text = value.isoformat()
    else:
        # Masked before it is cut: a key pasted into the wrong field must not leak its first 57 characters.
        text = scrub_secrets(repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _bound(b: float) -> str:
    return str(int(b)) if float(b).is_integer() else repr(float(b))


def _expected(section: type[_Section], key: str, value: Any) -> str | None:
    """"expected ..., got ..." for a bad ``value`` of ``section.key``, or None if the field's type is unusual."""
    field = next((f for f in mi.type_info(section).fields if f.name == key), None)
    t = field.type if field else None
    if isinstance(t, mi.LiteralType):  # in the order written (msgspec sorts them)
        values = get_args(get_type_hints(section)[key])
        return f"expected one of {', '.join(map(str, values))}, got {_show(value)}"
    if isinstance(t, mi.StrType):
        return f"expected a string, got {_show(value)}"
    if isinstance(t, mi.FloatType):
        noun, ok = "a number", isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(t, mi.IntType):
        noun, ok = "an integer", isinstance(value, int) and not isinstance(value, bool)
    else:
        return None
    if ok:  # the right type: name the bound it breaks
        for sign, b, holds in ((">", t.gt, operator.gt), (">=", t.ge, operator.ge),
                               ("<", t.lt, operator.lt), ("<=", t.le, operator.le)):
            if b is not None and not holds(value, b):
                return f"expected {noun} {sign} {_bound(b)}, got {_show(value)}"
    return f"expected {noun}, got {_show(value)}"


def _problem(section: type[_Section], data: dict, err: msgspec.ValidationError) -> tuple[str | None, str]:
    """msgspec's one error as (key or None, "what is expected, got what")."""
    if isinstance(err.__cause__, _FieldError):
        return err.__cause__.field, err.__cause__.problem
    m = _MSGSPEC_ERROR.match(str(err))
    msg, path = m["msg"], (m["path"] or "").lstrip(".")
    unknown = _UNKNOWN_FIELD.match(msg)
    if unknown:
        return unknown["key"], "unknown key"
    key = path.split(".")[0].split("[")[0] or None
    if key is not None and key in data:
        expected = _expected(section, key, data[key])
        if expected:
            return key, expected
    for word, toml in _TOML_WORDS.items():
        msg = msg.replace(word, toml)
    return key, msg[:1].lower() + msg[1:]


def _convert(section: type[_S], data: dict) -> tuple[_S | None, list[tuple[str | None, str]]]:
    """Validate one section; on an error drop the bad key and check the rest again, to report them all."""
    data = dict(data)
    problems: list[tuple[str | None, str]] = []
    while True:
        try:
            obj = msgspec.convert(data, section)
        except msgspec.ValidationError as err:
            key, problem = _problem(section, data, err)
            problems.append((key, problem))
            if key not in data:  # nothing left to drop: stop here
                return None, problems
            del data[key]
        else:
            return (None if problems else obj), problems


def parse_config(data: dict, source: str = "<config>", *, team_check: TeamCheck | None = None) -> Config:
    """Validate a parsed TOML document; raises ConfigError with one line per problem."""
    sections: dict[str, _Section] = {}
    problems: list[str] = []
    for name, value in data.items():
        section = _SECTIONS.get(name)
        if section is None:
            problems.append(f"{source}: {name}: unknown key")
        elif not isinstance(value, dict):
            problems.append(f"{source}: {name}: expected a table, got {_show(value)}")
        else:
            obj, errs = _parse_alerts(value, team_check) if name == "alerts" else _convert(section, value)
            problems += [f"{source}: {name}.{key}: {p}" if key else f"{source}: {name}: {p}" for key, p in errs]
            if obj is not None:
                sections[name] = obj
    if problems:
        raise ConfigError(problems)
    return Config(**sections, source=source)


def override(section: _S, source: str, **changes: Any) -> _S:
    """A validated copy of a config section with ``changes`` applied, e.g. a command-line option;
    raises ConfigError whose lines start with ``source`` (the key is named only if not a change)."""
    obj, errs = _convert(type(section), {**msgspec.structs.asdict(section), **changes})
    if errs:
        raise ConfigError([f"{source}: {p}" if key in changes or not key else f"{source}: {key}: {p}"
                           for key, p in errs])
    assert obj is not None
    return obj


def find_config_path(explicit: str | None = None) -> Path | None:
    """The config file, as an absolute path: the detached daemon runs in ``/`` and reloads it from there."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get("WARCLAW_CONFIG")
    if env:
        return Path(env).expanduser().absolute()
    path = default_config_path()
    return path if path.exists() else None


def load_config(explicit: str | None = None, *, team_check: TeamCheck | None = None) -> Config:
    path = find_config_path(explicit)
    if path is None:
        return Config()
    try:
        raw = read_bounded(path)  # `--config /dev/zero` fails at once instead of filling memory
    except InputTooLarge as e:
        raise ConfigError([f"{path}: config file {e}"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a directory, expected a config file"]) from None
    except OSError as e:
        raise ConfigError([f"{path}: cannot read config: {e.strerror or e}"]) from None
    try:
        data = parse_nested(tomllib.loads, raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, InputTooLarge) as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None
    return parse_config(data, str(path), team_check=team_check)
