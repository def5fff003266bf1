"""A rich progress bar for batch ingest: takes IngestStats as they change, draws them on stderr.

Documents done of total (when known), events, documents per second and errors. It draws
nothing when disabled (`--no-progress`, or stderr is not a terminal: tests, CI, log files);
item errors are printed above the bar, the first `MAX_NOTES` of them.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from tacitus.batch.engine import IngestStats

MAX_NOTES = 20


class IngestProgress:
    """A ProgressSink for `run_ingest`; use as a context manager around the run."""

    def __init__(self, console: Console, enabled: bool = True, max_notes: int = MAX_NOTES) -> None:
        self.console = console
        self.shows_total = enabled  # a bar that is not drawn needs no count of the inputs
        self.max_notes = max_notes
        self.notes = 0
        self._progress = Progress(
            TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[events]} events"), TextColumn("{task.fields[rate]} docs/s"),
            TextColumn("{task.fields[errors]} errors"), TimeElapsedColumn(),
            console=console, disable=not enabled, transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> IngestProgress:
        self._progress.start()
        self._task = self._progress.add_task("ingest", total=None, events=0, rate="0.0", errors=0)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()

    def update(self, stats: IngestStats) -> None:
        if self._task is None:
            return
        self._progress.update(self._task, completed=stats.items, total=stats.total, events=stats.events,
                              rate=f"{stats.documents_per_second():.1f}", errors=stats.errors)

    def note(self, message: str) -> None:
        self.notes += 1
        if self.notes <= self.max_notes:
            self.console.print(f"tacitus: error: {escape(message)}", highlight=False, soft_wrap=True)
        elif self.notes == self.max_notes + 1:
            self.console.print("tacitus: more errors; see `tacitus errors`", highlight=False)
