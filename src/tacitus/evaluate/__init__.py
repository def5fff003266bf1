"""Evaluation against gold data (the seed article, tests/gold/, later the shared gold sets)."""
