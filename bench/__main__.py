"""`make bench`: every benchmark module's figures, printed (ratios against baselines measured in the
same run; nothing here asserts a timing)."""

import importlib
import sys

MODULES = ["bench.bench_engine", "bench.bench_columns", "bench.bench_client", "bench.bench_store", "bench.bench_tui", "bench.bench_matchup"]


def main() -> int:
    only = sys.argv[1:]
    for name in MODULES:
        if only and not any(o in name for o in only):
            continue
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        print(f"\n=== {name} ===", flush=True)
        mod.main()
    return 0


raise SystemExit(main())
