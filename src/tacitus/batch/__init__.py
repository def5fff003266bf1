"""Batch jobs: takes input paths and a Store, codes them in worker processes and stores them, resumably.

`run_ingest(paths, store, IngestOptions(workers=N))` is the engine behind `tacitus ingest`; it gives
`IngestStats`. Near-duplicate detection (MinHash over word shingles) lives in `dedup`, the worker
side in `worker`, the rich progress bar in `progress`.
"""

from tacitus.batch.engine import IngestOptions, IngestStats, ProgressSink, default_workers, run_ingest

__all__ = ["IngestOptions", "IngestStats", "ProgressSink", "default_workers", "run_ingest"]
