-- recstream schema, version 14: apps filter lists by what they know of an
-- item, in SQL, without the reader seeing vectors or internal rows.
--
-- `item_attributes` gives each item's categories, uploader and title by
-- its external id, the id every list view names it by, so a reader joins
-- a list to it on `item_id` (one probe of the unique index per list entry).
create view item_attributes as
    select external_id as item_id, categories, uploader, title, created_at from items;

grant select on item_attributes to recstream_reader;
