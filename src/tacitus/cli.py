"""Command line: a thin layer over the library. Domain errors become one-line messages."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from . import __version__
from .errors import InputError, TacitusError
from .models import PLOVER_TYPES, Article, DocumentResult

FORMATS_OUT = ("json", "table")


def _error(message: str) -> None:
    click.echo(f"tacitus: error: {message}", err=True)


def _parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form", param_hint=option) from None


class _Tally:
    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0


def _articles(paths: Sequence[str], published: dt.date | None, tally: _Tally) -> Iterator[Article]:
    from .ingest import read_articles

    stdin = sys.stdin.buffer if "-" in paths else None
    for item in read_articles(paths, published=published, stdin=stdin):
        if isinstance(item, InputError):
            tally.failed += 1
            _error(str(item))
            continue
        yield item


def _load_pipeline():  # type: ignore[no-untyped-def]
    from .pipeline import Pipeline

    try:
        return Pipeline.load()
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc


def _results(paths: Sequence[str], published: dt.date | None, tally: _Tally) -> Iterator[DocumentResult]:
    pipeline = _load_pipeline()
    for result in pipeline.run(_articles(paths, published, tally)):
        tally.ok += 1
        yield result


def _finish(tally: _Tally) -> None:
    if tally.failed:
        click.echo(f"tacitus: {tally.ok} document(s) processed, {tally.failed} failed", err=True)
    if tally.ok == 0:
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tacitus")
def cli() -> None:
    """tacitus: who did what to whom, when, where — coded from news text, with evidence."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date (sets or overrides metadata).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_OUT), default="table", show_default=True,
              help="json: one EVENT-SCHEMA object per document (JSON Lines); table: readable.")
def extract(paths: tuple[str, ...], published: str | None, fmt: str) -> None:
    """Code the events in PATHS (text, HTML, JSON Lines, directories, or - for stdin)."""
    tally = _Tally()
    pub = _parse_date(published, "--published")
    out = sys.stdout
    for result in _results(paths, pub, tally):
        if fmt == "json":
            out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        else:
            print_table(result.to_dict(), out)
        out.flush()
    _finish(tally)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database file (created if missing).")
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date (sets or overrides metadata).")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=1),
              help="Input items stored per transaction.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Worker processes, each with its own models (default: the number of cores; 1: this process).")
