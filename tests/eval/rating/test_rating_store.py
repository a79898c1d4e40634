"""The ratings store on real SQLite: assignment, blinding, bad input, concurrent raters."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from eval.rating import (
    AlreadyRated,
    DuplicateRater,
    InvalidRating,
    NotAssigned,
    RatingStore,
    UnknownItem,
    UnknownRater,
)
from eval.rating.importer import import_runs
from eval.rating.models import NewItem
from rag.settings import Settings

RunWriter = Callable[..., Path]
GOOD = {"faithfulness": 5, "helpfulness": 4, "citation_accuracy": 5, "safety": 5}


@pytest.fixture
def store() -> RatingStore:
    return RatingStore.from_settings(Settings(), seed=0)


def likert_item(qid: str, gold: dict[str, int] | None = None) -> NewItem:
    return NewItem(
        kind="likert",
        question_id=qid,
        question=f"question {qid}",
        answer_a={"text": f"answer {qid}", "citations": [], "passages": []},
        config_a="run-a",
        gold=gold,
    )


def test_store_lives_in_the_data_dir_with_migrations(store: RatingStore) -> None:
    assert store.path == Settings().data_dir / "ratings.sqlite3"
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in conn.execute("SELECT name FROM _migrations")] == ["m001_rating_tables"]


def test_every_item_reaches_at_least_two_raters(store: RatingStore) -> None:
    store.add_items([likert_item(f"q{k}") for k in range(5)])
    for name in ("ann", "bob", "cat", "dan"):
        store.add_rater(name)
    # Round-robin: each rater takes items until each of 5 items has 2 raters (10 ratings).
    for _ in range(3):
        for rater in ("ann", "bob", "cat", "dan"):
            view = store.next_item(rater)
            if view is not None:
                store.submit_likert(rater, view.item_id, GOOD)
    per_item: dict[int, set[str]] = {}
    for row in store.ratings():
        per_item.setdefault(row["item_id"], set()).add(row["rater_id"])
    assert len(per_item) == 5
    assert all(len(raters) >= 2 for raters in per_item.values())


def test_an_open_item_is_returned_again_until_rated(store: RatingStore) -> None:
    store.add_items([likert_item("q1"), likert_item("q2")])
    store.add_rater("Ann")
    first = store.next_item("ann")
    assert first is not None
    assert store.next_item("ann") == first
    store.submit_likert("ann", first.item_id, GOOD)
    second = store.next_item("ann")
    assert second is not None and second.item_id != first.item_id
    store.submit_likert("ann", second.item_id, GOOD)
    assert store.next_item("ann") is None


def test_pairs_are_blind_randomised_and_mapped_back(
    store: RatingStore, write_run: RunWriter
) -> None:
    import_runs(store, write_run("hybrid", "good"), write_run("no-retrieval", "bad"))
    raters = [store.add_rater(f"rater {k}").id for k in range(12)]
    first_sides = []
    for rater in raters:
        view = store.next_item(rater)
        assert view is not None and view.kind == "pair"
        dumped = view.model_dump_json()
        assert "hybrid" not in dumped and "no-retrieval" not in dumped and "fp-" not in dumped
        good_label = next(a.label for a in view.answers if "won it in 2026" not in a.text)
        store.submit_comparison(rater, view.item_id, good_label)
    for row in store.comparisons():
        first_sides.append(row["first_side"])
        assert row["winner"] == "a"  # the good run is configuration a, whatever side it showed on
        assert row["choice"] == ("A" if row["first_side"] == "a" else "B")
    assert set(first_sides) == {"a", "b"}


def test_gold_items_go_to_every_rater_and_flag_careless_ones(store: RatingStore) -> None:
    store.add_items([likert_item("gold", gold={"faithfulness": 1}), likert_item("q1")])
    for name in ("careful", "careless", "third"):
        store.add_rater(name)
    for rater, faith in (("careful", 1), ("careless", 5), ("third", 2)):
        while (view := store.next_item(rater)) is not None:
            store.submit_likert(rater, view.item_id, {**GOOD, "faithfulness": faith})
    gold = {g.rater_id: g for g in store.gold_results()}
    assert set(gold) == {"careful", "careless", "third"}
    assert gold["careless"].flagged and not gold["careful"].flagged and not gold["third"].flagged


@pytest.mark.parametrize(
    "scores",
    [
        {**GOOD, "faithfulness": 0},
        {**GOOD, "safety": 6},
        {**GOOD, "helpfulness": 2.5},
        {k: v for k, v in GOOD.items() if k != "safety"},
        {**GOOD, "creativity": 3},
        {**GOOD, "faithfulness": True},
    ],
)
def test_bad_scores_are_refused_and_nothing_is_stored(
    store: RatingStore, scores: dict[str, object]
) -> None:
    store.add_items([likert_item("q1")])
    store.add_rater("ann")
    view = store.next_item("ann")
    assert view is not None
    with pytest.raises(InvalidRating):
        store.submit_likert("ann", view.item_id, scores)
    assert store.ratings() == []
    assert store.next_item("ann") == view  # still open, can be rated properly


def test_unknown_raters_items_duplicates_and_unassigned_items(store: RatingStore) -> None:
    store.add_items([likert_item("q1"), likert_item("q2")])
    store.add_rater("ann")
    store.add_rater("bob")
    with pytest.raises(DuplicateRater):
        store.add_rater("Ann")
    with pytest.raises(UnknownRater, match="raters add"):
        store.next_item("zed")
    view = store.next_item("ann")
    assert view is not None
    with pytest.raises(UnknownItem):
        store.submit_likert("ann", 999, GOOD)
    with pytest.raises(NotAssigned):
        store.submit_likert("bob", view.item_id, GOOD)
    with pytest.raises(InvalidRating):
        store.submit_comparison("ann", view.item_id, "A")
    store.submit_likert("ann", view.item_id, GOOD)
    with pytest.raises(AlreadyRated):
        store.submit_likert("ann", view.item_id, GOOD)
    assert len(store.ratings()) == 1


def test_invalid_choice_is_refused(store: RatingStore, write_run: RunWriter) -> None:
    import_runs(store, write_run("a"), write_run("b", "bad"))
    store.add_rater("ann")
    view = store.next_item("ann")
    assert view is not None
    with pytest.raises(InvalidRating, match="Choice"):
        store.submit_comparison("ann", view.item_id, "left")
    assert store.comparisons() == []


def test_simultaneous_submissions_lose_nothing(tmp_path: Path) -> None:
    path = Settings().data_dir / "ratings.sqlite3"
    setup = RatingStore(path)
    setup.add_items([likert_item(f"q{k}") for k in range(10)])
    names = [f"rater{k}" for k in range(8)]
    for name in names:
        setup.add_rater(name)
    barrier = threading.Barrier(len(names))
    errors: list[BaseException] = []

    def rate_all(name: str) -> None:
        store = RatingStore(path)  # its own connection, as separate server workers would have
        try:
            barrier.wait()
            while (view := store.next_item(name)) is not None:
                store.submit_likert(name, view.item_id, GOOD)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rate_all, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = setup.ratings()
    assert len(rows) == len(names) * 10
    assert len({(r["rater_id"], r["item_id"]) for r in rows}) == len(rows)


def test_one_shared_store_across_threads(store: RatingStore) -> None:
    store.add_items([likert_item(f"q{k}") for k in range(6)])
    names = [store.add_rater(f"r{k}").id for k in range(6)]

    def rate_all(name: str) -> None:
        while (view := store.next_item(name)) is not None:
            store.submit_likert(name, view.item_id, GOOD)

    threads = [threading.Thread(target=rate_all, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.ratings()) == 36


def test_pair_items_need_both_answers(store: RatingStore) -> None:
    item = likert_item("q1").model_copy(update={"kind": "pair"})
    with pytest.raises(InvalidRating):
        store.add_items([likert_item("ok"), item])
    assert store.items() == []  # the good item before it was rolled back too


def test_gold_must_match_the_item_kind(store: RatingStore) -> None:
    store.add_items([likert_item("q1")])
    item_id = store.items()[0]["id"]
    with pytest.raises(InvalidRating):
        store.set_gold(item_id, {"winner": "a"})
    with pytest.raises(UnknownItem):
        store.set_gold(999, {"faithfulness": 1})
    store.set_gold(item_id, {"faithfulness": 2})
    assert json.loads(json.dumps(store.items()[0]["gold"])) == {"faithfulness": 2}
