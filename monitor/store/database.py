"""Opening the monitor's SQLite database: checks, migrations, pragmas, transactions.

Read commands open the database read-only and never write to it (so they work on a file
or folder the user may not write to). A file that is not ctr-monitor's, or that a newer
release migrated further, is refused in one line and left untouched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from monitor.errors import StoreError
from monitor.store.migrations import APPLICATION, MIGRATIONS, SCHEMA_VERSION

# Each thread's connection keeps at most this much of the file in memory (SQLite's
# default is 2 MiB): the daemon holds one per worker, and its reads are small; the
# operating system caches the file anyway.
CACHE_KIB = 512
_FIRST_RELEASE = "m001_initial"


class Database:
    """One connection to the database, for one thread."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        try:
            self.db = self._connect()
            self._prepare()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open database {self.path}: {error} "
                             "(check [storage] database in the config)") from None

    # --- opening ------------------------------------------------------------------------

    def _connect(self) -> sqlite_utils.Database:
        if self.read_only:
            if not self.path.exists() or self.path.stat().st_size == 0:
                # Nothing stored yet: an empty database answers every read.
                db = sqlite_utils.Database(memory=True)
                MIGRATIONS.apply(db)
                return db
            return sqlite_utils.Database(self._read_only_connection())
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise StoreError(f"database {self.path} is read-only for this user: commands "
                             "that only read work; this one writes (check the file's owner "
                             "and permissions)")
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the folder {folder} for the database: "
                             f"{error.strerror or error}") from None
        if not os.access(folder, os.W_OK):
            raise StoreError(f"the folder {folder} is not writable by this user: the database "
                             "keeps its journal beside it (choose another [storage] database, "
                             "or fix the folder's permissions)")
        # Each connection is used by one thread; the daemon closes them all from another
        # when it stops, hence check_same_thread=False.
        return sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=False))

    def _read_only_connection(self) -> sqlite3.Connection:
        uri = f"file:{quote(str(self.path.resolve()))}"
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        try:
            connection.execute("select count(*) from sqlite_master").fetchone()
            return connection
        except sqlite3.OperationalError:
            # A WAL database in a folder we cannot write to: its shared-memory file cannot
            # be made. Read it as it stands on disk instead.
            connection.close()
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)

    def _prepare(self) -> None:
        db = self.db
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        tables = set(db.table_names())
        if tables:
            self._check_ownership(tables)
        if self.read_only:
            if MIGRATIONS.pending(db) and tables:
                raise StoreError(f"database {self.path} was made by an older ctr-monitor and "
                                 "needs an upgrade: run `ctr-monitor check` once (it upgrades "
                                 "it in place)")
            return
        # WAL + NORMAL: no fsync per commit, still consistent after any crash of the
        # process (kill -9 included); a power loss may lose only the last commits.
        db.execute("PRAGMA synchronous = NORMAL")
        if db.journal_mode != "wal":
            db.enable_wal()
        if tables and "_sqlite_migrations" not in tables:
            # Made by the first release, before migrations were recorded.
            MIGRATIONS.ensure_migrations_table(db)
            MIGRATIONS._record_applied(db, _FIRST_RELEASE)  # noqa: SLF001 (its baseline)
        if MIGRATIONS.pending(db):
            MIGRATIONS.apply(db)

    def _check_ownership(self, tables: set[str]) -> None:
        if "meta" not in tables:
            raise StoreError(f"{self.path} is not a ctr-monitor database (it has no meta "
                             "table): choose another [storage] database")
        rows = dict(self.db.execute("select key, value from meta").fetchall())
        application = rows.get("application")
        version = rows.get("schema_version") or ""
        if (application and application != APPLICATION) or not version.isdigit():
            raise StoreError(f"{self.path} is not a ctr-monitor database: choose another "
                             "[storage] database")
        if int(version) < 5:
            raise StoreError(f"{self.path} was made by a pre-release build (schema {version}):"
                             " move it aside and run `ctr-monitor check` to start afresh")
        known = {migration.name for migration in MIGRATIONS._migrations}  # noqa: SLF001
        applied = {migration.name for migration in MIGRATIONS.applied(self.db)}
        if int(version) > SCHEMA_VERSION or applied - known:
            what = (f"schema {version}; this one knows {SCHEMA_VERSION}"
                    if int(version) > SCHEMA_VERSION else
                    "with changes this one does not know: " + ", ".join(sorted(applied - known)))
            raise StoreError(f"{self.path} was made by a newer ctr-monitor ({what}): upgrade "
                             "ctr-monitor to read it (the file was left untouched)")

    # --- use ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything one check writes commits together, or not at all.

        The outermost transaction takes the write lock up front (BEGIN IMMEDIATE): a
        deferred one that read first and writes later fails at once, without waiting,
        when another connection (another daemon thread, a CLI command) wrote meanwhile.
        Nested ones are savepoints.
        """
        if self.read_only:
            raise StoreError("internal: a write was attempted on a read-only database")
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
