-- Relations are stored in both directions and always looked up by `source_ref`; the index on
-- `target_ref` cost a random B-tree insert per relation row and served no query.
DROP INDEX IF EXISTS relations_target;
