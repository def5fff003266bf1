"""Seconds per article and peak memory of `tacitus extract` on one article.

    python benchmarks/extract_seed.py [ARTICLE] [--published YYYY-MM-DD] [--runs N]

Cold: a fresh process with an empty gazetteer cache (the GeoNames index is built).
Warm process: a fresh process with the cache in place (what every later run costs).
Warm article: the same article coded again inside one running process (models loaded).
Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _data import SEED, missing


def run_process(article: Path, published: str, cache: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one whole `tacitus extract` process, by GNU time."""
    env = dict(os.environ, TACITUS_CACHE=cache)
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", report.name, sys.executable, "-m", "tacitus.cli",
                        "extract", str(article), "--published", published, "--format", "json"],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        seconds, kib = report.read().split()[-2:]
    return float(seconds), int(kib) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("article", nargs="?", type=Path, default=SEED)
    ap.add_argument("--published", default="2023-06-27")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if missing([args.article]):
        return 0
    with tempfile.TemporaryDirectory() as cache:
        cold, cold_rss = run_process(args.article, args.published, cache)
        warm = [run_process(args.article, args.published, cache) for _ in range(args.runs)]
    print(f"article: {args.article.name} ({args.article.stat().st_size} bytes)")
    print(f"cold process (index build): {cold:.2f} s, peak RSS {cold_rss:.0f} MiB")
    print(f"warm process: median {statistics.median(w[0] for w in warm):.2f} s over {args.runs} runs, "
          f"peak RSS {max(w[1] for w in warm):.0f} MiB")

    from tacitus.ingest import read_articles
    from tacitus.pipeline import Pipeline

    t = time.perf_counter()
    pipeline = Pipeline.load()
    load = time.perf_counter() - t
    [article] = list(read_articles([str(args.article)], published=date.fromisoformat(args.published)))
    times = []
    for _ in range(args.runs * 4):
        t = time.perf_counter()
        [result] = list(pipeline.run([article]))
        times.append(time.perf_counter() - t)
    print(f"in process: model load {load:.2f} s; per article median {statistics.median(times) * 1000:.0f} ms "
          f"({len(result.events)} events, {len(article.text)} chars)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
