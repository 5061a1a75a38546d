-- recstream schema, version 5: a user's event counter is no longer stored.
-- Every event sets its pair's last_sequence to the user's counter before the
-- event, so the counter is max(last_sequence) + 1 over the user's
-- interactions, and the loader derives it. Each batch now inserts its new
-- users only, instead of rewriting the row of every user it touched.
alter table users drop column event_count;
