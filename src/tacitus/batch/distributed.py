"""Distributed ingest on Dask: takes input paths, a Store and a Dask client, gives IngestStats like `run_ingest`.

The client (this process) reads the inputs, skips the keys an earlier run finished and submits
chunks of raw documents as Dask tasks. Each worker process loads the Pipeline once (the engine's
`worker_pipeline`) and codes a chunk with the same `code_items` as the single-machine engine;
the task writes the outcome as Parquet partitions into a directory every worker and the client
can read:

    documents-<part>.parquet   one row per input item: position, key, source, document_id, error,
                               document (the EVENT-SCHEMA object as JSON), signature (MinHash, JSON)
    events-<part>.parquet      one row per event: document_id, ordinal, event_id, type, mode, status,
                               source/target country, date window, place, casualties, event (JSON);
                               written only for a directory that is kept (`--parquet-dir`)

`<part>` is a hash of the chunk's item keys, so a chunk coded again overwrites its own files.
The client then loads the partitions in input order through the engine's single writer (the same
`Store.add_ingest_batch` path, near-duplicate links and ingest_items keys), so document ids, event
ids, dedup and resumability are those of `run_ingest`. The partitions can also be queried without
the store, e.g. `duckdb.sql("SELECT type, count(*) FROM 'DIR/events-*.parquet' GROUP BY type")`
(a chunk re-coded after an interrupted run keeps one file; the store stays the deduplicated truth).

`dask_client("local", workers=N)` starts a LocalCluster of N single-threaded worker processes;
`dask_client("tcp://host:8786")` connects to a running scheduler, and fails fast with an
InputError naming the address when none answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import dask
import duckdb
from distributed import Client, KilledWorker, LocalCluster

from tacitus.batch.dedup import Signature
from tacitus.batch.engine import QUEUED_PER_WORKER, IngestOptions, IngestStats, ProgressSink, drive_ingest, start_stats
from tacitus.batch.worker import (
    ChunkOutcome,
    ItemOutcome,
    WorkerStartError,
    code_items,
    peak_rss,
    worker_died,
    worker_pipeline,
)
from tacitus.errors import InputError, TacitusError
from tacitus.ingest.readers import InputItem
from tacitus.store.db import Store

LOCAL = "local"
CONNECT_TIMEOUT = 10.0  # seconds to reach a remote scheduler before giving up
WORKERS_TIMEOUT = 120.0  # seconds to wait for a scheduler to have at least one worker

# The flat event columns of events-*.parquet: what analysts filter on without parsing JSON.
_EVENT_COLUMNS = """
    e.value->>'id' AS event_id, e.value->>'type' AS type, e.value->>'mode' AS mode,
    e.value->>'status' AS status,
    e.value->'source'->>'name' AS source_name, e.value->'source'->>'country' AS source_country,
    e.value->'target'->>'name' AS target_name, e.value->'target'->>'country' AS target_country,
    TRY_CAST(e.value->'date'->>'start' AS DATE) AS date_start, TRY_CAST(e.value->'date'->>'end' AS DATE) AS date_end,
    e.value->'location'->>'name' AS location_name, e.value->'location'->>'country' AS location_country,
    TRY_CAST(e.value->'location'->>'lat' AS DOUBLE) AS lat, TRY_CAST(e.value->'location'->>'lon' AS DOUBLE) AS lon,
    TRY_CAST(e.value->>'killed' AS INTEGER) AS killed, TRY_CAST(e.value->>'injured' AS INTEGER) AS injured,
    e.value AS event
"""


@dataclass(frozen=True)
class PartitionWritten:
    """What a task gives back: where its partition is, and the worker's state for IngestStats."""

    documents: str  # path of documents-<part>.parquet
    pid: int
    peak_rss: int
    ready_at: float


# -- connecting ------------------------------------------------------------------------------------


