-- Let the migrating (writer) role act as the reader role (SET ROLE
-- recstream_reader), so that `recstream recommend` reads exactly what an app
-- with only the reader's rights can. Best effort: where the writer may not
-- grant roles (its DBA created recstream_reader), this is skipped.
do $$
begin
    execute format('grant recstream_reader to %I', current_user);
exception when insufficient_privilege then
    raise notice 'recstream_reader not granted to %: recommend will read as % itself', current_user, current_user;
end;
$$;
