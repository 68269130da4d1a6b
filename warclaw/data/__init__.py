"""Data shipped with Warclaw (the build catalog, the sample roster, the WvW rules)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_roster_path() -> Path:
    """The shipped sample roster (light: the demo's own process reads it without the optimizer)."""
    return Path(str(resources.files(__name__).joinpath("sample-roster.toml")))
