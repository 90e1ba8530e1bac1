"""The PostgreSQL backend's tables, created on first use and migrated forward one version at a time
(`lfsync_schema_version`), and the trigger by which the database itself refuses state and journal
rows written by a session that does not hold the workspace's lock (pgstore.py describes the tables).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lfsync.errors import LfsyncError

if TYPE_CHECKING:
    import psycopg

LOCK_CLASS = 0x4C46  # the first key of every lfsync advisory lock ("LF"); the second is the workspace's hash
MIGRATION_LOCK = (LOCK_CLASS + 1, 0)
REFUSED_WITHOUT_LOCK = "LF001"  # the SQLSTATE of a write the database refused: its session does not hold the lock

MIGRATIONS: dict[int, list[str]] = {
    1: [
        """create table lfsync_state (
            workspace text primary key,
            lineage text not null,
            serial bigint not null,
            snapshot jsonb not null,
            updated_at timestamptz not null default now())""",
        """create table lfsync_journal (
            workspace text not null,
            entry_id bigserial not null,
            kind text not null check (kind in ('intent', 'outcome')),
            format_version integer not null,
            body jsonb not null,
            written_at timestamptz not null default now(),
            primary key (workspace, entry_id))""",
        """create table lfsync_lock_holders (
            workspace text primary key,
            pid integer not null,
            host text not null,
            command text not null,
            since timestamptz not null,
            backend_pid integer not null)""",
    ],
    2: [
        "alter table lfsync_lock_holders add column lock_id text",
        "alter table lfsync_lock_holders add column session_started timestamptz",
    ],
    3: [
        "alter table lfsync_journal add column lock_id text",
        "alter table lfsync_state add column lock_id text",
        f"""create function lfsync_require_lock() returns trigger language plpgsql as $body$
        declare
            row_workspace text;
            claims_lock boolean := false;  -- a row written names the lock it was written under
        begin
            if tg_op = 'DELETE' then
                row_workspace := old.workspace;
            else
                row_workspace := new.workspace;
                if tg_op = 'INSERT' then
                    claims_lock := true;
                elsif new.lock_id is distinct from old.lock_id then
                    claims_lock := true;
                end if;
            end if;
            if not exists (select 1 from pg_locks where pid = pg_backend_pid() and locktype = 'advisory' and granted
                    and classid = {LOCK_CLASS}::oid and objid = hashtext(row_workspace)::oid and objsubid = 2) then
                raise exception 'this session does not hold the state lock of workspace %', row_workspace
                    using errcode = '{REFUSED_WITHOUT_LOCK}';
            end if;
            if claims_lock and not exists (select 1 from lfsync_lock_holders where workspace = row_workspace
                    and lock_id = new.lock_id and backend_pid = pg_backend_pid()) then
                raise exception 'lock % is not the lock this session holds on workspace %',
                    coalesce(new.lock_id, '(none)'), row_workspace using errcode = '{REFUSED_WITHOUT_LOCK}';
            end if;
            if tg_op = 'DELETE' then
                return old;
            end if;
            return new;
        end
        $body$""",
        "create trigger lfsync_journal_needs_lock before insert or update or delete on lfsync_journal "
        "for each row execute procedure lfsync_require_lock()",
        "create trigger lfsync_state_needs_lock before insert or update or delete on lfsync_state "
        "for each row execute procedure lfsync_require_lock()",
    ],
}
SCHEMA_VERSION = max(MIGRATIONS)


def migrate(connection: psycopg.Connection) -> None:
    """Create or upgrade the tables, one runner at a time (a transaction-level advisory lock)."""
    with connection.transaction():
        connection.execute("select pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
        connection.execute("create table if not exists lfsync_schema_version (version integer not null)")
        current = single_value(connection, "select max(version) from lfsync_schema_version") or 0
        if current > SCHEMA_VERSION:
            raise LfsyncError(
                f"the state database has lfsync schema version {current}, newer than this lfsync's "
                f"({SCHEMA_VERSION}): upgrade lfsync"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                connection.execute(statement)
            connection.execute("insert into lfsync_schema_version (version) values (%s)", (version,))


def single_value(connection: psycopg.Connection, query: str, params: tuple = ()) -> Any:
    """The single value a one-row query returns."""
    row = connection.execute(query, params).fetchone()
    if row is None:
        raise LfsyncError(f"the state database answered no row to a query that always returns one: {query}")
    return row[0]
