"""Event coding: lexicon triggers, dependency roles and status over parsed sentences."""

from .events import EventCandidate, code_sentence
from .lexicon import Lexicon

__all__ = ["EventCandidate", "Lexicon", "code_sentence"]
