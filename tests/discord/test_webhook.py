"""The fake Discord webhook server over real HTTP, and the webhook client against it."""

import asyncio
import json
import time

import httpx
import pytest

from warclaw.common import mask_webhook_url, scrub_secrets
from warclaw.discord.fake import FakeDiscord
from warclaw.discord.webhook import (
    DeliveryInDoubt,
    PayloadRejected,
    RetryPolicy,
    WebhookClient,
    WebhookGone,
    WebhookUnavailable,
    is_webhook_url,
)


def wait_until(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def discord():
    with FakeDiscord(rate_limit=5, rate_window=1.0) as d:
        yield d


def test_fake_answers_like_discord(discord):
    url = discord.create_webhook("raid")
    discord.rate_limit = 50
    r = httpx.post(url, json={"content": "hello"})
    assert r.status_code == 204 and r.content == b""
    assert r.headers["X-RateLimit-Limit"] == "50" and r.headers["X-RateLimit-Remaining"] == "49"
    assert float(r.headers["X-RateLimit-Reset-After"]) <= 1.0 and "X-RateLimit-Bucket" in r.headers
    r = httpx.post(url, params={"wait": "true"}, json={"content": "with id", "embeds": [{"title": "t"}]})
    assert r.status_code == 200
    msg = r.json()
    assert msg["content"] == "with id" and msg["webhook_id"] == url.split("/")[-2] and msg["id"].isdigit()
    assert msg["author"]["bot"] is True and msg["edited_timestamp"] is None
    r = httpx.patch(f"{url}/messages/{msg['id']}", json={"content": "edited"})
    assert r.status_code == 200 and r.json()["content"] == "edited" and r.json()["edited_timestamp"]
    assert [m.content for m in discord.received("raid")] == ["hello", "edited"]
    assert httpx.patch(f"{url}/messages/1234", json={"content": "x"}).json()["code"] == 10008
    # Bad bodies: 400 with Discord's codes.
    r = httpx.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == 50109
    r = httpx.post(url, json={"content": "x" * 2001})
    assert r.status_code == 400 and r.json()["code"] == 50035 and "content" in r.json()["errors"]
    assert httpx.post(url, json={"content": ""}).json()["code"] == 50006
    assert httpx.post(url, json={"embeds": [{"title": "x" * 300}]}).status_code == 400
    # Wrong token 401, deleted webhook 404.
    assert httpx.post(url[:-3] + "abc", json={"content": "x"}).json()["code"] == 50027
    discord.delete_webhook("raid")
    r = httpx.post(url, json={"content": "x"})
    assert r.status_code == 404 and r.json() == {"message": "Unknown Webhook", "code": 10015}


def test_fake_rate_limit_and_control_endpoint(discord):
    discord.rate_window = 600.0  # one window for the whole test, however slow the machine
    url = discord.create_webhook("raid")
    statuses = [httpx.post(url, json={"content": str(i)}).status_code for i in range(7)]
    assert statuses[:5] == [204] * 5 and statuses[5:] == [429, 429]
    r = httpx.post(url, json={"content": "again"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json()["message"] == "You are being rate limited." and r.json()["global"] is False
    assert r.headers["X-RateLimit-Remaining"] == "0"
    r = httpx.post(f"{discord.base_url}/_control/faults", json={"kind": "503", "count": 1})
    assert r.status_code == 204
    assert httpx.post(url, json={"content": "x"}).status_code == 503
    listed = httpx.get(f"{discord.base_url}/_control/messages").json()
    assert [m["payload"]["content"] for m in listed] == ["0", "1", "2", "3", "4"]
    assert httpx.post(f"{discord.base_url}/_control/faults", json={"kind": "nope"}).status_code == 400


def test_fake_drops_and_slows(discord):
    url = discord.create_webhook("raid")
    discord.inject("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(url, json={"content": "lost"})
    discord.inject("slow", seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, json={"content": "late"}, timeout=0.2)
    # A slow answer still posts the message (Discord did not see the client give up).
    wait_until(lambda: discord.received())
    assert [m.content for m in discord.received()] == ["late"]


async def test_client_waits_out_the_bucket_and_429s(discord):
    url = discord.create_webhook("raid")
    async with WebhookClient() as client:
        t0 = time.monotonic()
        ids = [(await client.execute(url, {"content": f"m{i}"}))["id"] for i in range(12)]
        elapsed = time.monotonic() - t0
    assert len(set(ids)) == 12 and [m.content for m in discord.received()] == [f"m{i}" for i in range(12)]
    assert discord.count(status=429) == 0  # the headers said when to stop, so no 429 was provoked
    assert elapsed >= 2.0  # 12 messages at 5 per 1 s window need at least two refills
    discord.inject("429", count=2, retry_after=0.3)
    async with WebhookClient() as client:
        await client.execute(url, {"content": "after 429"})
        assert client.rate_limited == 2
    assert discord.received()[-1].content == "after 429"


async def test_client_retries_5xx_then_gives_up(discord):
    url = discord.create_webhook("raid")
    discord.inject("500")
    discord.inject("502")
    fast = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, total_seconds=5, timeout=0.5)
    async with WebhookClient(fast) as client:
        msg = await client.execute(url, {"content": "through"})
        assert msg["content"] == "through"
        # A post whose answer never came is not repeated (it may have been posted); an edit is.
        discord.inject("drop")
        with pytest.raises(DeliveryInDoubt):
            await client.execute(url, {"content": "maybe"})
        discord.inject("drop")
        edited = await client.edit(url, msg["id"], {"content": "edited"})
        assert edited["content"] == "edited"
        discord.inject("slow", seconds=1.0)
        with pytest.raises(DeliveryInDoubt):
            await client.execute(url, {"content": "slow"})
        wait_until(lambda: len(discord.received()) == 2)
        assert [m.content for m in discord.received()] == ["edited", "slow"]
        # Processed, then the connection dropped: posted once, and the client says it cannot know.
        discord.inject("drop_after")
        with pytest.raises(DeliveryInDoubt):
            await client.execute(url, {"content": "posted, answer lost"})
        assert [m.content for m in discord.received()][-1] == "posted, answer lost"
        assert discord.requests[-1].status == 0 and discord.requests[-1].fault == "drop_after"
        assert len(discord.received()) == 3
        discord.inject("503", count=None)
        with pytest.raises(WebhookUnavailable) as err:
            await client.execute(url, {"content": "never"})
        assert "4 attempts" in str(err.value) and not err.value.permanent
        discord.clear_faults()
        with pytest.raises(PayloadRejected) as bad:
            await client.execute(url, {"content": "x" * 2001})
        assert "Must be 2000 or fewer" in str(bad.value) and bad.value.permanent
        discord.delete_webhook("raid")
        with pytest.raises(WebhookGone) as gone:
            await client.execute(url, {"content": "x"})
    token = url.rsplit("/", 1)[1]
    for e in (err.value, bad.value, gone.value):
        assert token not in str(e) and mask_webhook_url(url) in str(e)


async def test_client_outage_is_unavailable_not_a_hang(discord):
    url = discord.create_webhook("raid")
    discord.stop()
    fast = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, total_seconds=5, timeout=0.5)
    async with WebhookClient(fast) as client:
        with pytest.raises(WebhookUnavailable):
            await client.execute(url, {"content": "x"})
        discord.start()  # same port
        assert (await client.execute(url, {"content": "back"}))["content"] == "back"
        await asyncio.sleep(0)


def test_webhook_urls_are_masked_everywhere():
    url = "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789-abcdefghijklmnopqrstuvwxyz0123"
    masked = mask_webhook_url(url)
    assert masked == "https://discord.com/api/webhooks/123456789012345678/AbCd…0123"
    assert scrub_secrets(f"POST {url}?wait=true failed") == f"POST {masked}?wait=true failed"
    assert scrub_secrets(json.dumps({"u": url})).count("AbCdEfGh") == 0
    assert is_webhook_url(url) and is_webhook_url("http://127.0.0.1:8/api/v10/webhooks/1/abcdefghij")
    assert not is_webhook_url("https://discord.com/channels/1/2") and not is_webhook_url("not a url")


def test_warclaw_fakediscord_runs_as_a_process_and_stops_on_sigterm(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "WARCLAW_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "warclaw", "fakediscord", "--port", "0", "--webhook", "raid"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        assert first.startswith("fake Discord listening on http://127.0.0.1:"), first
        hook = proc.stdout.readline().strip()
        assert hook.startswith("webhook raid: http://127.0.0.1:")
        url = hook.split(": ", 1)[1]
        r = httpx.post(url, params={"wait": "true"}, json={"content": "hello"})
        assert r.status_code == 200 and r.json()["content"] == "hello"
        base = first.split(" on ", 1)[1].strip()
        assert [m["payload"]["content"] for m in httpx.get(f"{base}/_control/messages").json()] == ["hello"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and err == ""
