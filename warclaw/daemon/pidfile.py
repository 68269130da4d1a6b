"""A pidfile plus a lock, so that exactly one daemon runs per database.

The lock (``flock`` on ``<pidfile>.lock``, held for the life of the process) is what prevents a
second instance: it vanishes with the process, even after ``kill -9``, so a leftover pidfile is
simply stale. The pid itself is written to a temporary file and renamed into place so a reader
never sees half a number, and it is removed on exit only if it still holds our pid.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from warclaw.errors import UserError


class AlreadyRunning(UserError):
    pass


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
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
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._fd: int | None = None

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
        if not self.locked_by_other():
            return None
        pid = read_pid(self.path)
        return pid if pid is not None and pid_alive(pid) else None

    def acquire(self) -> None:
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
        tmp.write_text(f"{os.getpid()}\n")
        os.replace(tmp, self.path)

    def release(self) -> None:
        if self._fd is None:
            return
        if read_pid(self.path) == os.getpid():
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    # python-daemon's DaemonContext takes any context manager as its pidfile.
    def __enter__(self) -> PidFile:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
