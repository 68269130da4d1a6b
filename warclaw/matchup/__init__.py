"""The matchup's rules and what follows from them, as pure functions (standard library only).

- ``rules``: the dated victory-point schedule and the tier-by-points table (``data/wvw_rules.toml``),
  the skirmish clock (84 two-hour skirmishes, the last one ending at ``end_time``), regions.
- ``projection``: a seeded Monte Carlo over the remaining skirmishes (p10/p50/p90, place chances)
  and the flat average it replaces.
- ``need``: the fewest skirmish wins that make 1st place (or staying out of 3rd) certain.

The store's queries use it for ``warclaw matchup`` and the TUI (one computation for both), the
store's ingest for tiers, the fake API for the victory points it awards.
"""
