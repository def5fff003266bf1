"""CPU time of everything tacitus does after the parse, against the parse itself, on the VOA stories.

    python benchmarks/process_cost.py [--data ../shared/data] [--passes 5] [--profile N]

The stories are parsed once with the pipeline's model (`nlp.pipe`, in batches of the engine's
DEFAULT_CHUNK_SIZE, as the batch workers do); `Pipeline.process` (coding, actors, places, dates,
magnitudes) then runs over the parsed documents `--passes` times and the best pass counts. CPU time
(`time.process_time`), so a busy machine changes the figures less than wall time would. `--profile N`
prints the N costliest functions of one more pass.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

from _data import SHARED, VOA, articles, missing

from tacitus.batch.engine import DEFAULT_CHUNK_SIZE
from tacitus.pipeline import Pipeline


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--profile", type=int, metavar="N", help="print the N costliest functions of one more pass")
    args = ap.parse_args()
    path = args.data / VOA
    if missing([path]):
        return 2
    pipeline = Pipeline.load()
    stories = articles(path)
    start = time.process_time()
    docs = list(pipeline.nlp.pipe([a.text for a in stories], batch_size=DEFAULT_CHUNK_SIZE))
    parse = time.process_time() - start
    best = float("inf")
    for _ in range(args.passes):
        start = time.process_time()
        for article, doc in zip(stories, docs, strict=True):
            pipeline.process(article, doc)
        best = min(best, time.process_time() - start)
    print(f"{len(stories)} stories: parse {parse:.2f} s CPU, Pipeline.process {best:.2f} s CPU "
          f"(best of {args.passes}), ratio {best / parse:.3f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for article, doc in zip(stories, docs, strict=True):
            pipeline.process(article, doc)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
