-- recstream schema, version 11: the blend learns the popularity weight too,
-- and transitions reach further back.
--
-- `item_transitions` keeps its shape; from this version a step joins each
-- of a user's last few distinct items to the next, the k-th most recent
-- weighing 2^(1-k) (docs/model.md), where version 10 counted direct
-- successors alone (weight 1). Counts stored by version 10 stay and grow
-- by the new rule.
--
-- `blend_tuning` holds one row per pair of weights the lists tried (the
-- popularity weight and the transition weight): its decayed hits, its
-- decayed wins over every pair (in (popularity_weight, transition_weight)
-- order), and whether the lists use it. The tuning of version 10 (transition
-- weights alone) is not carried over: the lists start again from the
-- configured weights and relearn them from the stream.
drop table blend_tuning;

create table blend_tuning (
    popularity_weight real not null check (popularity_weight >= 0 and popularity_weight < 'infinity'),
    transition_weight real not null check (transition_weight >= 0 and transition_weight < 'infinity'),
    hits double precision not null check (hits >= 0 and hits < 'infinity'),
    wins double precision[] not null,
    chosen boolean not null,
    tests bigint not null check (tests >= 0),
    primary key (popularity_weight, transition_weight)
);