@click.option("--no-progress", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
@click.option("--scheduler", metavar="tcp://HOST:PORT|local",
              help="Code on a Dask cluster: a running scheduler, or local (a LocalCluster of --workers processes).")
@click.option("--parquet-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="With --scheduler: where workers write Parquet partitions, kept for direct queries "
                   "(default: a temporary directory next to the database).")
def ingest(paths: tuple[str, ...], db_path: str, published: str | None, batch_size: int, workers: int | None,
           no_progress: bool, scheduler: str | None, parquet_dir: str | None) -> None:
    """Code PATHS (text, HTML, JSON Lines, WARC, directories, or - for stdin) and store documents,
    events, actors, places and times in a DuckDB file. A run that was stopped resumes where it
    left off when started again with the same arguments; per-item errors go to `tacitus errors`."""
    from rich.console import Console

    from .batch import IngestOptions, default_workers, run_ingest
    from .batch.progress import IngestProgress
    from .cluster import cluster_new
    from .store import Store

    pub = _parse_date(published, "--published")
    if parquet_dir is not None and scheduler is None:
        raise click.UsageError("--parquet-dir needs --scheduler")
    options = IngestOptions(workers=workers or default_workers(), batch_size=batch_size, published=pub)
    console = Console(stderr=True)
    stdin = sys.stdin.buffer if "-" in paths else None
    try:
        with Store(db_path) as store, IngestProgress(console, enabled=not no_progress and console.is_terminal) as bar:
            if scheduler is None:
                stats = run_ingest(paths, store, options, stdin=stdin, progress=bar, load_pipeline=_load_pipeline)
            else:
                from .batch.distributed import ingest_on_cluster

                stats = ingest_on_cluster(paths, store, scheduler, options, parquet_dir=parquet_dir, stdin=stdin,
                                          progress=bar)
            # The new mentions join the real-world events already stored, or found new ones.
            clustering = cluster_new(store)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    summary = (f"{db_path}: {stats.added} document(s) added, {stats.already_stored} already stored, "
               f"{stats.events} event(s) added, {stats.errors} error(s), {stats.duplicates} near-duplicate(s) linked, "
               f"{clustering.clusters_added} event cluster(s) added")
    if stats.skipped_records:
        summary += f", {stats.skipped_records} WARC record(s) that are no HTML page skipped"
    click.echo(summary, err=True)
    if stats.added + stats.already_stored == 0:
        sys.exit(1)


@cli.command(name="errors")
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database written by `tacitus ingest`.")
@click.option("--limit", type=click.IntRange(min=0), help="At most this many errors.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="json: one object per line (key, source, message, logged_at).")
def errors_command(db_path: str, limit: int | None, fmt: str) -> None:
    """Show the inputs `tacitus ingest` could not store, newest first, with the reason."""
    from rich.table import Table

    from .store import Store

    try:
        with Store(db_path, read_only=True) as store:
            rows = store.ingest_errors(limit=limit)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    out = sys.stdout
    if fmt == "json":
        for row in rows:
            out.write(json.dumps({**row, "logged_at": _logged_at(row) or None}, ensure_ascii=False) + "\n")
        return
    table = Table(show_lines=False)
    for column in ("logged at", "source", "message", "key"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(_logged_at(row), row["source"] or "", row["message"] or "", row["key"])
    _print_table(table, f"{len(rows)} error(s)", out)


@cli.command()
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database to query.")
@click.option("--country", metavar="ISO3", help="Event location, source or target country.")
@click.option("--type", "type_", type=click.Choice(PLOVER_TYPES, case_sensitive=False), help="PLOVER type.")
@click.option("--actor", metavar="NAME", help="Substring of the source or target name.")
@click.option("--since", metavar="YYYY-MM-DD", help="Events whose date window ends on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Events whose date window starts on or before this day.")
@click.option("--limit", type=int, help="At most this many events.")
@click.option("--mentions", "show_mentions", is_flag=True,
              help="One row per event mention of one article, instead of one per real-world event.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
def events(db_path: str, country: str | None, type_: str | None, actor: str | None, since: str | None,
           until: str | None, limit: int | None, show_mentions: bool, fmt: str) -> None:
    """Query stored events: one row per real-world event (a cluster of the mentions of several
    articles, with how many articles and sources reported it), or per mention with --mentions.
    A cluster is shown when one of its mentions matches every filter."""
    from .store import Store

    since_d, until_d = _parse_date(since, "--since"), _parse_date(until, "--until")
    try:
        with Store(db_path, read_only=True) as store:
            query = store.events if show_mentions else store.clusters
            rows = query(country=country, type=type_, actor=actor, since=since_d, until=until_d, limit=limit)
            pending = 0 if show_mentions else store.cluster_counts()["unclustered_mentions"]
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    if pending:
        click.echo(f"tacitus: {pending} event mention(s) not clustered yet; run `tacitus cluster --db {db_path}`",
                   err=True)
    out = sys.stdout
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        (write_csv if show_mentions else write_clusters_csv)(rows, out)
    elif show_mentions:
        print_table({"events": rows}, out)
    else:
        print_clusters(rows, out)


@cli.command(name="cluster")
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database to cluster.")
@click.option("--rebuild", is_flag=True, help="Cluster every stored mention afresh, not only the new ones.")
def cluster_command(db_path: str, rebuild: bool) -> None:
    """Merge the stored event mentions that report one real-world event into clusters. New mentions
    join or found clusters; ids of existing clusters stay; running it twice changes nothing."""
    from .cluster import cluster_new
    from .store import Store

    try:
        with Store(db_path) as store:
            report = cluster_new(store, rebuild=rebuild)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{db_path}: {report.new_mentions} new mention(s), {report.reclustered} placed, "
               f"{report.clusters_added} cluster(s) added, {report.clusters_removed} removed, "
               f"{report.clusters} cluster(s) in all", err=True)


CLUSTER_CSV_COLUMNS = ("id", "type", "family", "mode", "status", "num_mentions", "num_articles", "num_sources",
                       "outlets", "source_name", "source_country", "source_sector", "target_name", "target_country",
                       "target_sector", "date_start", "date_end", "date_precision", "location_name",
                       "location_country", "lat", "lon", "location_precision", "killed", "injured",
                       "first_published", "last_published", "founder_event_id")


def write_clusters_csv(clusters: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CLUSTER_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for c in clusters:
        src, tgt = c.get("source") or {}, c.get("target") or {}
        date, loc = c.get("date") or {}, c.get("location") or {}
        writer.writerow({
            **{k: c.get(k) for k in ("id", "type", "family", "mode", "status", "num_mentions", "num_articles",
                                     "num_sources", "killed", "injured", "first_published", "last_published",
                                     "founder_event_id")},
            "outlets": ";".join(c.get("outlets") or []),
            "source_name": src.get("name"), "source_country": src.get("country"), "source_sector": src.get("sector"),
            "target_name": tgt.get("name"), "target_country": tgt.get("country"), "target_sector": tgt.get("sector"),
            "date_start": date.get("start"), "date_end": date.get("end"), "date_precision": date.get("precision"),
            "location_name": loc.get("name"), "location_country": loc.get("country"), "lat": loc.get("lat"),
            "lon": loc.get("lon"), "location_precision": loc.get("precision"),
        })


def _logged_at(row: Mapping[str, Any]) -> str:
    """When an ingest error was logged, to the second ("" when unknown)."""
    return row["logged_at"].isoformat(sep=" ", timespec="seconds") if row["logged_at"] else ""


def _print_table(table: Any, footer: str, out: TextIO) -> None:
    """A rich table and a count line under it; full width on a terminal, 180 columns into a file or pipe."""
    from rich.console import Console

    console = Console(file=out, width=None if out.isatty() else 180, no_color=not out.isatty())
    console.print(table)
    console.print(footer)


def _when_cell(date: Mapping[str, Any] | None) -> str:
    """"2024-05-03…2024-05-05 (week)": an event's date window for a table."""
    date = date or {}
    when = date.get("start") or ""
    if date.get("end") and date.get("end") != date.get("start"):
        when += f"…{date['end']}"
    if date.get("precision"):
        when += f" ({date['precision']})"
    return str(when)


def _place_cell(location: Mapping[str, Any] | None) -> str:
    """"Gao [MLI]": an event's place for a table."""
    location = location or {}
    place = location.get("name") or ""
    if location.get("country"):
        place += f" [{location['country']}]"
    return str(place)


def print_clusters(clusters: Sequence[dict[str, Any]], out: TextIO) -> None:
    from rich.table import Table

    table = Table(show_lines=False, expand=False)
    for col, kw in (("cluster", {}), ("type", {}), ("mentions", {"justify": "right"}),
                    ("articles", {"justify": "right"}), ("sources", {"justify": "right"}),
                    ("source → target", {"overflow": "fold"}), ("date", {}), ("place", {"overflow": "fold"}),
                    ("killed", {"justify": "right"})):
        table.add_column(col, **kw)  # type: ignore[arg-type]
    for c in clusters:
        when, place = _when_cell(c.get("date")), _place_cell(c.get("location"))
        table.add_row(c.get("id"), c.get("type"), str(c.get("num_mentions")), str(c.get("num_articles")),
                      str(c.get("num_sources")), f"{_actor_cell(c.get('source'))} → {_actor_cell(c.get('target'))}",
                      when, place, "" if c.get("killed") is None else str(c["killed"]))
    _print_table(table, f"{len(clusters)} event(s)", out)


EVAL_SETS = ("seed", "gold", "plover", "petr2", "geo", "time", "clusters", "all")
FIGURES = ("recall_strict", "recall_relaxed", "core_recall_relaxed", "date_ok_of_found", "place_ok_of_found",
           "status_ok_of_found", "places_resolved", "actors_with_country", "precision_relaxed")


@cli.command(name="eval")
@click.argument("name", type=click.Choice(EVAL_SETS))
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              help="seed: the shared data folder (default ../shared/data); gold: a folder of NAME.txt + "
                   "NAME.json gold articles (default tests/gold).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as JSON to this file.")
@click.option("--gold", "gold_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("tests/gold"),
              show_default=True, help="all: the folder of our own gold articles.")
@click.option("--floors", "floors_path", type=click.Path(dir_okay=False, path_type=Path),
              help="all: the floors file to check (default: the one shipped with tacitus).")
@click.option("--record-floors", is_flag=True, help="all: pin the current figures as the new floors.")
@click.option("--allow-lower", is_flag=True, help="all: with --record-floors, let a floor go down.")
def evaluate(name: str, data_dir: Path | None, json_path: Path | None, gold_dir: Path, floors_path: Path | None,
             record_floors: bool, allow_lower: bool) -> None:
    """Score tacitus against gold data: whole articles (seed, gold), coded sentences (plover,
    petr2), toponyms (geo: GeoWebNews), date expressions (time: TempEval-3 platinum), the merging
    of one event's reports across articles (clusters: tests/gold/clusters), or all of them against
    the pinned floors (all; exit 1 when one is broken)."""
    from .evaluate.articles import evaluate_articles, f1, gold_pairs, precision_by_band, total

    if name == "all":
        _gate(data_dir or Path("../shared/data"), gold_dir, floors_path, record_floors, allow_lower, json_path)
        return

    shared = data_dir or Path("../shared/data")
    if name == "clusters":
        from .evaluate.clusters import evaluate_clusters

        _report(lambda: evaluate_clusters(data_dir or gold_dir / "clusters", _load_pipeline()),
                lambda r: r.format(), json_path)
        return
    if name in {"geo", "time"}:
        from .evaluate import geo, time

        measure = geo.evaluate_geo if name == "geo" else time.evaluate_time
        _report(lambda: measure(shared, _load_pipeline()), lambda r: r.format(), json_path)
        return
    if name in {"plover", "petr2"}:
        from .evaluate import sentences

        run = sentences.evaluate_plover if name == "plover" else sentences.evaluate_petr2
        _report(lambda: run(shared, _load_pipeline()), sentences.format_table, json_path)
        return
    if name == "seed":
        base = shared / "seed"
        pairs = [(base / "000_775f0f47ad06cc94.txt", base / "gold.json")]
    else:
        pairs = gold_pairs(data_dir or Path("tests/gold"))
    missing = [str(p) for pair in pairs for p in pair if not p.exists()]
    if not pairs or missing:
        raise click.ClickException(f"{name}: gold data not found ({', '.join(missing) or data_dir or 'tests/gold'})")
    scores = evaluate_articles(pairs, _load_pipeline())

    def fmt(pair: tuple[int, int]) -> str:
        return f"{pair[0]}/{pair[1]}" + (f" ({100 * pair[0] / pair[1]:.0f}%)" if pair[1] else "")

    report: dict[str, Any] = {"set": name, "articles": {}}
    for score in scores:
        figures = {k: score.figures[k] for k in FIGURES if k in score.figures}
        figures["events_in_output"] = score.figures["events_in_output"]
        report["articles"][score.name] = figures
        click.echo(f"{score.name}: " + "; ".join(
            f"{k}={fmt(v) if isinstance(v, tuple) else v}" for k, v in figures.items()))
    summed = total(scores)
    event_f1 = f1(summed)
    bands = precision_by_band(scores)
    if any(n for _, _, n in bands):
        click.echo("precision by confidence: " + "; ".join(f"{band} {m}/{n}" for band, m, n in bands))
        report["precision_by_confidence"] = bands
    report["total"] = {**summed, "event_f1": event_f1}
    click.echo(f"{name} total ({len(scores)} article(s)): " + "; ".join(f"{k}={fmt(v)}" for k, v in summed.items())
               + (f"; event_f1={event_f1:.2f}" if event_f1 is not None else ""))
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def _report(measure: Callable[[], Any], render: Callable[[Any], str], json_path: Path | None) -> None:
    """Run one evaluation, print its table and summary, and write its figures as JSON if asked."""
    try:
        report = measure()
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(render(report))
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_dict(), indent=1) + "\n", encoding="utf-8")


def _gate(data_dir: Path, gold_dir: Path, floors_path: Path | None, record_floors: bool, allow_lower: bool,
          json_path: Path | None) -> None:
    from .evaluate import gate

    if not data_dir.is_dir():
        click.echo(f"evaluation skipped: {data_dir} not found")
        return
    path = floors_path or gate.FLOORS
    try:
        figures = gate.measure(data_dir, gold_dir, _load_pipeline())
        floors = gate.load_floors(path) if path.exists() else {}
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    for figure, value in sorted(figures.items()):
        floor = floors.get(figure)
        mark = "" if floor is None else f"  (floor {floor:.4g})"
        click.echo(f"{figure:<32} {value:.4g}{mark}")
    if json_path is not None:
        json_path.write_text(json.dumps({"figures": figures, "floors": floors}, indent=1) + "\n", encoding="utf-8")
    if record_floors:
        for line in gate.record(figures, path, allow_lower):
            click.echo(f"not lowered: {line}", err=True)
        click.echo(f"floors written to {path}")
        return
    breaches = gate.check(figures, floors)
    for breach in breaches:
        _error(str(breach))
    click.echo(f"quality gate: {len(floors) - len(breaches)}/{len(floors)} floors held")
    if breaches:
        sys.exit(1)


@cli.group()
def gazetteer() -> None:
    """Manage the place-name index (add a full GeoNames dump for village-level places)."""


@gazetteer.command(name="add")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Cache folder of the index (default: $TACITUS_CACHE or ~/.cache/tacitus).")
def gazetteer_add(file: Path, cache_dir: Path | None) -> None:
    """Add the places of a GeoNames dump FILE (ML.txt, allCountries.txt; .zip or .gz too) to the index.

    Villages, admin units and refugee camps are kept; later runs find them. Adding a dump twice adds
    nothing new; malformed rows are counted and skipped."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from .resolve.gazetteer import add_geonames_dump

    console = Console(stderr=True)
    with Progress(TextColumn("reading {task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(file.name, total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = add_geonames_dump(file, cache_dir, on_progress=advance)
        except TacitusError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"added {report.added} places from {file} ({report.bad_rows} bad rows skipped)")


# ---------------------------------------------------------------------------------------
# The analyst's desk: HTTP API and web UI (serve), API tokens (token), exports (export)

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
_EXPORT_OPTIONS = frozenset({"since", "until", "country", "admin1", "actor", "sector", "type", "status", "min-sources",
                             "bbox", "text", "level", "format", "out"})


def _filter_options(func: Any) -> Any:
    """The EventFilter options, shared by `export` (the API takes the same names as query parameters)."""
    options = [
        click.option("--since", metavar="YYYY-MM-DD", help="Events whose date window ends on or after this day."),
        click.option("--until", metavar="YYYY-MM-DD", help="Events whose date window starts on or before this day."),
        click.option("--country", metavar="ISO3[,ISO3]", help="Location, source or target country."),
        click.option("--admin1", metavar="NAME", help="First-level unit of the location."),
        click.option("--actor", metavar="ID|NAME", help="Actor id, or a substring of a source or target name."),
        click.option("--sector", metavar="SECTOR[,…]", help="Source or target sector (GOV, MIL, REB, …)."),
        click.option("--type", "type_", metavar="TYPE[,…]", help="PLOVER type(s)."),
        click.option("--status", metavar="STATUS[,…]", help="asserted, claimed, planned, hypothetical, …"),
        click.option("--min-sources", type=click.IntRange(min=0), help="At least this many outlets reported it."),
        click.option("--bbox", metavar="W,S,E,N", help="Bounding box in degrees."),
        click.option("--text", metavar="WORDS", help="In the evidence sentence, actor or place texts."),
        click.option("--level", type=click.Choice(("clusters", "mentions")), default="clusters", show_default=True,
                     help="One row per real-world event (clusters) or per article mention."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _event_filter(options: dict[str, Any]) -> Any:
    from .store.query import EventFilter, parse_bbox

    return EventFilter(
        since=_parse_date(options["since"], "--since"), until=_parse_date(options["until"], "--until"),
        country=options["country"], admin1=options["admin1"], actor=options["actor"], sector=options["sector"],
        type=options["type_"], status=options["status"], min_sources=options["min_sources"],
        bbox=parse_bbox(options["bbox"]) if options["bbox"] is not None else None, text=options["text"],
        level=options["level"],
    ).validated()


def _read_only_hint(message: str) -> str:
    """Serving and exporting open the store read-only; say which command brings an old one up to date."""
    if "older than this tacitus" in message:
        message += " (`tacitus serve --write` or `tacitus token list` migrates it)"
    return message


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database to serve.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--write", is_flag=True,
              help="Open the database read-write and accept POST /api/documents from writer tokens.")
@click.option("--require-token", is_flag=True, help="Reading needs a reader or writer token too.")
def serve(db_path: str, host: str, port: int, write: bool, require_token: bool) -> None:
    """Serve the HTTP API (/api/, OpenAPI at /api/openapi.json) and the web UI of a database.

    Read-only unless --write; writing always needs a writer token (`tacitus token create`)."""
    import uvicorn

    from .api import create_app
    from .api.tokens import active_roles

    if not write and not Path(db_path).exists():
        raise click.ClickException(f"{db_path}: no such database")
    try:
        app = create_app(db_path, write=write, require_token=require_token, ui=_web_ui())
        cur = app.state.tacitus.cursor()
        try:
            roles = active_roles(cur)
        finally:
            cur.close()
    except TacitusError as exc:
        raise click.ClickException(_read_only_hint(str(exc))) from exc
    if not _is_loopback(host) and not roles:
        click.echo(f"tacitus: warning: serving {db_path} on {host}, reachable from other machines, and no API "
                   "token is configured: anyone who can reach it can read it. Create one with `tacitus token "
                   "create` (and use --require-token to close reading).", err=True)
    if write and "writer" not in roles:
        click.echo("tacitus: warning: --write, but no writer token exists: POST /api/documents will refuse every "
                   "request until one is created (`tacitus token create --role writer`).", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


def _web_ui() -> Any:
    """The web UI's mounting hook, when the UI package is installed with this tacitus."""
    try:
        from .web import mount_ui
    except ImportError:
        return None
    return mount_ui


@cli.group()
def token() -> None:
    """Manage HTTP API tokens (stored hashed in the database; shown once, when created)."""


@token.command(name="create")
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database the token is for.")
@click.option("--role", type=click.Choice(("writer", "reader")), default="reader", show_default=True,
              help="writer: may add documents (and read); reader: may read when the server requires a token.")
@click.option("--label", help="A note to recognise the token by in `tacitus token list`.")
def token_create(db_path: str, role: str, label: str | None) -> None:
    """Create a token and print it (it is not shown again)."""
    from .api.tokens import create_token
    from .store.query import connect

    try:
        with connect(db_path, write=True) as con:
            info, secret = create_token(con, role, label)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret)
    click.echo(f"{role} token {info.id} created for {db_path}; keep it now, it is not shown again.", err=True)


