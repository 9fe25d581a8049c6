-- The last run's walk of a directory source (see `walk.rs`): each directory's stat, the stats of
-- the ignore files that shaped its listing, and the catalog files and subdirectories it held, in
-- one encoded value per source. A run lists again only the directories whose stat moved. Absent
-- for git sources; a missing or unreadable value makes the next run walk the whole source.
CREATE TABLE walks (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    state     BYTEA NOT NULL
);
