"""Store and daemon figures: CPU per poll cycle, database growth, TUI query latency on a year.

    python -c "from bench.bench_store import main; main()"

1. CPU per poll cycle: the daemon's match poller (fetch ``ids=all`` over HTTP, validate, diff,
   write) for the whole EU region (5 matches), against the fake API running in another process
   at 300x speed so that every poll has new data to write.
2. Growth per simulated day: the replay scenario's bodies ingested at every 5-minute score tick
   for 24 h of scenario time (the fake's data changes only on ticks; polls in between find the
   data unchanged and write nothing new, so they add no rows).
3. A year: built from the simulated day (events repeated for 365 days over 52 weekly matches)
   plus score samples for the worst case of the real API, where kills change on every 30 s poll:
   full resolution for the last ``full_resolution_days`` and one sample per skirmish before that.
   Then the TUI's queries are timed on it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from warclaw.config import Config
from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.gw2api.fake.scenario import make_scenario
from warclaw.store import Store, queries
from warclaw.store.ingest import apply_match
from warclaw.store.models import Event, Match, ScoreSample
from warclaw.store.reader import Reader
from warclaw.store.types import utcnow

POLL_SECONDS = 30
FULL_RESOLUTION_DAYS = 7
SKIRMISHES_PER_WEEK = 84

FAKE = """
import sys, time
from warclaw.gw2api.fake import FakeGW2Api
with FakeGW2Api(scenario="replay", speed=300, rate_limit=False) as api:
    print(api.base_url, flush=True)
    sys.stdin.read()
