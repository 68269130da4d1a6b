"""``warclaw daemon status [--json]``: what an admin (or a monitoring script) asks of the daemon.

Is it running (the pidfile on this machine; on PostgreSQL the database lock, which sees a daemon
on any machine), its heartbeat, each endpoint's last success and failure, and how old the data is.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from warclaw.store.queries import DaemonStatus, fingerprint


def iso(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if t else None


def build(reader: Any, st: DaemonStatus, now: datetime, *, pid: int | None, pidfile: str,
          lock_holder: str | None, database: str) -> dict[str, Any]:
    fp = fingerprint(reader)
    changed, polled = fp["match"], fp["polled"]
    return {
        "running": bool(pid or lock_holder),
        "pid": pid,
        "pidfile": pidfile,
        "lock_holder": lock_holder,
        "database": database,
        "heartbeat": None if st.beat_at is None else {
            "state": st.state, "age_seconds": round(st.heartbeat_age_seconds or 0.0, 3), "pid": st.pid,
            "hostname": st.hostname, "started_at": iso(st.started_at), "beat_at": iso(st.beat_at),
            "detail": st.detail, "alive": st.alive(),
        },
        "data": {
            "last_poll_at": iso(polled),
            "last_change_at": iso(changed),
            "stale_seconds": None if changed is None else max(0.0, round((now - changed).total_seconds(), 3)),
        },
        "endpoints": [
            {k: (iso(v) if isinstance(v, datetime) else v) for k, v in asdict(e).items()} | {"failing": e.failing}
            for e in st.endpoints
        ],
    }


def text_lines(report: dict[str, Any]) -> list[str]:
    if report["lock_holder"]:
        running = f"running: {report['lock_holder']} (database lock)"
    elif report["pid"]:
        running = f"running, pid {report['pid']}"
    else:
        running = "not running"
    lines = [f"daemon: {running} (pidfile {report['pidfile']})"]
    hb = report["heartbeat"]
    if hb is None:
        lines.append("heartbeat: none yet (the daemon never ran against this database)")
    else:
        lines.append(f"heartbeat: {hb['state']}, {hb['age_seconds']:.0f}s ago (pid {hb['pid']} on {hb['hostname']})")
    data = report["data"]
    if data["stale_seconds"] is not None:
        lines.append(f"data: last changed {data['stale_seconds']:.0f}s ago (last poll {data['last_poll_at'][:19].replace('T', ' ')})")
    for e in report["endpoints"]:
        ok = e["last_success_at"][:19].replace("T", " ") if e["last_success_at"] else "never"
        line = f"  {e['endpoint']:<8} last success {ok}"
        if e["failing"]:
            line += f"; failing ({e['consecutive_failures']} in a row): {e['last_error']}"
        lines.append(line)
    return lines
