-- recstream schema, version 9: a record that crashes the daemon must not
-- crash it forever.
--
-- `applying_starts` counts the starts that began applying records from the
-- same stored offsets: a start that commits anything moves the offsets, and
-- a clean stop clears it, so a count of 3 means three deaths in a row before
-- the first commit. The daemon then applies the next records one at a time,
-- each first noted in `suspect_records` (committed before it is applied,
-- deleted by the transaction that commits it). A start that finds a noted
-- record still at its partition's stored offset knows the record its
-- predecessor died on, and makes it a dead letter.
create table applying_starts (
    singleton boolean primary key default true check (singleton),
    offsets text not null,
    starts integer not null
);

create table suspect_records (
    topic text not null,
    partition integer not null,
    "offset" bigint not null,
    key bytea,
    payload bytea not null,
    noted_at timestamptz not null default now(),
    primary key (topic, partition, "offset")
);
