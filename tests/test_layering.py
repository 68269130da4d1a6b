"""Dependencies point one way: the engine imports no UI, database or HTTP library."""

import subprocess
import sys


def test_engine_imports_no_io_libraries():
    code = (
        "import sys, warclaw.engine, warclaw.engine.solver;"
        "bad = [m for m in ('textual', 'sqlalchemy', 'httpx', 'warclaw.store', 'warclaw.tui', 'warclaw.gw2api')"
        " if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
