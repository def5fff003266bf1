"""tacitus: conflict and peace-operation event data from news text, every field with its evidence."""

__version__ = "0.1.0"
