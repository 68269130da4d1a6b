"""Reading the files a person hands Warclaw (catalog, roster, plan), with one-line errors."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from warclaw.common import InputTooLarge, parse_nested, read_bounded
from warclaw.engine import Catalog, Plan, catalog_from_mapping, plan_from_mapping
from warclaw.errors import UserError

SHIPPED_CATALOG = "catalog.toml"


def read_text(path: str | Path, what: str, encoding: str = "utf-8") -> str:
    """The file's text, read at most :data:`MAX_FILE_BYTES` far (``/dev/zero`` fails at once)."""
    p = Path(path)
    try:
        return read_bounded(p).decode(encoding)
    except FileNotFoundError:
        raise UserError(f"{p}: {what} file not found") from None
    except IsADirectoryError:
        raise UserError(f"{p}: is a directory, expected a {what} file") from None
    except InputTooLarge as e:
        raise UserError(f"{p}: {what} file {e}") from None
    except UnicodeDecodeError as e:
        raise UserError(f"{p}: cannot read {what} file: not {encoding} text (byte {e.start})") from None
    except OSError as e:
        raise UserError(f"{p}: cannot read {what} file: {e.strerror or e}") from None


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    p = Path(path)
    text = read_text(p, what)
    try:
        return parse_nested(tomllib.loads, text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{p}: not valid TOML ({e})") from None
    except InputTooLarge as e:
        raise UserError(f"{p}: {what} file {e}") from None


def read_json(path: str | Path, what: str) -> Any:
    p = Path(path)
    text = read_text(p, what)
    try:
        return parse_nested(json.loads, text)
    except json.JSONDecodeError as e:
        raise UserError(f"{p}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except InputTooLarge as e:
        raise UserError(f"{p}: {what} file {e}") from None


def shipped_catalog_mapping() -> dict[str, Any]:
    return tomllib.loads(resources.files("warclaw.data").joinpath(SHIPPED_CATALOG).read_text(encoding="utf-8"))


def load_catalog(user_path: str | None = None) -> Catalog:
    """The shipped catalog with the user's file (if any) merged over it."""
    override = read_toml(user_path, "catalog") if user_path else None
    return catalog_from_mapping(shipped_catalog_mapping(), override, source="shipped catalog",
                                override_source=str(user_path))


def load_plan(path: str | Path) -> Plan:
    return plan_from_mapping(read_json(path, "plan"), source=str(path))
