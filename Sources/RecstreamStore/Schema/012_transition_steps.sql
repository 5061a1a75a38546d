-- recstream schema, version 12: transitions are appended, not updated.
--
-- A batch appends one row per step it changed, holding the weight the
-- batch added and the batch's model version; a pair's count is the sum of
-- its rows. Appending needs no lookup of the pair, so a batch no longer
-- pays an index probe and a row update per step. The rows version 11
-- stored (whole counts, one per pair) stay as they are, with version 0.
--
-- The index on `model_version` lets a batch see that it was written
-- already (a retry after a commit whose acknowledgement was lost) with one
-- probe, and costs little: every batch appends at its right edge. The
-- daemon folds the rows of each pair into one when the table holds twice
-- as many rows as pairs (docs/operations.md).
alter table item_transitions drop constraint item_transitions_pkey;
alter table item_transitions add column model_version bigint not null default 0 check (model_version >= 0);
alter table item_transitions alter column model_version drop default;
alter table item_transitions set (fillfactor = 100);
create index item_transitions_model_version on item_transitions (model_version);
