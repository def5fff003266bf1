"""Articles per second of batch ingest with 1 and 2 workers, peak memory per worker, and the bare spaCy rate.

    python benchmarks/throughput.py [--data ../shared/data] [--workers 1 2] [--json FILE] [--profile FILE]

Corpora: the 181 HTML pages of `eval/article-extraction/html` and the VOA stories (`news/voa_stories.jsonl`).
For each corpus and worker count the whole of `tacitus ingest` runs into a fresh database (reading,
extraction, coding, near-duplicate detection, storage); articles/s counts every input coded, from the
moment the first worker had loaded its models (the start-up is reported apart). Peak RSS per worker is
sampled with psutil every 50 ms. The bare spaCy rate is the pipeline's model (`tacitus.nlp.MODEL`, all
components, nothing of ours) over the same extracted texts with `nlp.pipe`, in the same run: in one
process, and in as many processes as the most workers measured (`n_process`). `--profile` writes a
cProfile of one in-process worker over the VOA texts and prints where the time goes besides the parse.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
from _data import SHARED, VOA, missing, texts

CORPORA = {"html": "eval/article-extraction/html", "voa": VOA}
# Issue 5's targets.
RATIO_TARGET = 0.6
VOA_RATE_TARGET = 10.0
RSS_TARGET = 1.5 * 2**30
SAMPLE_SECONDS = 0.05


@contextmanager
def worker_sampler(include_self: bool) -> Iterator[tuple[dict[int, int], dict[int, float]]]:
    """Largest RSS and last CPU seconds seen per worker (this process's children, and this process
    when it codes itself)."""
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}
    stop = threading.Event()
    me = psutil.Process()

    def is_worker(proc: psutil.Process) -> bool:
        try:
            return any("spawn_main" in part for part in proc.cmdline())  # not multiprocessing's resource tracker
        except psutil.Error:
            return False

    def sample() -> None:
        while not stop.is_set():
            procs = [p for p in me.children(recursive=True) if is_worker(p)] + ([me] if include_self else [])
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                peaks[proc.pid] = max(peaks.get(proc.pid, 0), rss)
                cpu[proc.pid] = times.user + times.system
            stop.wait(SAMPLE_SECONDS)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks, cpu
    finally:
        stop.set()
        thread.join()


def measure_ingest(path: Path, workers: int) -> dict[str, Any]:
    from tacitus.batch import IngestOptions, run_ingest
    from tacitus.store import Store

    parent = psutil.Process()
    cpu_before = sum(parent.cpu_times()[:2])
    with tempfile.TemporaryDirectory(prefix="tacitus-bench-") as tmp:
        with worker_sampler(include_self=workers == 1) as (peaks, cpu), Store(Path(tmp) / "bench.duckdb") as store:
            stats = run_ingest([str(path)], store, IngestOptions(workers=workers))
    parent_cpu = sum(parent.cpu_times()[:2]) - cpu_before
    worker_cpu = parent_cpu if workers == 1 else sum(cpu.values())
    started_up = (stats.ready or stats.started) - stats.started
    return {
        "workers": stats.workers, "articles": stats.coded, "stored": stats.added, "errors": stats.errors,
        "events": stats.events, "near_duplicates": stats.duplicates, "startup_s": round(started_up, 2),
        "wall_s": round(stats.seconds(), 2), "articles_per_s": round(stats.documents_per_second(since_ready=True), 2),
        "articles_per_s_with_startup": round(stats.documents_per_second(), 2),
        "peak_rss_mib_per_worker": sorted(round(v / 2**20) for v in peaks.values()),
        # with worker processes: what reading, the near-duplicate lookup and the DuckDB writes cost the parent
        "parent_cpu_s": round(parent_cpu, 2),
        # the workers' CPU seconds over their wall seconds: near 1.0 when each had a core to itself,
        # lower when other jobs on the machine took a share (model loading included)
        "worker_cpu_share": round(worker_cpu / (stats.seconds() * stats.workers), 2),
        "pool_renewals": stats.pool_renewals,
    }


def measure_bare_spacy(stories: Sequence[str], processes: int = 1) -> dict[str, Any]:
    import spacy

    from tacitus.nlp import MODEL

    nlp = spacy.load(MODEL)
    start = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(stories, n_process=processes))
    seconds = time.perf_counter() - start
    return {"articles": len(stories), "tokens": tokens, "seconds": round(seconds, 2),
            "articles_per_s": round(len(stories) / seconds, 2), "tokens_per_s": round(tokens / seconds)}


def profile_worker(path: Path, out: Path, top: int = 15) -> list[str]:
    """cProfile of `code_items` over the corpus in this process, in the chunks the workers code: where
    the time goes besides the parse."""
    from tacitus.batch.engine import DEFAULT_CHUNK_SIZE
    from tacitus.batch.worker import code_items
    from tacitus.ingest.readers import read_items
    from tacitus.models import RawDocument
    from tacitus.pipeline import Pipeline

    pipeline = Pipeline.load()
    items = [i for i in read_items([str(path)]) if isinstance(i.document, RawDocument)]
    profiler = cProfile.Profile()
    profiler.enable()
    for start in range(0, len(items), DEFAULT_CHUNK_SIZE):
        code_items(pipeline, items[start:start + DEFAULT_CHUNK_SIZE])
    profiler.disable()
    profiler.dump_stats(str(out))
    entries = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    total = sum(tottime for _, _, tottime, _, _ in entries.values())

    def cumulative(file_part: str, name: str) -> float:
        return max((cum for (file, _, func), (_, _, _, cum, _) in entries.items()
                    if file_part in file and func == name), default=0.0)

    lines = [f"profile of one worker over {len(items)} VOA articles: {total:.1f} s (cProfile slows Python code "
             f"more than spaCy's compiled code)",
             f"  spaCy pipeline (nlp.pipe: tokenizer, tagger, parser, NER, our two rules): "
             f"{cumulative('spacy/language.py', 'pipe'):.1f} s",
             f"  Pipeline.process (coding, actors, places, dates, magnitudes, merging): "
             f"{cumulative('tacitus/pipeline.py', 'process'):.1f} s",
             f"  extract_article: {cumulative('tacitus/ingest/extract.py', 'extract_article'):.1f} s; "
             f"to_dict: {cumulative('tacitus/models.py', 'to_dict'):.1f} s; "
             f"MinHash signature: {cumulative('tacitus/batch/dedup.py', 'signature'):.1f} s",
             "  top tacitus functions by cumulative time (callees included):"]
    ours = sorted(((cum, f"{Path(file).parent.name}/{Path(file).name}:{line}({func})")
                   for (file, line, func), (_, _, _, cum, _) in entries.items() if "/tacitus/" in file
                   and func not in {"<genexpr>", "<listcomp>", "<lambda>"}), reverse=True)
    wrappers = {"code_items", "process", "run", "_coded"}  # already reported above
    ours = [(cum, where) for cum, where in ours if where.split("(")[1][:-1] not in wrappers]
    lines += [f"    {cum:6.2f} s  {where}" for cum, where in ours[:top]]
    lines.append("  top own time outside the model's matrix code (spaCy's Doc/Token API included, called by us):")
    own = sorted(((tottime, f"{Path(file).name}:{line}({func})") for (file, line, func), (_, _, tottime, _, _)
                  in entries.items() if not any(part in file for part in ("/thinc/", "numpy_ops", "/numpy/"))),
                 reverse=True)
    lines += [f"    {tottime:6.2f} s  {where}" for tottime, where in own[:top]]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--json", type=Path, help="Also write the figures as JSON to this file.")
    ap.add_argument("--profile", type=Path, help="Write a cProfile of one worker over the VOA texts here.")
    args = ap.parse_args()
    paths = {name: args.data / rel for name, rel in CORPORA.items()}
    if missing(paths.values()):
        return 0
    report: dict[str, Any] = {"cores": os.cpu_count(), "load_average_before": [round(x, 2) for x in os.getloadavg()],
                              "corpora": {}}
    for name, path in paths.items():
        stories = texts(path)
        most = max(args.workers)
        figures: dict[str, Any] = {"bare_spacy": measure_bare_spacy(stories)}
        if most > 1:
            figures[f"bare_spacy_{most}_processes"] = measure_bare_spacy(stories, most)
        for workers in args.workers:
            figures[f"workers_{workers}"] = measure_ingest(path, workers)
        bare = figures["bare_spacy"]["articles_per_s"]
        top = figures[f"workers_{most}"]
        figures["ratio_to_bare_spacy"] = round(top["articles_per_s"] / bare, 2) if bare else None
        report["corpora"][name] = figures
        print(f"{name}: {len(stories)} articles extracted; bare spaCy {bare:.2f} articles/s "
              f"({figures['bare_spacy']['tokens_per_s']} tokens/s) in one process", end="")
        if most > 1:
            bare_n = figures[f"bare_spacy_{most}_processes"]["articles_per_s"]
            figures[f"ratio_to_bare_spacy_{most}_processes"] = round(top["articles_per_s"] / bare_n, 2)
            print(f", {bare_n:.2f} articles/s with nlp.pipe(n_process={most})", end="")
        print()
        for workers in args.workers:
            f = figures[f"workers_{workers}"]
            print(f"  {workers} worker(s): {f['articles_per_s']:.2f} articles/s after a {f['startup_s']:.1f} s "
                  f"start-up ({f['articles_per_s_with_startup']:.2f} with it; {f['articles']} inputs, {f['errors']} "
                  f"errors, {f['events']} events, {f['near_duplicates']} near-duplicates); peak RSS per worker "
                  f"{f['peak_rss_mib_per_worker']} MiB; parent CPU {f['parent_cpu_s']:.1f} s; workers had "
                  f"{f['worker_cpu_share']:.0%} of their cores")
        print(f"  ratio {most} workers / bare spaCy: {figures['ratio_to_bare_spacy']} (one process)"
              + (f", {figures[f'ratio_to_bare_spacy_{most}_processes']} ({most} processes)" if most > 1 else ""))
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    voa = report["corpora"]["voa"]
    two = voa.get("workers_2")
    if two is not None:
        worst_rss = max(max(f["peak_rss_mib_per_worker"], default=0) for c in report["corpora"].values()
                        for k, f in c.items() if k.startswith("workers_"))
        checks = {
            f"2-worker rate >= {RATIO_TARGET} x bare spaCy (VOA)": two["articles_per_s"] >= RATIO_TARGET * voa[
                "bare_spacy"]["articles_per_s"],
            f"2-worker rate >= {RATIO_TARGET} x bare spaCy in 2 processes (VOA)": "bare_spacy_2_processes" in voa
            and two["articles_per_s"] >= RATIO_TARGET * voa["bare_spacy_2_processes"]["articles_per_s"],
            f"2-worker rate >= {VOA_RATE_TARGET} articles/s (VOA)": two["articles_per_s"] >= VOA_RATE_TARGET,
            "peak RSS per worker < 1.5 GiB": worst_rss * 2**20 < RSS_TARGET,
        }
        report["targets"] = checks
        for check, held in checks.items():
            print(f"target {'met' if held else 'NOT met'}: {check}")
    print(f"load average before {report['load_average_before']}, after {report['load_average_after']} "
          f"({report['cores']} cores)")
    if args.profile is not None:
        lines = profile_worker(paths["voa"], args.profile)
        report["profile"] = lines
        print("\n".join(lines))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
