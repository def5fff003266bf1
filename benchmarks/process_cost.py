"""CPU time of everything tacitus does after the parse, against the parse itself, on the VOA stories.

    python benchmarks/process_cost.py [--data ../shared/data] [--passes 5] [--profile N]

The stories are parsed once with the pipeline's model (`nlp.pipe`, batches of 4, as the batch
workers do); `Pipeline.process` (coding, actors, places, dates, magnitudes) then runs over the
parsed documents `--passes` times and the best pass counts. CPU time (`time.process_time`), so a
busy machine changes the figures less than wall time would. `--profile N` prints the N costliest
functions of one more pass.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

from tacitus.ingest import read_articles
from tacitus.models import Article
from tacitus.pipeline import Pipeline

SHARED = Path(__file__).resolve().parents[1].parent / "shared/data"
VOA = "news/voa_stories.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--profile", type=int, metavar="N", help="print the N costliest functions of one more pass")
    args = ap.parse_args()
    path = args.data / VOA
    if not path.exists():
        print(f"{path}: not found (the VOA stories of ../shared/data); nothing measured", file=sys.stderr)
        return 2
    pipeline = Pipeline.load()
    articles = [a for a in read_articles([str(path)]) if isinstance(a, Article)]
    start = time.process_time()
    docs = list(pipeline.nlp.pipe([a.text for a in articles], batch_size=4))
    parse = time.process_time() - start
    best = float("inf")
    for _ in range(args.passes):
        start = time.process_time()
        for article, doc in zip(articles, docs, strict=True):
            pipeline.process(article, doc)
        best = min(best, time.process_time() - start)
    print(f"{len(articles)} stories: parse {parse:.2f} s CPU, Pipeline.process {best:.2f} s CPU "
          f"(best of {args.passes}), ratio {best / parse:.3f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for article, doc in zip(articles, docs, strict=True):
            pipeline.process(article, doc)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
