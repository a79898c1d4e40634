"""SQLite connections with WAL and named, append-only migrations.

Every store (turn log, ratings, A/B assignments) declares its migrations as an ordered
list of `(name, sql)` pairs; applied names are recorded in `_migrations` so each runs once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

Migration = tuple[str, str]


def connect(path: Path) -> sqlite3.Connection:
    """Open a database in WAL mode, safe to share across threads with its own lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def statements(sql: str) -> list[str]:
    """The whole SQL statements of a script, in order.

    A ";" inside a string, a comment or a trigger body does not end a statement;
    `sqlite3.complete_statement` decides where one does. Text after the last ";" counts
    as a final statement when it holds anything but whitespace.
    """
    found: list[str] = []
    current = ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    rest = current[:-1]  # drop the ";" added after the last piece
    if rest.strip():
        found.append(rest.strip())
    return [s for s in found if s.strip("; \n\t")]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names.

    Whether a migration ran is checked again inside its transaction, so two processes
    opening the same new database do not both run it.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations "
        "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    applied = []
    for name, sql in migrations:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                conn.execute("COMMIT")
                continue
            for statement in statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO _migrations (name) VALUES (?)", (name,))
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
