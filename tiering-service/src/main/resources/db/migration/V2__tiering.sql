-- Tiering: objects know their file, version and chunk hashes; tasks carry commands, outcomes
-- and bytes; hosts report the room their restores need.

-- An object is staged by an upload and stored once its uploader confirms it.
alter table object
    add column volume_id        bigint references volume (id) on delete cascade,
    add column file_id          bigint,
    add column content_version  bigint,
    add column nonce            text check (nonce ~ '^[0-9a-f]{16}$'),
    add column chunk_size       integer check (chunk_size > 0),
    -- the SHA-256 of every chunk, 32 bytes each, concatenated
    add column chunk_sha256     bytea,
    add column state            text not null default 'STORED' check (state in ('STAGED', 'STORED'));
-- "the object uploaded as version V of file F with nonce N" (restores, confirmations, versions)
create unique index object_by_file on object (volume_id, file_id, content_version, nonce);


alter table host
    drop column target_bytes,
    add column cache_bytes   bigint not null default 0 check (cache_bytes >= 0),
    add column needed_bytes  bigint not null default 0 check (needed_bytes >= 0);

-- Operator commands (upload/evict/restore these paths now) and their tasks.
create table command (
    id           bigint generated always as identity primary key,
    volume_id    bigint      not null references volume (id) on delete cascade,
    action       text        not null check (action in ('UPLOAD', 'EVICT', 'RESTORE')),
    paths        text[]      not null,
    not_found    text[]      not null default '{}',
    files        bigint      not null default 0,
    bytes        bigint      not null default 0,
    created_at   timestamptz not null default now()
);

update task set kind = 'RESTORE' where kind = 'PREFETCH';
alter table task drop constraint task_kind_check;
alter table task add constraint task_kind_check check (kind in ('UPLOAD', 'EVICT', 'RESTORE'));
alter table task drop constraint task_state_check;
alter table task add constraint task_state_check check (state in ('PENDING', 'LEASED', 'DONE', 'REFUSED', 'FAILED'));
alter table task
    add column command_id  bigint references command (id) on delete set null,
    add column bytes       bigint not null default 0 check (bytes >= 0);
-- "the tasks of command C" (progress)
create index task_by_command on task (command_id) where command_id is not null;

-- A partial download names its byte range.
alter table transfer add column byte_range text;
