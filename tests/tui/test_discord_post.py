"""D on the Squad screen posts the plan to the fake Discord (a real HTTP server on 127.0.0.1);
posting again after a re-plan edits those messages (PATCH) instead of adding new ones."""

from __future__ import annotations

import pytest

from warclaw.config import AlertsConfig
from warclaw.discord.fake import FakeDiscord
from warclaw.engine.discord_text import plan_messages
from warclaw.tui.screens.squad import NO_WEBHOOK
from warclaw.tui.widgets import Confirm

from .helpers import settle, text


@pytest.fixture
def discord():
    with FakeDiscord(rate_limit=50, rate_window=1.0) as d:
        yield d


def notices(app) -> str:
    return " | ".join(n.message for n in app._notifications)


async def test_d_posts_the_plan_then_a_repost_after_a_replan_edits_it(saved_plan, make_app, discord) -> None:
    url = discord.create_webhook("raid")
    token = url.rsplit("/", 1)[1]
    app = make_app(saved_plan, start_screen="squad", alerts=AlertsConfig(webhooks={"raid": url}, plan_webhook="raid"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "D Discord" in text(app, "keys")  # in the footer at 80x24
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)  # the first post of the session is asked
        question = str(app.screen.query_one("#form-title").render())
        n = len(plan_messages(app.state.plan.result, app.planner.commanders()))
        assert f"Post the plan ({n} message" in question and "raid" in question and token not in question
        assert url.rsplit("/", 2)[1] in question  # the webhook's id tells webhooks apart; the token is masked
        await pilot.press("y")
        await settle(app, pilot)
        first = discord.received("raid")
        assert [m.content for m in first] == plan_messages(app.state.plan.result, app.planner.commanders())
        assert discord.count(method="POST") == n and discord.count(method="PATCH") == 0
        assert app.state.discord_note.startswith(f"posted {n} message") and f"({n} new)" in app.state.discord_note

        # A re-plan: a player marked absent, the squad re-planned around it; D again posts at once
        # (asked once a session) and edits the same messages.
        before = app.state.plan.result.plan
        await pilot.press("x")
        await settle(app, pilot)
        assert app.state.plan.result.plan != before
        await pilot.press("D")
        await settle(app, pilot)
        assert not isinstance(app.screen, Confirm)
        again = plan_messages(app.state.plan.result, app.planner.commanders())
        got = discord.received("raid")
        assert [m.id for m in got[:len(again)]] == [m.id for m in first[:len(again)]]
        assert [m.content for m in got] == again and all(m.edits == 1 for m in got)
        assert discord.count(method="POST") == n and discord.count(method="PATCH") == min(n, len(again))
        assert "edited" in app.state.discord_note and token not in notices(app)


async def test_without_a_webhook_d_says_how_to_configure_one(saved_plan, make_app) -> None:
    app = make_app(saved_plan, start_screen="squad")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        assert app.state.discord_note == NO_WEBHOOK and "plan_webhook" in notices(app)


async def test_a_deleted_webhook_is_one_line_with_the_url_masked(saved_plan, make_app, discord) -> None:
    url = discord.create_webhook("raid")
    token = url.rsplit("/", 1)[1]
    discord.delete_webhook("raid")
    app = make_app(saved_plan, start_screen="squad", alerts=AlertsConfig(webhooks={"raid": url}, plan_webhook="raid"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D", "y")
        await settle(app, pilot)
        note = app.state.discord_note
        assert note.startswith("plan not posted to Discord: webhook ") and "Unknown Webhook" in note
        assert "\n" not in note and token not in notices(app) and token[:8] not in note
