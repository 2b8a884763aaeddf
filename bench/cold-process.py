#!/usr/bin/env python3
"""Cold index throughput as a user pays it: `potpie-lsp index --rebuild` in a fresh process.

`cargo bench --bench engine` repeats cold builds inside one process, so what a process pays once
(loading the binary, setting up each language's patterns, the thread pool, writing the cache)
counts only in its first build. This runs the CLI itself, each time with an empty cache
directory, and reports the median CPU time of the child processes (user + system).

    python3 bench/cold-process.py --bin target/release/potpie-lsp ~/potpie-corpora/{gin,lua}
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cold_index(binary: str, root: str) -> tuple[float, int]:
    """CPU seconds of one `index --rebuild` with an empty cache, and the bytes it indexed."""
    cache = tempfile.mkdtemp(prefix="potpie-cold-")
    try:
        before = child_cpu()
        out = subprocess.run(
            [binary, "index", "--root", root, "--rebuild", "--json"],
            env=dict(os.environ, XDG_CACHE_HOME=cache),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return child_cpu() - before, json.loads(out)["bytes"]
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/potpie-lsp")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("corpora", nargs="+", help="corpus directories")
    args = ap.parse_args()
    for root in args.corpora:
        runs = [cold_index(args.bin, root) for _ in range(args.runs)]
        cpu = statistics.median(r[0] for r in runs)
        mb = runs[0][1] / 1e6
        print(
            f"{os.path.basename(root.rstrip('/')):<12} {mb:6.2f} MB  "
            f"median {cpu:.3f} CPU-s of {args.runs}  {mb / cpu:5.2f} MB per CPU-second"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
