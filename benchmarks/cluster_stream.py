"""CPU time of clustering a synthetic stream of event mentions from scratch (`group_mentions`).

    python benchmarks/cluster_stream.py [--mentions 8000] [--seed 7]

The stream: mentions of six PLOVER types over 10 countries and 30 days, four per article, 60%
placed at one of eight towns per country (the rest at country level), a third dated only by
publication, sources from three armed groups or none per country. Nothing is read from disk, so the
figure measures the merging rule and the engine alone. Prints mentions, clusters and CPU seconds.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time

from tacitus.cluster.engine import group_mentions
from tacitus.cluster.rule import ActorKey, Mention, PlaceKey

COUNTRIES = (("MLI", 17, -4), ("NER", 17, 8), ("BFA", 12, -1), ("SDN", 15, 30), ("SOM", 5, 46), ("COD", -2, 23),
             ("LBN", 33.8, 35.8), ("HTI", 19, -72), ("YEM", 15, 48), ("NGA", 10, 8))
TYPES = ("ASSAULT", "COERCE", "PROTEST", "ACCUSE", "REQUEST", "CONSULT")
START = datetime.date(2025, 3, 1)


def stream(n: int, seed: int) -> list[Mention]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        country, lat, lon = rng.choice(COUNTRIES)
        day = START + datetime.timedelta(days=rng.randrange(30))
        town = rng.randrange(8)
        if rng.random() < 0.6:
            place = PlaceKey(f"T{country}{town}", country, f"A{country}{town % 3}", lat + town * 0.3,
                             lon + town * 0.3, 100_000 + 10 * COUNTRIES.index((country, lat, lon)) + town, "point")
        else:
            place = PlaceKey(country, country, None, lat, lon, 1, "country")
        source = ActorKey(rng.choice([None, f"G{country}{rng.randrange(3)}"]), country,
                          rng.choice(["INS", "MIL", "GOV", "CVL"]))
        out.append(Mention(
            id=f"m{i}", document_id=f"d{i // 4}", ordinal=i % 4, type=rng.choice(TYPES), mode=None,
            status="asserted", source=source, target=None, date_start=day, date_end=day,
            date_precision=rng.choice(["day", "day", "document"]), date_text=None, place=place, killed=None,
            injured=None, confidence=0.7, published=day + datetime.timedelta(days=1), outlet=f"o{i % 20}.example"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentions", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    mentions = stream(args.mentions, args.seed)
    start = time.process_time()
    clusters = group_mentions(mentions)
    print(f"{len(mentions)} mentions, {len(clusters)} clusters, {time.process_time() - start:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