"""


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file() and not p.name.endswith("lock"))


def _raw(store: Store, sql: str) -> None:
    """Statements SQLite refuses inside a transaction (VACUUM, checkpoints), on a raw connection."""
    raw = store.engine.raw_connection()
    try:
        raw.driver_connection.execute(sql)
    finally:
        raw.close()


def _checkpoint(store: Store) -> None:
    _raw(store, "PRAGMA wal_checkpoint(TRUNCATE)")


def cpu_per_poll(tmp: Path, polls: int = 10) -> None:
    from warclaw.daemon.service import SyncService

    fake = subprocess.Popen([sys.executable, "-c", FAKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert fake.stdout is not None
        base = fake.stdout.readline().strip()
        cfg = Config()
        cfg.api.base_url, cfg.api.key = base, DEFAULT_KEY
        store = Store.open(f"sqlite:///{tmp / 'cpu.db'}")

        async def run() -> list[tuple[float, float]]:
            svc = SyncService(store, cfg)
            await svc.cycle_once()  # static data and first sight
            out = []
            for _ in range(polls):
                await asyncio.sleep(1.0)  # 5 scenario minutes: a score tick, flips, kills
                c0, w0 = time.process_time(), time.perf_counter()
                error = await svc._attempt(svc.pollers["matches"])
                assert error is None, error
                out.append((time.process_time() - c0, time.perf_counter() - w0))
            await svc.aclose()
            return out

        samples = asyncio.run(run())
        store.close()
    finally:
        fake.communicate("", timeout=10)
    cpu = [c * 1000 for c, _ in samples]
    wall = [w * 1000 for _, w in samples]
    print(f"poll cycle, EU region (5 matches, every poll changed), {polls} polls:")
    print(f"  CPU  median {statistics.median(cpu):.0f} ms, max {max(cpu):.0f} ms")
    print(f"  wall median {statistics.median(wall):.0f} ms, max {max(wall):.0f} ms")
    print(f"  => at one poll per {POLL_SECONDS} s: {statistics.median(cpu) / POLL_SECONDS / 10:.2f}% of one core")


def simulated_day(path: Path, hours: int = 24) -> tuple[Store, float]:
    scenario = make_scenario("replay", seed=1)
    store = Store.open(f"sqlite:///{path}")
    t = scenario.start
    bodies = [b for b in scenario.match_bodies("full", t) if b["id"].startswith("2-")]
    with store.write() as s:
        for b in bodies:
            apply_match(s, b, t, {})
    _checkpoint(store)
    size0 = _size(path)
    t0 = time.perf_counter()
    ticks = hours * 12
    for _ in range(ticks):
        t += timedelta(minutes=5)
        for b in scenario.match_bodies("full", t):
            if b["id"].startswith("2-"):
                with store.write() as s:
                    apply_match(s, b, t, {})
    _checkpoint(store)
    growth = _size(path) - size0
    with store.read() as s:
        n_events = s.scalar(select(func.count()).select_from(Event))
        n_samples = s.scalar(select(func.count()).select_from(ScoreSample))
    scale = 24 / hours
    print(f"simulated {hours} h (EU, 5 matches, {ticks} ticks, ingest {time.perf_counter() - t0:.1f} s):")
    print(f"  growth {growth / 1e6:.2f} MB; {n_events} events, {n_samples} score samples")
    if scale != 1:
        print(f"  => per simulated day (x{scale:g}, extrapolated): {growth * scale / 1e6:.2f} MB, "
              f"{int(n_events * scale)} events")
    return store, scale


def build_year(day: Store, path: Path, scale: float) -> None:
    """Repeat the simulated day over a year of weekly matches, samples as the real API would make."""
    _checkpoint(day)
    _raw(day, f"VACUUM INTO '{path}'")
    year = Store.open(f"sqlite:///{path}")
    with year.write() as s:
        # The newest week of each match (the simulated hours may cross a weekly reset).
        newest = {}
        for row in s.execute(select(Match.id, Match.api_id, Match.start_time).order_by(Match.start_time)):
            newest[row.api_id] = row
        current = list(newest.values())
        day_events = s.scalar(select(func.max(Event.id)))
        week_pks: dict[tuple[int, int], int] = {}
        for w in range(1, 52):
            for pk, _api_id, start in current:
                new = s.execute(
                    text(
                        "INSERT INTO matches (api_id, region, tier, start_time, end_time, first_seen_at, polled_at,"
                        " changed_at, data_hash) SELECT api_id, region, tier, :st, :et, :st, :et, :et, data_hash"
                        " FROM matches WHERE id = :pk"
                    ),
                    {"st": start.replace(tzinfo=None) - timedelta(weeks=w),
                     "et": start.replace(tzinfo=None) - timedelta(weeks=w) + timedelta(days=7), "pk": pk},
                )
                week_pks[(w, pk)] = new.lastrowid
        # The simulated span stands for `scale` of a day: repeat it that many times a day.
        for d in range(1, int(365 * scale)):
            w = min(51, int(d / scale) // 7)  # this many weeks back (0: the current week)
            for pk, _, _ in current:
                target = week_pks[(w, pk)] if w else pk
                s.execute(
                    text(
                        "INSERT INTO events (match_id, occurred_at, recorded_at, kind, objective_id, map_type, team,"
                        " prev_team, guild_id, detail, dedupe_key) SELECT :target, datetime(occurred_at, :shift),"
                        " datetime(recorded_at, :shift), kind, objective_id, map_type, team, prev_team, guild_id,"
                        " detail, dedupe_key || ':' || :d FROM events WHERE match_id = :pk AND id <= :last"
                    ),
                    {"target": target, "shift": f"-{d / scale:.4f} days", "d": d, "pk": pk, "last": day_events},
                )
    # Score samples: what a real week produces (every 30 s poll changes kills), after rollup.
    with year.write() as s:
        template = s.execute(text("SELECT maps FROM score_samples ORDER BY id DESC LIMIT 1")).scalar() or "{}"
        s.execute(text("DELETE FROM score_samples"))
        rows = []
        per_day = 86400 // POLL_SECONDS
        for pk, _, start in current:
            t_end = start.replace(tzinfo=None) + timedelta(days=FULL_RESOLUTION_DAYS)
            for i in range(per_day * FULL_RESOLUTION_DAYS):
                at = t_end - timedelta(seconds=POLL_SECONDS * i)
                rows.append((pk, at, 1 + i // 240, i, i, i, 1, 1, 1, i, i, i, i, i, i, template))
            for w in range(1, 52):
                for k in range(SKIRMISHES_PER_WEEK):
                    at = start.replace(tzinfo=None) - timedelta(weeks=w) + timedelta(hours=2 * k + 2)
                    rows.append((week_pks[(w, pk)], at, k + 1, k, k, k, 1, 1, 1, k, k, k, k, k, k, template))
        s.connection().exec_driver_sql(
            "INSERT INTO score_samples (match_id, sampled_at, skirmish, red_score, green_score, blue_score,"
            " red_vp, green_vp, blue_vp, red_kills, green_kills, blue_kills, red_deaths, green_deaths,"
            " blue_deaths, maps) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(*r[:1], r[1].isoformat(sep=" "), *r[2:]) for r in rows],
        )
    # Skirmish results of every past week.
    with year.write() as s:
        for (_w, pk), new in week_pks.items():
            s.execute(
                text("INSERT INTO skirmishes (match_id, number, red_score, green_score, blue_score, map_scores)"
                     " SELECT :new, number, red_score, green_score, blue_score, map_scores FROM skirmishes"
                     " WHERE match_id = :pk"),
                {"new": new, "pk": pk},
            )
    _raw(year, "VACUUM")
    _checkpoint(year)
    with year.read() as s:
        n_events = s.scalar(select(func.count()).select_from(Event))
        n_samples = s.scalar(select(func.count()).select_from(ScoreSample))
    print(f"a year (EU, 52 weeks x 5 matches; samples as every {POLL_SECONDS} s poll changing, "
          f"{FULL_RESOLUTION_DAYS} days at full resolution):")
    print(f"  size {_size(path) / 1e6:.0f} MB; {n_events} events, {n_samples} score samples")
    latencies(year, [pk for pk, _, _ in current])
    year.close()


def _time(fn, runs: int = 30) -> str:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    out.sort()
    return f"median {statistics.median(out):6.2f} ms, p95 {out[int(len(out) * 0.95) - 1]:6.2f} ms"


def latencies(store: Store, match_pks: list[int]) -> None:
    """The TUI's reads, as it runs them: sqlite3 through a Reader, no SQLAlchemy."""
    pk = match_pks[0]
    with Reader.open(store.url) as r:
        print("TUI queries on the year database:")
        print(f"  current matchup          {_time(lambda: queries.matchup(r, pk, utcnow()))}")
        print(f"  last 100 events (match)  {_time(lambda: queries.recent_events(r, pk, limit=100))}")
        print(f"  last 100 events (all)    {_time(lambda: queries.recent_events(r, limit=100))}")
        print(f"  score history (500 pts)  {_time(lambda: queries.score_history(r, pk))}")
        print(f"  score history (all 20k)  {_time(lambda: queries.score_history(r, pk, max_points=None), runs=5)}")
        print(f"  objectives of a match    {_time(lambda: queries.objectives(r, pk))}")
        print(f"  daemon status            {_time(lambda: queries.daemon_status(r, utcnow()))}")
        print(f"  data_version (change?)   {_time(r.data_version, runs=200)}")


