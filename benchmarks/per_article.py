"""Milliseconds per article inside one running process (models loaded), for the tree on the path.

    python benchmarks/per_article.py [--runs N]

The texts are the seed article (../shared/data/seed) and the gold articles of tests/gold, coded
with `Pipeline.run` (parse included); the best of N passes after one warm-up pass is reported,
because on a shared machine the slower passes measure the neighbours. Run it on two checkouts
alternately (PYTHONPATH=<checkout>/src) to compare versions.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

from _data import ROOT, SEED

from tacitus.models import Article
from tacitus.pipeline import Pipeline


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    paths = ([SEED] if SEED.exists() else []) + sorted((ROOT / "tests/gold").glob("0*.txt"))
    articles = [Article(text=p.read_text(encoding="utf-8"), source=p.name, published=date(2024, 1, 1))
                for p in paths]
    pipeline = Pipeline.load()
    list(pipeline.run(articles))  # warm-up: caches, lazy tables
    passes = []
    for _ in range(args.runs):
        start = time.perf_counter()
        list(pipeline.run(articles))
        passes.append((time.perf_counter() - start) / len(articles) * 1000)
    print(json.dumps({"articles": len(articles), "ms_per_article": round(min(passes), 1),
                      "passes_ms": [round(p, 1) for p in passes]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
