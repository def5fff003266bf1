"""Batch ingest: takes input paths and a Store, codes every input and stores it, gives IngestStats.

The parent process reads the inputs (`read_items`), skips the keys an earlier run finished,
sends chunks of raw documents to worker processes that each load the Pipeline once, and takes
the results back in input order. It is the only writer of the database: each write batch
(documents, events, item keys, error-log rows, near-duplicate links) is one transaction, so a
job killed at any point resumes after its last commit, and the same input gives the same rows
whatever the number of workers. With one worker, or an input smaller than one chunk, the parent
codes in its own process (starting processes would cost more than it saves).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from typing import BinaryIO, Protocol

from tacitus.batch import dedup
from tacitus.batch.worker import (
    ChunkOutcome,
    ItemOutcome,
    WorkerStartError,
    code_chunk,
    code_items,
    peak_rss,
    start_worker,
    worker_died,
)
from tacitus.errors import InputError, StoreError, TacitusError
from tacitus.ingest.readers import InputItem, ReadTally, count_items, position_key, read_items
from tacitus.pipeline import Pipeline
from tacitus.store.db import DuplicateLink, ItemRecord, SignatureRecord, Store

DEFAULT_BATCH_SIZE = 32  # input items per transaction
# Documents per worker task, one nlp.pipe batch. spaCy's small model parses as fast in batches
# of 4 as of 32, and small tasks keep both workers busy to the end (on the 89 VOA stories,
# 2 workers did 9.0 articles/s with chunks of 8 and 9.6-9.9 with chunks of 2 to 4).
DEFAULT_CHUNK_SIZE = 4
# Chunks queued per worker beyond the one it is coding: keeps workers busy while the parent
# writes, and bounds what the parent holds in memory on an endless input.
QUEUED_PER_WORKER = 2
# A worker whose peak resident memory passes this is replaced (spaCy's string store only grows
# over a long stream); the ceiling is 1.5 GB, and a worker peaks near 0.5 GB on news.
WORKER_MEMORY_LIMIT = 1_200_000_000


def default_workers() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class IngestOptions:
    workers: int = field(default_factory=default_workers)
    batch_size: int = DEFAULT_BATCH_SIZE
    chunk_size: int = DEFAULT_CHUNK_SIZE
    published: date | None = None  # overrides every input's publication date
    duplicate_threshold: float = dedup.THRESHOLD
    worker_memory_limit: int = WORKER_MEMORY_LIMIT  # bytes of peak RSS before a worker pool is renewed


@dataclass
class IngestStats:
    """Counts of a run, live while it goes (for progress) and final at its end."""

    total: int | None = None  # input items, when counted before reading (see `start_stats`)
    items: int = 0  # input items dealt with, in any way
    added: int = 0  # documents stored
    present: int = 0  # items whose document was already stored
    resumed: int = 0  # items an earlier run finished (their keys were skipped)
    events: int = 0  # events stored
    errors: int = 0
    duplicates: int = 0  # near-duplicate links stored
    skipped_records: int = 0  # WARC records that are no HTML response
    workers: int = 1  # processes that coded (1: the parent itself)
    pool_renewals: int = 0  # times the workers were replaced for their memory
    started: float = field(default_factory=time.perf_counter)
    ready: float | None = None  # perf_counter when the first coder had its models loaded
    finished: float | None = None
    worker_peak_rss: dict[int, int] = field(default_factory=dict)  # pid → bytes, of every worker that coded

    @property
    def already_stored(self) -> int:
        return self.present + self.resumed

    @property
    def coded(self) -> int:
        """Items that went through a coder (not skipped by key)."""
        return self.items - self.resumed

    def seconds(self, since_ready: bool = False) -> float:
        start = self.ready if since_ready and self.ready is not None else self.started
        return max(1e-9, (self.finished or time.perf_counter()) - start)

    def documents_per_second(self, since_ready: bool = False) -> float:
        return self.coded / self.seconds(since_ready)


class ProgressSink(Protocol):
    """What `run_ingest` reports to as it goes: the counts after each chunk, and each item error.
    `shows_total`: whether it draws a total, for which the inputs are counted before the run."""

    shows_total: bool

    def update(self, stats: IngestStats) -> None: ...

    def note(self, message: str) -> None: ...


def run_ingest(
    paths: Sequence[str],
    store: Store,
    options: IngestOptions | None = None,
    *,
    stdin: BinaryIO | None = None,
    progress: ProgressSink | None = None,
    load_pipeline: Callable[[], Pipeline] | None = None,
) -> IngestStats:
    """Code and store every input of `paths` not stored by an earlier run with the same keys.

    `load_pipeline` gives the Pipeline when coding in this process (default `Pipeline.load`).
    Per-item problems are logged in the store and counted; a store or model failure raises.
    Worker processes are spawned, so a script that calls this with `workers` > 1 must do so
    under `if __name__ == "__main__":` (the workers import the script's main module)."""
    options = options or IngestOptions()
    if options.batch_size < 1 or options.chunk_size < 1 or options.workers < 1:
        raise ValueError("workers, batch_size and chunk_size must be at least 1")
    # Without a progress bar the count only decides whether the input is smaller than one chunk.
    stats = start_stats(paths, progress, enough=options.chunk_size if options.workers > 1 else None)
    in_process = options.workers == 1 or (stats.total is not None and stats.total <= options.chunk_size)
    coder: Coder = (_InProcess(load_pipeline or Pipeline.load, options.published) if in_process
                    else _Pool(options.workers, options.published))
    stats.workers = 1 if in_process else options.workers
    retired: set[int] = set()  # workers of pools already replaced

    def renew_pool(drain: Callable[[], None]) -> None:
        if in_process or max((rss for pid, rss in stats.worker_peak_rss.items() if pid not in retired),
                             default=0) <= options.worker_memory_limit:
            return
        # Let the queued chunks finish, then start fresh workers (lazily, at the next chunk).
        drain()
        coder.restart()
        retired.update(stats.worker_peak_rss)
        stats.pool_renewals += 1

    return drive_ingest(paths, store, options, coder, stats, stdin=stdin, progress=progress, between_chunks=renew_pool)


def start_stats(paths: Sequence[str], progress: ProgressSink | None, enough: int | None = None) -> IngestStats:
    """The stats a run starts with. Its inputs are counted (when that is cheap, see `count_items`) for a
    progress bar's total; with no bar drawn, only up to `enough` items (None: not at all), so a large input is
    not walked twice. `total` stays None when it was not counted or passed `enough`."""
    drawn = progress is not None and progress.shows_total
    if "-" in paths or (not drawn and enough is None):
        return IngestStats()
    return IngestStats(total=count_items(paths, limit=None if drawn else enough))


def drive_ingest(
    paths: Sequence[str],
    store: Store,
    options: IngestOptions,
    coder: Coder,
    stats: IngestStats,
    *,
    stdin: BinaryIO | None = None,
    progress: ProgressSink | None = None,
    between_chunks: Callable[[Callable[[], None]], None] | None = None,
) -> IngestStats:
    """The loop every engine shares: read the inputs in chunks, skip the stored keys, hand the rest to
    `coder`, keep at most its queue depth in flight, and write the results in input order through one
    writer. `between_chunks` is called after each chunk with a function that drains the queue."""
    writer = _Writer(store, options, stats, progress)
    tally = ReadTally()
    pending: deque[_Chunk] = deque()

    def drain() -> None:
        while pending:
            _finish_chunk(pending, coder, writer, stats, tally, progress)

    try:
        for items in _chunks(read_items(paths, stdin=stdin, tally=tally), options.chunk_size):
            chunk = _Chunk(items, store.done_keys([item.key for item in items]))
            if chunk.work:
                chunk.future = coder.submit(chunk.work)
            pending.append(chunk)
            while len(pending) > coder.queue_depth:
                _finish_chunk(pending, coder, writer, stats, tally, progress)
            if between_chunks is not None:
                between_chunks(drain)
        drain()
        writer.flush()
    finally:
        coder.close()
    stats.skipped_records = tally.skipped_records
    stats.finished = time.perf_counter()
    if progress is not None:
        progress.update(stats)
    return stats


# -- chunks ----------------------------------------------------------------------------------------


class _Chunk:
    """Input items in order; those not finished before and readable are the work for a coder."""

    def __init__(self, items: list[InputItem], done: set[str]) -> None:
        self.items = items
        self.done = done
        self.work = [i for i in items if i.key not in done and not isinstance(i.document, InputError)]
        self.future: Future[ChunkOutcome] | None = None


def _chunks(items: Iterable[InputItem], size: int) -> Iterator[list[InputItem]]:
    chunk: list[InputItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _finish_chunk(pending: deque[_Chunk], coder: Coder, writer: _Writer, stats: IngestStats, tally: ReadTally,
                  progress: ProgressSink | None) -> None:
    chunk = pending.popleft()
    coded = iter(_outcomes(chunk, pending, coder, stats))
    outcomes: list[ItemOutcome] = []
    for item in chunk.items:
        if item.key in chunk.done:
            stats.resumed += 1
        elif isinstance(item.document, InputError):
            outcomes.append(ItemOutcome(item.key, item.document.source, error=str(item.document)))
        else:
            outcomes.append(next(coded))
    writer.take(outcomes)
    stats.items += len(chunk.items)
    stats.skipped_records = tally.skipped_records
    if progress is not None:
        progress.update(stats)


def _outcomes(chunk: _Chunk, pending: deque[_Chunk], coder: Coder, stats: IngestStats) -> list[ItemOutcome]:
    if chunk.future is None:
        return []
    try:
        result = chunk.future.result()
    except WorkerStartError as exc:
        raise TacitusError(str(exc)) from None
    except BrokenProcessPool:
        # Some document killed its worker (a crash in native code, the kernel's OOM killer).
        # Code this chunk one document at a time in a fresh pool, so only that one is lost.
        outcomes = []
        coder.restart()
        for work in chunk.work:
            try:
                outcomes += coder.submit([work]).result().outcomes
            except BrokenProcessPool:
                outcomes.append(worker_died(work))
                coder.restart()
        for queued in pending:  # their futures died with the old pool
            if queued.work:
                queued.future = coder.submit(queued.work)
        return outcomes
    stats.worker_peak_rss[result.pid] = max(stats.worker_peak_rss.get(result.pid, 0), result.peak_rss)
    ready = time.perf_counter() - (time.time() - result.ready_at)  # the worker's wall clock on our timer
    stats.ready = ready if stats.ready is None else min(stats.ready, ready)
    return result.outcomes


# -- coders ----------------------------------------------------------------------------------------


class Coder(Protocol):
    """Codes chunks of work items somewhere: in this process, a process pool, a Dask cluster."""

    queue_depth: int

    def submit(self, work: list[InputItem]) -> Future[ChunkOutcome]: ...

    def restart(self) -> None: ...

    def close(self) -> None: ...


class _InProcess:
    """Codes in the parent; the models load at the first chunk that needs them."""

    queue_depth = 0

    def __init__(self, load: Callable[[], Pipeline], published: date | None) -> None:
        self._load = load
        self._published = published
        self._pipeline: Pipeline | None = None
        self._ready_at = 0.0

    def submit(self, work: list[InputItem]) -> Future[ChunkOutcome]:
        if self._pipeline is None:
            self._pipeline = self._load()
            self._ready_at = time.time()
        future: Future[ChunkOutcome] = Future()
        future.set_result(ChunkOutcome(code_items(self._pipeline, work, self._published), os.getpid(), peak_rss(),
                                       self._ready_at))
        return future

    def restart(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Pool:
    """Worker processes, started (spawned, not forked: the parent holds DuckDB's threads) at the
    first chunk that needs them; each loads the Pipeline once."""

    def __init__(self, workers: int, published: date | None) -> None:
        self._workers = workers
        self._published = published
        self._executor: ProcessPoolExecutor | None = None
        self.queue_depth = workers * QUEUED_PER_WORKER

    def submit(self, work: list[InputItem]) -> Future[ChunkOutcome]:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=get_context("spawn"),
                                                 initializer=start_worker, initargs=(self._published,))
        return self._executor.submit(code_chunk, work)

    def restart(self) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


# -- the single writer -----------------------------------------------------------------------------


class _Writer:
    """Collects outcomes in input order into write batches; finds near-duplicates on the way."""

    def __init__(self, store: Store, options: IngestOptions, stats: IngestStats,
                 progress: ProgressSink | None) -> None:
        self.store = store
        self.options = options
        self.stats = stats
        self.progress = progress
        self.documents: list[dict[str, object]] = []
        self.items: list[ItemRecord] = []
        self.signatures: list[SignatureRecord] = []
        self.links: list[DuplicateLink] = []
        self.batch_ids: set[str] = set()
        self.index = dedup.BucketIndex()  # signatures of this batch, not yet in the store

    def take(self, outcomes: Sequence[ItemOutcome]) -> None:
        doc_ids = [o.result["document"]["id"] for o in outcomes if o.result is not None]
        stored = self.store.stored_document_ids(doc_ids)
        buckets = [b for o in outcomes if o.signature is not None for b in o.signature.buckets]
        by_bucket = self.store.bucket_signatures(buckets)
        for outcome in outcomes:
            if outcome.result is None:
                message = outcome.error or "unknown error"
                self.items.append(ItemRecord(outcome.key, outcome.source, None, "error", message))
                self.stats.errors += 1
                if self.progress is not None:
                    self.progress.note(message)
                continue
            doc_id = outcome.result["document"]["id"]
            if doc_id in stored or doc_id in self.batch_ids:
                self.items.append(ItemRecord(outcome.key, outcome.source, doc_id, "present",
                                             supersedes=position_key(outcome.key)))
                self.stats.present += 1
                continue
            sig = outcome.signature
            if sig is not None and sig.minhash:
                candidates = {d: minhash for b in sig.buckets for d, minhash in by_bucket.get(b, ())}
                candidates.update(self.index.candidates(sig.buckets))
                candidates.pop(doc_id, None)
                match = dedup.best_match(sig.minhash, candidates, self.options.duplicate_threshold)
                if match is not None:
                    self.links.append(DuplicateLink(doc_id, match[0], round(match[1], 4)))
                    self.stats.duplicates += 1
                self.index.add(doc_id, sig)
                self.signatures.append(SignatureRecord(doc_id, sig.shingles, sig.minhash, sig.buckets))
            self.documents.append(outcome.result)
            self.items.append(ItemRecord(outcome.key, outcome.source, doc_id, "added",
                                         supersedes=position_key(outcome.key)))
            self.batch_ids.add(doc_id)
            self.stats.added += 1
            self.stats.events += len(outcome.result.get("events") or [])
        if len(self.items) >= self.options.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.items:
            return
        try:
            self.store.add_ingest_batch(self.documents, _unique_keys(self.items), self.signatures, self.links)
        except InputError as exc:  # a coded document the store refuses is a bug, not a bad input
            raise StoreError(str(exc)) from exc
        self.documents, self.items, self.signatures, self.links = [], [], [], []
        self.batch_ids.clear()
        self.index.clear()


def _unique_keys(items: list[ItemRecord]) -> list[ItemRecord]:
    """The first record of each key (the same input named twice on the command line)."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            out.append(item)
    return out
