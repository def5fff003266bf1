"""`make demo`: code the bundled example article, print its events, store them in a database
and say how to query it. Run as `python -m tacitus.demo [DB]`."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

from .cli import print_table
from .cluster import cluster_new
from .ingest import read_articles
from .models import Article
from .pipeline import Pipeline
from .store import Store

EXAMPLE = "minusma_exit.txt"


def example_path() -> Path:
    return Path(str(resources.files("tacitus") / "examples" / EXAMPLE))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    db_path = Path(argv[0] if argv else "demo.duckdb")
    path = example_path()
    meta = json.loads(path.with_suffix(".meta.json").read_text(encoding="utf-8"))
    from datetime import date

    published = date.fromisoformat(meta["published"])
    articles = [a for a in read_articles([str(path)], published=published) if isinstance(a, Article)]
    if not articles:
        print(f"tacitus: error: {path}: the example article could not be read", file=sys.stderr)
        return 1
    print(f"Coding {path.name} (published {published}) …", file=sys.stderr)
    pipeline = Pipeline.load()
    [result] = list(pipeline.run(articles))
    doc = result.to_dict(include_text=True)
    print_table(doc, sys.stdout)
    with Store(db_path) as store:
        report = store.add([doc])
        clustering = cluster_new(store)
        counts = store.counts()
    print(f"\nStored in {db_path.resolve()}: {report.documents_added} new document(s), "
          f"{report.events_added} new event(s); the database holds {counts['events']} event mention(s) "
          f"in {clustering.clusters} real-world event(s).")
    tacitus = Path(sys.executable).with_name("tacitus")
    print("Query it, for example:")
    print(f"  {tacitus} events --db {db_path} --type SANCTION")
    print(f"  {tacitus} events --db {db_path} --country MLI --since 2023-06-01 --format csv")
    print(f"  {tacitus} extract {path} --published {published} --format json")
    print(f"  {tacitus} serve --db {db_path}     # then open http://127.0.0.1:8000/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