@contextmanager
def dask_client(scheduler: str, workers: int = 2, connect_timeout: float | None = None) -> Iterator[Client]:
    """A client of a new LocalCluster (`scheduler="local"`, `workers` processes of one thread) or of
    the scheduler at `scheduler` (tcp://HOST:PORT, `connect_timeout` seconds to answer, default
    CONNECT_TIMEOUT); both are closed on exit."""
    timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
    if scheduler == LOCAL:
        # spawn, not fork, is distributed's default for worker processes: this process holds DuckDB's threads.
        # No dashboard, so no use for the worker profiler, whose stack sampling every 10 ms takes the GIL.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    if "://" not in scheduler:
        raise InputError(scheduler, "not a Dask scheduler address (tcp://HOST:PORT) nor 'local'")
    try:
        client = Client(scheduler, timeout=timeout)
    except OSError as exc:  # refused, unreachable, timed out (TimeoutError is an OSError)
        raise InputError(scheduler, f"no Dask scheduler answers within {timeout:g} s "
                                    f"({type(exc).__name__})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except TimeoutError:
            raise InputError(scheduler, f"the Dask scheduler has no worker after {WORKERS_TIMEOUT:g} s") from None
        yield client
    finally:
        client.close()


def worker_count(client: Client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def default_parquet_dir(db_path: str | os.PathLike[str]) -> Path:
    """A new temporary directory next to the database (the client deletes it after loading)."""
    db = Path(db_path).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{db.name}.parts-", dir=db.parent))


# -- the client side -------------------------------------------------------------------------------


def run_distributed_ingest(
    paths: Sequence[str],
    store: Store,
    client: Client,
    parquet_dir: str | os.PathLike[str],
    options: IngestOptions | None = None,
    *,
    stdin: BinaryIO | None = None,
    progress: ProgressSink | None = None,
    write_events: bool = True,
) -> IngestStats:
    """Code every input of `paths` not stored by an earlier run on the Dask cluster of `client`, with
    partitions in `parquet_dir` (events partitions too with `write_events`: they are for queries
    after the run), and store them in input order. `options.workers` is not used (the cluster has
    its workers); batch and chunk sizes, `published` and the duplicate threshold are."""
    options = options or IngestOptions()
    if options.batch_size < 1 or options.chunk_size < 1:
        raise ValueError("batch_size and chunk_size must be at least 1")
    directory = Path(parquet_dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    stats = start_stats(paths, progress)
    stats.workers = worker_count(client)
    coder = _DaskCoder(client, options.published, directory, write_events, stats.workers * QUEUED_PER_WORKER)
    return drive_ingest(paths, store, options, coder, stats, stdin=stdin, progress=progress)


def ingest_on_cluster(
    paths: Sequence[str],
    store: Store,
    scheduler: str,
    options: IngestOptions | None = None,
    *,
    parquet_dir: str | os.PathLike[str] | None = None,
    stdin: BinaryIO | None = None,
    progress: ProgressSink | None = None,
    connect_timeout: float | None = None,
) -> IngestStats:
    """`run_distributed_ingest` with its client: "local" starts `options.workers` worker processes.
    Without `parquet_dir` the documents partitions go to a temporary directory next to the database,
    removed at the end; a given directory is kept for direct queries, with the events partitions."""
    options = options or IngestOptions()
    directory = Path(parquet_dir) if parquet_dir is not None else default_parquet_dir(store.path)
    try:
        with dask_client(scheduler, options.workers, connect_timeout) as client:
            return run_distributed_ingest(paths, store, client, directory, options, stdin=stdin, progress=progress,
                                          write_events=parquet_dir is not None)
    finally:
        if parquet_dir is None:  # a new run makes a new one: what was coded and not stored is coded again
            shutil.rmtree(directory, ignore_errors=True)


class _DaskCoder:
    """The engine's coder protocol over Dask: each submit is one task writing one partition."""

    def __init__(self, client: Client, published: date | None, directory: Path, write_events: bool,
                 queue_depth: int) -> None:
        self._client = client
        self._published = published
        self._directory = str(directory)
        self._write_events = write_events
        self.queue_depth = queue_depth
        self._futures: list[Any] = []

    def submit(self, work: list[InputItem]) -> Future[ChunkOutcome]:
        return _PartitionFuture(self, self.submit_task(work), work)

    def submit_task(self, work: list[InputItem]) -> Any:
        future = self._client.submit(code_partition, work, self._published, self._directory, partition_name(work),
                                     self._write_events, pure=False)
        self._futures = [f for f in self._futures if not f.done()] + [future]
        return future

    def restart(self) -> None:
        pass  # Dask replaces a dead worker itself; a task it kills is retried, then raises KilledWorker

    def close(self) -> None:
        if self._futures:
            self._client.cancel([f for f in self._futures if not f.done()])
            self._futures = []


class _PartitionFuture(Future[ChunkOutcome]):
    """A Dask task's partition, read back when the engine asks for the chunk's result."""

    def __init__(self, coder: _DaskCoder, task: Any, work: list[InputItem]) -> None:
        super().__init__()
        self._coder = coder
        self._task = task
        self._work = work

    def result(self, timeout: float | None = None) -> ChunkOutcome:
        if not self.done():
            try:
                self.set_result(self._collect())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller by super().result
                self.set_exception(exc)
        return super().result(timeout)

    def _collect(self) -> ChunkOutcome:
        try:
            return _chunk_outcome(self._task.result())
        except KilledWorker:
            pass
        # Some document killed every worker that tried the chunk: code it one document at a time,
        # so only that one is lost (as the single-machine engine does with a broken pool).
        outcomes: list[ItemOutcome] = []
        last: ChunkOutcome | None = None
        for work in self._work:
            try:
                last = _chunk_outcome(self._coder.submit_task([work]).result())
                outcomes += last.outcomes
            except KilledWorker:
                outcomes.append(worker_died(work))
        return ChunkOutcome(outcomes, last.pid if last else 0, last.peak_rss if last else 0,
                            last.ready_at if last else time.time())


def _chunk_outcome(written: PartitionWritten) -> ChunkOutcome:
    return ChunkOutcome(read_partition(written.documents), written.pid, written.peak_rss, written.ready_at)


def partition_name(work: Sequence[InputItem]) -> str:
    """The same chunk of items gets the same partition name on every run."""
    return hashlib.sha256("\n".join(item.key for item in work).encode()).hexdigest()[:20]


def read_partition(path: str | os.PathLike[str]) -> list[ItemOutcome]:
    """The outcomes of a documents-<part>.parquet file, in the order of its chunk."""
    if not os.path.exists(path):
        raise TacitusError(f"{path}: partition written by a Dask worker is not visible here; "
                           "--parquet-dir must be a directory the workers and this machine share")
    con = duckdb.connect()
    try:
        rows = con.execute("SELECT key, source, error, document, signature FROM read_parquet(?) ORDER BY position",
                           [str(path)]).fetchall()
    finally:
        con.close()
    outcomes = []
    for key, source, error, document, sig in rows:
        signature = None
        if sig is not None:
            raw = json.loads(sig)
            signature = Signature(tuple(raw["minhash"]), raw["shingles"], tuple(raw["buckets"]))
        outcomes.append(ItemOutcome(key, source, json.loads(document) if document is not None else None,
                                    signature, error))
    return outcomes


# -- the worker side -------------------------------------------------------------------------------

# With more than one thread per worker, chunks take turns at the process's one Pipeline (the models
# are loaded once, and the pipeline's learned actors must not be written concurrently).
_lock = threading.Lock()


def code_partition(work: Sequence[InputItem], published: date | None, directory: str, part: str,
                   write_events: bool) -> PartitionWritten:
    """A Dask task: code a chunk with this worker's Pipeline and write its partitions."""
    with _lock:
        try:
            pipeline, ready_at = worker_pipeline()
        except WorkerStartError as exc:
            raise WorkerStartError(f"a Dask worker could not load its models: {exc}") from None
        outcomes = code_items(pipeline, work, published)
    documents = write_partition(outcomes, directory, part, with_events=write_events)
    return PartitionWritten(str(documents), os.getpid(), peak_rss(), ready_at)


def write_partition(outcomes: Sequence[ItemOutcome], directory: str | os.PathLike[str], part: str, *,
                    with_events: bool = False) -> Path:
    """Write documents-<part>.parquet, and events-<part>.parquet `with_events`; each appears whole or
    not at all. Gives the documents file's path."""
    directory = Path(directory)
    columns: dict[str, list[Any]] = {
        "position": list(range(len(outcomes))),
        "key": [o.key for o in outcomes],
        "source": [o.source for o in outcomes],
        "error": [o.error for o in outcomes],
        "document": [json.dumps(o.result, ensure_ascii=False) if o.result is not None else None for o in outcomes],
        "signature": [json.dumps(asdict(o.signature)) if o.signature is not None else None for o in outcomes],
    }
    con = duckdb.connect()
    try:
        # One statement over whole columns: row-by-row inserts cost about a millisecond each.
        con.execute("""
            CREATE TABLE d AS SELECT *, document->'document'->>'id' AS document_id FROM (SELECT
                unnest($position::INTEGER[]) AS position, unnest($key::VARCHAR[]) AS key,
                unnest($source::VARCHAR[]) AS source, unnest($error::VARCHAR[]) AS error,
                unnest($document::VARCHAR[])::JSON AS document, unnest($signature::VARCHAR[])::JSON AS signature)
        """, columns)
        documents = _copy(con, """SELECT position, key, source, document_id, error, document, signature
                                  FROM d ORDER BY position""", directory / f"documents-{part}.parquet")
        if with_events:
            _copy(con, f"""SELECT d.document_id, CAST(e.key AS INTEGER) AS ordinal, {_EVENT_COLUMNS}
                           FROM d, json_each(d.document, '$.events') AS e
                           ORDER BY d.position, ordinal""", directory / f"events-{part}.parquet")
    finally:
        con.close()
    return documents


def _copy(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> Path:
    # Written beside its name and renamed: a glob over *.parquet never sees half a file.
    partial = target.with_name(target.name + ".partial")
    con.execute(f"COPY ({select}) TO '{_sql_path(partial)}' (FORMAT PARQUET)")
    os.replace(partial, target)
    return target


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
