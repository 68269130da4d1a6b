"""A plan post that fails part way (the second message refused) keeps the ids of what it posted,
so that posting again (D on the Squad screen, `optimize --discord`) edits them: nothing twice."""

from __future__ import annotations

import httpx
import pytest

from warclaw.discord.fake import FakeDiscord
from warclaw.discord.post import post_plan
from warclaw.discord.webhook import RetryPolicy, WebhookClient, WebhookUnavailable
from warclaw.engine import optimize, roster_from_mapping
from warclaw.engine.discord_text import plan_messages
from warclaw.engine.generate import generate_roster
from warclaw.store import Store


class FailFromSecond(httpx.AsyncBaseTransport):
    """Real HTTP to the fake Discord; from the second request on, the fake answers 503."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake, self.inner, self.requests = fake, httpx.AsyncHTTPTransport(), 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == 2:
            self.fake.inject("503", count=None)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_post_cut_short_is_completed_by_the_next_one_not_repeated(tmp_path, catalog):
    with FakeDiscord(rate_limit=50, rate_window=1.0) as discord, Store.open(f"sqlite:///{tmp_path / 'w.db'}") as store:
        url = discord.create_webhook("raid")
        roster = roster_from_mapping(generate_roster(50, 3), catalog)
        cmd = {p.name for p in roster.players if p.commander}
        res = optimize(roster, catalog, "zerg", time_limit=2, workers=1)
        messages = plan_messages(res, cmd)
        assert len(messages) == 2
        client = WebhookClient(RetryPolicy(attempts=1, base_delay=0.01, total_seconds=1.0),
                               transport=FailFromSecond(discord))
        with pytest.raises(WebhookUnavailable) as err:
            post_plan(res, cmd, url, plan_key="roster:raid", store=store, client=client)
        first = discord.received("raid")
        assert len(first) == 1 and err.value.message_ids == [first[0].id]
        discord.clear_faults()
        again = post_plan(res, cmd, url, plan_key="roster:raid", store=store)
        assert (again.edited, again.posted) == (1, 1)
        assert [m.content for m in discord.received("raid")] == messages  # two messages, not three
