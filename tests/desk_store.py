"""A small store for the query, API and export tests: short articles written for them, coded by the
real pipeline, stored and clustered as `tacitus ingest` would.

Three outlets report one ambush near Gao (so it clusters with three sources), two report one protest
in Goma; the others report unrelated events in other countries and months. `build_store(path)` writes
the store once per test session and copies it for each caller. `pipeline_once()` is the session's one
loaded Pipeline; `snapshot(db)` is what an ingest wrote, for comparing two runs.
"""

from __future__ import annotations

import datetime
import shutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tacitus.pipeline import Pipeline

ARTICLES: list[dict[str, str]] = [
    {
        "url": "https://sahelwire.example/2024/03/12/gao-ambush",
        "published": "2024-03-12",
        "text": (
            "Soldiers killed in ambush near Gao\n\n"
            "Gunmen ambushed a Malian army convoy near Gao on Monday, killing seven soldiers, the army said. "
            "The attackers fled north after the clash, according to a military statement."
        ),
    },
    {
        "url": "https://dakarpost.example/news/mali-convoy-attack",
        "published": "2024-03-12",
        "text": (
            "Convoy attacked in northern Mali\n\n"
            "Suspected jihadists attacked an army convoy outside Gao on Monday and killed at least five "
            "soldiers, local officials said."
        ),
    },
    {
        "url": "https://globaldesk.example/africa/2024-03-13/mali",
        "published": "2024-03-13",
        "text": (
            "Mali: troops die in attack on convoy\n\n"
            "Militants attacked a military convoy near the town of Gao on Monday, killing six soldiers, "
            "a security source told reporters on Tuesday."
        ),
    },
    {
        "url": "https://kivutimes.example/goma-protest",
        "published": "2024-02-10",
        "text": (
            "Thousands march in Goma\n\n"
            "Thousands of protesters marched in Goma on Friday to demand that the United Nations "
            "peacekeepers leave the city."
        ),
    },
    {
        "url": "https://globaldesk.example/africa/2024-02-10/congo",
        "published": "2024-02-10",
        "text": (
            "Protest against peacekeepers in eastern Congo\n\n"
            "Protesters marched through Goma on Friday, demanding the departure of UN peacekeepers from "
            "the city."
        ),
    },
    {
        "url": "https://globaldesk.example/world/2024-01-25/sanctions",
        "published": "2024-01-25",
        "text": (
            "New sanctions on Wagner Group partners\n\n"
            "The U.S. Treasury Department imposed sanctions on Thursday against four gold companies "
            "in the Central African Republic that it said finance the Wagner Group."
        ),
    },
    {
        "url": "https://nileobserver.example/el-fasher",
        "published": "2023-11-20",
        "text": (
            "Shelling in El Fasher\n\n"
            "The Rapid Support Forces shelled a market in El Fasher on Sunday, killing twelve civilians, "
            "witnesses said. The Sudanese army accused the paramilitary group of targeting civilians."
        ),
    },
    {
        "url": "https://sahelwire.example/2024/02/05/niger-ecowas",
        "published": "2024-02-05",
        "text": (
            "West African bloc warned Niger\n\n"
            "ECOWAS threatened to impose new sanctions on Niger in January, diplomats said. "
            "Soldiers arrested two opposition leaders in Niamey last month."
        ),
    },
    {
        "text": (
            "Talks in Addis Ababa\n\n"
            "Ethiopian officials met delegates of the African Union in Addis Ababa on Wednesday to discuss "
            "the ceasefire in the north. The European Union promised humanitarian aid to the region."
        ),
        "published": "2023-08-17",
    },
]


@cache
def build_documents() -> list[dict[str, Any]]:
    """The articles, coded by the pipeline: EVENT-SCHEMA documents with their text."""
    from tacitus.ingest import extract_article
    from tacitus.models import RawDocument

    articles = []
    for index, item in enumerate(ARTICLES):
        raw = RawDocument(source=item.get("url") or f"desk/article-{index}.txt", content=item["text"], kind="text",
                          url=item.get("url"))
        articles.append(extract_article(raw, published=datetime.date.fromisoformat(item["published"])))
    pipeline = pipeline_once()
    return [result.to_dict(include_text=True) for result in pipeline.run(articles)]


@cache
def pipeline_once() -> Pipeline:
    from tacitus.pipeline import Pipeline

    return Pipeline.load()


# Every table an ingest run writes, with the columns that are times of writing left out.
TABLES = {
    "documents": "* EXCLUDE (ingested_at)", "events": "*", "actors": "*", "places": "*", "times": "*",
    "ingest_items": "* EXCLUDE (logged_at)", "document_duplicates": "*", "document_signatures": "*",
    "document_buckets": "*",
}


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table in `TABLES`, sorted: equal for two stores that hold the same."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {table: sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
                for table, columns in TABLES.items()}
    finally:
        con.close()


_BUILT: dict[bool, Path] = {}


def build_store(path: Path, *, cluster: bool = True) -> Path:
    """A copy of the test store at `path` (clustered, unless `cluster` is False)."""
    if cluster not in _BUILT:
        import tempfile

        from tacitus.store import Store

        folder = Path(tempfile.mkdtemp(prefix="tacitus-desk-"))
        built = folder / "desk.duckdb"
        with Store(built) as store:
            store.add(build_documents())
            if cluster:
                from tacitus.cluster import cluster_new

                cluster_new(store)
        _BUILT[cluster] = built
    shutil.copyfile(_BUILT[cluster], path)
    return path
