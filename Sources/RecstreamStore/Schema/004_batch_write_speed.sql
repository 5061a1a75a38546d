-- recstream schema, version 4: cheaper batch transactions (measured with
-- `recstream bench ingest`; see the README's ingest benchmark).

-- 1. Vectors are checked once per statement, not once per row: the same
--    refusals (wrong dimension, NULL, NaN, +-infinity: SQLSTATE 23514), one
--    plpgsql call per upsert instead of one per vector. An AFTER statement
--    trigger that raises aborts the statement, so nothing is written.
drop trigger user_embeddings_dimension on user_embeddings;
drop trigger item_embeddings_dimension on item_embeddings;
drop function recstream_check_vector();

create function recstream_check_vectors() returns trigger language plpgsql as $$
declare
    expected integer := (select dimension from model_metadata);
    found integer;
begin
    if expected is null then
        raise exception 'model_metadata has no dimension yet' using errcode = '23514';
    end if;
    select cardinality(vector) into found from changed
        where array_ndims(vector) is distinct from 1 or cardinality(vector) <> expected limit 1;
    if found is not null then
        raise exception 'vector of % elements in %, the model dimension is %', found, tg_table_name, expected
            using errcode = '23514';
    end if;
    if exists (select 1 from changed where array_position(vector, null) is not null or 'NaN' = any (vector)
            or 'infinity' = any (vector) or '-infinity' = any (vector)) then
        raise exception 'non-finite element in a vector of %', tg_table_name using errcode = '23514';
    end if;
    return null;
end;
$$;

-- Transition tables allow one event per trigger: one for inserts, one for updates.
create trigger user_embeddings_checked_insert after insert on user_embeddings
    referencing new table as changed for each statement execute function recstream_check_vectors();
create trigger user_embeddings_checked_update after update on user_embeddings
    referencing new table as changed for each statement execute function recstream_check_vectors();
create trigger item_embeddings_checked_insert after insert on item_embeddings
    referencing new table as changed for each statement execute function recstream_check_vectors();
create trigger item_embeddings_checked_update after update on item_embeddings
    referencing new table as changed for each statement execute function recstream_check_vectors();

-- 2. The dedup window as one row per batch (its event ids in an array)
--    instead of one indexed row per event.
create table processed_event_batches (
    seq bigserial primary key,
    event_ids text[] not null check (cardinality(event_ids) > 0)
);
insert into processed_event_batches (event_ids)
    select array_agg(event_id order by seq) from processed_events having count(*) > 0;
drop table processed_events;

-- 3. Room in every page for the rows each batch rewrites (event counters,
--    vectors, accumulated weights), so updates can stay on their page
--    without touching the indexes (HOT). Applies to pages written from now on.
alter table users set (fillfactor = 80);
alter table interactions set (fillfactor = 80);
alter table user_embeddings set (fillfactor = 70);
alter table item_embeddings set (fillfactor = 70);

-- 4. No foreign keys on the per-batch tables: each inserted row's check
--    locked its user and item row (SELECT ... FOR KEY SHARE), which cost
--    more than the insert itself. The only writer, BatchTransaction, writes
--    users and items in the same transaction before the rows naming them.
alter table interactions drop constraint interactions_user_id_fkey, drop constraint interactions_item_id_fkey;
alter table user_embeddings drop constraint user_embeddings_user_id_fkey;
alter table item_embeddings drop constraint item_embeddings_item_id_fkey;
