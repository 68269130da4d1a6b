"""The squad plan posted to a Discord webhook, and re-posted in place after a re-plan.

``post_plan(result, commanders, url, plan_key=..., store=...)`` is what the CLI
(``warclaw optimize --discord``) and the TUI's Squad screen call. The plan becomes the same messages
as the clipboard export (:mod:`warclaw.engine.discord_text`); their message ids are kept in the
database (``plan_posts``, keyed by the plan and a hash of the webhook URL, never the URL), so the
next post of the same plan edits those messages (``PATCH``), posts only the extra ones and deletes
the ones no longer needed, instead of flooding the channel.

This module formats a finished plan and so imports the engine's text module; the daemon never loads it.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warclaw.common import mask_webhook_url
from warclaw.config import AlertsConfig
from warclaw.discord.webhook import WebhookClient, WebhookError, WebhookGone, is_webhook_url
from warclaw.engine.discord_text import plan_messages

if TYPE_CHECKING:
    from warclaw.engine.solver import SolveResult
    from warclaw.store.db import Store

USERNAME = "Warclaw"


@dataclass
class PostResult:
    message_ids: list[str]
    edited: int = 0
    posted: int = 0
    deleted: int = 0
    notes: list[str] = field(default_factory=list)


def webhook_url(alerts: AlertsConfig, name_or_url: str | None) -> str:
    """A webhook URL from a name of ``[alerts.webhooks]``, a URL, or (None/"") ``alerts.plan_webhook``.
    Raises ValueError with a one-line reason (never the URL unmasked)."""
    choice = (name_or_url or alerts.plan_webhook or "").strip()
    if not choice:
        raise ValueError("no webhook: give a webhook URL or name, or set alerts.plan_webhook in the config")
    if choice in alerts.webhooks:
        return alerts.webhooks[choice]
    if not is_webhook_url(choice):
        known = ", ".join(sorted(alerts.webhooks)) or "none in the config"
        raise ValueError(f"expected a webhook URL like https://discord.com/api/webhooks/<id>/<token> or a webhook "
                         f"name (known: {known}), got {mask_webhook_url(choice)[:60]!r}")
    return choice


def webhook_key(url: str) -> str:
    """A stable, non-secret name for a webhook URL (its SHA-256), to key stored message ids."""
    return hashlib.sha256(url.strip().encode()).hexdigest()


async def post_messages(url: str, messages: list[str], previous: list[str] | None = None, *,
                        client: WebhookClient | None = None, username: str = USERNAME) -> PostResult:
    """Post ``messages``, editing the ``previous`` message ids in order where there are some."""
    own = client is None
    client = client or WebhookClient()
    out = PostResult([])
    previous = list(previous or [])
    gone: list[str] = []  # previous messages deleted on the way
    try:
        await _post_all(client, url, messages, previous, out, gone, username)
    except WebhookError as e:
        # What is in the channel now: the messages done, then the old ones not reached (still there,
        # with their old text). Kept on the error, so that the next post edits them instead of
        # posting the done ones a second time.
        left = [m for m in previous[len(out.message_ids):] if m not in gone]
        e.message_ids = out.message_ids + left
        raise
    finally:
        if own:
            await client.aclose()
    return out


async def _post_all(client: WebhookClient, url: str, messages: list[str], previous: list[str], out: PostResult,
                    gone: list[str], username: str) -> None:
    for i, text in enumerate(messages):
        payload = {"content": text, "username": username, "allowed_mentions": {"parse": []}}
        if i < len(previous):
            try:
                await client.edit(url, previous[i], {"content": text, "allowed_mentions": {"parse": []}})
                out.message_ids.append(previous[i])
                out.edited += 1
                continue
            except WebhookGone as e:
                if e.status != 404:
                    raise
                out.notes.append(f"message {i + 1} was deleted in Discord: posted anew")
        msg = await client.execute(url, payload)
        out.message_ids.append(str(msg["id"]))
        out.posted += 1
    for mid in previous[len(messages):]:  # the plan needs fewer messages than last time
        try:
            await client.delete(url, mid)
            out.deleted += 1
        except WebhookGone:
            pass  # already gone
        gone.append(mid)


def _stored_ids(store: Store, plan_key: str, hook: str) -> list[str]:
    from warclaw.store.models import PlanPost

    with store.read() as s:
        row = s.get(PlanPost, (plan_key, hook))
        return [str(x) for x in row.message_ids] if row else []


def _store_ids(store: Store, plan_key: str, hook: str, ids: list[str]) -> None:
    from warclaw.store.models import PlanPost
    from warclaw.store.types import utcnow

    with store.write() as s:
        s.merge(PlanPost(plan_key=plan_key, webhook_key=hook, message_ids=ids, posted_at=utcnow()))


def post_plan(result: SolveResult, commanders: set[str] | frozenset[str], url: str, *, plan_key: str,
              store: Store | None = None, username: str = USERNAME,
              client: WebhookClient | None = None) -> PostResult:
    """Post (or re-post in place) a plan; blocking, so call it from a worker thread in a UI.

    Raises :class:`~warclaw.discord.webhook.WebhookError` (its message masks the URL) or ValueError
    for a URL that is not a webhook's.
    """
    url = url.strip()
    if not is_webhook_url(url):
        raise ValueError("expected a Discord webhook URL like https://discord.com/api/webhooks/<id>/<token>")
    hook = webhook_key(url)
    previous = _stored_ids(store, plan_key, hook) if store is not None else []
    messages = plan_messages(result, commanders)
    try:
        out = asyncio.run(post_messages(url, messages, previous, client=client, username=username))
    except WebhookError as e:
        if store is not None and e.message_ids is not None and e.message_ids != previous:
            _store_ids(store, plan_key, hook, e.message_ids)
        raise
    if store is not None:
        _store_ids(store, plan_key, hook, out.message_ids)
    return out
