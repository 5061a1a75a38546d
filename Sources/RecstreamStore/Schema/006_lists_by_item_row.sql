-- recstream schema, version 6: lists name their items by internal id.
-- Receiving 5,000 lists of 100 external ids as text[] cost the server
-- 150-170 ms (a text datum per element, and pglz trying to compress rows
-- near the TOAST threshold); as bigint[] 28-32 ms. Apps read the same
-- relations and columns as before: `user_recommendations` and
-- `item_related` become views that give the external ids back.

drop view user_recommendations_flat;
drop view item_related_flat;
alter table user_recommendations rename to user_recommendation_lists;
alter table item_related rename to item_related_lists;

alter table user_recommendation_lists add column item_rows bigint[];
update user_recommendation_lists r set item_rows = coalesce(
    (select array_agg(i.id order by u.n) from unnest(r.item_ids) with ordinality as u(external_id, n)
     join items i on i.external_id = u.external_id), '{}');
alter table item_related_lists add column item_rows bigint[];
update item_related_lists r set item_rows = coalesce(
    (select array_agg(i.id order by u.n) from unnest(r.item_ids) with ordinality as u(external_id, n)
     join items i on i.external_id = u.external_id), '{}');
-- A list naming an item that is not stored cannot be mapped; the next
-- refresh of its user (or item) publishes it again.
delete from user_recommendation_lists where cardinality(item_rows) <> cardinality(item_ids);
delete from item_related_lists where cardinality(item_rows) <> cardinality(item_ids);

alter table user_recommendation_lists drop column item_ids, alter column item_rows set not null,
    add constraint user_recommendation_lists_lengths check (cardinality(scores) = cardinality(item_rows));
alter table item_related_lists drop column item_ids, alter column item_rows set not null,
    add constraint item_related_lists_lengths check (cardinality(scores) = cardinality(item_rows));

create view user_recommendations as
    select r.user_id,
        array(select i.external_id from unnest(r.item_rows) with ordinality as u(id, n)
              join items i on i.id = u.id order by u.n) as item_ids,
        r.scores, r.model_version, r.generated_at
    from user_recommendation_lists r;

create view item_related as
    select r.item_id,
        array(select i.external_id from unnest(r.item_rows) with ordinality as u(id, n)
              join items i on i.id = u.id order by u.n) as item_ids,
        r.scores, r.model_version, r.generated_at
    from item_related_lists r;

create view user_recommendations_flat as
    select r.user_id, u.n::integer as rank, i.external_id as item_id, r.scores[u.n] as score, r.model_version, r.generated_at
    from user_recommendation_lists r
    cross join lateral unnest(r.item_rows) with ordinality as u(id, n)
    join items i on i.id = u.id;

create view item_related_flat as
    select r.item_id, u.n::integer as rank, i.external_id as related_item_id, r.scores[u.n] as score, r.model_version, r.generated_at
    from item_related_lists r
    cross join lateral unnest(r.item_rows) with ordinality as u(id, n)
    join items i on i.id = u.id;

revoke all on user_recommendation_lists, item_related_lists from recstream_reader;
grant select on user_recommendations, user_recommendations_flat, item_related, item_related_flat to recstream_reader;
