"""A writer killed with SIGKILL mid-loop leaves an intact database with every committed rating."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from eval.rating.models import NewItem
from eval.rating.store import RatingStore

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from eval.rating.store import RatingStore

    store = RatingStore(Path(sys.argv[1]))
    scores = {"faithfulness": 4, "helpfulness": 3, "citation_accuracy": 5, "safety": 5}
    while (view := store.next_item("writer")) is not None:
        store.submit_likert("writer", view.item_id, scores, comment="x" * 2000)
        print(view.item_id, flush=True)
    """
)


def test_sigkill_mid_write_loses_no_committed_rating(tmp_path: Path) -> None:
    path = tmp_path / "ratings.sqlite3"
    store = RatingStore(path)
    store.add_items(
        [
            NewItem(
                kind="likert",
                question_id=f"q{k}",
                question="q",
                answer_a={"text": "a"},
                config_a="c",
            )
            for k in range(5000)
        ]
    )
    store.add_rater("writer")
    store.close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    committed = []
    for line in proc.stdout:
        committed.append(int(line))
        if len(committed) >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    committed += [int(line) for line in proc.stdout]  # lines already written before the kill
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in conn.execute("SELECT item_id FROM ratings")}
    assert set(committed) <= stored
    # Each rating and its assignment's completion were one transaction: they agree exactly.
    completed = {
        row[0]
        for row in conn.execute("SELECT item_id FROM assignments WHERE completed_at IS NOT NULL")
    }
    assert completed == stored
    conn.close()

    reopened = RatingStore(path)  # recovers the WAL and carries on where the writer stopped
    view = reopened.next_item("writer")
    assert view is not None and view.item_id not in stored
