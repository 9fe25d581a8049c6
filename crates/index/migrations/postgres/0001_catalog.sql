-- The catalog index (PostgreSQL). Keep in step with ../sqlite/0001_catalog.sql: same tables,
-- columns and indexes; only the types differ. Applied by core/src/index/migrate.rs.

-- Store identity and the run counter (`generation`) search indexes catch up to.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per configured [[source]]. `last_error` is set when the latest run of the source
-- failed: its rows are then the last good index and answers call it stale.
CREATE TABLE sources (
    id           BIGINT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    location     TEXT NOT NULL,
    position     BIGINT NOT NULL,
    revision     TEXT,
    last_attempt BIGINT,
    last_success BIGINT,
    last_error   TEXT
);

-- Every catalog file read. `hash` is the content hash (SHA-256, or the git blob id);
-- `fingerprint` a cheap change detector (size and mtime, or the blob id) that lets a run skip
-- reading unchanged files; `locations` the Location targets written in the file (JSON), so
-- unchanged Location files need not be re-parsed to be followed.
CREATE TABLE files (
    id          BIGINT PRIMARY KEY,
    source_id   BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    fingerprint TEXT,
    locations   TEXT,
    UNIQUE (source_id, path)
);

-- One row per document that yields an entity, valid or not. `ref` is the canonical
-- kind:namespace/name (lowercase). When a ref is defined more than once, exactly one row is
-- `active` (valid first, then source order, then path).
CREATE TABLE entities (
    file_id       BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    doc_index     BIGINT NOT NULL,
    ref           TEXT NOT NULL,
    kind          TEXT NOT NULL,
    namespace     TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind_lc       TEXT NOT NULL,
    name_lc       TEXT NOT NULL,
    title         TEXT,
    description   TEXT,
    spec_type     TEXT,
    type_lc       TEXT,
    lifecycle     TEXT,
    lifecycle_lc  TEXT,
    owner_ref     TEXT,
    system_ref    TEXT,
    domain_ref    TEXT,
    display_name  TEXT,
    email         TEXT,
    tags          TEXT NOT NULL,
    labels        TEXT NOT NULL,
    annotations   TEXT NOT NULL,
    links         TEXT NOT NULL,
    valid         BOOLEAN NOT NULL,
    stage         TEXT,
    line          BIGINT NOT NULL,
    col           BIGINT NOT NULL,
    error_count   BIGINT NOT NULL,
    warning_count BIGINT NOT NULL,
    first_error   TEXT,
    document      TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    PRIMARY KEY (file_id, doc_index)
);
CREATE INDEX entities_ref ON entities (ref, active);
CREATE INDEX entities_name ON entities (name_lc);
CREATE INDEX entities_kind ON entities (kind_lc);
CREATE INDEX entities_owner ON entities (owner_ref);
CREATE INDEX entities_system ON entities (system_ref);
CREATE INDEX entities_domain ON entities (domain_ref);
CREATE INDEX entities_type ON entities (type_lc);
CREATE INDEX entities_lifecycle ON entities (lifecycle_lc);

-- Relations exactly as Backstage emits them: both directions, by the entity whose file wrote
-- the reference. `active` mirrors the emitting entity's.
CREATE TABLE relations (
    file_id    BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    doc_index  BIGINT NOT NULL,
    source_ref TEXT NOT NULL,
    type       TEXT NOT NULL,
    target_ref TEXT NOT NULL,
    active     BOOLEAN NOT NULL
);
CREATE INDEX relations_source ON relations (source_ref, type);
CREATE INDEX relations_target ON relations (target_ref, type);
CREATE INDEX relations_entity ON relations (file_id, doc_index);

CREATE TABLE tags (
    file_id   BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    doc_index BIGINT NOT NULL,
    tag       TEXT NOT NULL
);
CREATE INDEX tags_tag ON tags (tag);
CREATE INDEX tags_entity ON tags (file_id, doc_index);

-- Labels and annotations, for `find label:key=value` / `annotation:key`.
CREATE TABLE metadata_values (
    file_id   BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    doc_index BIGINT NOT NULL,
    scope     TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL
);
CREATE INDEX metadata_values_key ON metadata_values (scope, key, value);
CREATE INDEX metadata_values_entity ON metadata_values (file_id, doc_index);

-- Findings of validation and per-file lints (`origin` = 'parse'), of following Location
-- targets ('location') and of reading the file ('read'). `doc_index` is NULL for findings
-- outside any entity document.
CREATE TABLE findings (
    file_id   BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    doc_index BIGINT,
    origin    TEXT NOT NULL,
    code      TEXT NOT NULL,
    severity  TEXT NOT NULL,
    message   TEXT NOT NULL,
    line      BIGINT NOT NULL,
    col       BIGINT NOT NULL
);
CREATE INDEX findings_entity ON findings (file_id, doc_index);
CREATE INDEX findings_severity ON findings (severity);

-- Which refs each run changed, so search indexes (one per process for a shared PostgreSQL
-- store) catch up without a rebuild. Old generations are pruned.
CREATE TABLE changes (
    generation BIGINT NOT NULL,
    ref        TEXT NOT NULL,
    PRIMARY KEY (generation, ref)
);
