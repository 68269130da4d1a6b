"""Account-bound models: /v2/account, /v2/account/wvw, /v2/tokeninfo."""

from __future__ import annotations

from datetime import datetime

from pydantic import StrictBool, StrictInt, StrictStr

from warclaw.gw2api.models.base import ApiModel


class AccountWvwInfo(ApiModel):
    team_id: StrictInt
    rank: StrictInt | None = None  # needs the progression permission as well


class Account(ApiModel):
    # Fields beyond these depend on the key's permissions and the schema version (API_NOTES §3).
    id: StrictStr
    name: StrictStr
    age: StrictInt
    world: StrictInt
    guilds: list[StrictStr]
    created: datetime
    access: list[str]
    commander: StrictBool
    guild_leader: list[StrictStr] | None = None
    last_modified: datetime | None = None
    fractal_level: StrictInt | None = None
    daily_ap: StrictInt | None = None
    monthly_ap: StrictInt | None = None
    wvw_rank: StrictInt | None = None  # schema < 2024-07-20
    wvw: AccountWvwInfo | None = None  # schema >= 2024-07-20 with the wvw permission
    build_storage_slots: StrictInt | None = None

    @property
    def team_id(self) -> int | None:
        return self.wvw.team_id if self.wvw else None


class AccountWvw(ApiModel):
    team: StrictInt
    guild: StrictStr | None = None


class TokenInfo(ApiModel):
    id: StrictStr
    name: str
    permissions: list[str]
    type: str | None = None  # "APIKey" | "Subtoken" with schema >= 2019-05-22
    expires_at: datetime | None = None
    issued_at: datetime | None = None
    urls: list[str] | None = None
