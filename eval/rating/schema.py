"""The ratings database's named, append-only migrations."""

from __future__ import annotations

from rag.db import Migration

MIGRATIONS: list[Migration] = [
    (
        "m001_rating_tables",
        """
        CREATE TABLE raters (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('likert', 'pair')),
            question_id TEXT NOT NULL,
            question TEXT NOT NULL,
            question_kind TEXT NOT NULL DEFAULT '',
            config_a TEXT NOT NULL,
            settings_a TEXT NOT NULL,
            answer_a TEXT NOT NULL,
            metrics_a TEXT NOT NULL,
            config_b TEXT NOT NULL DEFAULT '',
            settings_b TEXT,
            answer_b TEXT,
            metrics_b TEXT,
            gold TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (kind, config_a, config_b, question_id)
        );
        CREATE TABLE assignments (
            rater_id TEXT NOT NULL REFERENCES raters (id),
            item_id INTEGER NOT NULL REFERENCES items (id),
            first_side TEXT CHECK (first_side IN ('a', 'b')),
            assigned_at TEXT NOT NULL,
            completed_at TEXT,
            PRIMARY KEY (rater_id, item_id)
        );
        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items (id),
            rater_id TEXT NOT NULL REFERENCES raters (id),
            faithfulness INTEGER NOT NULL CHECK (faithfulness BETWEEN 1 AND 5),
            helpfulness INTEGER NOT NULL CHECK (helpfulness BETWEEN 1 AND 5),
            citation_accuracy INTEGER NOT NULL CHECK (citation_accuracy BETWEEN 1 AND 5),
            safety INTEGER NOT NULL CHECK (safety BETWEEN 1 AND 5),
            comment TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (item_id, rater_id)
        );
        CREATE TABLE comparisons (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items (id),
            rater_id TEXT NOT NULL REFERENCES raters (id),
            first_side TEXT NOT NULL CHECK (first_side IN ('a', 'b')),
            choice TEXT NOT NULL CHECK (choice IN ('A', 'B', 'tie', 'both_bad')),
            winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie', 'both_bad')),
            comment TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (item_id, rater_id)
        );
        CREATE INDEX assignments_item ON assignments (item_id)
        """,
    ),
]
