-- Progress of each configured [[migration]], per owning team, recorded by every index run inside
-- its transaction. One row per migration, day (days since 1970-01-01, UTC) and owner (`''` for
-- entities without one): a later run on the same day replaces that day's rows, so history is
-- compacted to the last snapshot of each day as it is written. A migration's history starts on
-- the day it is first indexed.
CREATE TABLE migration_history (
    migration   TEXT NOT NULL,
    day         BIGINT NOT NULL,
    owner_ref   TEXT NOT NULL,
    in_scope    BIGINT NOT NULL,
    done        BIGINT NOT NULL,
    remaining   BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (migration, day, owner_ref)
);

-- Nudges posted: at most one per migration, team and period (a day or the Monday of a week).
CREATE TABLE migration_nudges (
    migration TEXT NOT NULL,
    owner_ref TEXT NOT NULL,
    period    TEXT NOT NULL,
    posted_at BIGINT NOT NULL,
    PRIMARY KEY (migration, owner_ref, period)
);
