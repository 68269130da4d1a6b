"""One set of map names; guilds named, or a placeholder, never a bare hex id; untrusted text cleaned."""

from warclaw.matchup.names import GUILD_PENDING, GUILD_UNKNOWN, guild_label, map_name


def test_map_names_are_one_set():
    assert map_name("Center") == "Eternal Battlegrounds" and map_name("Center", short=True) == "EBG"
    assert map_name("RedHome") == "Red Borderlands" and map_name("GreenHome", short=True) == "Green BL"


def test_guild_labels_and_placeholders():
    assert guild_label("Vigil Keepers", "VK") == "[VK] Vigil Keepers"
    assert guild_label("Vigil Keepers", "VK", short=True) == "[VK]"
    assert guild_label(None, None) == GUILD_PENDING
    assert guild_label(None, None, failed=True) == GUILD_UNKNOWN
    assert "43E5" not in guild_label(None, None)


def test_guild_names_from_the_api_are_made_terminal_safe():
    label = guild_label("Evil\x1b]0;pwned\x07 Guild\x1b[2J", "E\x07V")
    assert "\x1b" not in label and "\x07" not in label
    assert label.startswith("[E") and "Guild" in label
