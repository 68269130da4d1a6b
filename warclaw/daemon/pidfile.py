"""A pidfile plus a lock, so that exactly one daemon runs per database.

The lock (``flock`` on ``<pidfile>.lock``, held for the life of the process) is what prevents a
second instance: it vanishes with the process, even after ``kill -9``, so a leftover pidfile is
simply stale. The pid itself is written to a temporary file and renamed into place so a reader
never sees half a number, and it is removed on exit only if it still holds our pid.

The lock file also holds the running daemon's own account of itself (pid, database, config file,
log, whether the database takes writes and why not), so control commands learn which daemon they
talk to from the daemon, not from a config file that may have been edited or broken since. The
record has a fixed size and is rewritten in place: on a full disk it still changes, since an
allocated block needs no new one.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any, ClassVar

from warclaw.errors import UserError

RECORD_BYTES = 4096


class AlreadyRunning(UserError):
    pass


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise UserError(f"pidfile {path}: is a directory; daemon.pidfile must name a file") from None
    except OSError as e:
        raise UserError(f"pidfile {path}: cannot read: {e.strerror}") from None
    return int(text) if text.isdigit() else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class PidFile:
    # The pidfile this process holds (the detached daemon's is taken by python-daemon).
    held: ClassVar[PidFile | None] = None

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._fd: int | None = None
        self._record: dict[str, Any] = {}

    def _check_path(self) -> None:
        if self.path.is_dir():
            raise UserError(f"pidfile {self.path}: is a directory; daemon.pidfile must name a file")

    def locked_by_other(self) -> bool:
        """True if a live process holds the lock (a running daemon), without taking it."""
        if not self.lock_path.exists():
            return False
        try:
            fd = os.open(self.lock_path, os.O_RDWR)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def running_pid(self) -> int | None:
        """The pid of the running daemon, or None (no pidfile, or a stale one)."""
        self._check_path()
        if not self.locked_by_other():
            return None
        pid = read_pid(self.path) or self.record().get("pid")
        return pid if isinstance(pid, int) and pid_alive(pid) else None

    def record(self) -> dict[str, Any]:
        """What the daemon holding the lock says of itself ({} if nothing readable)."""
        try:
            with open(self.lock_path, "rb") as fh:
                data = json.loads(fh.read(RECORD_BYTES).decode("utf-8", "replace").strip() or "{}")
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, **fields: Any) -> None:
        """Merge ``fields`` into this daemon's record and rewrite it in place (never fails: it is
        information for control commands, and the disk may be full)."""
        if self._fd is None:
            return
        self._record.update(fields)
        data = json.dumps(self._record, default=str).encode("utf-8")
        if len(data) > RECORD_BYTES - 1:
            data = json.dumps({k: self._record[k] for k in ("pid", "database", "config") if k in self._record}).encode()
        try:
            os.pwrite(self._fd, data.ljust(RECORD_BYTES - 1) + b"\n", 0)
        except OSError:
            pass

    def acquire(self) -> None:
        self._check_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise UserError(f"pidfile {self.path}: cannot create: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = read_pid(self.path)
            raise AlreadyRunning(
                f"a warclaw daemon is already running for this database (pid {pid or '?'}, pidfile {self.path})"
            ) from None
        self._fd = fd
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(f"{os.getpid()}\n")
            os.replace(tmp, self.path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            self.release()
            raise UserError(f"pidfile {self.path}: cannot write: {e.strerror}") from None
        self._record = {"pid": os.getpid()}
        # Allocate the record's block now, while there is room: later updates rewrite it in place.
        self.update()
        PidFile.held = self

    def release(self) -> None:
        if self._fd is None:
            return
        if read_pid(self.path) == os.getpid():
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        try:
            os.ftruncate(self._fd, 0)  # a stopped daemon leaves no account of itself
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
        if PidFile.held is self:
            PidFile.held = None

    # python-daemon's DaemonContext takes any context manager as its pidfile.
    def __enter__(self) -> PidFile:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
