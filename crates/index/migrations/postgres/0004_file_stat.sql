-- What a run knows of a directory source's file without reading it: size, modification and
-- status-change times (nanoseconds since the epoch) and inode. A file whose stat on disk equals
-- these is not read again. All NULL when unknown (git sources, whose `fingerprint` is the blob
-- id) or when the file changed in the second its run started (the "racy" rule: the next run
-- reads it and stores its stat).
ALTER TABLE files ADD COLUMN size BIGINT;
ALTER TABLE files ADD COLUMN mtime_ns BIGINT;
ALTER TABLE files ADD COLUMN ctime_ns BIGINT;
ALTER TABLE files ADD COLUMN inode BIGINT;