@token.command(name="list")
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database to look in.")
def token_list(db_path: str) -> None:
    """List tokens (ids, roles, labels; never the secrets)."""
    from .api.tokens import list_tokens
    from .store.query import connect

    try:
        with connect(db_path, write=True) as con:
            found = list_tokens(con)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    for info in found:
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        click.echo(f"{info.id}\t{info.role}\t{state}\tcreated {info.created_at:%Y-%m-%d %H:%M}\t{info.label or ''}")


@token.command(name="revoke")
@click.argument("token_id")
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database the token is in.")
def token_revoke(token_id: str, db_path: str) -> None:
    """Revoke the token TOKEN_ID (its id, or the whole token)."""
    from .api.tokens import revoke_token
    from .store.query import connect

    try:
        with connect(db_path, write=True) as con:
            done = revoke_token(con, token_id)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    if not done:
        raise click.ClickException(f"{db_path}: no active token {token_id}")
    click.echo(f"token {token_id} revoked")


@cli.command(name="export")
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database to export from.")
@click.option("--format", "fmt", type=click.Choice(("csv", "parquet", "geojson", "acled", "cameo")), default="csv",
              show_default=True, help="csv/parquet: our flat columns; geojson: located events; acled: ACLED's "
                                      "columns; cameo: GDELT-style event columns (tab-separated).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output; Parquet needs a file).")
