"""``warclaw daemon status [--json]``: what an admin (or a monitoring script) asks of the daemon.

Is it running (the pidfile on this machine; on PostgreSQL the database lock, which sees a daemon
on any machine), its heartbeat, each endpoint's last success and failure, and how old the data is.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from warclaw.common import age_text, safe_line
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


def without_database(*, pid: int | None, pidfile: str, lock_holder: str | None, database: str,
                     note: str) -> dict[str, Any]:
    """The report when there is no Warclaw schema to read (status never creates one)."""
    return {"running": bool(pid or lock_holder), "pid": pid, "pidfile": pidfile, "lock_holder": lock_holder,
            "database": database, "database_note": note, "heartbeat": None,
            "data": {"last_poll_at": None, "last_change_at": None, "stale_seconds": None}, "endpoints": []}


OWN_FIELDS = ("database", "config", "log", "started_at", "db_writes", "db_error", "db_since")


def own_record(record: dict[str, Any]) -> dict[str, Any] | None:
    """What the running daemon says of itself in its pidfile record (None if it is not running):
    the database that cannot be written can say nothing, so why writes fail is known only here."""
    return {k: record.get(k) for k in OWN_FIELDS} if record else None


def text_lines(report: dict[str, Any]) -> list[str]:
    """Running or not is the lock's answer alone; the heartbeat only adds its age, so the two never
    contradict each other (after kill -9: "not running", with the last beat's age)."""
    hb, own = report["heartbeat"], report.get("daemon") or {}
    if report["lock_holder"] or report["pid"]:
        running = f"running: {report['lock_holder']} (database lock)" if report["lock_holder"] else f"running, pid {report['pid']}"
        lines = [f"daemon: {running} (pidfile {report['pidfile']})"]
        where = own.get("database") or report["database"]
        lines.append(f"  database {where}" + (f"; config {own['config']}" if own.get("config") else "")
                     + (f"; log {own['log']}" if own.get("log") else ""))
        if hb is not None:
            lines.append(f"  heartbeat {age_text(hb['age_seconds'])} ago")
        if own.get("db_writes") == "failing":
            lines.append(f"  database writes FAILING since {str(own.get('db_since'))[:19]} UTC: {safe_line(own.get('db_error'))}")
    else:
        line = f"daemon: not running (pidfile {report['pidfile']})"
        if hb is None:
            line += f"; no heartbeat in database {report['database']}"
            if report.get("database_note"):
                line += f" ({report['database_note']})"
        elif hb["state"] == "stopped":
            line += f"; it stopped cleanly {age_text(hb['age_seconds'])} ago (pid {hb['pid']} on {safe_line(hb['hostname'])})"
        else:
            line += (f"; its last heartbeat was {age_text(hb['age_seconds'])} ago (pid {hb['pid']} on "
                     f"{safe_line(hb['hostname'])}): it did not stop cleanly (killed, or the machine went down)")
        lines = [line]
    data = report["data"]
    if data["stale_seconds"] is not None:
        lines.append(f"data: last changed {data['stale_seconds']:.0f}s ago (last poll {data['last_poll_at'][:19].replace('T', ' ')})")
    for e in report["endpoints"]:
        ok = e["last_success_at"][:19].replace("T", " ") if e["last_success_at"] else "never"
        line = f"  {e['endpoint']:<8} last success {ok}"
        if e["failing"]:
            line += f"; failing ({e['consecutive_failures']} in a row): {safe_line(e['last_error'])}"
        lines.append(line)
    return lines
