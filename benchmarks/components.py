"""CPU time of each spaCy component over the VOA stories: the bare model against tacitus's.

    python benchmarks/components.py [--data ../shared/data] [--passes 2]

Each story is run through the pipeline one component at a time (`make_doc`, then every
`nlp.pipeline` entry in order), so each component's CPU time (`time.process_time`) is summed
apart; the mean over `--passes` passes is printed. tacitus's pipeline (`Pipeline.load().nlp`)
adds its own paragraph splitter and name ruler (registry and gazetteer names), and runs the
model's attribute ruler and lemmatizer as exact stand-ins (`tacitus/token_attrs.py`); the table
shows what each costs next to the model's own.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import spacy
from _data import SHARED, VOA, missing, texts
from spacy.language import Language

from tacitus.nlp import MODEL
from tacitus.pipeline import Pipeline


def component_seconds(nlp: Language, stories: list[str], passes: int) -> dict[str, float]:
    """Mean CPU seconds per pass of each component over `stories`, tokenizer included."""
    spent: dict[str, float] = defaultdict(float)
    for _ in range(passes):
        for text in stories:
            start = time.process_time()
            doc = nlp.make_doc(text)
            spent["tokenizer"] += time.process_time() - start
            for name, component in nlp.pipeline:
                start = time.process_time()
                doc = component(doc)
                spent[name] += time.process_time() - start
    return {name: seconds / passes for name, seconds in spent.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--passes", type=int, default=2)
    args = ap.parse_args()
    path = args.data / VOA
    if missing([path]):
        return 2
    stories = texts(path)
    model = component_seconds(spacy.load(MODEL), stories, args.passes)
    ours = component_seconds(Pipeline.load().nlp, stories, args.passes)
    print(f"{len(stories)} stories, CPU seconds per pass (mean of {args.passes})")
    print(f"{'component':<20}{'model':>8}{'tacitus':>9}")
    for name in dict.fromkeys([*model, *ours]):
        cells = [f"{table[name]:.2f}" if name in table else "-" for table in (model, ours)]
        print(f"{name:<20}{cells[0]:>8}{cells[1]:>9}")
    print(f"{'total':<20}{sum(model.values()):>8.2f}{sum(ours.values()):>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
