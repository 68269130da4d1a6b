"""/v2/guild/:id and /v2/guild/:id/members."""

from __future__ import annotations

from datetime import datetime

from pydantic import StrictBool, StrictInt, StrictStr

from warclaw.gw2api.models.base import ApiModel


class EmblemLayer(ApiModel):
    id: StrictInt
    colors: list[StrictInt] = []


class GuildEmblem(ApiModel):
    background: EmblemLayer
    foreground: EmblemLayer
    flags: list[str] = []


class Guild(ApiModel):
    # Public fields; the rest need a member's key with the guilds permission.
    id: StrictStr
    name: str
    tag: str
    emblem: GuildEmblem | None = None
    level: StrictInt | None = None
    motd: str | None = None
    influence: StrictInt | None = None
    aetherium: StrictInt | None = None
    resonance: StrictInt | None = None
    favor: StrictInt | None = None
    member_count: StrictInt | None = None
    member_capacity: StrictInt | None = None


class GuildMember(ApiModel):
    name: StrictStr
    rank: str
    joined: datetime | None = None
    wvw_member: StrictBool | None = None
