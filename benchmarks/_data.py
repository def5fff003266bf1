"""What the benchmarks measure on: the paths of the shared data (../shared/data beside the checkout)
and the articles extracted from them. Imported by the scripts of this directory, which run as
scripts (`python benchmarks/X.py`), so this directory is on sys.path.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tacitus.models import Article

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared/data"
VOA = "news/voa_stories.jsonl"  # under SHARED (or a script's --data)
SEED = SHARED / "seed/000_775f0f47ad06cc94.txt"


def missing(paths: Iterable[Path]) -> bool:
    """True, after naming them on stderr, when any of `paths` does not exist: nothing can be measured."""
    absent = [str(path) for path in paths if not path.exists()]
    if absent:
        print(f"{', '.join(absent)}: not found; nothing measured", file=sys.stderr)
    return bool(absent)


def articles(path: Path) -> list[Article]:
    """The articles tacitus extracts from `path` (those it cannot read are left out)."""
    # Imported here: `--help` should not wait for tacitus.
    from tacitus.ingest import read_articles
    from tacitus.models import Article

    return [a for a in read_articles([str(path)]) if isinstance(a, Article)]


def texts(path: Path) -> list[str]:
    return [article.text for article in articles(path)]
