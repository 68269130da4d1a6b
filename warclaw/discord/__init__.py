"""Discord: webhook delivery (alerts, the squad plan) and a fake webhook server for tests and the demo.

- :mod:`warclaw.discord.webhook`: the async client (429/``Retry-After``/``X-RateLimit-*``, retries);
- :mod:`warclaw.discord.fake`: a real HTTP server on 127.0.0.1 shaped like Discord's webhook API;
- :mod:`warclaw.discord.post`: the squad plan posted (and edited after a re-plan) — loads the engine,
  so the daemon never imports it.
"""
