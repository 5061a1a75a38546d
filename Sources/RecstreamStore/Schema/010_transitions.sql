-- recstream schema, version 10: what comes next.
--
-- `item_transitions` holds how often item `to_item` directly followed item
-- `from_item` among users' consecutive distinct items (the weight is the
-- whole count, written by the batch that changed it: a replay writes the
-- same value). `blend_tuning` holds what the stream taught the lists about
-- the weight of those transitions: for each weight tried, its decayed hits,
-- its decayed wins over every weight (in `transition_weight` order), and
-- whether the lists use it.
create table item_transitions (
    from_item bigint not null,
    to_item bigint not null,
    weight real not null check (weight > 0 and weight < 'infinity'),
    primary key (from_item, to_item),
    check (from_item <> to_item)
) with (fillfactor = 80);

create table blend_tuning (
    transition_weight real primary key check (transition_weight >= 0 and transition_weight < 'infinity'),
    hits double precision not null check (hits >= 0 and hits < 'infinity'),
    wins double precision[] not null,
    chosen boolean not null,
    tests bigint not null check (tests >= 0)
);
