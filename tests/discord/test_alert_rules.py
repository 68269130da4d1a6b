"""Alert rules in the config (one line per bad key) and which events a rule wants."""

from datetime import UTC, datetime

import pytest

from warclaw.config import AlertRule, load_config, parse_config
from warclaw.daemon.alerts import Names, describe, match_rule
from warclaw.discord.alert_text import id_marker, md, messages_for
from warclaw.errors import ConfigError
from warclaw.store.models import Event

URL = "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def test_example_documents_every_alert_key():
    text = open("config.example.toml").read()
    for key in ("webhooks", "username", "digest_after", "scan_seconds", "plan_webhook", "max_age_minutes"):
        assert f"\n{key} = " in text
    for key in AlertRule.__struct_fields__:
        assert f"\n# {key} = " in text, f"alerts.rules {key} is not documented in config.example.toml"
    assert load_config("config.example.toml").alerts.rules == []


def test_every_bad_rule_key_is_one_line_and_urls_stay_masked():
    bad = {"alerts": {
        "webhooks": {"raid": URL, "typo": URL + "/extra"},
        "digest_after": 0,
        "max_age_minutes": 0,
        "rules": [
            {"name": "keeps", "events": ["capture", "lost"], "webhook": "raid", "team": " ", "cooldown": 3},
            {"name": "keeps", "events": [], "webhook": "nope", "maps": ["EBG"]},
            {"events": "capture", "webhook": "raid"},
            5,
        ]}}
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "c.toml")
    p = e.value.problems
    assert p == [
        "c.toml: alerts.digest_after: expected an integer >= 1, got 0",
        "c.toml: alerts.max_age_minutes: expected a number >= 1, got 0",
        "c.toml: alerts.webhooks.typo: expected a Discord webhook URL like https://discord.com/api/webhooks/<id>/<token>,"
        " got 'https://discord.com/api/webhooks/123456789012345678/AbCd…6789/extra'",
        "c.toml: alerts.rules[0].events: expected an array of capture, loss, claim, unclaim, tier, skirmish, stale,"
        " daemon, got 'lost'",
        "c.toml: alerts.rules[0].cooldown: unknown key",
        "c.toml: alerts.rules[0].team: expected ours, any, red, green, blue, or a team's name or id, got ' '",
        "c.toml: alerts.rules[1].maps: expected an array of Center, RedHome, BlueHome, GreenHome, got 'EBG'",
        "c.toml: alerts.rules[1].events: expected at least one of capture, loss, claim, unclaim, tier, skirmish,"
        " stale, daemon",
        "c.toml: alerts.rules[1].name: a second rule named 'keeps': rule names must be unique",
        "c.toml: alerts.rules[1].webhook: no webhook named 'nope' (known: raid, typo)",
        "c.toml: alerts.rules[2].events: expected an array of capture, loss, claim, unclaim, tier, skirmish, stale,"
        " daemon, got 'capture'",
        "c.toml: alerts.rules[2].name: required",
        "c.toml: alerts.rules[3]: expected a table",
    ]
    assert "AbCdEfGh" not in "\n".join(p)


def _rule(**kw) -> AlertRule:
    return parse_config({"alerts": {"webhooks": {"raid": URL},
                                    "rules": [{"name": "r", "webhook": "raid", **kw}]}}).alerts.rules[0]


def _event(kind="captured", team="Red", prev="Blue", map_type="Center", otype="Keep", **kw) -> Event:
    return Event(id=1, match_id=7, kind=kind, team=team, prev_team=prev, map_type=map_type, objective_id="38-1",
                 occurred_at=datetime(2026, 12, 1, 12, tzinfo=UTC), detail={"type": otype, **kw.pop("detail", {})},
                 dedupe_key="k", **kw)


NAMES = Names(ours={7: "blue"}, teams={(7, "red"): "Frost Citadel", (7, "blue"): "Moogooloo",
                                       (7, "green"): "Skrittsburgh"},
              objectives={"38-1": ("Stonemist Castle", "Castle")}, guilds={"g1": ("Lords of *Chaos*", "LoC")})


def test_a_rule_names_a_team_by_name_or_id():
    names = Names(NAMES.ours, NAMES.teams, NAMES.objectives, NAMES.guilds,
                  sides={7: {12008: "blue", 2101: "blue", 12010: "red"}, 8: {12001: "red"}},
                  named={"Moogooloo": {12008}, "2101": {2101}, "Frost Citadel": {12010}})
    assert _rule(events=["capture"], team="Red").team == "red"  # colours and keywords in any case
    assert match_rule(_rule(events=["capture", "loss"], team="Moogooloo"), _event(), names) == "loss"
    assert match_rule(_rule(events=["capture"], team="Frost Citadel"), _event(), names) == "capture"
    assert match_rule(_rule(events=["loss"], team="2101"), _event(), names) == "loss"  # a world id of that side
    other_match = _event()
    other_match.match_id = 8
    assert match_rule(_rule(events=["loss"], team="Moogooloo"), other_match, names) is None  # not its match


