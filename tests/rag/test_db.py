"""Migrations run whole statements: a ";" in a default value or a trigger body is no end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rag.db import connect, migrate, statements

MIGRATIONS = [
    (
        "m001_notes",
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            body TEXT NOT NULL DEFAULT 'first; second',  -- a comment; with a semicolon
            edits INTEGER NOT NULL DEFAULT 0
        );
        CREATE TRIGGER notes_edited AFTER UPDATE OF body ON notes
        BEGIN
            UPDATE notes SET edits = edits + 1 WHERE id = NEW.id;
            SELECT 1;
        END;
        INSERT INTO notes (id) VALUES (1)
        """,
    ),
]


def test_statements_split_only_where_a_statement_ends() -> None:
    found = statements(MIGRATIONS[0][1])
    assert len(found) == 3
    assert "'first; second'" in found[0]
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")
    assert found[2].startswith("INSERT")
    assert statements(" ; ;\n") == []


def test_a_default_with_a_semicolon_and_a_trigger_body_migrate(tmp_path: Path) -> None:
    conn = connect(tmp_path / "notes.db")
    assert migrate(conn, MIGRATIONS) == ["m001_notes"]
    assert conn.execute("SELECT body FROM notes").fetchone()[0] == "first; second"
    conn.execute("UPDATE notes SET body = 'changed' WHERE id = 1")
    conn.execute("UPDATE notes SET body = 'again' WHERE id = 1")
    assert conn.execute("SELECT edits FROM notes").fetchone()[0] == 2
    assert migrate(conn, MIGRATIONS) == []


def test_a_migration_recorded_after_the_first_look_is_not_run_again(tmp_path: Path) -> None:
    # m001 records m002 as another process would after this one read the applied names.
    racing = [
        ("m001_other_process", "INSERT INTO _migrations (name) VALUES ('m002_table')"),
        ("m002_table", "CREATE TABLE t (x TEXT)"),
    ]
    conn = connect(tmp_path / "race.db")
    assert migrate(conn, racing) == ["m001_other_process"]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "t" not in tables


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    conn = connect(tmp_path / "bad.db")
    broken = [("m001_bad", "CREATE TABLE t (x TEXT DEFAULT 'a;b'); INSERT INTO nowhere VALUES (1)")]
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "t" not in tables
    assert conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == 0
