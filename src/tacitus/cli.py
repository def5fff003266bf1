"""Command line: a thin layer over the library. Domain errors become one-line messages."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
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
@click.option("--batch-size", default=32, show_default=True, help="Documents stored per transaction.")
def ingest(paths: tuple[str, ...], db_path: str, published: str | None, batch_size: int) -> None:
    """Code PATHS and store documents, events, actors, places and times in a DuckDB file."""
    from .store import Store

    tally = _Tally()
    pub = _parse_date(published, "--published")
    added = skipped = events = 0
    try:
        with Store(db_path) as store:
            batch: list[dict[str, Any]] = []
            for result in _results(paths, pub, tally):
                batch.append(result.to_dict(include_text=True))
                if len(batch) >= batch_size:
                    report = store.add(batch)
                    added, skipped, events = (added + report.documents_added, skipped + report.documents_skipped,
                                              events + report.events_added)
                    batch = []
            if batch:
                report = store.add(batch)
                added, skipped, events = (added + report.documents_added, skipped + report.documents_skipped,
                                          events + report.events_added)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{db_path}: {added} document(s) added, {skipped} already stored, {events} event(s) added",
               err=True)
    _finish(tally)


@cli.command()
@click.option("--db", "db_path", required=True, metavar="FILE.duckdb", help="Database to query.")
@click.option("--country", metavar="ISO3", help="Event location, source or target country.")
@click.option("--type", "type_", type=click.Choice(PLOVER_TYPES, case_sensitive=False), help="PLOVER type.")
@click.option("--actor", metavar="NAME", help="Substring of the source or target name.")
@click.option("--since", metavar="YYYY-MM-DD", help="Events whose date window ends on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Events whose date window starts on or before this day.")
@click.option("--limit", type=int, help="At most this many events.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
def events(db_path: str, country: str | None, type_: str | None, actor: str | None, since: str | None,
           until: str | None, limit: int | None, fmt: str) -> None:
    """Query stored events."""
    from .store import Store

    since_d, until_d = _parse_date(since, "--since"), _parse_date(until, "--until")
    try:
        with Store(db_path, read_only=True) as store:
            rows = store.events(country=country, type=type_, actor=actor, since=since_d, until=until_d,
                                limit=limit)
    except TacitusError as exc:
        raise click.ClickException(str(exc)) from exc
    out = sys.stdout
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        write_csv(rows, out)
    else:
        print_table({"events": rows}, out)


EVAL_SETS = ("seed", "gold", "plover", "petr2", "geo", "time", "all")
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
    petr2), toponyms (geo: GeoWebNews), date expressions (time: TempEval-3 platinum), or all of
    them against the pinned floors (all; exit 1 when one is broken)."""
    from .evaluate.articles import evaluate_articles, f1, gold_pairs, precision_by_band, total

    if name == "all":
        _gate(data_dir or Path("../shared/data"), gold_dir, floors_path, record_floors, allow_lower, json_path)
        return

    if name in {"geo", "time"}:
        from .evaluate import geo, time

        measure = geo.evaluate_geo if name == "geo" else time.evaluate_time
        try:
            place_report = measure(data_dir or Path("../shared/data"), _load_pipeline())
        except TacitusError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(place_report.format())
        if json_path is not None:
            json_path.write_text(json.dumps(place_report.to_dict(), indent=1) + "\n", encoding="utf-8")
        return
    if name in {"plover", "petr2"}:
        from .evaluate import sentences

        run = sentences.evaluate_plover if name == "plover" else sentences.evaluate_petr2
        try:
            sentence_report = run(data_dir or Path("../shared/data"), _load_pipeline())
        except TacitusError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(sentences.format_table(sentence_report))
        if json_path is not None:
            json_path.write_text(json.dumps(sentence_report.to_dict(), indent=1) + "\n", encoding="utf-8")
        return
    if name == "seed":
        base = (data_dir or Path("../shared/data")) / "seed"
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
    from rich.console import Console
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
        date = e.get("date") or {}
        when = date.get("start") or ""
        if date.get("end") and date.get("end") != date.get("start"):
            when += f"…{date['end']}"
        if date.get("precision"):
            when += f" ({date['precision']})"
        loc = e.get("location") or {}
        place = loc.get("name") or ""
        if loc.get("country"):
            place += f" [{loc['country']}]"
        table.add_row(e.get("type"), e.get("status"),
                      f"{_actor_cell(e.get('source'))} → {_actor_cell(e.get('target'))}", when, place,
                      "" if e.get("killed") is None else str(e["killed"]), (e.get("evidence") or {}).get("trigger"))
    console = Console(file=out, width=None if out.isatty() else 180, no_color=not out.isatty())
    console.print(table)
    console.print(f"{len(result.get('events', []))} event(s)")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except TacitusError as exc:  # anything not turned into a ClickException on the way
        _error(str(exc))
        sys.exit(1)


if __name__ == "__main__":
    main()