def _change_seen(store: Store, reader: Reader, runs: int = 20) -> str:
    """From a writer's commit returning to the reader's data_version having moved (the TUI's poll)."""
    from warclaw.store.status import set_meta

    out = []
    for i in range(runs):
        v0 = reader.data_version()
        with store.write() as s:
            set_meta(s, "bench", str(i))
        t0 = time.perf_counter()
        while reader.data_version() == v0:
            time.sleep(0.0001)
        out.append((time.perf_counter() - t0) * 1000)
    out.sort()
    return f"median {statistics.median(out):6.2f} ms, max {out[-1]:6.2f} ms"


def engines_compared(tmp: Path, hours: int = 2) -> None:
    """The same simulated hours ingested into SQLite and into a local PostgreSQL server (a
    throwaway cluster, as the tests start it), then the TUI's reads on each."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pgserver import PgServer, PgUnavailable

    try:
        server = PgServer(durable=True)  # fsync on, as a real server (and SQLite here) runs
    except PgUnavailable as e:
        print(f"SQLite and PostgreSQL compared: skipped ({e})")
        return
    try:
        urls = {"sqlite": f"sqlite:///{tmp / 'engines.db'}", "postgresql": server.url(server.create_database())}
        scenario = make_scenario("replay", seed=1)
        print(f"SQLite and PostgreSQL {server.bindir.parent.name} (local, loopback TCP) on the same {hours} simulated"
              f" hours (EU, 5 matches), the same code:")
        ticks = [scenario.start + timedelta(minutes=5 * i) for i in range(hours * 12 + 1)]
        bodies = [(t, b) for t in ticks for b in scenario.match_bodies("full", t) if b["id"].startswith("2-")]
        rows: dict[str, dict[str, str]] = {}
        for engine, url in urls.items():
            store = Store.open(url)
            took = []
            for t, b in bodies:
                t0 = time.perf_counter()
                with store.write() as s:
                    apply_match(s, b, t, {})
                took.append((time.perf_counter() - t0) * 1000)
            ingest = f"median {statistics.median(took):6.2f} ms, first {took[0]:6.1f} ms"
            with Reader.open(url) as r:
                pk = queries.find_match(r, "2-1").pk
                rows[engine] = {
                    "write one match (a poll's tx)": ingest,
                    "current matchup": _time(lambda r=r, pk=pk: queries.matchup(r, pk, utcnow())),
                    "last 100 events": _time(lambda r=r: queries.recent_events(r, limit=100)),
                    "score history (500 pts)": _time(lambda r=r, pk=pk: queries.score_history(r, pk)),
                    "objectives of a match": _time(lambda r=r, pk=pk: queries.objectives(r, pk)),
                    "daemon status": _time(lambda r=r: queries.daemon_status(r, utcnow())),
                    "data_version (change?)": _time(r.data_version, runs=200),
                    "commit -> data_version moved": _change_seen(store, r),
                }
            store.close()
        print(f"  {'':<30} {'SQLite':<34} PostgreSQL")
        for what in rows["sqlite"]:
            print(f"  {what:<30} {rows['sqlite'][what]:<34} {rows['postgresql'][what]}")
        tui_start(tmp, urls)
    finally:
        server.stop()


def tui_start(tmp: Path, urls: dict[str, str], runs: int = 3) -> None:
    """The real `warclaw --config F tui` (bench_tui's child: process start to the Matchup screen
    with data), on each engine's database, interleaved; psycopg loads only for PostgreSQL."""
    from bench.bench_tui import _run_child

    configs = {}
    for engine, url in urls.items():
        configs[engine] = tmp / f"tui-{engine}.toml"
        configs[engine].write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        _run_child("warclaw", str(configs[engine]))  # warm-up, not counted
    figures: dict[str, list[dict]] = {e: [] for e in urls}
    for _ in range(runs):
        for engine, config in configs.items():
            figures[engine].append(_run_child("warclaw", str(config)))
    print(f"  `warclaw tui` start-up, median of {runs}: first paint / data shown / peak RSS")
    for engine, runs_ in figures.items():
        med = {f: statistics.median(r[f] for r in runs_) for f in ("first", "data", "rss_mb")}
        print(f"    {engine:<12} {med['first']:.2f} s / {med['data']:.2f} s / {med['rss_mb']:.0f} MB")


def main() -> None:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        engines_compared(tmp)
        cpu_per_poll(tmp)
        # 24 h of ingest takes ~80 s here: simulate 6 h and scale, unless asked for more.
        day, scale = simulated_day(tmp / "day.db", hours=int(os.environ.get("WARCLAW_BENCH_HOURS", "6")))
        build_year(day, tmp / "year.db", scale)
        day.close()
    print(f"(store bench took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