def test_rules_pick_their_events():
    assert match_rule(_rule(events=["capture"]), _event(), NAMES) is None  # Red took it; we are blue
    assert match_rule(_rule(events=["capture", "loss"]), _event(), NAMES) == "loss"
    assert match_rule(_rule(events=["capture"], team="red"), _event(), NAMES) == "capture"
    assert match_rule(_rule(events=["capture"], team="any", maps=["RedHome"]), _event(), NAMES) is None
    assert match_rule(_rule(events=["capture"], team="any", types=["Camp"]), _event(), NAMES) is None
    assert match_rule(_rule(events=["loss"]), _event(prev="Neutral", team="Blue"), NAMES) is None
    other_match = _event()
    other_match.match_id = 8
    assert match_rule(_rule(events=["loss"]), other_match, NAMES) is None  # not our match
    assert match_rule(_rule(events=["loss"], team="any"), other_match, NAMES) == "loss"
    claim = _event(kind="claimed", team="Blue", prev=None, guild_id="g1")
    assert match_rule(_rule(events=["claim"], guilds=["loc"]), claim, NAMES) == "claim"
    assert match_rule(_rule(events=["claim"], guilds=["other"]), claim, NAMES) is None
    tier = _event(kind="upgraded", team="Blue", prev=None, detail={"tier": 2})
    assert match_rule(_rule(events=["tier"], min_tier=3), tier, NAMES) is None
    assert match_rule(_rule(events=["tier"], min_tier=2), tier, NAMES) == "tier"


def test_alert_text_is_safe_and_digests_fit_discord():
    a = describe(_event(kind="claimed", team="Blue", prev=None, guild_id="g1"), "claim", NAMES)
    assert a["title"] == r"[LoC] Lords of \*Chaos\* claimed Stonemist Castle"
    assert md("@everyone <@&1>") == "@\u200beveryone <@\u200b&1\\>"
    assert md("\x1b[2Jx") == "x"
    loss = describe(_event(detail={"held_seconds": 4000}), "loss", NAMES)
    assert loss["title"] == "Moogooloo lost Stonemist Castle" and "taken by Frost Citadel after 1h 06m" in loss["description"]
    alerts = [dict(loss, line=f"<t:{i}:t> " + "x" * 90) for i in range(500)]
    msgs = messages_for(alerts, "r", username="Warclaw", digest_after=5)
    assert sum(n for n, _ in msgs) == 500 and len(msgs) <= 10
    for _, p in msgs:
        assert len(p["embeds"]) <= 10 and p["allowed_mentions"] == {"parse": []}
        assert sum(len(e["title"]) + len(e.get("description", "")) + len(e["footer"]["text"]) for e in p["embeds"]) <= 6000
        assert all(len(e.get("description", "")) <= 4096 for e in p["embeds"])
    [(n, one)] = messages_for(alerts[:3], "r", username="Warclaw", digest_after=5)
    assert n == 3 and len(one["embeds"]) == 3 and one["embeds"][0]["color"] == 0xE74C3C  # the taker's colour
    assert one["embeds"][0]["timestamp"] == "2026-12-01T12:00:00+00:00"


def test_every_message_names_its_outbox_ids():
    assert id_marker([7, 3, 4, 5, 9]) == "#3–5, #7, #9" and id_marker([12]) == "#12"
    a = describe(_event(), "loss", NAMES)
    [(_, one)] = messages_for([a, {**a, "resent": True}], "r", username="W", digest_after=5, ids=[41, 42])
    assert [e["footer"]["text"] for e in one["embeds"]] == ["warclaw · r · #41", "warclaw · r · #42 (resent)"]
    # A digest of scattered ids (other rules' alerts between them): every id in the footers, within limits.
    ids = list(range(1_000_000, 1_003_000, 3))
    msgs = messages_for([dict(a, line=f"<t:{i}:t> x") for i in ids], "r", username="W", digest_after=5, ids=ids)
    seen = []
    for _, p in msgs:
        for e in p["embeds"]:
            footer = e["footer"]["text"]
            assert footer.startswith("warclaw · r · #") and footer.endswith(" · digest") and len(footer) <= 2048
            marks = footer.removeprefix("warclaw · r · ").removesuffix(" · digest").split(", ")
            assert len(marks) == len(e["description"].splitlines())
            seen += [int(x.lstrip("#")) for x in marks]
        assert sum(len(e["title"]) + len(e.get("description", "")) + len(e["footer"]["text"]) for e in p["embeds"]) <= 6000
    assert seen == ids


def test_a_team_check_reports_an_unknown_team_with_the_other_bad_keys():
    known = {"Moogooloo", "11001"}
    data = {"alerts": {"webhooks": {"raid": URL}, "digest_after": 11, "rules": [
        {"name": "a", "events": ["capture"], "webhook": "raid", "team": "Moogooloo"},
        {"name": "b", "events": ["capture"], "webhook": "raid", "team": "Mogoolo"},
        {"name": "c", "events": ["capture"], "webhook": "raid", "team": "Blue"}]}}
    with pytest.raises(ConfigError) as e:
        parse_config(data, "c.toml", team_check=lambda t: None if t in known else f"no team named {t!r}")
    assert e.value.problems == ["c.toml: alerts.digest_after: expected an integer <= 10, got 11",
                                "c.toml: alerts.rules[1].team: no team named 'Mogoolo'"]
    data["alerts"]["digest_after"] = 5
    assert parse_config(data).alerts.rules[1].team == "Mogoolo"  # without a check (the TUI, the CLI): kept
