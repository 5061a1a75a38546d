-- Event ids already applied, to drop duplicates that producers resend. Kept
-- for the configured window (dedup.window_events, newest by seq), written in
-- the same transaction as the batch that applied them.
create table processed_events (
    event_id text primary key,
    seq bigserial not null unique
);
