-- The first schema: one row per document, per event, and per document-level mention.
-- Nested EVENT-SCHEMA objects (source, target, date, location, acled, evidence) are flattened
-- into prefixed columns so analysts can filter them in plain SQL; `Store` nests them again.
-- `ordinal` is the position in the input list, so a stored document reads back in its own order;
-- `extra` keeps top-level fields the schema gains later, until a migration gives them a column.

CREATE TABLE documents (
    id          VARCHAR PRIMARY KEY,   -- sha256 of the normalized text, first 16 hex chars
    source      VARCHAR,
    input_id    VARCHAR,
    title       VARCHAR,
    published   DATE,
    language    VARCHAR,
    text_chars  INTEGER,
    author      VARCHAR,
    site        VARCHAR,
    url         VARCHAR,
    text        VARCHAR,
    captions    JSON,                  -- [{"start": …, "end": …}] spans of figure captions
    extra       JSON,
    ingested_at TIMESTAMP
);

CREATE TABLE events (
    id                    VARCHAR PRIMARY KEY,
    document_id           VARCHAR NOT NULL,
    ordinal               INTEGER NOT NULL,
    type                  VARCHAR NOT NULL,   -- PLOVER type
    mode                  VARCHAR,
    context               VARCHAR[],
    status                VARCHAR,
    source_text           VARCHAR,
    source_name           VARCHAR,
    source_country        VARCHAR,            -- ISO 3166-1 alpha-3 or IGO
    source_sector         VARCHAR,
    source_actor_id       VARCHAR,
    source_start          INTEGER,
    source_end            INTEGER,
    target_text           VARCHAR,
    target_name           VARCHAR,
    target_country        VARCHAR,
    target_sector         VARCHAR,
    target_actor_id       VARCHAR,
    target_start          INTEGER,
    target_end            INTEGER,
    date_text             VARCHAR,
    date_start            DATE,
    date_end              DATE,
    date_precision        VARCHAR,
    location_text         VARCHAR,
    location_name         VARCHAR,
    location_country      VARCHAR,
    location_admin1       VARCHAR,
    location_lat          DOUBLE,
    location_lon          DOUBLE,
    location_geonameid    BIGINT,
    location_precision    VARCHAR,
    location_start        INTEGER,
    location_end          INTEGER,
    killed                INTEGER,
    injured               INTEGER,
    quantity              BIGINT,
    cameo                 VARCHAR,
    quad_class            INTEGER,
    goldstein             DOUBLE,
    acled_event_type      VARCHAR,
    acled_sub_event_type  VARCHAR,
    -- the speaker is a whole actor record; a struct keeps it one column (quote_speaker.name in SQL)
    quote_speaker         STRUCT("text" VARCHAR, "name" VARCHAR, country VARCHAR, sector VARCHAR,
                                 id VARCHAR, "start" INTEGER, "end" INTEGER),
    quote_text            VARCHAR,
    evidence_sentence     VARCHAR,
    sentence_index        INTEGER,
    evidence_start        INTEGER,
    evidence_end          INTEGER,
    trigger               VARCHAR,
    trigger_start         INTEGER,
    trigger_end           INTEGER,
    confidence            DOUBLE,
    extra                 JSON
);

CREATE TABLE actors (
    document_id VARCHAR NOT NULL,
    ordinal     INTEGER NOT NULL,
    "start"     INTEGER,
    "end"       INTEGER,
    text        VARCHAR,
    name        VARCHAR,
    country     VARCHAR,
    sector      VARCHAR,
    actor_id    VARCHAR,
    PRIMARY KEY (document_id, ordinal)
);

CREATE TABLE places (
    document_id VARCHAR NOT NULL,
    ordinal     INTEGER NOT NULL,
    "start"     INTEGER,
    "end"       INTEGER,
    text        VARCHAR,
    name        VARCHAR,
    country     VARCHAR,
    admin1      VARCHAR,
    lat         DOUBLE,
    lon         DOUBLE,
    geonameid   BIGINT,
    precision   VARCHAR,
    PRIMARY KEY (document_id, ordinal)
);

CREATE TABLE times (
    document_id VARCHAR NOT NULL,
    ordinal     INTEGER NOT NULL,
    "start"     INTEGER,
    "end"       INTEGER,
    text        VARCHAR,
    value       VARCHAR,               -- TIMEX3 value: 2023-06-27, 2023-W25, P10Y …
    start_date  DATE,
    end_date    DATE,
    precision   VARCHAR,
    PRIMARY KEY (document_id, ordinal)
);
