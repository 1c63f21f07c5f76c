-- Each host's own credential: an agent acts only for its host and the volumes that host serves.
-- Only the SHA-256 of the token is kept (tokens are 256 random bits, so a plain digest is enough
-- and lets a request be authenticated with one index lookup). A revoked credential stays, so the
-- host cannot enrol again by itself; an admin issues it a new one.
create table host_credential (
    host_id      bigint      primary key references host(id) on delete cascade,
    token_sha256 bytea       unique check (octet_length(token_sha256) = 32),
    issued_at    timestamptz not null default now(),
    issued_by    text        not null check (issued_by in ('enrolment', 'admin')),
    revoked_at   timestamptz,
    check ((token_sha256 is null) = (revoked_at is not null))
);
