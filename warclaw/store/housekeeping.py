"""Keeping the database bounded: roll old score samples up to one per skirmish.

Runs in small batches (one match per transaction) so the TUI's roster writes never wait long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from warclaw.store.db import Store
from warclaw.store.models import Match, ScoreSample


def rollup_samples(store: Store, now: datetime, full_resolution_days: float) -> int:
    """Delete samples older than the window except the last one of each skirmish; returns deleted."""
    cutoff = now - timedelta(days=full_resolution_days)
    with store.read() as s:
        match_ids = list(s.scalars(select(Match.id).where(Match.start_time < cutoff)))
    deleted = 0
    for mid in match_ids:
        with store.write() as s:
            keep = (
                select(func.max(ScoreSample.id))
                .where(ScoreSample.match_id == mid, ScoreSample.sampled_at < cutoff)
                .group_by(ScoreSample.skirmish)
            )
            result = s.execute(
                delete(ScoreSample).where(
                    ScoreSample.match_id == mid,
                    ScoreSample.sampled_at < cutoff,
                    ScoreSample.id.not_in(keep),
                )
            )
            deleted += result.rowcount or 0
    return deleted
