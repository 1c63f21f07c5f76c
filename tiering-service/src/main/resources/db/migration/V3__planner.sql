-- The planner: a ranking of synced files kept as an indexed column, the state of its rounds,
-- deleted files that can still be brought back, and undelete tasks.

-- What the access records tell about a file, and the rank they give it: the lowest score is
-- evicted first. accesses and restores count uses; decayed is the use count decayed on the
-- volume's eviction clock, clock_at the clock at the last use (see file_rank below).
alter table file
    add column accesses  integer          not null default 0,
    add column restores  integer          not null default 0,
    add column decayed   double precision not null default 0,
    add column clock_at  double precision not null default 0,
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

-- One row per volume: the ranking's clock and the last round's outcome.
create table planner_state (
    volume_id      bigint           primary key references volume (id) on delete cascade,
    -- bytes the planner has evicted so far: the clock the ranking decays use counts on
    clock          double precision not null default 0,
    -- evicted bytes over which a use count decays by a factor e: 12 times the target (12 cache-fills)
    tau            double precision not null default 12e9,
    round_at       timestamptz,
    round_millis   bigint,
    round          jsonb,
    policy_seen_at timestamptz
);

-- The ranking (docs/architecture.md, "The ranking"; bench/ranking measures it): a file's use
-- count decayed exponentially on the eviction clock, times what restoring it costs per byte of
-- disk it takes (a fixed request overhead worth 64 KiB, plus its bytes). Kept as
--     score = clock + tau * ln(decayed * (1 + 65536 / size))
-- written only when the file is used: for any later clock value the clock term is the same for
-- every file, so ordering by the stored score orders files by their decayed count times cost
-- per byte now (the LRFU construction). Every use strictly raises a file's score, so a file
-- that keeps coming back ranks higher each time.
create function file_rank() returns trigger language plpgsql as $$
declare
    e double precision;
    t double precision;
begin
    select clock, tau into e, t from planner_state where volume_id = new.volume_id;
    e := coalesce(e, 0);
    t := coalesce(t, 12e9);
    if tg_op = 'INSERT' then
        new.decayed := 1 + new.accesses + new.restores;
    else
        new.decayed := old.decayed * exp(-greatest(e - old.clock_at, 0) / t)
                       + (new.accesses - old.accesses) + (new.restores - old.restores);
    end if;
    new.clock_at := e;
    new.score := e + t * ln(greatest(new.decayed, 1e-300) * (1 + 65536.0 / greatest(new.size, 1)));
    return new;
end $$;

create trigger file_rank_new before insert on file
for each row when (new.type = 'FILE') execute function file_rank();
create trigger file_rank_used before update of accesses, restores on file
for each row when (new.type = 'FILE' and (old.accesses, old.restores) is distinct from (new.accesses, new.restores))
execute function file_rank();

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
update file set decayed = 1, score = 12e9 * ln(1 + 65536.0 / greatest(size, 1)) where type = 'FILE';
