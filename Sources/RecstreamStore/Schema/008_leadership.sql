-- One writer per database. The daemon that holds the leadership advisory
-- lock (on a session of its own) takes a new epoch when it takes over; every
-- batch transaction reads the epoch `for share` first and writes nothing when
-- it is not the writer's own, so an old leader that was paused or cut off
-- can never commit after a new one took over.
create table leadership (
    singleton boolean primary key default true check (singleton),
    epoch bigint not null,
    holder text not null,
    acquired_at timestamptz not null default now()
);
insert into leadership (epoch, holder) values (0, '');
