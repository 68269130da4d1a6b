"""One set of map names; guilds named, or a placeholder, never a bare hex id; untrusted text cleaned."""

import re

import pytest

from warclaw.gw2api.fake import recorded
from warclaw.matchup.names import GUILD_PENDING, GUILD_UNKNOWN, guild_label, map_name

HEX_RUN = re.compile(r"[0-9A-F]{8}", re.IGNORECASE)  # the start of a guild id such as 43E5FA…


def test_map_names_are_one_set():
    assert map_name("Center") == "Eternal Battlegrounds" and map_name("Center", short=True) == "EBG"
    assert map_name("RedHome") == "Red Borderlands" and map_name("GreenHome", short=True) == "Green BL"


def test_guild_labels_and_placeholders():
    assert guild_label("Vigil Keepers", "VK") == "[VK] Vigil Keepers"
    assert guild_label("Vigil Keepers", "VK", short=True) == "[VK]"
    assert guild_label(None, None) == GUILD_PENDING
    assert guild_label(None, None, failed=True) == GUILD_UNKNOWN


@pytest.mark.parametrize("body", recorded.guild_bodies(), ids=lambda b: b["tag"])
def test_no_state_of_a_recorded_guild_labels_it_by_its_id(body):
    gid, name, tag = body["id"], body["name"], body["tag"]
    known = {guild_label(name, tag), guild_label(name, tag, short=True), guild_label(name, None), guild_label(None, tag)}
    waiting = {guild_label(None, None), guild_label(None, None, failed=True), guild_label("", "")}
    assert guild_label(name, tag) == f"[{tag}] {name}" and guild_label(name, tag, short=True) == f"[{tag}]"
    assert waiting == {GUILD_PENDING, GUILD_UNKNOWN}  # an empty name from the API is still waiting
    for label in known | waiting:
        assert label and gid.lower() not in label.lower() and not HEX_RUN.search(label), label


def test_guild_names_from_the_api_are_made_terminal_safe():
    label = guild_label("Evil\x1b]0;pwned\x07 Guild\x1b[2J", "E\x07V")
    assert "\x1b" not in label and "\x07" not in label
    assert label.startswith("[E") and "Guild" in label
