-- Batch ingest bookkeeping: which inputs are done (resumable jobs), the per-item error log,
-- and near-duplicate articles (syndicated copies) with the MinHash signatures that found them.

-- One row per input item (a file, a JSON Lines record, a WARC record), keyed as
-- tacitus.ingest.readers.InputItem names it. status: added (the item's document was stored),
-- present (its document was already stored, from this or another input), error (message says
-- why; the item is tried again by the next run).
CREATE TABLE ingest_items (
    key         VARCHAR PRIMARY KEY,
    source      VARCHAR,
    document_id VARCHAR,
    status      VARCHAR NOT NULL,
    message     VARCHAR,
    logged_at   TIMESTAMP          -- when this row was last written
);

-- A document whose text is a near copy of an earlier stored one; both keep their events.
CREATE TABLE document_duplicates (
    document_id  VARCHAR PRIMARY KEY,
    duplicate_of VARCHAR NOT NULL,
    similarity   DOUBLE NOT NULL      -- estimated Jaccard similarity of 5-word shingles
);

CREATE TABLE document_signatures (
    document_id VARCHAR PRIMARY KEY,
    shingles    INTEGER NOT NULL,
    minhash     BIGINT[] NOT NULL
);

-- The LSH index: one row per (document, band); documents sharing a bucket are compared.
CREATE TABLE document_buckets (
    bucket      BIGINT NOT NULL,
    document_id VARCHAR NOT NULL
);
