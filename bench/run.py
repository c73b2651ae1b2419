"""Run every benchmark in bench/ (files named bench_*.py, each with a main()).

Each benchmark prints its figure and a raw floor measured in the same run, so that the
ratio means something on a noisy machine. ``make bench`` runs this; pass names to run
some only: ``python bench/run.py ledger_posting``.
"""

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main(argv: list[str]) -> int:
    selected = set(argv)
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if selected and name not in selected:
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # report (a broken import too) and go on with the other benchmarks
            failures += 1
            print(f"FAILED: {exc!r}", flush=True)
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
