-- recstream schema, version 9: a record that crashes the daemon must not
-- crash it forever.
--
-- `applying_starts` counts, per partition, the starts that began applying
-- its records from the same stored offset: a commit of the partition moves
-- the offset, and a clean stop clears every count, so a count of 3 means
-- three starts in a row that died before the partition moved. The daemon
-- then applies the next records one at a time,
-- each first noted in `suspect_records` (committed before it is applied,
-- deleted by the transaction that commits it). A start that finds a noted
-- record still at its partition's stored offset knows the record its
-- predecessor died on, and makes it a dead letter.
create table applying_starts (
    topic text not null,
    partition integer not null,
    next_offset bigint not null,
    starts integer not null,
    primary key (topic, partition)
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
