"""The optional Prometheus endpoint, scraped over HTTP from the daemon running as a real process."""

from __future__ import annotations

import httpx
from pgserver import both_engines, free_port
from prometheus_client.parser import text_string_to_metric_families

from warclaw.config import Config

from .conftest import wait_for


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_metrics_are_off_by_default_and_on_loopback_when_on():
    assert Config().daemon.metrics_port == 0 and Config().daemon.metrics_host == "127.0.0.1"


@both_engines
def test_a_scrape_shows_poll_latency_errors_staleness_size_and_rows(env, daemon):
    port = free_port()
    env.settings["daemon"]["metrics_port"] = port
    env.write_config()
    env.api.inject_fault("/v2/guild/*", kind="503", count=None)  # one endpoint keeps failing
    d = daemon()
    d.wait_started()

    def polled():
        try:
            m = scrape(port)
        except httpx.HTTPError:
            return None
        staleness = m.get(("warclaw_data_staleness_seconds", ()), float("nan"))
        return m if m.get(("warclaw_polls_total", (("endpoint", "matches"),)), 0) >= 1 and staleness >= 0 else None

    m = wait_for(polled, timeout=60, what="a scrape after the first match poll")
    assert m[("warclaw_poll_duration_seconds_count", (("endpoint", "matches"),))] >= 1
    assert m[("warclaw_poll_duration_seconds_sum", (("endpoint", "matches"),))] > 0
    assert m[("warclaw_poll_errors_total", (("endpoint", "matches"),))] == 0
    assert m[("warclaw_database_size_bytes", ())] > 10_000
    assert m[("warclaw_rows_written_total", (("operation", "insert"),))] > 100  # matches, objectives, samples
    assert 0 <= m[("warclaw_data_staleness_seconds", ())] < 3600
    m = wait_for(lambda: (s := scrape(port)).get(("warclaw_poll_errors_total", (("endpoint", "guilds"),)), 0) >= 1
                 and s, timeout=60, what="the failing guild endpoint counted")
    rc, out = d.terminate()
    assert rc == 0, out
    assert f"metrics at http://127.0.0.1:{port}/metrics" in out
