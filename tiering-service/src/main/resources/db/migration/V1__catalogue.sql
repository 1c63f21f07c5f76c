-- Zero's catalogue. One row per host, volume, file, name, stored object, transfer and task.
-- Index comments name the question each index answers.

create table host (
    id              bigint generated always as identity primary key,
    name            text        not null unique,
    capacity_bytes  bigint      not null check (capacity_bytes >= 0),
    used_bytes      bigint      not null check (used_bytes >= 0),
    target_bytes    bigint      check (target_bytes > 0),
    registered_at   timestamptz not null default now(),
    last_heartbeat  timestamptz not null default now()
);

create table volume (
    id              bigint generated always as identity primary key,
    name            text        not null unique,
    host_id         bigint      not null references host (id),
    -- highest journal sequence number applied; batches resume after it
    applied_seq     bigint      not null default 0,
    -- generation of the reconciling walk in progress, null when none
    reconcile_gen   bigint,
    created_at      timestamptz not null default now()
);
-- "which volumes does host H serve" (planner, per host)
create index volume_by_host on volume (host_id);

create table volume_policy (
    volume_id       bigint      primary key references volume (id) on delete cascade,
    policy          jsonb       not null,
    updated_at      timestamptz not null default now()
);

-- Immutable objects in the store: one per uploaded content version.
create table object (
    id                  bigint generated always as identity primary key,
    key                 text        not null unique,
    size                bigint      not null check (size >= 0),
    sha256              bytea       not null check (length(sha256) = 32),
    ref_count           integer     not null default 0 check (ref_count >= 0),
    created_at          timestamptz not null default now(),
    -- set when the last file stops pointing here; garbage-collected after the retention period
    unreferenced_since  timestamptz default now()
);
-- "objects no file references any more, oldest first" (garbage collection)
create index object_unreferenced on object (unreferenced_since) where ref_count = 0;

create table file (
    volume_id        bigint      not null references volume (id) on delete cascade,
    id               bigint      not null,
    type             text        not null check (type in ('FILE','DIRECTORY','SYMLINK','FIFO','SOCKET','CHAR_DEVICE','BLOCK_DEVICE')),
    size             bigint      not null check (size >= 0),
    mode             integer     not null,
    uid              integer     not null,
    gid              integer     not null,
    nlink            integer     not null,
    atime            timestamptz not null,
    mtime            timestamptz not null,
    ctime            timestamptz not null,
    link_target      text,
    state            text        not null default 'LOCAL'
                     check (state in ('LOCAL','UPLOADING','SYNCED','EVICTING','EVICTED','RESTORING')),
    content_version  bigint      not null default 0,
    content_hash     bytea,
    object_id        bigint      references object (id),
    -- last open/read the agent reported (or the last change); drives least-recently-used eviction
    last_access      timestamptz not null,
    -- the reconciling walk that last saw this file
    seen_gen         bigint,
    primary key (volume_id, id)
);
-- "least recently used synced files of volume V" (eviction above the high watermark): O(k log n)
create index file_evictable on file (volume_id, last_access) where state = 'SYNCED';
-- "local regular files of volume V not modified for N seconds" (uploads after the upload delay)
create index file_uploadable on file (volume_id, mtime) where state = 'LOCAL' and type = 'FILE';
-- "which files point at object O" (ref counting, restores, garbage collection)
create index file_by_object on file (object_id) where object_id is not null;

-- Names: (directory, name) -> file, so renaming a directory rewrites one row.
create table entry (
    volume_id   bigint  not null,
    parent_id   bigint  not null,
    name        text    not null,
    file_id     bigint  not null,
    seen_gen    bigint,
    primary key (volume_id, parent_id, name),
    foreign key (volume_id, file_id) references file (volume_id, id) on delete cascade
);
-- "the names of file F" (hard links, path of a file, dropping a file with its last name)
create index entry_by_file on entry (volume_id, file_id);

-- Which host holds which content version: a volume's content lives on its host unless evicted.
create view residency as
select f.volume_id, f.id as file_id, v.host_id, f.content_version, f.size
from file f
join volume v on v.id = f.volume_id
where f.type = 'FILE' and f.state in ('LOCAL', 'UPLOADING', 'SYNCED', 'EVICTING');

create table transfer (
    id               bigint generated always as identity primary key,
    volume_id        bigint      not null references volume (id) on delete cascade,
    file_id          bigint      not null,
    content_version  bigint,
    direction        text        not null check (direction in ('UP','DOWN')),
    object_id        bigint      references object (id),
    bytes            bigint      not null default 0,
    started_at       timestamptz not null default now(),
    finished_at      timestamptz,
    outcome          text        not null check (outcome in ('RUNNING','OK','FAILED','STALE')),
    error            text
);
-- "recent transfers of file F" (history, diagnosis)
create index transfer_by_file on transfer (volume_id, file_id, started_at desc);

create table task (
    id               bigint generated always as identity primary key,
    host_id          bigint      not null references host (id) on delete cascade,
    volume_id        bigint      not null references volume (id) on delete cascade,
    file_id          bigint      not null,
    kind             text        not null check (kind in ('UPLOAD','EVICT','PREFETCH')),
    content_version  bigint      not null,
    state            text        not null default 'PENDING' check (state in ('PENDING','LEASED','DONE','FAILED')),
    lease_until      timestamptz,
    attempts         integer     not null default 0,
    message          text,
    created_at       timestamptz not null default now(),
    finished_at      timestamptz
);
-- "open tasks of host H in order" (polling with FOR UPDATE SKIP LOCKED)
create index task_open_by_host on task (host_id, id) where state in ('PENDING', 'LEASED');

-- Reference counts follow file.object_id whatever code path changes it.
create function object_refs() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and old.object_id is not null then
        update object set ref_count = ref_count - 1,
               unreferenced_since = case when ref_count = 1 then now() else unreferenced_since end
         where id = old.object_id;
    end if;
    if tg_op in ('UPDATE', 'INSERT') and new.object_id is not null then
        update object set ref_count = ref_count + 1, unreferenced_since = null where id = new.object_id;
    end if;
    return null;
end $$;

create trigger file_object_refs
after insert or delete or update of object_id on file
for each row
execute function object_refs();

-- Reconciling walks: what each walk of a volume found and fixed.
create table reconcile (
    volume_id        bigint      not null references volume (id) on delete cascade,
    generation       bigint      not null,
    started_at       timestamptz not null default now(),
    finished_at      timestamptz,
    files_seen       bigint      not null default 0,
    files_added      bigint      not null default 0,
    files_updated    bigint      not null default 0,
    files_removed    bigint      not null default 0,
    entries_added    bigint      not null default 0,
    entries_removed  bigint      not null default 0,
    primary key (volume_id, generation)
);
