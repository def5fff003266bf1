"""The coding side of a batch job: takes chunks of input items, gives coded documents or errors.

`code_items(pipeline, items)` extracts, codes and signs (MinHash) a chunk with a given Pipeline;
the parent calls it itself when it codes in its own process. In a worker process (of the engine's
pool or of a Dask cluster), `worker_pipeline()` loads the Pipeline once, at the first chunk, and
`code_chunk` runs `code_items` with it. Outcomes come back in the order of the items.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psutil

from tacitus.batch.dedup import Signature, signature
from tacitus.errors import InputError, TacitusError
from tacitus.ingest.extract import extract_article
from tacitus.ingest.readers import InputItem
from tacitus.models import Article, DocumentResult
from tacitus.pipeline import Pipeline

# How often a worker checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 1.0
WORKER_DIED = "worker process died while coding it"


@dataclass(frozen=True)
class ItemOutcome:
    """A coded document (the EVENT-SCHEMA object, with its text) and its signature, or an error."""

    key: str
    source: str
    result: dict[str, Any] | None = None
    signature: Signature | None = None
    error: str | None = None


@dataclass(frozen=True)
class ChunkOutcome:
    outcomes: list[ItemOutcome]
    pid: int
    peak_rss: int  # bytes: the worker's resident set after coding the chunk
    ready_at: float  # time.time() when the worker had its models loaded


class WorkerStartError(Exception):
    """A worker could not load its models; the message is the one-line reason."""


def code_items(pipeline: Pipeline, items: Sequence[InputItem], published: date | None = None) -> list[ItemOutcome]:
    """Extract, code and sign each item; an item that fails (or was unreadable) gives an error outcome in its place."""
    outcomes: list[ItemOutcome | None] = [None] * len(items)
    articles: list[tuple[int, Article]] = []
    for index, item in enumerate(items):
        try:
            if isinstance(item.document, InputError):  # the engines keep these back; still never coded
                raise item.document
            articles.append((index, extract_article(item.document, published=published)))
        except InputError as err:
            outcomes[index] = ItemOutcome(item.key, item.document.source, error=_one_line(str(err)))
    try:
        # One nlp.pipe over the chunk: batching is where spaCy's speed comes from.
        results = list(pipeline.run([article for _, article in articles], batch_size=max(1, len(articles))))
    except Exception:  # noqa: BLE001 - one bad document must not cost the chunk; find it below
        results = None
    for position, (index, article) in enumerate(articles):
        item = items[index]
        if results is not None:
            outcomes[index] = _coded(item, results[position])
            continue
        try:
            [result] = list(pipeline.run([article]))
        except Exception as exc:  # noqa: BLE001 - a document that breaks a stage is logged, the batch goes on
            message = str(InputError(item.document.source, f"coding failed ({type(exc).__name__}: {exc})"))
            outcomes[index] = ItemOutcome(item.key, item.document.source, error=_one_line(message))
            continue
        outcomes[index] = _coded(item, result)
    return [outcome for outcome in outcomes if outcome is not None]


def _coded(item: InputItem, result: DocumentResult) -> ItemOutcome:
    return ItemOutcome(item.key, item.document.source, result.to_dict(include_text=True), signature(result.text))


def worker_died(item: InputItem) -> ItemOutcome:
    """The error outcome of an item whose worker process died coding it (a native crash, the OOM killer)."""
    return ItemOutcome(item.key, item.document.source, error=str(InputError(item.document.source, WORKER_DIED)))


def _one_line(message: str) -> str:
    return " ".join(message.split())


# -- in a worker process ---------------------------------------------------------------------------

_pipeline: Pipeline | None = None
_ready_at = 0.0
_published: date | None = None


def worker_pipeline() -> tuple[Pipeline, float]:
    """This process's Pipeline, loaded at the first call for every chunk the process will code, and
    the time.time() it was ready; WorkerStartError with the one-line reason when it cannot load."""
    global _pipeline, _ready_at
    if _pipeline is None:
        try:
            _pipeline = Pipeline.load()
        except TacitusError as exc:
            raise WorkerStartError(str(exc)) from None
        _ready_at = time.time()
    return _pipeline, _ready_at


def start_worker(published: date | None) -> None:
    """Pool initializer: the models load at this worker's first chunk (`code_chunk`)."""
    global _published
    # Ctrl-C reaches the whole process group; the parent alone decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(os.getppid())
    _published = published


def code_chunk(items: Sequence[InputItem]) -> ChunkOutcome:
    pipeline, ready_at = worker_pipeline()
    return ChunkOutcome(code_items(pipeline, items, _published), os.getpid(), peak_rss(), ready_at)


def peak_rss() -> int:
    """This process's resident set now, in bytes (taken after each chunk, the peaks of a worker's life).

    Not getrusage's ru_maxrss: on Linux a spawned child inherits its parent's high-water mark."""
    return int(psutil.Process().memory_info().rss)


def _watch_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot stop its pool; an orphaned worker would wait for work
    # forever, holding its models in memory.
    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="tacitus-parent-watch", daemon=True).start()