@_filter_options
def export_command(db_path: str, fmt: str, out_path: Path | None, **filters: Any) -> None:
    """Export the events matching the filters as CSV, Parquet, GeoJSON, ACLED or GDELT-style columns."""
    from .export import export_events
    from .store.query import connect

    if out_path is None and fmt == "parquet":
        raise click.UsageError("Parquet is binary: give a file with --out")
    try:
        flt = _event_filter(filters)
        with connect(db_path) as con:
            count = export_events(con, flt, fmt, out_path if out_path is not None else sys.stdout)
    except InputError as exc:
        option = f"--{exc.source.replace('_', '-')}"
        if option[2:] in _EXPORT_OPTIONS:  # a filter or option the user gave; else a file at fault
            raise click.BadParameter(exc.reason, param_hint=option) from exc
        raise click.ClickException(str(exc)) from exc
    except TacitusError as exc:
        raise click.ClickException(_read_only_hint(str(exc))) from exc
    click.echo(f"{count} event(s) written" + (f" to {out_path}" if out_path else ""), err=True)

# ---------------------------------------------------------------------------------------
# Output formats

CSV_COLUMNS = ("id", "document_id", "type", "mode", "status", "source_name", "source_country", "source_sector",
               "target_name", "target_country", "target_sector", "date_start", "date_end", "date_precision",
               "location_name", "location_country", "lat", "lon", "location_precision", "killed", "injured",
               "cameo", "quad_class", "goldstein", "confidence", "trigger", "sentence")


