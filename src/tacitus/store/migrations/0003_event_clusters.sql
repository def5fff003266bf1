-- Event clusters: one row per real-world event, merging the event mentions of several articles
-- (tacitus.cluster). Written only by `tacitus.cluster.cluster_new`, which rewrites the clusters
-- touched by new mentions and leaves the others alone; a rebuild rewrites them all. Depends on
-- 0001 only.
--
-- `id` is content_id("cluster", founder_event_id): the founder is the cluster's earliest report
-- (publication date, then document id, then position), so a later article joining the cluster
-- keeps its id. `component` names the connected part of the link graph the cluster lies in (the
-- smallest event id of it): clustering of new mentions reruns only the components they touch.
-- Columns follow the events table: the best-precision date and place of the members, the best
-- known source and target, and the lowest reported killed and injured (ACLED's rule).

CREATE TABLE event_clusters (
    id                   VARCHAR PRIMARY KEY,
    component            VARCHAR NOT NULL,
    founder_event_id     VARCHAR NOT NULL,
    family               VARCHAR NOT NULL,   -- type family (cluster/data/families.tsv)
    type                 VARCHAR NOT NULL,   -- the members' most reported PLOVER type
    mode                 VARCHAR,
    status               VARCHAR,            -- asserted when any member asserts it
    source_text          VARCHAR,
    source_name          VARCHAR,
    source_country       VARCHAR,
    source_sector        VARCHAR,
    source_actor_id      VARCHAR,
    target_text          VARCHAR,
    target_name          VARCHAR,
    target_country       VARCHAR,
    target_sector        VARCHAR,
    target_actor_id      VARCHAR,
    date_text            VARCHAR,
    date_start           DATE,
    date_end             DATE,
    date_precision       VARCHAR,
    location_text        VARCHAR,
    location_name        VARCHAR,
    location_country     VARCHAR,
    location_admin1      VARCHAR,
    location_lat         DOUBLE,
    location_lon         DOUBLE,
    location_geonameid   BIGINT,
    location_precision   VARCHAR,
    killed               INTEGER,
    injured              INTEGER,
    num_mentions         INTEGER NOT NULL,
    num_articles         INTEGER NOT NULL,
    num_sources          INTEGER NOT NULL,   -- distinct outlets; a document with no site or URL counts alone
    outlets              VARCHAR[],          -- site names or URL hosts, sorted
    first_published      DATE,
    last_published       DATE,
    confidence           DOUBLE
);

-- Every clustered event mention, in exactly one cluster. `score` is the link score with which it
-- joined (null for the first member placed).
CREATE TABLE cluster_members (
    event_id    VARCHAR PRIMARY KEY,
    cluster_id  VARCHAR NOT NULL,
    score       DOUBLE
);

CREATE INDEX cluster_members_cluster ON cluster_members (cluster_id);
CREATE INDEX event_clusters_component ON event_clusters (component);
