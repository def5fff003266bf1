"""The ingest stage: takes paths (files, directories, JSON Lines, stdin) and gives Articles.

`read_documents` reads and decodes inputs into RawDocuments, `extract_article` turns one into
an Article, `read_articles` chains both and yields errors in place so a batch goes on.
"""

from tacitus.ingest.extract import extract_article, read_articles
from tacitus.ingest.readers import parse_published, read_documents

__all__ = ["extract_article", "parse_published", "read_articles", "read_documents"]