def _flat(event: dict[str, Any]) -> dict[str, Any]:
    src, tgt = event.get("source") or {}, event.get("target") or {}
    date, loc, ev = event.get("date") or {}, event.get("location") or {}, event.get("evidence") or {}
    return {
        "id": event.get("id"), "document_id": event.get("document_id"), "type": event.get("type"),
        "mode": event.get("mode"), "status": event.get("status"),
        "source_name": src.get("name"), "source_country": src.get("country"), "source_sector": src.get("sector"),
        "target_name": tgt.get("name"), "target_country": tgt.get("country"), "target_sector": tgt.get("sector"),
        "date_start": date.get("start"), "date_end": date.get("end"), "date_precision": date.get("precision"),
        "location_name": loc.get("name"), "location_country": loc.get("country"), "lat": loc.get("lat"),
        "lon": loc.get("lon"), "location_precision": loc.get("precision"), "killed": event.get("killed"),
        "injured": event.get("injured"), "cameo": event.get("cameo"), "quad_class": event.get("quad_class"),
        "goldstein": event.get("goldstein"), "confidence": event.get("confidence"),
        "trigger": ev.get("trigger"), "sentence": ev.get("sentence"),
    }


def write_csv(events: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in events:
        writer.writerow(_flat(event))


def _actor_cell(actor: dict[str, Any] | None) -> str:
    if not actor:
        return "—"
    label = actor.get("name") or actor.get("text") or "?"
    tags = "/".join(x for x in (actor.get("country"), actor.get("sector")) if x)
    return f"{label} [{tags}]" if tags else label


def print_table(result: dict[str, Any], out: TextIO) -> None:
    from rich.table import Table

    doc = result.get("document")
    title = None
    if doc:
        title = f"{doc.get('title') or doc.get('source')} — published {doc.get('published') or 'unknown'}"
    table = Table(title=title, show_lines=False, expand=False)
    for col, kw in (("type", {}), ("status", {}), ("source → target", {"overflow": "fold"}), ("date", {}),
                    ("place", {"overflow": "fold"}), ("killed", {"justify": "right"}),
                    ("trigger", {"overflow": "fold"})):
        table.add_column(col, **kw)  # type: ignore[arg-type]
    for e in result.get("events", []):
        when, place = _when_cell(e.get("date")), _place_cell(e.get("location"))
        table.add_row(e.get("type"), e.get("status"),
                      f"{_actor_cell(e.get('source'))} → {_actor_cell(e.get('target'))}", when, place,
                      "" if e.get("killed") is None else str(e["killed"]), (e.get("evidence") or {}).get("trigger"))
    _print_table(table, f"{len(result.get('events', []))} event(s)", out)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except TacitusError as exc:  # anything not turned into a ClickException on the way
        _error(str(exc))
        sys.exit(1)


if __name__ == "__main__":
    main()
