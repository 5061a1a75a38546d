-- recstream schema, version 1: the durable state of the daemon and the
-- tables app backends read. Applied by `recstream migrate` (and `serve` at
-- start) in one transaction, under an advisory lock.

-- Model metadata: one row.
create table model_metadata (
    singleton boolean primary key default true check (singleton),
    dimension integer not null check (dimension between 1 and 1024),
    hyperparameters jsonb not null,
    model_version bigint not null default 0,
    updated_at timestamptz not null default now()
);

-- Entities: external ids from events, dense internal ids the model uses.
create table users (
    id bigint primary key check (id >= 0),
    external_id text not null unique,
    -- events of this user so far (recency of each pair is counted in them)
    event_count bigint not null default 0,
    created_at timestamptz not null default now()
);

create table items (
    id bigint primary key check (id >= 0),
    external_id text not null unique,
    categories text[] not null default '{}',
    uploader text,
    title text,
    created_at timestamptz not null default now()
);

-- The interaction history exact projections need and top-k excludes.
-- weight: the accumulated event weights of the pair; the model derives the
-- confidence from it and the recency (event_count - last_sequence - 1).
create table interactions (
    user_id bigint not null references users (id),
    item_id bigint not null references items (id),
    weight real not null check (weight > 0 and weight < 'infinity'),
    last_sequence bigint not null check (last_sequence >= 0),
    last_event_at timestamptz,
    primary key (user_id, item_id)
);
create index interactions_by_item on interactions (item_id);

-- Embeddings; vectors must have the model's dimension.
create table user_embeddings (
    user_id bigint primary key references users (id),
    vector real[] not null,
    version bigint not null default 0,
    updated_at timestamptz not null default now()
);

create table item_embeddings (
    item_id bigint primary key references items (id),
    vector real[] not null,
    version bigint not null default 0,
    updated_at timestamptz not null default now()
);

create function recstream_check_vector() returns trigger language plpgsql as $$
declare
    expected integer := (select dimension from model_metadata);
begin
    if expected is null then
        raise exception 'model_metadata has no dimension yet' using errcode = '23514';
    end if;
    if array_ndims(new.vector) is distinct from 1 or cardinality(new.vector) <> expected then
        raise exception 'vector of % elements in %, the model dimension is %', cardinality(new.vector), tg_table_name, expected
            using errcode = '23514';
    end if;
    if array_position(new.vector, null) is not null or 'NaN' = any (new.vector)
            or 'infinity' = any (new.vector) or '-infinity' = any (new.vector) then
        raise exception 'non-finite element in a vector of %', tg_table_name using errcode = '23514';
    end if;
    return new;
end;
$$;

create trigger user_embeddings_dimension before insert or update on user_embeddings
    for each row execute function recstream_check_vector();
create trigger item_embeddings_dimension before insert or update on item_embeddings
    for each row execute function recstream_check_vector();

-- Cold-start centroids: running sums of warm item vectors per group.
create table centroids (
    kind text not null check (kind in ('category', 'uploader', 'global')),
    key text not null,
    vector_sum double precision[] not null,
    member_count integer not null check (member_count >= 0),
    primary key (kind, key)
);

-- Kafka positions, written in the same transaction as the state they led to.
create table consumer_offsets (
    topic text not null,
    partition integer not null check (partition >= 0),
    next_offset bigint not null check (next_offset >= 0),
    updated_at timestamptz not null default now(),
    primary key (topic, partition)
);

-- Records that could not be applied, with why and where they came from.
create table dead_letters (
    id bigserial primary key,
    topic text not null,
    partition integer not null,
    "offset" bigint not null,
    key bytea,
    payload bytea,
    reason text not null check (reason <> ''),
    received_at timestamptz not null default now()
);
create index dead_letters_by_position on dead_letters (topic, partition, "offset");

-- What app backends read: lists keyed by external ids.
create table user_recommendations (
    user_id text primary key,
    item_ids text[] not null,
    scores real[] not null check (cardinality(scores) = cardinality(item_ids)),
    model_version bigint not null,
    generated_at timestamptz not null default now()
);

create table item_related (
    item_id text primary key,
    item_ids text[] not null,
    scores real[] not null check (cardinality(scores) = cardinality(item_ids)),
    model_version bigint not null,
    generated_at timestamptz not null default now()
);

create table popular_items (
    rank integer primary key check (rank >= 1),
    item_id text not null,
    score real not null,
    model_version bigint not null,
    generated_at timestamptz not null default now()
);

create view user_recommendations_flat as
    select r.user_id, t.rank::integer as rank, t.item_id, r.scores[t.rank] as score, r.model_version, r.generated_at
    from user_recommendations r cross join lateral unnest(r.item_ids) with ordinality as t(item_id, rank);

create view item_related_flat as
    select r.item_id, t.rank::integer as rank, t.related_item_id, r.scores[t.rank] as score, r.model_version, r.generated_at
    from item_related r cross join lateral unnest(r.item_ids) with ordinality as t(related_item_id, rank);

-- The reader role: SELECT on what apps read, nothing else. Apps log in with
-- their own role and `grant recstream_reader to that_role`.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'recstream_reader') then
        create role recstream_reader nologin;
    end if;
end;
$$;

grant select on user_recommendations, user_recommendations_flat, item_related, item_related_flat, popular_items
    to recstream_reader;
