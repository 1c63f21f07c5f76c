-- The planner: a ranking of synced files kept as an indexed column, the state of its rounds,
-- deleted files that can still be brought back, and undelete tasks.

-- What the access records tell about a file, and the rank they give it: the lowest score is
-- evicted first (see planner/Ranking). A file that keeps coming back ranks higher.
alter table file
    add column accesses  integer          not null default 0,
    add column restores  integer          not null default 0,
    add column score     double precision not null default 0;
drop index file_evictable;
-- "synced files of volume V in eviction order" (eviction above the high watermark): O(k log n)
create index file_evictable on file (volume_id, score, id) where state = 'SYNCED' and type = 'FILE';
-- "synced files of volume V least recently used first" (plain LRU, to compare; evict-after rules)
create index file_idle on file (volume_id, last_access, id) where state = 'SYNCED' and type = 'FILE';
-- "local files of volume V in eviction order" (upload first what would be evicted first)
create index file_local_rank on file (volume_id, score, id) where state = 'LOCAL' and type = 'FILE';
-- "evicted files of volume V" (pinned files brought back)
create index file_offhost on file (volume_id, id) where state in ('EVICTED', 'RESTORING') and type = 'FILE';

-- The ranking (planner/Ranking explains it and bench/trace-replay measures it): greedy-dual with
-- frequency. A file's score is set when it is created, accessed, resized or restored, from the
-- volume's aging value (the score of the last file the planner evicted) plus what keeping it is
-- worth: how often it was used and brought back, per byte of cache it takes.
create function zero_score(aging double precision, accesses integer, restores integer, size bigint)
returns double precision language sql immutable parallel safe
as $$ select aging + (1 + accesses + 2 * restores) * (1 + 1048576.0 / greatest(size, 4096)) $$;

create function file_score() returns trigger language plpgsql as $$
begin
    new.score := zero_score(coalesce((select aging from planner_state where volume_id = new.volume_id), 0),
                            new.accesses, new.restores, new.size);
    return new;
end $$;

create trigger file_score_new before insert on file
for each row when (new.type = 'FILE') execute function file_score();
create trigger file_score_used before update of accesses, restores, size on file
for each row when (new.type = 'FILE' and (old.accesses, old.restores, old.size) is distinct from (new.accesses, new.restores, new.size))
execute function file_score();

-- One row per volume: the ranking's aging value and the last round's outcome.
create table planner_state (
    volume_id      bigint           primary key references volume (id) on delete cascade,
    -- greedy-dual aging: the score of the last file evicted; new scores start from it
    aging          double precision not null default 0,
    round_at       timestamptz,
    round_millis   bigint,
    round          jsonb,
    policy_seen_at timestamptz
);

-- Files deleted while a stored copy of them existed: undelete brings them back during retention.
create table deleted_file (
    id          bigint generated always as identity primary key,
    volume_id   bigint      not null references volume (id) on delete cascade,
    file_id     bigint      not null,
    path        text        not null,
    object_id   bigint      not null references object (id) on delete cascade,
    mode        integer     not null,
    uid         integer     not null,
    gid         integer     not null,
    mtime       timestamptz not null,
    deleted_at  timestamptz not null default now()
);
-- "what was deleted at path P of volume V, newest first" (undelete, versions)
create index deleted_file_by_path on deleted_file (volume_id, path, deleted_at desc);

alter table task drop constraint task_kind_check;
alter table task add constraint task_kind_check check (kind in ('UPLOAD', 'EVICT', 'RESTORE', 'UNDELETE'));
alter table task
    add column nonce      text,
    add column dest_path  text,
    -- an undelete: the deleted file whose mode, owner and mtime the recreated file gets
    add column deleted_id bigint references deleted_file (id) on delete set null;
alter table command drop constraint command_action_check;
alter table command add constraint command_action_check check (action in ('UPLOAD', 'EVICT', 'RESTORE', 'UNDELETE'));
-- "is a move of file F already queued" (the planner never queues one twice)
create index task_open_by_file on task (volume_id, file_id) where state in ('PENDING', 'LEASED');
-- "recent failures of volume V" (status)
create index task_failed on task (volume_id, finished_at desc) where state in ('REFUSED', 'FAILED');
-- "what evictions finished since the host's last report" (the planner does not count freed space twice)
create index task_evicted on task (volume_id, finished_at) where kind = 'EVICT' and state = 'DONE';

-- The transfer history outlives the objects garbage collection removes.
alter table transfer drop constraint transfer_object_id_fkey;
alter table transfer add constraint transfer_object_id_fkey foreign key (object_id) references object (id) on delete set null;

-- Files catalogued before the ranking existed start from it as if just created.
update file set score = zero_score(0, accesses, restores, size) where type = 'FILE';
