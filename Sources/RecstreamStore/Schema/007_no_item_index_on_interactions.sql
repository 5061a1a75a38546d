-- recstream schema, version 7: no index on interactions (item_id). Nothing
-- reads interactions by item (the daemon loads them whole at start, and apps
-- cannot read the table), while every new pair paid a second B-tree insert:
-- in `bench ingest` the interaction upsert was the batch transaction's
-- largest statement (about 50 ms of 175 per batch of 10,000 events).
drop index interactions_by_item;
