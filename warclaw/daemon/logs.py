"""Logging for the daemon: a rotating file, stderr in the foreground, secrets masked.

Every record passes one formatter (:class:`SafeFormatter`) whatever logged it: API error bodies,
guild and world names and exception texts reach the log, and an admin reads it with ``tail`` on a
terminal, so each line is made terminal-safe and anything shaped like an API key is masked.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from warclaw.common import clean_lines, mask, scrub_secrets
from warclaw.errors import UserError

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class SecretFilter(logging.Filter):
    """Replaces known secrets (the configured API key) in every record, whatever logged it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            msg = record.getMessage()
            masked = msg
            for s in self.secrets:
                masked = masked.replace(s, mask(s))
            if masked != msg:
                record.msg, record.args = masked, None
        return True


SECRETS = SecretFilter()


class SafeFormatter(logging.Formatter):
    """The whole formatted record (message, arguments, traceback) with control characters and
    escape sequences made visible, line by line, and key-shaped text masked."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub_secrets(clean_lines(super().format(record)))


def setup_logging(log_file: Path, *, max_bytes: int, backups: int, to_stderr: bool, level: int = logging.INFO) -> list[logging.Handler]:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handlers: list[logging.Handler] = []
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError as e:
        raise UserError(f"log file {log_file}: cannot open: {e.strerror}") from None
    handlers.append(fh)
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for h in handlers:
        h.setFormatter(SafeFormatter(FORMAT))
        h.addFilter(SECRETS)
        root.addHandler(h)
    root.setLevel(level)
    # These log every request / migration step / file event at INFO: noise in a months-long log.
    for name in ("httpx", "httpcore", "alembic", "watchfiles"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return handlers
